"""A LinkedIn Recruiter chat with a scheduled follow-up, as the sandbox receives it."""

from playwright.sync_api import Page, expect

from tests.functional.conftest import Dashboard, sign_in, wait_for_htmx


def test_a_recruiter_chat_schedules_its_follow_up_after_five_days(
    page: Page, dashboard: Dashboard
) -> None:
    sign_in(page, dashboard)
    page.goto(f"{dashboard.url}/chats/new/?account={dashboard.linkedin.pk}")
    page.get_by_label("LinkedIn API", exact=True).select_option(label="Recruiter")
    # The Recruiter options (and with them the follow-up) are swapped in by htmx.
    expect(page.get_by_role("group", name="Follow-up (Recruiter PRO)")).to_be_visible()
    wait_for_htmx(page)  # its previews listen for typing once settled
    page.get_by_label("Recipients", exact=True).fill("AEAAcandidate1")
    page.get_by_label("Message", exact=True).fill("Hello, a role you may like")
    # The preview's request has answered, so none is in flight when the form is sent.
    expect(page.locator("#message-preview")).to_have_text("Hello, a role you may like")
    page.get_by_label("Follow-up subject", exact=True).fill("Following up")
    page.get_by_label("Follow-up message", exact=True).fill("Any thoughts, Tom & Jerry? <3")
    # Recruiter text is HTML: the preview shows it as typed, from the escaped text sent.
    expect(page.locator("#follow-up-preview")).to_have_text("Any thoughts, Tom & Jerry? <3")
    page.get_by_label("Follow-up after", exact=True).fill("5")
    page.get_by_label("Unit of the follow-up delay", exact=True).select_option("days")

    page.get_by_role("button", name="Start chat").click()

    expect(page.locator(".messages .success")).to_contain_text("Chat started with AEAAcandidate1.")
    chats = dashboard.sandbox.state.chats
    assert len(chats) == 1
    fields = chats[-1].fields
    assert fields["linkedin[api]"] == ["recruiter"]
    assert fields["linkedin[follow_up][subject]"] == ["Following up"]
    assert fields["linkedin[follow_up][text]"] == ["Any thoughts, Tom &amp; Jerry? &lt;3"]
    assert fields["linkedin[follow_up][scheduled_time][days]"] == ["5"]
    assert "linkedin[follow_up][scheduled_time][weeks]" not in fields
