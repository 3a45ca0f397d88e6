"""Browser tests: a live dashboard (pytest-django's live_server) talking to a live sandbox.

They need Debian's Chromium. Without it the folder is skipped, except on CI (the CI variable
set), where a missing browser is a failure: there these tests are mandatory.

Every test that uses `page` (the dashboard's Content-Security-Policy enforced) also fails if the
browser reported any CSP violation while it ran: see `csp_violations`.
"""

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    expect,
    sync_playwright,
)
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


@dataclass(frozen=True)
class CspViolation:
    """One violation, as Chromium's console or a `securitypolicyviolation` event reported it."""

    via: str  # "console" or "event"
    directive: str
    blocked: str  # the blocked URL, or "inline", "eval"...
    source: str  # where: a script or page URL, with its line when known
    detail: str  # the console text, or the event's sample of the blocked code

    def __str__(self) -> str:
        return (
            f"[{self.via}] directive {self.directive!r}, blocked {self.blocked!r}, "
            f"source {self.source}: {self.detail}"
        )


# Chromium words it "Applying inline style violates the following Content Security Policy
# directive 'style-src 'self''. ..." (older versions: "Refused to apply inline style because it
# violates the following Content Security Policy directive: "style-src 'self'"."), with
# "[Report Only] " first for a report-only policy.
CSP_CONSOLE_MARKERS = ("Content Security Policy", "Content-Security-Policy")
_CONSOLE_DIRECTIVE = re.compile(r"directive:? ([\"'])(.*?)\1(?:\.|$)")
_CONSOLE_ACTION = re.compile(
    r"^(?:\[Report Only\] )?(?:Refused to (?P<old>.*?) because|(?P<new>.*?) violates)"
)
_QUOTED_URL = re.compile(r"'([^']*)'")

# Installed in every document of the context before any of its own scripts run. Init scripts
# reach the page over the DevTools protocol, so the page's CSP does not block them (the
# self-test in test_csp_violations.py shows the listener runs under the enforced policy).
# `recorded` counts the reports the test process has acknowledged: `settle_csp_reports` waits
# for it to catch up with `seen`.
CSP_LISTENER_SCRIPT = """
(() => {
  const recorder = { seen: 0, recorded: 0 };
  Object.defineProperty(window, "__cspRecorder", { value: recorder });
  document.addEventListener("securitypolicyviolation", (event) => {
    recorder.seen += 1;
    window.__reportCspViolation({
      directive: event.effectiveDirective || event.violatedDirective,
      disposition: event.disposition,
      blockedURI: event.blockedURI,
      sourceFile: event.sourceFile || event.documentURI,
      lineNumber: event.lineNumber,
      sample: event.sample,
    }).finally(() => { recorder.recorded += 1; });
  }, true);
})();
"""


def _console_violation(message: ConsoleMessage) -> CspViolation | None:
    text = message.text
    if not any(marker in text for marker in CSP_CONSOLE_MARKERS):
        return None
    directive = _CONSOLE_DIRECTIVE.search(text)
    blocked = ""
    if action := _CONSOLE_ACTION.search(text):
        what = action.group("old") or action.group("new") or ""
        url = _QUOTED_URL.search(what)
        blocked = url.group(1) if url else what  # "Applying inline style", "Executing inline..."
    location = message.location
    url_of_source = location.get("url") or (message.page.url if message.page else "")
    return CspViolation(
        via="console",
        directive=directive.group(2) if directive else "",
        blocked=blocked,
        source=f"{url_of_source}:{location.get('lineNumber', 0) + 1}",  # 0-based there
        detail=text,
    )


def _event_violation(details: dict[str, object]) -> CspViolation:
    disposition = details.get("disposition")
    sample = str(details.get("sample") or "")
    return CspViolation(
        via="event",
        directive=str(details.get("directive") or ""),
        blocked=str(details.get("blockedURI") or ""),
        source=f"{details.get('sourceFile') or ''}:{details.get('lineNumber') or 0}",
        detail=f"{disposition}{f', sample {sample!r}' if sample else ''}",
    )


def record_csp_violations(context: BrowserContext, violations: list[CspViolation]) -> None:
    """Appends to `violations` each CSP violation any page of `context` reports, both ways."""

    def on_console(message: ConsoleMessage) -> None:
        violation = _console_violation(message)
        if violation is not None:
            violations.append(violation)

    def on_event(source: object, details: dict[str, object]) -> None:
        violations.append(_event_violation(details))

    context.on("console", on_console)
    context.expose_binding("__reportCspViolation", on_event)
    context.add_init_script(script=CSP_LISTENER_SCRIPT)


def settle_csp_reports(page: Page) -> None:
    """Until every violation event the page's document has seen has reached the test process."""
    page.wait_for_function(
        "() => !window.__cspRecorder || window.__cspRecorder.recorded >= window.__cspRecorder.seen"
    )


@pytest.fixture
def csp_violations() -> list[CspViolation]:
    """The CSP violations `page` recorded so far; a test causing one on purpose clears it."""
    return []


def _new_context(browser: Browser, *, bypass_csp: bool) -> BrowserContext:
    context = browser.new_context(bypass_csp=bypass_csp)
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def page(browser: Browser, csp_violations: list[CspViolation]) -> Iterator[Page]:
    """A fresh context per test, with the dashboard's Content-Security-Policy enforced.

    The test fails (at teardown) if the browser reported a CSP violation meanwhile.
    """
    expect.set_options(timeout=TIMEOUT_MS)
    context = _new_context(browser, bypass_csp=False)
    record_csp_violations(context, csp_violations)
    page = context.new_page()
    yield page
    try:
        for open_page in context.pages:
            settle_csp_reports(open_page)
    finally:
        context.close()
    if csp_violations:
        pytest.fail(
            f"{len(csp_violations)} Content-Security-Policy violation report(s):\n"
            + "\n".join(f"  {violation}" for violation in csp_violations),
            pytrace=False,
        )


@pytest.fixture
def csp_bypassing_page(browser: Browser) -> Iterator[Page]:
    """For injecting axe-core, which the strict CSP (rightly) refuses as an inline script.

    With the CSP bypassed nothing is reported: test_csp_violations.py loads the same pages
    through `page`.
    """
    expect.set_options(timeout=TIMEOUT_MS)
    context = _new_context(browser, bypass_csp=True)
    yield context.new_page()
    context.close()


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
    """Until no htmx request is in flight and what it swapped in has settled: htmx marks
    requesting elements with .htmx-request, and hooks up swapped-in elements (their hx-trigger
    listeners) only when it settles, 20 ms after the swap (.htmx-added until then)."""
    page.wait_for_function(
        "() => !document.querySelector("
        "'.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )
