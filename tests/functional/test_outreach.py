"""Sending and withdrawing invitations through the forms, against the sandbox."""

from playwright.sync_api import Page, expect

from invitations.models import SentInvitation, SentStatus
from postpress_dashboard.sandbox.models import Account
from tests.functional.conftest import Dashboard, sign_in


def sandbox_account(dashboard: Dashboard) -> Account:
    account = dashboard.sandbox.state.find_account("acc_linkedin_demo")
    assert account is not None
    return account


def test_the_send_form_refuses_a_301_character_message(page: Page, dashboard: Dashboard) -> None:
    sign_in(page, dashboard)
    page.goto(f"{dashboard.url}/invitations/send/?account={dashboard.linkedin.pk}")
    page.get_by_label("Recipient ID", exact=True).fill("ACoAAlong1")
    message = page.get_by_label("Message", exact=True)
    message.fill("x" * 301)
    expect(page.locator("#message-counter")).to_have_text("301 / 300")

    page.get_by_role("button", name="Send invitation").click()

    expect(page.locator(".field-errors")).to_contain_text(
        "The message has 301 characters; an invitation takes at most 300. Shorten it by 1."
    )
    expect(message).to_have_value("x" * 301)
    expect(page.locator(".messages .success")).to_have_count(0)
    assert sandbox_account(dashboard).sent == []
    assert not SentInvitation.objects.exists()


def test_withdrawing_a_sent_invitation_cancels_it_in_the_sandbox(
    page: Page, dashboard: Dashboard
) -> None:
    sign_in(page, dashboard)
    page.goto(f"{dashboard.url}/invitations/send/?account={dashboard.linkedin.pk}")
    page.get_by_label("Recipient ID", exact=True).fill("ACoAAwithdraw1")
    page.get_by_label("Message", exact=True).fill("Hello, let's connect")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".messages .success")).to_contain_text("Invitation sent to ACoAAwithdraw1.")
    assert [sent.provider_id for sent in sandbox_account(dashboard).sent] == ["ACoAAwithdraw1"]

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sent invitations").click()
    row = page.get_by_role("row").filter(has_text="ACoAAwithdraw1")
    expect(row).to_contain_text("Pending")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Withdraw").click()

    expect(row.get_by_role("status")).to_have_text("Withdrew the invitation to ACoAAwithdraw1.")
    expect(row).to_contain_text("Withdrawn")
    expect(row.get_by_role("button", name="Withdraw")).to_have_count(0)
    assert sandbox_account(dashboard).sent == [], "still pending in the sandbox"
    sent = SentInvitation.objects.get(recipient_id="ACoAAwithdraw1")
    assert sent.status == SentStatus.WITHDRAWN


def test_an_instagram_invitation_sent_by_username_is_withdrawn_by_the_users_provider_id(
    page: Page, dashboard: Dashboard
) -> None:
    instagram = dashboard.sandbox.state.find_account("acc_instagram_demo")
    assert instagram is not None
    sign_in(page, dashboard)
    page.goto(f"{dashboard.url}/invitations/send/?account={dashboard.instagram.pk}")
    page.get_by_label("Recipient ID", exact=True).fill("marta.builds")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".messages .success")).to_contain_text("Invitation sent to marta.builds.")

    page.goto(f"{dashboard.url}/invitations/sent/?account={dashboard.instagram.pk}")
    row = page.get_by_role("row").filter(has_text="marta.builds")
    provider_id = row.get_by_label("Their provider_id")
    # The username is what the row shows, but it cannot withdraw: the strict sandbox refuses it.
    provider_id.fill("marta.builds")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Withdraw").click()
    expect(row.get_by_role("status")).to_contain_text(
        "postpress did not take that as an Instagram provider_id."
    )
    expect(row).to_contain_text("Pending")
    assert [sent.username for sent in instagram.sent] == ["marta.builds"]

    row.get_by_label("Their provider_id").fill("57770543173")  # from the sandbox's directory
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Withdraw").click()

    expect(row.get_by_role("status")).to_have_text("Withdrew the invitation to marta.builds.")
    expect(row).to_contain_text("Withdrawn")
    assert instagram.sent == [], "still pending in the sandbox"
    sent = SentInvitation.objects.get(recipient_id="marta.builds")
    assert sent.status == SentStatus.WITHDRAWN
