"""Who sees the team settings, and switching between teams."""

from playwright.sync_api import Page, expect

from postpress_dashboard.teams import services
from postpress_dashboard.teams.models import Role
from tests.functional.conftest import BOB_PASSWORD, Dashboard, sign_in


def test_an_admin_has_a_settings_link_to_the_linked_accounts(
    page: Page, dashboard: Dashboard
) -> None:
    sign_in(page, dashboard)
    settings_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings")
    expect(settings_link).to_be_visible()

    settings_link.click()

    page.wait_for_url(f"{dashboard.url}/settings/")
    expect(page.get_by_role("heading", name="Linked accounts")).to_be_visible()
    expect(page.get_by_role("cell", name="acc_linkedin_demo")).to_be_visible()


def test_a_member_has_no_settings_link_and_is_refused_the_settings_page(
    page: Page, dashboard: Dashboard
) -> None:
    sign_in(page, dashboard, "bob", BOB_PASSWORD)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Inbox")).to_be_visible()
    expect(nav.get_by_role("link", name="Settings")).to_have_count(0)

    response = page.goto(f"{dashboard.url}/settings/")

    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.get_by_role("heading", name="Linked accounts")).to_have_count(0)


def test_choosing_another_team_switches_to_it(page: Page, dashboard: Dashboard) -> None:
    globex = services.team_create(
        name="Globex", base_url=dashboard.sandbox.base_url, api_key=dashboard.sandbox.api_key
    )
    services.member_add(team=globex, user=dashboard.alice, role=Role.MEMBER, actor=None)
    sign_in(page, dashboard)
    team = page.get_by_label("Team", exact=True)
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme")
    expect(team.locator("option:checked")).to_have_text("Acme")

    team.select_option(label="Globex")  # the form submits itself (static/js/app.js)

    expect(page.get_by_role("heading", level=1)).to_have_text("Globex")
    expect(team.locator("option:checked")).to_have_text("Globex")
    expect(page.locator(".messages .success")).to_have_text("Switched to Globex.")
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings")
    ).to_have_count(0)
