"""The benchmarks' own arithmetic and bookkeeping (the measures themselves run in make bench)."""

from pathlib import Path

import pytest
import requests

from bench import run
from bench.plan import Row
from bench.stats import counting_the_wire, median, percentile
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
