"""`make bench`: measure what the dashboard adds on top of the postpress API, print the table
and write it into docs/benchmarks.md (between its markers; the text around them is kept).

    .venv/bin/python -m bench.run [--quick] [--no-write]

--quick runs fewer repetitions, smaller uploads and a shorter load, to check the benchmarks
themselves; its numbers are not the ones to publish.
"""

import argparse
import datetime
import os
import platform
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import django

from bench import stack

DOC = stack.ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
ADMIN = "bench-admin"


@dataclass(frozen=True)
class Plan:
    upload_mib: tuple[int, ...]
    people: int
    load_warmup: float
    load_seconds: float
    page_views_for_connections: int = 100


FULL = Plan(upload_mib=(10, 100, 500), people=20, load_warmup=5, load_seconds=30)
QUICK = Plan(upload_mib=(10, 50), people=8, load_warmup=2, load_seconds=8)


@dataclass(frozen=True)
class Row:
    measure: str
    result: str
    goal: str
    met: bool | None  # None: reported, no goal

    @property
    def verdict(self) -> str:
        return {True: "met", False: "**not met**", None: "-"}[self.met]


def _prepare(api: stack.Sandbox, people: int):  # type: ignore[no-untyped-def]
    """The team on the sandbox, its LinkedIn account, an admin and `people` members."""
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from postpress_dashboard.teams import services
    from postpress_dashboard.teams.models import Role

    call_command("migrate", verbosity=0)
    team = services.team_create(name="Bench", base_url=api.base_url, api_key=stack.API_KEY)
    admin = User.objects.create_user(ADMIN, password=stack.PASSWORD)
    services.member_add(team=team, user=admin, role=Role.ADMIN, actor=None)
    users = []
    for number in range(people):
        name = f"bench-person-{number}"
        user = User.objects.create_user(name, password=stack.PASSWORD)
        services.member_add(team=team, user=user, role=Role.MEMBER, actor=None)
        users.append((name, stack.PASSWORD))
    fields = services.AccountFields(
        provider="LINKEDIN", account_id=stack.ACCOUNT_ID, label="Bench", linkedin_apis=["classic"]
    )
    account = services.account_add(team=team, fields=fields, actor=None)
    account.daily_cap = account.weekly_cap = 100_000
    account.save()
    return team, account, admin, users


