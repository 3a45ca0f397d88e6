from playwright.sync_api import Page, expect

from tests.functional.conftest import Dashboard, sign_in


def test_the_counter_counts_code_points_and_the_email_field_follows_the_account(
    page: Page, dashboard: Dashboard
) -> None:
    sign_in(page, dashboard)
    page.goto(f"{dashboard.url}/invitations/send/")
    account = page.get_by_label("Account", exact=True)
    email = page.get_by_label("Email", exact=True)
    counter = page.locator("#message-counter")
    expect(counter).to_have_text("0 / 300")

    page.get_by_label("Message", exact=True).press_sequentially("Hi😀")

    expect(counter).to_have_text("3 / 300")  # H, i and one emoji: code points, not UTF-16 units
    expect(account).to_have_value(str(dashboard.linkedin.pk))
    expect(email).to_be_visible()

    account.select_option(value=str(dashboard.instagram.pk))

    expect(email).to_be_hidden()
    expect(counter).to_have_text("3 / 300")
