from playwright.sync_api import Page, expect

from tests.functional.conftest import Dashboard, sign_in


def test_signing_in_lands_on_the_dashboard_showing_the_team_name(
    page: Page, dashboard: Dashboard
) -> None:
    sign_in(page, dashboard)

    expect(page.get_by_role("heading", level=1)).to_have_text("Acme")
    expect(page.get_by_text("Signed in as alice, admin of Acme.")).to_be_visible()