def _gunicorn_connections(worker: int, sandbox_port: int) -> int:
    """Connections the worker holds open to the sandbox (pooled, kept alive)."""
    listing = subprocess.run(  # noqa: S603
        ["/usr/bin/ss", "-Htnp", "state", "established", f"( dport = :{sandbox_port} )"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sum(1 for line in listing.splitlines() if f"pid={worker}," in line)


def measure(plan: Plan, space: stack.Workspace) -> list[Row]:
    from django.test import Client

    from bench import inprocess, load, uploads
    from bench.stats import median, ms, percentile
    from invitations.models import InvitationDecision
    from postpress_dashboard.teams.models import Team

    rows: list[Row] = []
    with stack.sandbox(space) as api:
        team, account, admin, users = _prepare(api, plan.people)
        client = Client()
        client.force_login(admin)
        bare = inprocess.bare_client(api.base_url, stack.API_KEY)

        print("inbox page views ...", flush=True)
        big = inprocess.inbox_views(client, bare, account, 100)
        default = inprocess.inbox_views(client, bare, account, 25)
        small = inprocess.inbox_views(client, bare, account, 10)
        for result, goal in ((big, "<= 10 ms"), (default, "(reported)"), (small, "(reported)")):
            page_median = median([s.seconds for s in result.page])
            rows.append(
                Row(
                    f"Inbox, {result.size} rows: server time added to the list call (median)",
                    f"{ms(result.added)} ({ms(page_median)} page vs {ms(median(result.bare))} "
                    f"bare call, {page_median / median(result.bare):.2f}x)",
                    goal,
                    result.added <= 0.010 if result is big else None,
                )
            )
        calls = sorted({s.api_requests for s in big.page + default.page + small.page})
        rows.append(
            Row("Inbox: API calls per page view", _values(calls), "exactly 1", calls == [1])
        )
        queries = {size.size: sorted({s.queries for s in size.page}) for size in (small, big)}
        rows.append(
            Row(
                "Inbox: database queries per page view",
                f"{_values(queries[10])} with 10 rows, {_values(queries[100])} with 100",
                "<= 6, same for any size",
                queries[10] == queries[100] and max(queries[100]) <= 6,
            )
        )

        print("accept through htmx ...", flush=True)
        decided = inprocess.decisions(client, bare, account)
        decide_median = median([s.seconds for s in decided.decide])
        rows.append(
            Row(
                "Accept (htmx): server time added to the accept call (median)",
                f"{ms(decided.added)} ({ms(decide_median)} vs {ms(median(decided.bare))} bare)",
                "small (no number set)",
                None,
            )
        )
        decide_queries = sorted({s.queries for s in decided.decide})
        rows.append(Row("Accept (htmx): database queries", _values(decide_queries), "-", None))
        largest = max(s.body_bytes for s in decided.decide)
        rows.append(
            Row(
                "Accept (htmx): response size (largest)",
                f"{largest} bytes (the row fragment)",
                "<= 2 KB",
                largest <= 2048,
            )
        )

        print("connection reuse ...", flush=True)
        views = plan.page_views_for_connections
        opened = inprocess.connections_over_page_views(client, account, views)
        rows.append(
            Row(
                f"Connections opened to the API over {views} page views, one worker thread",
                str(opened),
                "1",
                opened == 1,
            )
        )
        with stack.gunicorn(space, workers=1) as dashboard:
            session = uploads.signed_in_session(dashboard, ADMIN, stack.PASSWORD)
            inbox = f"{dashboard.url}/inbox/?account={account.pk}&size=25"
            for _ in range(views):
                session.get(inbox, timeout=60).raise_for_status()
            [worker] = dashboard.worker_pids()
            held = _gunicorn_connections(worker, api.port)
            threads = os.environ.get("GUNICORN_THREADS", "8")
            rows.append(
                Row(
                    f"Connections open to the API after {views} page views, one gunicorn "
                    f"worker ({threads} threads)",
                    str(held),
                    f"at most one per thread ({threads})",
                    held <= int(threads),
                )
            )

            print("uploads ...", flush=True)
            with tempfile.TemporaryDirectory(dir=space.folder) as folder:
                for mib in plan.upload_mib:
                    video = uploads.write_video(Path(folder) / f"video-{mib}.mp4", mib)
                    result = uploads.forward_upload(
                        dashboard=dashboard,
                        session=session,
                        account_pk=account.pk,
                        account_id=account.account_id,
                        api=(api.base_url, stack.API_KEY),
                        video=video,
                        mib=mib,
                    )
                    video.unlink()
                    growth_mib = result.peak_growth_bytes / stack.MIB
                    rows.append(
                        Row(
                            f"Upload {mib} MB: worker's peak memory growth",
                            f"{growth_mib:.1f} MiB",
                            "<= 50 MB",
                            growth_mib <= 50,
                        )
                    )
                    slower = result.dashboard_seconds / result.bare_seconds
                    rows.append(
                        Row(
                            f"Upload {mib} MB: throughput through the dashboard vs bare",
                            f"{result.dashboard_mib_s:.0f} vs {result.bare_mib_s:.0f} MiB/s "
                            f"({slower:.2f}x the time)",
                            "within 2x",
                            slower <= 2,
                        )
                    )

    print("load ...", flush=True)
    with stack.sandbox(space, latency_ms=100) as slow_api:
        # A freshly seeded sandbox has the same invitation ids again: forget the earlier
        # decisions, or every row would show as handled already.
        Team.objects.filter(pk=team.pk).update(base_url=slow_api.base_url)
        InvitationDecision.objects.all().delete()
        with stack.gunicorn(space) as dashboard:
            ran = load.triage_load(
                dashboard,
                account_pk=account.pk,
                users=users,
                warmup=plan.load_warmup,
                duration=plan.load_seconds,
            )
    workers = os.environ.get("WEB_CONCURRENCY", "2 x cores + 1")
    for kind in ("inbox page", "accept (htmx)", None):
        records = ran.of(kind)
        seconds = [r[3] for r in records]
        label = kind or "all requests"
        rows.append(
            Row(
                f"Load, {ran.people} people, API +100 ms: {label}",
                f"{len(records) / ran.seconds:.1f} req/s, p50 {ms(percentile(seconds, 0.5))}, "
                f"p95 {ms(percentile(seconds, 0.95))}",
                "-" if kind else f"gunicorn: {workers} workers",
                None,
            )
        )
    rows.append(
        Row(
            "Load: server errors (5xx or no answer)",
            str(ran.server_errors),
            "0",
            ran.server_errors == 0,
        )
    )
    return rows


def _values(values: list[int]) -> str:
    return " or ".join(str(value) for value in values)


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    memory_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    database = os.environ.get("BENCH_DATABASE_URL", f"SQLite {sqlite3.sqlite_version}")
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory_kib / 1024 / 1024:.0f} GiB; "
        f"{platform.system()} {platform.release()}; Python {platform.python_version()}, "
        f"Django {django.get_version()}; database: {database.split('@')[-1]}; cache: local memory"
    )


def table(rows: list[Row], plan: Plan) -> str:
    ran_on = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Run {ran_on} on {machine()}.",
        "",
        "| measure | result | goal | |",
        "|---|---|---|---|",
        *(f"| {row.measure} | {row.result} | {row.goal} | {row.verdict} |" for row in rows),
    ]
    if plan is QUICK:
        lines += ["", "(--quick: fewer repetitions, smaller uploads, a shorter load.)"]
    return "\n".join(lines)


def write_doc(text: str) -> None:
    current = DOC.read_text()
    before, _, rest = current.partition(START)
    _, _, after = rest.partition(END)
    DOC.write_text(f"{before}{START}\n{text}\n{END}{after}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-write", action="store_true", help="print only")
    options = parser.parse_args()
    plan = QUICK if options.quick else FULL
    with stack.workspace() as space:
        os.environ.update(space.env)
        django.setup()
        rows = measure(plan, space)
    text = table(rows, plan)
    print(text)
    if not options.no_write and not options.quick:
        write_doc(text)
        print(f"Written to {DOC.relative_to(stack.ROOT)}")


if __name__ == "__main__":
    main()
