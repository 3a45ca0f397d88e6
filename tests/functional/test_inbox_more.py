"""More of the inbox: declining, bulk accepting and a failing invitation, against the sandbox."""

from playwright.sync_api import Page, expect

from postpress_dashboard.postpress.catalogue import CATALOGUE
from tests.functional.conftest import Dashboard, sign_in, wait_for_htmx

ROW = "[data-inbox-row]"


def open_inbox(page: Page, dashboard: Dashboard) -> None:
    sign_in(page, dashboard)
    page.goto(f"{dashboard.url}/inbox/?account={dashboard.linkedin.pk}")
    expect(page.locator(ROW).first).to_be_visible()


def received_ids(dashboard: Dashboard) -> list[str]:
    account = dashboard.sandbox.state.find_account("acc_linkedin_demo")
    assert account is not None
    return [invitation.id for invitation in account.received]


def test_declining_swaps_only_that_row_without_reloading_the_page(
    page: Page, dashboard: Dashboard
) -> None:
    open_inbox(page, dashboard)
    rows = page.locator(ROW)
    row_count = rows.count()
    assert row_count > 1
    first_id = rows.first.get_attribute("id") or ""
    second_id = rows.nth(1).get_attribute("id") or ""
    invitation_id = first_id.removeprefix("invitation-")
    page.evaluate("() => { window.__marker = 1; }")

    page.locator(f"#{first_id}").get_by_role("button", name="Decline").click()

    expect(page.locator(f"#{first_id} [data-outcome]")).to_have_text("Declined")
    wait_for_htmx(page)
    assert page.evaluate("() => window.__marker") == 1, "the page reloaded"
    expect(rows).to_have_count(row_count)
    expect(page.locator(f"#{second_id}").get_by_role("button", name="Decline")).to_be_visible()
    expect(page.locator(f"#{second_id} [data-outcome]")).to_have_count(0)
    assert invitation_id not in received_ids(dashboard), "still pending in the sandbox"


def test_accepting_two_selected_invitations_marks_both_rows_accepted(
    page: Page, dashboard: Dashboard
) -> None:
    open_inbox(page, dashboard)
    # Rows without an error trigger in their id, so both accepts succeed.
    plain = page.locator(f"{ROW}:not([id*='err_'])")
    first_id = plain.nth(0).get_attribute("id") or ""
    second_id = plain.nth(1).get_attribute("id") or ""
    third_id = plain.nth(2).get_attribute("id") or ""

    page.locator(f"#{first_id} [data-row-select]").check()
    page.locator(f"#{second_id} [data-row-select]").check()
    page.get_by_role("button", name="Accept selected").click()

    expect(page.locator(f"#{first_id} [data-outcome]")).to_have_text("Accepted")
    expect(page.locator(f"#{second_id} [data-outcome]")).to_have_text("Accepted")
    wait_for_htmx(page)
    expect(page.locator(f"#{third_id} [data-outcome]")).to_have_count(0)
    remaining = received_ids(dashboard)
    assert first_id.removeprefix("invitation-") not in remaining
    assert second_id.removeprefix("invitation-") not in remaining
    assert third_id.removeprefix("invitation-") in remaining


def test_a_provider_error_shows_the_catalogue_message_and_offers_a_retry(
    page: Page, dashboard: Dashboard
) -> None:
    open_inbox(page, dashboard)
    row = page.locator(f"{ROW}[id*='err_provider_error']")
    expect(row).to_have_count(1)  # seeded on the first page (seed.LINKEDIN_ERROR_ROWS)
    row_id = row.get_attribute("id") or ""

    row.get_by_role("button", name="Accept").click()

    outcome = page.locator(f"#{row_id} [data-outcome]")
    # The catalogue's words, followed by the request id to quote to support.
    expect(outcome).to_contain_text(CATALOGUE["errors/provider_error"].message)
    expect(
        page.locator(f"#{row_id}").get_by_role("button", name="Try to accept again")
    ).to_be_visible()
    wait_for_htmx(page)
    assert row_id.removeprefix("invitation-") in received_ids(dashboard), "no longer pending"
