"""Campaigns: one worker sending a 10,000-recipient run over 20 LinkedIn accounts, on a fake
clock, against the sandbox in a process of its own. Imported once Django is set up.

The worker is played in-process, in one thread: it runs `campaign_step_run` for the campaign
whose next step is due first (earliest `next_send_at`, then the order the steps were
scheduled in, as a queue hands them out), moving the fake clock to that moment. Pacing is off
(no gap, every hour of every day) and the caps are far above the run, so every step sends.

Per send: the step's wall and CPU time, the time spent inside `PostpressClient.send_invitation`
(the API call, as the client makes it), their difference (what the scheduler and the worker
add), and the database queries and commits the step ran. Bare `send_invitation` calls against
the same sandbox are interleaved with the steps, so both see the same machine. The campaign
size is varied on teams of their own (one account, one campaign) to show what depends on it.
Last, django-tasks-db's worker loop runs some of the step tasks the run enqueued, for the
queue's own share of each step.
"""

import heapq
import itertools
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from datetime import time as day_time
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections

from bench import stack
from bench.inprocess import bare_client
from bench.plan import Plan, Row
from bench.stats import counting_the_wire, median, percentile
from campaigns.models import Campaign, CampaignKind, CampaignState, RecipientStatus
from campaigns.recipients import recipients_from_csv
from campaigns.services import PacingFields, campaign_create, campaign_start, campaign_step_run
from campaigns.templating import template_parse
from postpress_dashboard.core import clock
from postpress_dashboard.core.clock import FakeClock
from postpress_dashboard.postpress.client import PostpressClient
from postpress_dashboard.sandbox.models import Account, Person
from postpress_dashboard.sandbox.state import SandboxState
from postpress_dashboard.teams import services as team_services
from postpress_dashboard.teams.models import Role

ACCOUNTS = 20
# Far above any run: neither the dashboard's caps nor the sandbox's limit stops a send, and
# the sandbox never reports a usage the campaign would stop at.
CAPS = 1_000_000
SANDBOX_LIMIT = 100_000_000
# Campaign sizes run on a team of their own, and how many of their sends are measured.
SIZES = (100, 10_000)
SENDS_PER_SIZE = 300
# A bare call after every this many sends.
BARE_EVERY = 5
# Step tasks the queue's worker runs, to measure its own share.
QUEUE_TASKS = 300
# A Monday, 09:00 UTC.
START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
TEMPLATE = "Hi {first_name|there}, I read your post on {topic|outreach}. Glad to connect."
# The sandbox's own seeded accounts stay; the bench's accounts are added beside them.
ACCOUNT_ID = "acc_linkedin_bench_{:02d}"


def recipients(plan: Plan) -> int:
    """The run's size: the plan's, or BENCH_CAMPAIGN_RECIPIENTS for a shorter check."""
    return int(os.environ.get("BENCH_CAMPAIGN_RECIPIENTS", plan.campaign_recipients))


# --- the sandbox --------------------------------------------------------------------------


def sandbox_accounts_add(state: SandboxState, account_ids: list[str]) -> None:
    """LinkedIn accounts the sandbox did not seed, each with a limit no run reaches."""
    with state.lock:
        for account_id in account_ids:
            owner = Person("Bench Sender", f"ACoAABench{account_id}", account_id, "Benchmarks")
            state.accounts[account_id] = Account(account_id, "LINKEDIN", owner, SANDBOX_LIMIT)


def serve_sandbox(*, port: int, api_key: str, account_ids: list[str]) -> None:
    """The sandbox process's body: the seeded sandbox plus the bench's accounts."""
    from postpress_dashboard.sandbox.app import SandboxApp
    from postpress_dashboard.sandbox.server import serve_sandbox as serve

    state = SandboxState(invitation_limit=SANDBOX_LIMIT)
    sandbox_accounts_add(state, account_ids)
    serve("127.0.0.1", port, SandboxApp(state, api_key))


