"""Browser tests: a live dashboard (pytest-django's live_server) talking to a live sandbox.

They need Debian's Chromium. Without it the folder is skipped, except on CI (the CI variable
set), where a missing browser is a failure: there these tests are mandatory.
"""

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

from postpress_dashboard.sandbox.server import RunningSandbox, running_sandbox
from postpress_dashboard.teams import services
from postpress_dashboard.teams.models import LinkedAccount, Role, Team

# Playwright's sync API runs an event loop in this thread, and Django's ORM refuses to run
# while one is running. The tests create their data synchronously, before or between browser
# steps, so the guard only gets in the way (Django documents this variable for such cases).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# Generous for a loaded CI machine; a passing test never waits this long.
TIMEOUT_MS = 10_000

ALICE_PASSWORD = "alice-password-1"
BOB_PASSWORD = "bob-password-1"


def _chromium_path() -> str | None:
    if CHROMIUM.exists():
        return str(CHROMIUM)
    return shutil.which("chromium")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _chromium_path() is not None or os.environ.get("CI"):
        return  # on CI a missing browser fails in the `browser` fixture instead
    skip = pytest.mark.skip(
        reason="Chromium is not installed (/usr/bin/chromium): browser tests skipped"
    )
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    executable = _chromium_path()
    if executable is None:
        pytest.fail("Chromium is not installed, and on CI the browser tests are mandatory.")
    browser = playwright_instance.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def _new_page(browser: Browser, *, bypass_csp: bool) -> Iterator[Page]:
    context = browser.new_context(bypass_csp=bypass_csp)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh context per test, with the dashboard's Content-Security-Policy enforced."""
    expect.set_options(timeout=TIMEOUT_MS)
    yield from _new_page(browser, bypass_csp=False)


@pytest.fixture
def csp_bypassing_page(browser: Browser) -> Iterator[Page]:
    """For injecting axe-core, which the strict CSP (rightly) refuses as an inline script."""
    expect.set_options(timeout=TIMEOUT_MS)
    yield from _new_page(browser, bypass_csp=True)


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    with running_sandbox() as running:
        yield running


@dataclass(frozen=True)
class Dashboard:
    url: str
    sandbox: RunningSandbox
    team: Team
    alice: User
    bob: User
    linkedin: LinkedAccount
    instagram: LinkedAccount


@pytest.fixture
def dashboard(
    live_server: LiveServer, transactional_db: None, sandbox: RunningSandbox
) -> Dashboard:
    """Acme: alice (admin), bob (member), a LinkedIn and an Instagram account on the sandbox."""
    alice = User.objects.create_user("alice", password=ALICE_PASSWORD)
    bob = User.objects.create_user("bob", password=BOB_PASSWORD)
    team = services.team_create(name="Acme", base_url=sandbox.base_url, api_key=sandbox.api_key)
    services.member_add(team=team, user=alice, role=Role.ADMIN, actor=None)
    services.member_add(team=team, user=bob, role=Role.MEMBER, actor=None)
    linkedin = services.account_add(
        team=team,
        fields=services.AccountFields(
            provider="LINKEDIN",
            account_id="acc_linkedin_demo",
            label="Alice on LinkedIn",
            linkedin_apis=["classic", "recruiter"],
        ),
        actor=None,
    )
    instagram = services.account_add(
        team=team,
        fields=services.AccountFields(
            provider="INSTAGRAM",
            account_id="acc_instagram_demo",
            label="Studio on Instagram",
            linkedin_apis=[],
        ),
        actor=None,
    )
    return Dashboard(live_server.url, sandbox, team, alice, bob, linkedin, instagram)


def sign_in(
    page: Page, dashboard: Dashboard, username: str = "alice", password: str = ALICE_PASSWORD
) -> None:
    """Through the login form, as a person would; returns once the home page is shown."""
    page.goto(f"{dashboard.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{dashboard.url}/")


def wait_for_htmx(page: Page) -> None:
    """Until no htmx request is in flight (htmx marks requesting elements with .htmx-request)."""
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
