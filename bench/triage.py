"""Keyboard triage in a browser (issue 15's measure): 100 decisions by key on the inbox, with
the API answering each call 100 ms late, timed in Chromium against the dashboard under gunicorn.

One run: sign in, open the inbox at 100 rows a page, focus the first row and press a or d for
each of the 100 people as fast as the browser takes the keys (the page queues them, at most
4 calls in flight), then wait until every row shows its outcome. The time is from the first key
to the last outcome. Each run is checked against the database: one decision per row pressed,
with the action pressed (none dropped, doubled or misapplied). The seeded first page holds two
rows whose ids make the sandbox answer with an error: they count as decided (an outcome shown),
not as done. Also reported: the invitations fully visible at 1280x800 on a 25-row page.
"""

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from bench import stack
from bench.plan import FULL, Plan, Row
from bench.stats import median

DECISIONS = 100
LATENCY_MS = 100
GOAL_SECONDS = 15.0
ROWS_GOAL = 10
USERNAME = "bench-triage"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
TIMEOUT_MS = 120_000
SETTLED = "() => !document.querySelector('.inbox-decision[data-pending], .htmx-request')"
VISIBLE_ROWS = """() => Array.from(document.querySelectorAll('[data-inbox-row]')).filter(row => {
    const box = row.getBoundingClientRect();
    return box.top >= 0 && box.bottom <= window.innerHeight;
}).length"""


@dataclass(frozen=True)
class Run:
    seconds: float
    typing: float  # until the last key was pressed
    ok: bool  # one decision per row, with the action pressed
    done: int  # postpress said done (the error rows are not)


def _keys() -> list[str]:
    """A person's mix of accepts and declines, the same every run."""
    return ["a" if (n * 7) % 3 == 0 else "d" for n in range(DECISIONS)]


def _prepare(base_url: str) -> int:
    """A team of its own on the slow sandbox: its admin and LinkedIn account (pk returned)."""
    from django.contrib.auth.models import User

    from postpress_dashboard.teams import services
    from postpress_dashboard.teams.models import Role

    team = services.team_create(name="Triage bench", base_url=base_url, api_key=stack.API_KEY)
    user = User.objects.create_user(USERNAME, password=stack.PASSWORD)
    services.member_add(team=team, user=user, role=Role.ADMIN, actor=None)
    fields = services.AccountFields(
        provider="LINKEDIN", account_id=stack.ACCOUNT_ID, label="Triage", linkedin_apis=["classic"]
    )
    return services.account_add(team=team, fields=fields, actor=None).pk


def _checked(account_pk: int, pressed: dict[str, str]) -> tuple[bool, int]:
    from invitations.models import DecisionState, InvitationDecision

    decisions = list(
        InvitationDecision.objects.filter(
            account_id=account_pk, invitation_id__in=list(pressed)
        ).values_list("invitation_id", "action", "state")
    )
    ok = len(decisions) == len(pressed) and all(
        pressed[invitation_id] == action for invitation_id, action, _ in decisions
    )
    return ok, sum(state == DecisionState.DONE for _, _, state in decisions)


def triage_rows(plan: Plan, space: stack.Workspace) -> list[Row]:
    """The rows for the results table; none but a note when Chromium is missing."""
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        return [Row("Keyboard triage in Chromium", "(Chromium not installed)", "-", None)]
    # Playwright's sync API runs an event loop in this thread; the ORM calls here are plain
    # synchronous ones between browser steps (as in tests/functional/conftest.py).
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    runs_wanted = 3 if plan is FULL else 1
    runs: list[Run] = []
    with stack.sandbox(space, latency_ms=LATENCY_MS) as slow_api:
        account_pk = _prepare(slow_api.base_url)
        with stack.gunicorn(space) as dashboard, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium"),
                args=CHROMIUM_ARGS,
            )
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(f"{dashboard.url}/login/")
            page.get_by_label("Username").fill(USERNAME)
            page.get_by_label("Password").fill(stack.PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(f"{dashboard.url}/")

            page.goto(f"{dashboard.url}/inbox/?account={account_pk}&size=25")
            page.locator("[data-inbox-row]").first.wait_for()
            visible = int(page.evaluate(VISIBLE_ROWS))

            for _ in range(runs_wanted):
                # Each run takes the next 100 pending invitations (the decided ones are gone
                # from the list; the two error rows stay on top).
                page.goto(f"{dashboard.url}/inbox/?account={account_pk}&size={DECISIONS}")
                page.locator("[data-inbox-row]").first.wait_for()
                ids = page.eval_on_selector_all(
                    "[data-inbox-row]", "rows => rows.map(row => row.id.slice(11))"
                )
                keys = _keys()[: len(ids)]
                page.locator("[data-inbox-row]").first.focus()
                started = time.perf_counter()
                for key in keys:
                    page.keyboard.press(key)
                typing = time.perf_counter() - started
                page.wait_for_function(SETTLED, polling=10)
                seconds = time.perf_counter() - started
                pressed = {
                    invitation_id: "accept" if key == "a" else "decline"
                    for invitation_id, key in zip(ids, keys, strict=True)
                }
                ok, done = _checked(account_pk, pressed)
                runs.append(Run(seconds, typing, ok and len(ids) == DECISIONS, done))
            browser.close()

    times = [run.seconds for run in runs]
    spread = f", {min(times):.1f}-{max(times):.1f} s over {len(runs)} runs" if len(runs) > 1 else ""
    all_ok = all(run.ok for run in runs)
    return [
        Row(
            f"Keyboard triage: {DECISIONS} decisions by key in Chromium, API +{LATENCY_MS} ms "
            "(median, first key to last outcome)",
            f"{median(times):.1f} s{spread} (the keys took "
            f"{median([run.typing for run in runs]):.1f} s to press)",
            f"<= {GOAL_SECONDS:.0f} s",
            median(times) <= GOAL_SECONDS,
        ),
        Row(
            "Keyboard triage: every key applied once, to the row and action pressed",
            f"{'yes' if all_ok else 'NO'} ({', '.join(str(run.done) for run in runs)} done per "
            f"run; the 2 seeded error rows show their error)",
            "none dropped, doubled or misapplied",
            all_ok,
        ),
        Row(
            "Inbox: invitations fully visible at 1280x800",
            str(visible),
            f">= {ROWS_GOAL}",
            visible >= ROWS_GOAL,
        ),
    ]
