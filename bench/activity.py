"""The Activity page at 1 million entries per team (issue 15): page 1, a filtered page and
the summary line, on SQLite and on PostgreSQL, each in a throwaway database.

    .venv/bin/python -m bench.activity [--rows N] [--rounds N] [--database sqlite|postgres]

`make bench` runs it through `activity_rows` (bench/run.py): once on SQLite, and once on
PostgreSQL when one answers on 127.0.0.1:5432 (BENCH_ACTIVITY_POSTGRES, a URL to its server;
a database named bench_activity_<pid> is created there and dropped afterwards). Each run is its
own process, so Django is set up on its own database.

The big team holds N entries (1,000,000) over a year, as a team's log would: mostly accepts and
sends, 4 % failed, 1 % unconfirmed, six members, four accounts, ten campaigns; a small team
holds 1,000. Each round asks both for the same page, in alternating order, through the whole
view (middleware, session, sweeps, form, template): the medians show the page's time at 1M and
how much of it the size adds (paired: the same round's difference).
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.plan import Plan, Row
from bench.stats import median

GOAL_MS = 50.0
LABELS = ("page 1", "filtered page", "filtered page, its query alone", "summary line (last 7 days)")
ROWS = 1_000_000
SMALL_ROWS = 1_000
BATCH = 20_000
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"

# (kind, share): mostly the inbox and sending, as a team works.
KINDS = [
    ("accept", 40),
    ("decline", 6),
    ("send", 34),
    ("withdraw", 4),
    ("chat", 12),
    ("campaign", 2),
    ("settings", 2),
]


# --- the run inside its own process -----------------------------------------------------------


def _fill(
    team_id: int, accounts: list[int], members: list[int], campaigns: list[int], rows: int
) -> None:
    """`rows` entries for the team over the year before now, oldest first, in batches: COPY on
    PostgreSQL, executemany on SQLite (the ORM would take minutes for a million)."""
    from django.db import connection, transaction

    rng = random.Random(team_id)
    kinds = [kind for kind, share in KINDS for _ in range(share)]
    now = datetime.now(UTC)
    start = now - timedelta(days=365)
    step = timedelta(days=365) / rows
    columns = (
        "team_id, account_id, actor_id, kind, action, target, target_name, outcome, "
        "error_type, detail, sent_id, campaign_id, resolution, resolved_by_id, resolved_at, "
        "created_at"
    )

    def row(number: int) -> tuple[object, ...]:
        kind = rng.choice(kinds)
        draw = rng.random()
        outcome = "failed" if draw < 0.04 else "unconfirmed" if draw < 0.05 else "ok"
        settings = kind == "settings"
        campaign = (
            rng.choice(campaigns) if kind in ("send", "campaign") and rng.random() < 0.3 else None
        )
        return (
            team_id,
            None if settings else rng.choice(accounts),
            rng.choice(members),
            kind,
            "member.added" if settings else "",
            "" if settings else f"ACo{number:09d}",
            "" if settings else f"Person {number % 50_000}",
            "ok" if settings else outcome,
            "errors/already_connected" if outcome == "failed" and not settings else "",
            "Added someone as member" if settings else "",
            None,
            campaign,
            "went_through" if outcome == "unconfirmed" and draw < 0.045 else "",
            None,
            None,
            start + step * number,
        )

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                raw = cursor.cursor  # psycopg 3
                with raw.copy(f"COPY activity_entry ({columns}) FROM STDIN") as copy:
                    for number in range(rows):
                        copy.write_row(row(number))
        else:
            marks = ", ".join(["%s"] * 16)
            sql = f"INSERT INTO activity_entry ({columns}) VALUES ({marks})"  # noqa: S608
            with connection.cursor() as cursor:
                for first in range(0, rows, BATCH):
                    cursor.executemany(
                        sql, [row(n) for n in range(first, min(rows, first + BATCH))]
                    )


def _team(name: str, rows: int) -> tuple[object, object, dict[str, str]]:
    """A team with six members, four accounts, ten campaigns and `rows` entries; its admin, and
    the filter the filtered page asks for."""
    from datetime import time as day_time

    from django.contrib.auth.models import User

    from campaigns.models import Campaign, CampaignKind
    from postpress_dashboard.teams import services
    from postpress_dashboard.teams.models import Role

    team = services.team_create(name=name, base_url="http://127.0.0.1:9/api/v1", api_key="")
    members = []
    for number in range(6):
        user = User.objects.create_user(f"{name}-{number}")
        services.member_add(
            team=team, user=user, role=Role.ADMIN if number == 0 else Role.MEMBER, actor=None
        )
        members.append(user)
    accounts = []
    for number in range(4):
        fields = services.AccountFields(
            "LINKEDIN", f"{name}-acc-{number}", f"{name} {number}", ["classic"]
        )
        accounts.append(services.account_add(team=team, fields=fields, actor=None))
    campaigns = [
        Campaign.objects.create(
            team=team,
            account=accounts[number % 4],
            name=f"{name} campaign {number}",
            kind=CampaignKind.INVITATIONS,
            template="Hi",
            work_start=day_time(9),
            work_end=day_time(17),
        )
        for number in range(10)
    ]
    _fill(
        team.pk,
        [account.pk for account in accounts],
        [user.pk for user in members],
        [campaign.pk for campaign in campaigns],
        rows,
    )
    # One member's failures on one account over the last 7 days: three filters and a range.
    filtered = {
        "when": "7d",
        "member": str(members[1].pk),
        "account": str(accounts[2].pk),
        "outcome": "failed",
    }
    return team, members[0], filtered


def _timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def run(rows: int, rounds: int) -> dict[str, object]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0)
    filled = time.perf_counter()
    big, big_admin, big_filter = _team("big", rows)
    fill_seconds = time.perf_counter() - filled
    small, small_admin, small_filter = _team("small", SMALL_ROWS)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE activity_entry")  # what autovacuum does by itself
    clients = {}
    for name, admin in (("big", big_admin), ("small", small_admin)):
        client = Client()
        client.force_login(admin)
        clients[name] = client
    from activity.selectors import entry_page

    filters = {"big": _filter(big, big_filter), "small": _filter(small, small_filter)}
    pages: dict[str, Callable[[str], object]] = {
        "page 1": lambda name: clients[name].get("/activity/"),
        "filtered page": lambda name: clients[name].get(
            "/activity/", big_filter if name == "big" else small_filter
        ),
        # The database's share of the filtered page: its one query for the rows.
        "filtered page, its query alone": lambda name: entry_page(
            big if name == "big" else small, filters[name], after=None
        ),
        # The summary of a week on its own (the page counts today's with page 1 above).
        "summary line (last 7 days)": lambda name: _summary(big if name == "big" else small),
    }
    for name in clients:  # warm up: connections, templates, caches
        for page in pages.values():
            page(name)
    checks = {
        name: (
            clients["big"]
            .get("/activity/", big_filter if name == "filtered page" else {})
            .status_code
        )
        for name in ("page 1", "filtered page")
    }
    assert all(status == 200 for status in checks.values()), checks
    results: dict[str, object] = {
        "vendor": connection.vendor,
        "rows": rows,
        "fill_seconds": fill_seconds,
    }
    for label, page in pages.items():
        big_times, small_times, differences = [], [], []
        for number in range(rounds):
            order = ("big", "small") if number % 2 == 0 else ("small", "big")
            times = {name: _timed(lambda name=name, page=page: page(name)) for name in order}
            big_times.append(times["big"])
            small_times.append(times["small"])
            differences.append(times["big"] - times["small"])
        results[label] = {
            "big": median(big_times),
            "small": median(small_times),
            "difference": median(differences),
        }
    return results


def _filter(team: object, query: dict[str, str]) -> object:
    """The ActivityFilter the page builds from the query."""
    from activity.forms import ActivityFilterForm

    form = ActivityFilterForm(query, team=team)
    assert form.is_valid(), form.errors
    return form.activity_filter(datetime.now(UTC))


def _summary(team: object) -> object:
    from activity.selectors import ActivityFilter, activity_summary

    since = datetime.now(UTC) - timedelta(days=7)
    return activity_summary(team, ActivityFilter(since=since))  # type: ignore[arg-type]


# --- databases ----------------------------------------------------------------------------------


@contextmanager
def database(kind: str) -> Iterator[str]:
    """A throwaway database's URL: an SQLite file in a temporary folder, or a new database on
    the PostgreSQL server (dropped afterwards)."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="postpress-bench-activity-") as folder:
            yield f"sqlite:///{folder}/activity.db"
        return
    import psycopg

    server = os.environ.get("BENCH_ACTIVITY_POSTGRES", DEFAULT_POSTGRES)
    name = f"bench_activity_{os.getpid()}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        parts = urlsplit(server)
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def postgres_answers() -> bool:
    try:
        import psycopg

        server = os.environ.get("BENCH_ACTIVITY_POSTGRES", DEFAULT_POSTGRES)
        with psycopg.connect(server, connect_timeout=3):
            return True
    except Exception:  # no server, no driver, refused: no PostgreSQL run
        return False


