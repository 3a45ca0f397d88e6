"""Load: simulated people triaging at once against the dashboard under gunicorn.

Each simulated person signs in, then loops: open the inbox (25 rows), accept one of the open
rows through htmx, as the page's Accept button does. They start together and run for a fixed
time; the first seconds are a warm-up and are not counted. Two people may pick the same row:
the second one is told who handled it, which is a normal answer, not an error."""

import os
import random
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from bench.stack import Dashboard
from bench.uploads import signed_in_session

# A row's Accept button posts its form (inbox.js sends the same address through htmx).
ACCEPT_URL = re.compile(rb'action="(/inbox/\d+/invitations/accept/\?invitation=(?!inv_err_)[^"]+)"')
TIMEOUT = 60


@dataclass
class Outcomes:
    """Every request's kind, status (0: no answer) and duration, from all simulated people."""

    records: list[tuple[str, int, float, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, status: int, started: float, seconds: float) -> None:
        with self.lock:
            self.records.append((kind, status, started, seconds))


def _timed_request(
    outcomes: Outcomes,
    kind: str,
    session: requests.Session,
    method: str,
    url: str,
    **kwargs: Any,
) -> requests.Response | None:
    started = time.perf_counter()
    try:
        response = session.request(method, url, timeout=TIMEOUT, **kwargs)
    except requests.RequestException:
        outcomes.add(kind, 0, started, time.perf_counter() - started)
        return None
    outcomes.add(kind, response.status_code, started, time.perf_counter() - started)
    return response


def _triage(
    session: requests.Session,
    dashboard: Dashboard,
    account_pk: int,
    until: float,
    outcomes: Outcomes,
    rng: random.Random,
) -> None:
    inbox = f"{dashboard.url}/inbox/?account={account_pk}&size=25"
    headers = {"HX-Request": "true", "X-CSRFToken": session.cookies["csrftoken"]}
    while time.perf_counter() < until:
        page = _timed_request(outcomes, "inbox page", session, "GET", inbox)
        if page is None or page.status_code != 200:
            continue
        open_rows = ACCEPT_URL.findall(page.content)
        if not open_rows:
            continue
        accept = dashboard.url + rng.choice(open_rows).decode()
        _timed_request(outcomes, "accept (htmx)", session, "POST", accept, headers=headers)


def cpu_seconds(pids: Iterable[int]) -> float:
    """User and system CPU time the processes have used so far (Linux: /proc/<pid>/stat)."""
    ticks = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except FileNotFoundError:
            continue  # a worker recycled meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class LoadResult:
    people: int
    seconds: float
    records: list[tuple[str, int, float, float]]  # counted ones only, after the warm-up
    # CPU the dashboard's workers and the API used over the measured time (requests that
    # straddle its ends included, which the records leave out).
    worker_cpu_seconds: float = 0.0
    api_cpu_seconds: float = 0.0

    def cpu_ms_per_request(self, cpu_seconds: float) -> float:
        return cpu_seconds / len(self.records) * 1000

    def of(self, kind: str | None = None) -> list[tuple[str, int, float, float]]:
        return [r for r in self.records if kind is None or r[0] == kind]

    @property
    def server_errors(self) -> int:
        return sum(1 for _, status, _, _ in self.records if status == 0 or status >= 500)


def triage_load(
    dashboard: Dashboard,
    *,
    account_pk: int,
    users: list[tuple[str, str]],
    warmup: float,
    duration: float,
    api_pid: int | None = None,
) -> LoadResult:
    sessions = [signed_in_session(dashboard, name, password) for name, password in users]
    outcomes = Outcomes()
    start = time.perf_counter()
    counted_from, until = start + warmup, start + warmup + duration
    people = [
        threading.Thread(
            target=_triage,
            args=(session, dashboard, account_pk, until, outcomes, random.Random(number)),
        )
        for number, session in enumerate(sessions)
    ]
    api = [api_pid] if api_pid is not None else []
    for person in people:
        person.start()
    time.sleep(max(counted_from - time.perf_counter(), 0))
    workers_before, api_before = cpu_seconds(dashboard.worker_pids()), cpu_seconds(api)
    time.sleep(max(until - time.perf_counter(), 0))
    workers_after, api_after = cpu_seconds(dashboard.worker_pids()), cpu_seconds(api)
    for person in people:
        person.join()
    counted = [r for r in outcomes.records if counted_from <= r[2] and r[2] + r[3] <= until]
    if not counted:
        statuses = sorted({(kind, status) for kind, status, _, _ in outcomes.records})
        raise RuntimeError(f"no request completed within the measured time: {statuses}")
    return LoadResult(
        len(users),
        duration,
        counted,
        worker_cpu_seconds=workers_after - workers_before,
        api_cpu_seconds=api_after - api_before,
    )
