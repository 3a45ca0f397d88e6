"""axe-core (from package.json's devDependencies) on every page: no serious or critical issue."""

import pytest
from playwright.sync_api import Page

from tests.functional.conftest import AXE_SCRIPT, Dashboard, sign_in, wait_for_htmx

PAGES = {
    "home": "/",
    "inbox": "/inbox/",
    "send": "/invitations/send/",
    "sent": "/invitations/sent/",
    "new chat": "/chats/new/",
    "activity": "/activity/",
    "settings": "/settings/",
    "campaigns": "/campaigns/",
    "new campaign": "/campaigns/new/",
}


def serious_violations(page: Page) -> list[str]:
    if not AXE_SCRIPT.exists():
        pytest.fail(f"axe-core is missing: run npm ci ({AXE_SCRIPT} not found)")
    wait_for_htmx(page)
    page.add_script_tag(path=str(AXE_SCRIPT))
    violations = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"])
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


def test_the_login_page_has_no_serious_accessibility_violation(
    csp_bypassing_page: Page, dashboard: Dashboard
) -> None:
    csp_bypassing_page.goto(f"{dashboard.url}/login/")

    assert serious_violations(csp_bypassing_page) == []


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_the_page_has_no_serious_accessibility_violation(
    csp_bypassing_page: Page, dashboard: Dashboard, path: str
) -> None:
    sign_in(csp_bypassing_page, dashboard)
    response = csp_bypassing_page.goto(f"{dashboard.url}{path}")
    assert response is not None and response.ok

    assert serious_violations(csp_bypassing_page) == []