def measure_in_process(kind: str, rows: int, rounds: int, env: dict[str, str]) -> dict[str, object]:
    """One run in its own process on a throwaway database of the kind."""
    with database(kind) as url:
        output = subprocess.run(  # noqa: S603
            [
                sys.executable,
                "-m",
                "bench.activity",
                "--child",
                "--rows",
                str(rows),
                "--rounds",
                str(rounds),
            ],
            env={
                **env,
                "DATABASE_URL": url,
                "DJANGO_SETTINGS_MODULE": "postpress_dashboard.settings",
            },
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent.parent,
        ).stdout
    return json.loads(output.strip().splitlines()[-1])


# --- the table ----------------------------------------------------------------------------------


def rows_of(result: dict[str, object]) -> list[Row]:
    database = "PostgreSQL" if result["vendor"] == "postgresql" else "SQLite"
    size = f"{result['rows']:,}"
    table = []
    for label in LABELS:
        figures = result[label]
        assert isinstance(figures, dict)
        big, small, difference = (figures[key] * 1000 for key in ("big", "small", "difference"))
        page = label in ("page 1", "filtered page")
        table.append(
            Row(
                f"Activity {label}, {size} entries in the team, {database}",
                f"{big:.1f} ms ({small:.1f} ms at {SMALL_ROWS:,}; "
                f"paired difference {difference:+.1f} ms)",
                f"≤ {GOAL_MS:.0f} ms" if page else "reported",
                big <= GOAL_MS if page else None,
            )
        )
    return table


def activity_rows(plan: Plan, env: dict[str, str]) -> list[Row]:
    """The Activity rows of `make bench` (--quick: 100,000 entries, fewer rounds)."""
    from bench.plan import QUICK

    rows, rounds = (100_000, 10) if plan is QUICK else (ROWS, 30)
    table = rows_of(measure_in_process("sqlite", rows, rounds, env))
    if postgres_answers():
        table += rows_of(measure_in_process("postgres", rows, rounds, env))
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        print(json.dumps(run(options.rows, options.rounds), default=str))
        return
    from bench import stack

    with stack.workspace() as space:
        result = measure_in_process(options.database, options.rows, options.rounds, space.env)
    for row in rows_of(result):
        print(f"| {row.measure} | {row.result} | {row.goal} | {row.verdict} |")
    print(f"(filled in {result['fill_seconds']:.0f} s)")


if __name__ == "__main__":
    main()