@contextmanager
def sandbox(space: stack.Workspace, account_ids: list[str]) -> Iterator[stack.Sandbox]:
    """The sandbox in a process of its own, as the other measures run it, knowing the
    bench's accounts (the `run_sandbox` command seeds one LinkedIn account only)."""
    port = stack.free_port()
    code = (
        "import django; django.setup(); from bench.campaigns import serve_sandbox; "
        f"serve_sandbox(port={port}, api_key={stack.API_KEY!r}, account_ids={account_ids!r})"
    )
    command = [sys.executable, "-c", code]
    with stack._process(space, "campaign-sandbox", command, port, space.env) as process:
        yield stack.Sandbox(port, process)


# --- building campaigns -------------------------------------------------------------------


def _pacing_off() -> PacingFields:
    return PacingFields(
        timezone="UTC",
        work_days="1234567",
        work_start=day_time(0),
        work_end=day_time(23, 59, 59),
        gap_min_seconds=0,
        gap_max_seconds=0,
        daily_limit=None,
    )


def _csv(prefix: str, count: int) -> bytes:
    lines = ["provider_id,first_name,topic"]
    lines += [f"ACoAA{prefix}x{number:05d},Person {number},pacing" for number in range(count)]
    return "\n".join(lines).encode()


def campaigns_create(
    *, base_url: str, api_key: str, name: str, account_ids: list[str], sizes: list[int]
) -> list[Campaign]:
    """A team on the sandbox, one account per id and one started invitations campaign on
    each, of the given sizes."""
    team = team_services.team_create(name=name, base_url=base_url, api_key=api_key)
    owner = User.objects.create_user(f"{name.lower().replace(' ', '-')}-owner")
    team_services.member_add(team=team, user=owner, role=Role.ADMIN, actor=None)
    made = []
    for number, (account_id, size) in enumerate(zip(account_ids, sizes, strict=True)):
        fields = team_services.AccountFields(
            provider="LINKEDIN",
            account_id=account_id,
            label=f"{name} {number}",
            linkedin_apis=["classic"],
            daily_cap=CAPS,
            weekly_cap=CAPS,
        )
        account = team_services.account_add(team=team, fields=fields, actor=None)
        campaign = campaign_create(
            team=team,
            account=account,
            name=f"{name} {number}",
            kind=CampaignKind.INVITATIONS,
            template=template_parse(TEMPLATE),
            recipients=recipients_from_csv(
                _csv(f"{team.pk}a{number}", size), max_rows=size, takes_email=False
            ),
            pacing=_pacing_off(),
            actor=owner,
        )
        # Started on the run's clock: its first steps are due at START, whenever this runs.
        with clock.use(FakeClock(START)):
            campaign_start(campaign=campaign, actor=owner)
        made.append(campaign)
    return made


# --- running them -------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    seconds: float  # the whole step, wall time
    cpu_seconds: float  # the whole step, this thread's CPU time
    api_seconds: float  # inside PostpressClient.send_invitation, wall time
    api_cpu_seconds: float
    api_calls: int
    queries: int
    commits: int  # transactions that wrote: atomic blocks and single writes outside them

    @property
    def overhead(self) -> float:
        return self.seconds - self.api_seconds

    @property
    def overhead_cpu(self) -> float:
        return self.cpu_seconds - self.api_cpu_seconds


@dataclass
class _ApiTime:
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    calls: int = 0


@contextmanager
def _timing_the_api() -> Iterator[_ApiTime]:
    """Adds up the time spent inside PostpressClient.send_invitation, whoever calls it."""
    spent = _ApiTime()
    send = PostpressClient.send_invitation

    def timed(client: PostpressClient, **kwargs: Any) -> Any:
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            return send(client, **kwargs)
        finally:
            spent.seconds += time.perf_counter() - started
            spent.cpu_seconds += time.thread_time() - cpu
            spent.calls += 1

    PostpressClient.send_invitation = timed  # type: ignore[method-assign, assignment]
    try:
        yield spent
    finally:
        PostpressClient.send_invitation = send  # type: ignore[method-assign]


