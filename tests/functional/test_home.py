"""The home page in a browser: each account's waiting invitations load by htmx into the page
(and without JavaScript the links stay), axe-clean and without a CSP violation."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from postpress_dashboard.teams import services
from postpress_dashboard.teams.models import LinkedAccount
from tests.functional.conftest import (
    BOB_PASSWORD,
    TIMEOUT_MS,
    CspViolation,
    Dashboard,
    settle_csp_reports,
    sign_in,
    wait_for_htmx,
)
from tests.functional.test_accessibility import serious_violations


@pytest.fixture
def expired(dashboard: Dashboard) -> LinkedAccount:
    """An account whose every call the sandbox answers: the provider login has expired."""
    fields = services.AccountFields(
        provider="LINKEDIN",
        account_id="acc_err_expired_credentials",
        label="Expired LinkedIn login",
        linkedin_apis=["classic"],
    )
    return services.account_add(team=dashboard.team, fields=fields, actor=None)


def card(page: Page, account: LinkedAccount):  # type: ignore[no-untyped-def]
    return page.locator(f"article.home-account[aria-labelledby='home-account-{account.pk}']")


def test_each_account_s_waiting_invitations_load_into_the_home_page(
    page: Page, dashboard: Dashboard, expired: LinkedAccount, csp_violations: list[CspViolation]
) -> None:
    sign_in(page, dashboard)  # lands on the home page

    # The sandbox seeds 125 LinkedIn invitations (a full first page, and more) and 15 Instagram.
    expect(card(page, dashboard.linkedin).locator(".home-waiting")).to_have_text("25+ waiting")
    expect(card(page, dashboard.instagram).locator(".home-waiting")).to_have_text("15 waiting")
    problem = card(page, expired).locator(".home-waiting-problem")
    expect(problem).to_contain_text("login has expired")
    expect(problem).not_to_contain_text("errors/")
    wait_for_htmx(page)
    expect(page.get_by_text("Open the inbox", exact=True)).to_have_count(1)  # the expired one's

    page.get_by_role("link", name="25+ waiting").click()
    page.wait_for_url(f"{dashboard.url}/inbox/?account={dashboard.linkedin.pk}")

    settle_csp_reports(page)
    assert csp_violations == []


def test_the_home_page_shows_the_caps_and_a_member_gets_no_settings_link(
    page: Page, dashboard: Dashboard
) -> None:
    sign_in(page, dashboard, "bob", BOB_PASSWORD)

    linkedin = card(page, dashboard.linkedin)
    expect(linkedin.get_by_role("meter", name="Sent in the last 24 hours 0 of")).to_be_visible()
    expect(linkedin.get_by_role("meter", name="Sent in the last 7 days 0 of")).to_be_visible()
    expect(linkedin.locator(".home-waiting")).to_have_text("25+ waiting")
    expect(page.locator("a[href^='/settings/']")).to_have_count(0)


@pytest.fixture
def page_without_javascript(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def test_without_javascript_each_account_links_to_its_inbox(
    page_without_javascript: Page, dashboard: Dashboard
) -> None:
    page = page_without_javascript
    sign_in(page, dashboard)

    links = card(page, dashboard.instagram).get_by_role("link", name="Open the inbox")
    expect(links).to_have_count(1)
    links.click()
    page.wait_for_url(f"{dashboard.url}/inbox/?account={dashboard.instagram.pk}")


def test_the_home_page_with_its_counts_has_no_serious_accessibility_violation(
    csp_bypassing_page: Page, dashboard: Dashboard, expired: LinkedAccount
) -> None:
    page = csp_bypassing_page
    sign_in(page, dashboard)
    expect(card(page, dashboard.instagram).locator(".home-waiting")).to_have_text("15 waiting")
    expect(card(page, expired).locator(".home-waiting-problem")).to_be_visible()

    assert serious_violations(page) == []
