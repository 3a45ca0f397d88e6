"""The benchmarks' own arithmetic and bookkeeping (the measures themselves run in make bench)."""

from pathlib import Path

import pytest
import requests

from bench import campaigns, run, stack
from bench.inprocess import bare_client
from bench.plan import Row
from bench.stats import counting_the_wire, median, percentile
from invitations.models import SentInvitation
from postpress_dashboard.core.clock import FakeClock
from postpress_dashboard.sandbox.server import running_sandbox


def test_percentiles_are_nearest_rank() -> None:
    samples = [float(n) for n in range(1, 101)]
    assert (percentile(samples, 0.5), percentile(samples, 0.95)) == (50.0, 95.0)
    assert percentile([3.0], 0.95) == 3.0
    assert median([5.0, 1.0, 3.0]) == 3.0


def test_the_wire_count_sees_each_request_and_each_new_connection(db: None) -> None:
    with running_sandbox() as sandbox, counting_the_wire() as wire:
        session = requests.Session()
        url = f"{sandbox.base_url}/users/invite/received?account_id=acc_linkedin_demo&limit=1"
        for _ in range(3):
            session.get(url, headers={"X-API-KEY": sandbox.api_key}, timeout=10)
        requests.get(url, headers={"X-API-KEY": sandbox.api_key}, timeout=10)  # a new session
    assert (wire.requests, wire.connections) == (4, 2)


def test_the_table_replaces_only_what_lies_between_the_markers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text(f"# Intro\n\n{run.START}\nold table\n{run.END}\n\n## Reading it\nkept\n")
    monkeypatch.setattr(run, "DOC", doc)
    run.write_doc("new table")
    assert doc.read_text() == (
        f"# Intro\n\n{run.START}\nnew table\n{run.END}\n\n## Reading it\nkept\n"
    )


def test_a_goal_missed_is_marked_in_the_table() -> None:
    rows = [Row("a", "1", "<= 2", True), Row("b", "3", "<= 2", False), Row("c", "4", "-", None)]
    table = run.table(rows, run.FULL)
    assert "| a | 1 | <= 2 | met |" in table
    assert "| b | 3 | <= 2 | **not met** |" in table
    assert "| c | 4 | - | - |" in table


def test_a_campaign_run_sends_to_everyone_one_step_at_a_time(db: None) -> None:
    account_ids = ["acc_linkedin_bench_00", "acc_linkedin_bench_01"]
    with running_sandbox() as sandbox:
        campaigns.sandbox_accounts_add(sandbox.state, account_ids)
        made = campaigns.campaigns_create(
            base_url=sandbox.base_url,
            api_key=sandbox.api_key,
            name="Smoke",
            account_ids=account_ids,
            sizes=[4, 3],
        )
        bare = bare_client(sandbox.base_url, sandbox.api_key)
        run = campaigns.campaigns_run(made, FakeClock(campaigns.START), bare)
        bare_received = sum(len(sandbox.state.accounts[i].sent) for i in account_ids) - 7
    assert (run.sends, run.other_steps) == (7, 2)  # and one step each to finish
    assert all(step.api_calls == 1 for step in run.steps)
    assert all(0 < step.api_seconds < step.seconds for step in run.steps)
    assert len({step.queries for step in run.steps}) == 1
    assert len(run.bare) == bare_received == 7 // campaigns.BARE_EVERY
    # The due steps take turns, as a queue hands them out: the accounts alternate.
    order = SentInvitation.objects.order_by("pk").values_list("account__account_id", flat=True)
    assert [account_id[-1] for account_id in order] == list("0101010")


def _step(queries: int, overhead_ms: float = 2.0) -> campaigns.Step:
    seconds = (overhead_ms + 1) / 1000
    return campaigns.Step(seconds, seconds, 0.001, 0.001, 1, queries, 4)


def _results(run_queries: list[int], small_queries: int) -> campaigns.Results:
    run = campaigns.Run(steps=[_step(count) for count in run_queries], bare=[0.001])
    run.memory = {10: 80 * stack.MIB, 50: 80 * stack.MIB, 100: 81 * stack.MIB}
    run.seconds = 1.0
    small = campaigns.Run(steps=[_step(small_queries)] * 3, bare=[0.001])
    queue = campaigns.QueueCost(tasks=3, seconds=0.002, queries=5, commits=2)
    return campaigns.Results(len(run_queries), run, {100: small}, queue, 10, 2)


def test_queries_per_send_are_constant_only_when_no_size_or_moment_changes_them() -> None:
    constant = campaigns.rows(_results([16] * 20, 16))
    grows_along_the_run = campaigns.rows(_results([16] * 10 + [17] * 10, 16))
    grows_with_size = campaigns.rows(_results([16] * 20, 15))
    [queries] = [row for row in constant if "queries per send" in row.measure]
    assert queries.met is True
    assert "16 (100 recipients), 16 (the run's first 10%), 16 (its last 10%)" in queries.result
    for rows in (grows_along_the_run, grows_with_size):
        assert [row.met for row in rows if "queries per send" in row.measure] == [False]


def test_the_overhead_is_the_step_less_its_api_call() -> None:
    [overhead, *_] = campaigns.rows(_results([16] * 20, 16))
    assert overhead.result.startswith("2.0 ms, p95 2.0 ms (3.0 ms step, of which 1.0 ms")
    assert overhead.met is True
