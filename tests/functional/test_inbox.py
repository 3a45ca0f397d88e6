"""The inbox's htmx and keyboard behaviour, against the sandbox's seeded LinkedIn invitations."""

from playwright.sync_api import Page, expect

from tests.functional.conftest import Dashboard, sign_in, wait_for_htmx

ROW = "[data-inbox-row]"


def open_inbox(page: Page, dashboard: Dashboard) -> None:
    sign_in(page, dashboard)
    page.goto(f"{dashboard.url}/inbox/?account={dashboard.linkedin.pk}")
    expect(page.locator(ROW).first).to_be_visible()


def test_accepting_swaps_only_that_row_without_reloading_the_page(
    page: Page, dashboard: Dashboard
) -> None:
    open_inbox(page, dashboard)
    rows = page.locator(ROW)
    row_count = rows.count()
    assert row_count > 1
    first_id = rows.first.get_attribute("id") or ""
    second_id = rows.nth(1).get_attribute("id") or ""
    assert first_id.startswith("invitation-") and second_id.startswith("invitation-")
    invitation_id = first_id.removeprefix("invitation-")
    page.evaluate("() => { window.__marker = 1; }")

    page.locator(f"#{first_id}").get_by_role("button", name="Accept").click()

    expect(page.locator(f"#{first_id} [data-outcome]")).to_have_text("Accepted")
    wait_for_htmx(page)
    assert page.evaluate("() => window.__marker") == 1, "the page reloaded"
    expect(rows).to_have_count(row_count)
    expect(page.locator(f"#{second_id}").get_by_role("button", name="Accept")).to_be_visible()
    expect(page.locator(f"#{second_id} [data-outcome]")).to_have_count(0)
    account = dashboard.sandbox.state.find_account("acc_linkedin_demo")
    assert account is not None
    assert account.find_received(invitation_id) is None, "still pending in the sandbox"


def test_pressing_j_then_a_accepts_the_first_invitation_and_keeps_focus_in_a_row(
    page: Page, dashboard: Dashboard
) -> None:
    open_inbox(page, dashboard)
    first = page.locator(ROW).first
    first_id = first.get_attribute("id")

    page.keyboard.press("j")
    expect(first).to_be_focused()
    page.keyboard.press("a")

    expect(page.locator(f"#{first_id} [data-outcome]")).to_have_text("Accepted")
    wait_for_htmx(page)
    focus = page.evaluate(
        """() => {
            const active = document.activeElement;
            const row = active && active.closest('[data-inbox-row]');
            return {
                inRow: Boolean(row),
                outline: active ? getComputedStyle(active).outlineStyle : 'none',
            };
        }"""
    )
    assert focus["inRow"], "focus left the invitation rows"
    assert focus["outline"] != "none", "the focused row shows no focus outline"


def test_next_page_then_previous_page_shows_the_first_page_again(
    page: Page, dashboard: Dashboard
) -> None:
    open_inbox(page, dashboard)
    names = page.locator(f"{ROW} [data-inviter-name]")
    first_name = names.first.inner_text()

    page.get_by_role("link", name="Next page").click()
    expect(page.locator(".inbox-pages")).to_contain_text("Page 2")
    expect(names.first).not_to_have_text(first_name)
    page.get_by_role("link", name="Previous page").click()

    expect(page.locator(".inbox-pages")).to_contain_text("Page 1")
    expect(names.first).to_have_text(first_name)
