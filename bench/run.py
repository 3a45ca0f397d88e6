"""`make bench`: measure what the dashboard adds on top of the postpress API, print the table
and write it into docs/benchmarks.md (between its markers; the text around them is kept).

    .venv/bin/python -m bench.run [--quick] [--no-write]

--quick runs fewer repetitions, smaller uploads, a shorter load and a 1,000-recipient campaign
run, to check the benchmarks themselves; its numbers are not the ones to publish.
BENCH_CAMPAIGN_RECIPIENTS=<n> sets the campaign run's size (10,000 in the full run).
"""

import argparse
import datetime
import os
import platform
import sqlite3
from pathlib import Path

import django

from bench import stack
from bench.plan import FULL, QUICK, Plan, Row

DOC = stack.ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


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
        lines += [
            "",
            "(--quick: fewer repetitions, smaller uploads, a shorter load, "
            f"a {plan.campaign_recipients:,}-recipient campaign run.)",
        ]
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
        from bench.measures import measure  # models can be imported only now

        rows = measure(plan, space)
        from bench.triage import triage_rows  # keyboard triage in Chromium (issue 15)

        rows += triage_rows(plan, space)
        from bench.activity import activity_rows  # the Activity page at 1M entries (issue 15)

        rows += activity_rows(plan, space.env)
    text = table(rows, plan)
    print(text)
    if not options.no_write and not options.quick:
        write_doc(text)
        print(f"Written to {DOC.relative_to(stack.ROOT)}")


if __name__ == "__main__":
    main()
