"""A campaign from a person's side, in Chromium against the sandbox, sent by a real worker.

A person uploads a CSV, checks the preview, starts the campaign and watches its progress bar
advance as a `manage.py campaign_worker` process sends (htmx polls the progress panel while it
runs, no reload), pauses it (nothing more is claimed), resumes it and sees it finish, each
recipient invited exactly once with its own message.

The test process enqueues on the database queue (django-tasks-db) instead of the suite's
DummyBackend; the worker is another process reading the same test database.
"""

import csv
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.tasks import task_backends
from django_tasks_db import DatabaseBackend
from playwright.sync_api import Page, expect
from pytest_django.fixtures import Settings

from campaigns.models import Campaign, CampaignKind
from campaigns.recipients import recipients_from_csv
from campaigns.services import PacingFields, campaign_create
from campaigns.templating import template_parse
from postpress_dashboard.sandbox.seed import LINKEDIN_ACCOUNT_ID
from tests.functional.conftest import (
    CspViolation,
    Dashboard,
    settle_csp_reports,
    sign_in,
    wait_for_htmx,
)
from tests.functional.test_accessibility import serious_violations

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
WORKER_INTERVAL = "0.1"  # seconds between the worker's looks for due steps

TEMPLATE = "Hi {first_name|there}, I read about {company} and would like to connect."
# (provider_id, first_name, company); the second has no first name: its message says "there".
RECIPIENTS = [
    ("ada-lovelace-01", "Ada", "Analytical Engines"),
    ("reader-no-name-02", "", "Difference Ltd"),
    ("grace-hopper-03", "Grace", "Compilers Inc"),
    ("alan-turing-04", "Alan", "Bletchley Works"),
    ("edsger-dijkstra-05", "Edsger", "Shortest Paths"),
    ("barbara-liskov-06", "Barbara", "Substitution Co"),
    ("donald-knuth-07", "Donald", "TeX Foundry"),
    ("frances-allen-08", "Frances", "Optimizing Ltd"),
]
WORKING_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
# At least a second between sends: eight sends take 7 s or more, so the campaign is still
# running when the person pauses it after the first poll (3 s) shows progress. With 0-1 s gaps
# the worker often finishes before that poll.
GAP_MIN_SECONDS, GAP_MAX_SECONDS = 1, 2
POLL_SECONDS = 3  # the progress panel's hx-trigger
# Enough for a worker that is still starting, a poll, and all the gaps after a resume.
FIRST_PROGRESS_TIMEOUT_MS = 30_000
FINISH_TIMEOUT_MS = 60_000
# Long enough for any step due after Pause (the longest gap) and one more poll: proof that
# nothing happens. The only fixed wait here, and no assertion depends on its length otherwise.
PAUSE_WATCH_MS = (GAP_MAX_SECONDS + POLL_SECONDS) * 1000

PROGRESS = "progress.campaign-progress"
STATE = "#progress-panel .campaign-state .badge"


def expected_message(first_name: str, company: str) -> str:
    return f"Hi {first_name or 'there'}, I read about {company} and would like to connect."


def write_recipients_csv(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["provider_id", "first_name", "company"])
        writer.writerows(rows)
    return path


def working_timezone() -> str:
    """UTC, except in the last minutes of a UTC day: hours end at 23:59 at the latest, so from
    23:59 a campaign waits for midnight. Then a zone where it is early morning."""
    return "UTC" if datetime.now(UTC).time() < time(23, 45) else "Asia/Tokyo"


# --- the worker ----------------------------------------------------------------------------


def worker_database_url() -> str:
    """The test database (not the configured one) as DATABASE_URL, for another process."""
    database = connection.settings_dict
    engine, name = database["ENGINE"], database["NAME"]
    if engine == "django.db.backends.sqlite3":
        return f"sqlite:///{name}"  # an absolute path: sqlite:////...
    if engine == "django.db.backends.postgresql":
        credentials = quote(database["USER"] or "", safe="")
        if database["PASSWORD"]:
            credentials += ":" + quote(database["PASSWORD"], safe="")
        port = f":{database['PORT']}" if database["PORT"] else ""
        return f"postgres://{credentials}@{database['HOST']}{port}/{quote(name, safe='')}"
    pytest.fail(f"No DATABASE_URL for a worker on {engine}")