@dataclass
class _Database:
    """Queries run, and transactions that wrote (each one a commit the database makes
    durable): the atomic blocks that committed, and writes run outside any."""

    queries: int = 0
    commits: int = 0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        self.queries += 1
        writes = sql.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE")
        if writes and not context["connection"].in_atomic_block:
            self.commits += 1
        return execute(sql, params, many, context)


@contextmanager
def _counting_the_database() -> Iterator[_Database]:
    counted = _Database()
    wrapper = connections[DEFAULT_DB_ALIAS]
    commit = wrapper.commit

    def counted_commit() -> None:
        counted.commits += 1
        commit()

    wrapper.commit = counted_commit
    try:
        with wrapper.execute_wrapper(counted):
            yield counted
    finally:
        del wrapper.commit  # the class's again


def resident_bytes() -> int:
    """This process's resident set size now (VmRSS; Linux)."""
    status = Path("/proc/self/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
    return int(line.split()[1]) * 1024


@dataclass
class Run:
    steps: list[Step] = field(default_factory=list)  # the steps that sent, in order
    other_steps: int = 0  # steps that sent nothing (a campaign finishing)
    bare: list[float] = field(default_factory=list)
    seconds: float = 0.0  # wall time of the whole loop, steps and picking them
    memory: dict[int, int] = field(default_factory=dict)  # percent of the sends -> RSS bytes

    @property
    def sends(self) -> int:
        return len(self.steps)

    def share(self, first: float, last: float) -> list[Step]:
        """The sending steps between two fractions of the run (0..1)."""
        return self.steps[int(first * self.sends) : max(int(last * self.sends), 1)]


def campaigns_run(
    campaigns: list[Campaign],
    fake: FakeClock,
    bare: PostpressClient,
    *,
    max_sends: int | None = None,
    memory_at: tuple[int, ...] = (),
) -> Run:
    """Play one worker: always the step due first, until every campaign stops running (or
    `max_sends` steps have sent). A bare call to the same sandbox after every few sends."""
    expected = sum(c.recipients.count() for c in campaigns)
    target = expected if max_sends is None else min(expected, max_sends)
    marks = {max(1, target * percent // 100): percent for percent in memory_at}
    order = itertools.count()
    due = [(c.next_send_at, next(order), c.pk, c.ticket, c.account.account_id) for c in campaigns]
    heapq.heapify(due)
    run = Run()
    with clock.use(fake), _timing_the_api() as api:
        started = time.perf_counter()
        while due and (max_sends is None or run.sends < max_sends):
            at, _, campaign_id, ticket, account_id = heapq.heappop(due)
            fake.set(max(fake(), at))
            before = (api.seconds, api.cpu_seconds, api.calls)
            with _counting_the_database() as database:
                step_started, step_cpu = time.perf_counter(), time.thread_time()
                campaign_step_run(campaign_id=campaign_id, ticket=ticket)
                seconds = time.perf_counter() - step_started
                cpu_seconds = time.thread_time() - step_cpu
            step = Step(
                seconds,
                cpu_seconds,
                api.seconds - before[0],
                api.cpu_seconds - before[1],
                api.calls - before[2],
                database.queries,
                database.commits,
            )
            if step.api_calls:
                run.steps.append(step)
                if run.sends in marks:
                    run.memory[marks[run.sends]] = resident_bytes()
                if run.sends % BARE_EVERY == 0:
                    run.bare.append(_bare_send(bare, account_id, run.sends))
            else:
                run.other_steps += 1
            state, ticket, at = (
                Campaign.objects.filter(pk=campaign_id)
                .values_list("state", "ticket", "next_send_at")
                .get()
            )
            if state == CampaignState.RUNNING:
                heapq.heappush(due, (at, next(order), campaign_id, ticket, account_id))
        run.seconds = time.perf_counter() - started
    if max_sends is None:
        sent = sum(c.recipients.filter(status=RecipientStatus.SENT).count() for c in campaigns)
        assert sent == expected == run.sends, (sent, expected, run.sends)
    return run


def _bare_send(bare: PostpressClient, account_id: str, number: int) -> float:
    started = time.perf_counter()
    bare.send_invitation(account_id=account_id, provider_id=f"ACoAABare{number:06d}", message="Hi")
    return time.perf_counter() - started


@dataclass(frozen=True)
class QueueCost:
    tasks: int
    seconds: float  # per task, the queue's own share (the step it runs left out)
    queries: int  # per task, all of them
    commits: int


def queue_cost(tasks: int) -> QueueCost:
    """What django-tasks-db's worker (`manage.py db_worker`, the default queue) adds to each
    step: it runs `tasks` of the step tasks the campaigns enqueued, as its loop does (check
    the connection, claim the oldest ready task, run it, record the result). Their tickets
    are stale by now, so each step is one query that finds nothing to do."""
    from django_tasks_db.management.commands.db_worker import Worker

    from campaigns import tasks as campaign_tasks

    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=tasks,
        worker_id="bench-campaigns",
        excluded_queue_names=[],
    )
    in_steps = 0.0
    step = campaign_tasks.campaign_step_run

    def timed_step(**kwargs: Any) -> None:
        nonlocal in_steps
        started = time.perf_counter()
        try:
            step(**kwargs)
        finally:
            in_steps += time.perf_counter() - started

    campaign_tasks.campaign_step_run = timed_step
    tasks_logger = logging.getLogger("django.tasks")
    level = tasks_logger.level
    tasks_logger.setLevel(logging.WARNING)  # not a line per task
    try:
        with _counting_the_database() as database:
            started = time.perf_counter()
            worker.run()
            seconds = time.perf_counter() - started
    finally:
        campaign_tasks.campaign_step_run = step
        tasks_logger.setLevel(level)
    ran = worker._run_tasks
    assert ran == tasks, (ran, tasks)
    per_task = (seconds - in_steps) / ran
    return QueueCost(ran, per_task, round(database.queries / ran), round(database.commits / ran))


# --- the measure --------------------------------------------------------------------------


@dataclass(frozen=True)
class Results:
    recipients: int
    run: Run
    by_size: dict[int, Run]
    queue: QueueCost
    api_requests: int
    connections: int


def measure(plan: Plan, space: stack.Workspace) -> Results:
    size = recipients(plan)
    sizes = sorted({min(SIZES), min(size, max(SIZES))})
    run_ids = [ACCOUNT_ID.format(number) for number in range(ACCOUNTS)]
    size_ids = [f"acc_linkedin_bench_size_{chosen}" for chosen in sizes]
    call_command("migrate", verbosity=0)
    with sandbox(space, run_ids + size_ids) as api, counting_the_wire() as wire:
        bare = bare_client(api.base_url, stack.API_KEY)
        by_size = {}
        for chosen, account_id in zip(sizes, size_ids, strict=True):
            print(f"campaign of {chosen:,} recipients ...", flush=True)
            [campaign] = campaigns_create(
                base_url=api.base_url,
                api_key=stack.API_KEY,
                name=f"Bench size {chosen}",
                account_ids=[account_id],
                sizes=[chosen],
            )
            by_size[chosen] = campaigns_run(
                [campaign], FakeClock(START), bare, max_sends=SENDS_PER_SIZE
            )
        print(f"campaign run, {size:,} recipients over {ACCOUNTS} accounts ...", flush=True)
        share, extra = divmod(size, ACCOUNTS)
        run_campaigns = campaigns_create(
            base_url=api.base_url,
            api_key=stack.API_KEY,
            name="Bench campaigns",
            account_ids=run_ids,
            sizes=[share + (1 if number < extra else 0) for number in range(ACCOUNTS)],
        )
        run = campaigns_run(run_campaigns, FakeClock(START), bare, memory_at=(10, 50, 100))
        print("the task queue's own work ...", flush=True)
        queue = queue_cost(QUEUE_TASKS)
    sends = run.sends + sum(r.sends for r in by_size.values())
    bare_calls = len(run.bare) + sum(len(r.bare) for r in by_size.values())
    assert wire.requests == sends + bare_calls, (wire.requests, sends, bare_calls)
    return Results(size, run, by_size, queue, wire.requests, wire.connections)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _values(values: set[int]) -> str:
    return " or ".join(str(value) for value in sorted(values))


def rows(results: Results) -> list[Row]:
    run, size = results.run, results.recipients
    title = f"Campaign, {size:,} recipients over {ACCOUNTS} accounts, one worker"
    overhead = median([step.overhead for step in run.steps])
    first, last = run.share(0, 0.1), run.share(0.9, 1)
    mib = {percent: rss / stack.MIB for percent, rss in sorted(run.memory.items())}
    growth = mib[100] - mib[10]
    samples = {f"{chosen:,} recipients": r.steps for chosen, r in results.by_size.items()}
    samples |= {"the run's first 10%": first, "its last 10%": last}
    queries = {name: {step.queries for step in steps} for name, steps in samples.items()}
    commits = _values({step.commits for steps in samples.values() for step in steps})
    queue = results.queue
    return [
        Row(
            f"{title}: scheduler and worker time per send, over the API call (median, p95)",
            f"{_ms(overhead)}, p95 {_ms(percentile([s.overhead for s in run.steps], 0.95))} "
            f"({_ms(median([s.seconds for s in run.steps]))} step, of which "
            f"{_ms(median([s.api_seconds for s in run.steps]))} in the call, vs "
            f"{_ms(median(run.bare))} bare call; "
            f"{_ms(median([s.overhead_cpu for s in run.steps]))} of CPU)",
            "<= 5 ms",
            overhead <= 0.005,
        ),
        Row(
            "Campaign: time per send over the API call, by campaign size and along the run "
            "(median)",
            ", ".join(
                f"{_ms(median([s.overhead for s in steps]))} ({name})"
                for name, steps in samples.items()
            ),
            "(reported)",
            None,
        ),
        Row(
            "Campaign: database queries per send, by campaign size and along the run",
            ", ".join(f"{_values(counts)} ({name})" for name, counts in queries.items())
            + f"; {commits} commits",
            "constant",
            len({frozenset(counts) for counts in queries.values()}) == 1
            and all(len(counts) == 1 for counts in queries.values()),
        ),
        Row(
            f"{title}: worker's resident memory at 10%, 50%, 100% of the sends",
            " / ".join(f"{value:.1f}" for value in mib.values()) + f" MiB ({growth:+.1f} MiB)",
            "flat (< 5 MiB from 10% to 100%)",
            growth < 5,
        ),
        Row(
            f"{title}: sends per second, pacing off",
            f"{run.sends / run.seconds:.0f} sends/s ({run.sends:,} sends and "
            f"{run.other_steps} finishing steps in {run.seconds:.1f} s; "
            f"{results.connections} connections opened for {results.api_requests:,} calls, "
            "the worker's and the bare calls')",
            "(reported)",
            None,
        ),
        Row(
            "Campaign: django-tasks-db's own work per step task (check the connection, claim, "
            f"record the result; {queue.tasks} tasks)",
            f"{_ms(queue.seconds)}, {queue.queries} queries, {queue.commits} commits "
            "(the step's own left out)",
            "(reported)",
            None,
        ),
    ]


def campaign_rows(plan: Plan, space: stack.Workspace) -> list[Row]:
    return rows(measure(plan, space))
