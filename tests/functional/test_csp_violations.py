"""No Content-Security-Policy violation in the browser (issue 7).

`page` records every violation Chromium reports, in its console and as `securitypolicyviolation`
events, and fails the test at teardown if there was one (tests/functional/conftest.py). Here:
the recorder catches violations the policy blocks, and every page the accessibility tests visit
with the CSP bypassed (for axe-core) loads without a violation with the CSP enforced.
"""

import pytest
from playwright.sync_api import Page

from tests.functional.conftest import (
    CspViolation,
    Dashboard,
    settle_csp_reports,
    sign_in,
    wait_for_htmx,
)
from tests.functional.test_accessibility import PAGES

# page.evaluate itself runs over the DevTools protocol, which the CSP does not govern; the
# inline style element, style attribute and inline script it adds are the page's, and blocked.
ADD_INLINE_STYLE_AND_SCRIPT = """() => {
  const style = document.createElement("style");
  style.textContent = "body { outline: 3px solid red; }";
  document.head.append(style);
  document.body.setAttribute("style", "background: red");
  const script = document.createElement("script");
  script.textContent = "window.inlineScriptRan = true;";
  document.head.append(script);
}"""


def test_the_recorder_catches_the_inline_style_and_script_the_csp_blocks(
    page: Page, dashboard: Dashboard, csp_violations: list[CspViolation]
) -> None:
    response = page.goto(f"{dashboard.url}/login/")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    settle_csp_reports(page)
    assert csp_violations == []

    page.evaluate(ADD_INLINE_STYLE_AND_SCRIPT)
    page.wait_for_function("() => window.__cspRecorder.recorded >= 3")

    assert page.evaluate("() => window.inlineScriptRan") is None  # the policy is enforced
    events = sorted((v.directive, v.blocked) for v in csp_violations if v.via == "event")
    assert events == [
        ("script-src-elem", "inline"),
        ("style-src-attr", "inline"),
        ("style-src-elem", "inline"),
    ]
    console = sorted(
        (v.directive, "inline" in v.blocked.lower(), v.source.startswith(f"{dashboard.url}/login/"))
        for v in csp_violations
        if v.via == "console"
    )
    assert console == [
        ("script-src 'self'", True, True),
        ("style-src 'self'", True, True),
        ("style-src 'self'", True, True),
    ]
    csp_violations.clear()  # caused on purpose: the teardown check is for the other tests


def test_the_login_page_loads_without_a_csp_violation(
    page: Page, dashboard: Dashboard, csp_violations: list[CspViolation]
) -> None:
    response = page.goto(f"{dashboard.url}/login/")
    assert response is not None and response.ok
    wait_for_htmx(page)
    settle_csp_reports(page)

    assert csp_violations == []


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_the_page_loads_without_a_csp_violation(
    page: Page, dashboard: Dashboard, csp_violations: list[CspViolation], path: str
) -> None:
    sign_in(page, dashboard)
    response = page.goto(f"{dashboard.url}{path}")
    assert response is not None and response.ok
    wait_for_htmx(page)
    settle_csp_reports(page)

    assert csp_violations == []