@pytest.fixture
def campaign_worker(
    dashboard: Dashboard, settings: Settings, tmp_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """`manage.py campaign_worker` on the test database, and the live server enqueueing there.

    Its output is printed at teardown, so a failing test shows what the worker did.
    """
    settings.TASKS = DATABASE_QUEUE
    # django.tasks resets its backends on setting_changed (django/tasks/signals.py), in every
    # thread, the live server's included.
    assert isinstance(task_backends["default"], DatabaseBackend)
    environment = os.environ | {
        "DJANGO_SETTINGS_MODULE": "postpress_dashboard.settings",
        "DATABASE_URL": worker_database_url(),
        "TASKS_QUEUE": "database",
        "FIELD_ENCRYPTION_KEYS": ",".join(django_settings.FIELD_ENCRYPTION_KEYS),
        "POSTPRESS_ALLOW_LOOPBACK_HTTP": "true",
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp_path / "campaign-worker.log"
    with log.open("wb") as output:
        worker = subprocess.Popen(  # noqa: S603  (our own interpreter and manage.py)
            [
                sys.executable,
                str(django_settings.BASE_DIR / "manage.py"),
                "campaign_worker",
                "--interval",
                WORKER_INTERVAL,
            ],
            cwd=django_settings.BASE_DIR,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        print(f"--- campaign worker (exit {worker.returncode}) ---\n{log.read_text()}")


# --- reading the page ----------------------------------------------------------------------


def done_count(page: Page) -> int:
    return int(page.locator(PROGRESS).get_attribute("value") or "0")


def count(page: Page, status: str) -> int:
    return int(page.locator(f'#progress-panel [data-count="{status}"]').inner_text())


def wait_for_progress_past(page: Page, done: int, timeout: float) -> int:
    """Until the bar (swapped in by a poll, not a reload) shows more than `done` done."""
    page.wait_for_function(
        """(done) => {
            const bar = document.querySelector("progress.campaign-progress");
            return bar !== null && Number(bar.getAttribute("value")) > done;
        }""",
        arg=done,
        timeout=timeout,
    )
    return done_count(page)


def is_polling(page: Page) -> bool:
    return page.locator("#progress-panel").get_attribute("hx-trigger") is not None


# --- the tests -----------------------------------------------------------------------------


def test_a_person_uploads_previews_starts_watches_pauses_and_resumes_a_campaign(
    page: Page,
    dashboard: Dashboard,
    campaign_worker: subprocess.Popen[bytes],
    csp_violations: list[CspViolation],
    tmp_path: Path,
) -> None:
    sandbox_account = dashboard.sandbox.state.accounts[LINKEDIN_ACCOUNT_ID]
    assert sandbox_account.sent == []
    recipients_file = write_recipients_csv(tmp_path / "recipients.csv", RECIPIENTS)
    total = len(RECIPIENTS)

    # Create: from the nav, through the form, with the file.
    sign_in(page, dashboard)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Campaigns").click()
    expect(page.get_by_role("heading", name="Campaigns", level=1)).to_be_visible()
    page.get_by_role("link", name="New campaign").click()
    expect(page.get_by_role("heading", name="New campaign", level=1)).to_be_visible()
    page.get_by_label("Name", exact=True).fill("Spring outreach")
    page.get_by_label("Account", exact=True).select_option(str(dashboard.linkedin.pk))
    page.get_by_label("Kind", exact=True).select_option(CampaignKind.INVITATIONS)
    page.get_by_label("Recipients file", exact=True).set_input_files(recipients_file)
    page.get_by_label("Message template", exact=True).fill(TEMPLATE)
    page.get_by_label("Shortest gap between sends (seconds)").fill(str(GAP_MIN_SECONDS))
    page.get_by_label("Longest gap between sends (seconds)").fill(str(GAP_MAX_SECONDS))
    for day in WORKING_DAYS:
        page.get_by_role("checkbox", name=day, exact=True).check()
    page.get_by_label("From", exact=True).fill("00:00")
    page.get_by_label("Until", exact=True).fill("23:59")
    page.get_by_label("Timezone", exact=True).select_option(working_timezone())
    page.get_by_role("button", name="Create campaign").click()

    # The campaign's page: not started, its preview rendered, nothing sent.
    expect(page.get_by_role("heading", name="Spring outreach", level=1)).to_be_visible()
    campaign = Campaign.objects.get(team=dashboard.team)
    assert page.url == f"{dashboard.url}/campaigns/{campaign.pk}/"
    expect(page.locator("#progress-panel")).to_contain_text(
        f"Campaign created with {total} recipients"
    )
    expect(page.locator(STATE)).to_have_text("Not started")
    preview = page.locator("ol.preview > li")
    expect(preview.first).to_contain_text(expected_message("Ada", "Analytical Engines"))
    expect(preview.nth(1)).to_contain_text(expected_message("", "Difference Ltd"))
    expect(page.locator(PROGRESS)).to_have_attribute("value", "0")
    expect(page.locator(PROGRESS)).to_have_attribute("max", str(total))
    expect(page.locator(".progress-figure")).to_have_text(f"0 sent of {total} (0% done)")
    assert not is_polling(page)
    assert sandbox_account.sent == []
    # Everything from here on happens in this one document: a reload would drop the mark.
    page.evaluate("() => { window.sameDocument = true; }")

    # Start: the worker sends, and the polled panel shows the bar advancing.
    page.get_by_role("button", name="Start").click()
    expect(page.locator(STATE)).to_have_text("Running")
    assert is_polling(page)
    at_start = done_count(page)
    advanced = wait_for_progress_past(page, at_start, FIRST_PROGRESS_TIMEOUT_MS)
    assert at_start < advanced < total, "the campaign finished before it could be paused"

    # Pause: whatever was claimed before finishes; nothing more is claimed.
    page.get_by_role("button", name="Pause").click()
    expect(page.locator(STATE)).to_have_text("Paused")
    expect(page.get_by_role("button", name="Resume")).to_be_visible()
    assert not is_polling(page)
    assert page.evaluate("() => window.sameDocument") is True
    queued_at_pause, in_flight = count(page, "queued"), count(page, "sending")
    sent_at_pause = count(page, "sent")
    assert queued_at_pause > 0

    page.wait_for_timeout(PAUSE_WATCH_MS)  # a worker left alone for a gap and a poll
    page.reload()
    expect(page.locator(STATE)).to_have_text("Paused")
    assert count(page, "queued") == queued_at_pause
    assert count(page, "sending") == 0
    assert count(page, "sent") == sent_at_pause + in_flight
    assert len(sandbox_account.sent) == sent_at_pause + in_flight
    page.evaluate("() => { window.sameDocument = true; }")

    # Resume: the rest goes out, the panel polls until it shows the campaign finished.
    page.get_by_role("button", name="Resume").click()
    expect(page.locator(STATE)).to_have_text("Running")
    expect(page.locator(STATE)).to_have_text("Finished", timeout=FINISH_TIMEOUT_MS)
    assert page.evaluate("() => window.sameDocument") is True
    expect(page.locator(PROGRESS)).to_have_attribute("value", str(total))
    expect(page.locator(".progress-figure")).to_have_text(f"{total} sent of {total} (100% done)")
    for status, expected in [
        ("queued", 0),
        ("sending", 0),
        ("sent", total),
        ("unconfirmed", 0),
        ("skipped", 0),
        ("failed", 0),
    ]:
        assert count(page, status) == expected, status
    assert not is_polling(page)
    expect(page.get_by_role("button", name="Resume")).to_have_count(0)
    expect(page.get_by_role("button", name="Pause")).to_have_count(0)

    # The sandbox got each recipient once, with its own message.
    with dashboard.sandbox.state.lock:
        received = [
            (invitation.provider_id, invitation.message) for invitation in sandbox_account.sent
        ]
        sent_count = sandbox_account.sent_count
    assert Counter(provider_id for provider_id, _ in received) == Counter(
        provider_id for provider_id, _, _ in RECIPIENTS
    )
    assert sent_count == total
    assert dict(received) == {
        provider_id: expected_message(first_name, company)
        for provider_id, first_name, company in RECIPIENTS
    }

    # The list says so too.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Campaigns").click()
    row = page.get_by_role("row").filter(has_text="Spring outreach")
    expect(row).to_contain_text("Finished")
    expect(row).to_contain_text(f"{total} sent of {total}")

    settle_csp_reports(page)
    assert csp_violations == []


def test_the_campaign_pages_have_no_serious_accessibility_violation(
    csp_bypassing_page: Page, dashboard: Dashboard, tmp_path: Path
) -> None:
    """The list with a campaign, the form sent back with its errors, and a campaign's page
    with a recipient that needs fixing (the blank pages are in test_accessibility.PAGES)."""
    page = csp_bypassing_page
    rows = [*RECIPIENTS[:3], ("no-company-09", "Ida", "")]  # {company} has no fallback
    recipients_file = write_recipients_csv(tmp_path / "recipients.csv", rows)
    campaign = campaign_create(
        team=dashboard.team,
        account=dashboard.linkedin,
        name="Spring outreach",
        kind=CampaignKind.INVITATIONS,
        template=template_parse(TEMPLATE),
        recipients=recipients_from_csv(
            recipients_file.read_bytes(), max_rows=100, existing=set(), takes_email=True
        ),
        pacing=PacingFields(
            timezone="UTC",
            work_days="1234567",
            work_start=time(0),
            work_end=time(23, 59),
            gap_min_seconds=GAP_MIN_SECONDS,
            gap_max_seconds=GAP_MAX_SECONDS,
            daily_limit=None,
        ),
        actor=dashboard.alice,
    )
    sign_in(page, dashboard)

    page.goto(f"{dashboard.url}/campaigns/")
    expect(page.get_by_role("link", name="Spring outreach")).to_be_visible()
    assert serious_violations(page) == []

    page.goto(f"{dashboard.url}/campaigns/{campaign.pk}/")
    expect(page.get_by_role("heading", name="Needs fixing")).to_be_visible()
    assert serious_violations(page) == []

    page.goto(f"{dashboard.url}/campaigns/new/")
    page.get_by_label("Name", exact=True).fill("Summer outreach")
    page.get_by_label("Account", exact=True).select_option(str(dashboard.linkedin.pk))
    page.get_by_label("Recipients file", exact=True).set_input_files(recipients_file)
    page.get_by_label("Message template", exact=True).fill("Hi {nickname}")
    page.get_by_role("button", name="Create campaign").click()
    expect(page.locator(".field-errors").first).to_contain_text("{nickname}")
    wait_for_htmx(page)
    assert serious_violations(page) == []
