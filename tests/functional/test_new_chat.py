from playwright.sync_api import Browser, FilePayload, Page, expect

from tests.functional.conftest import (
    CspViolation,
    Dashboard,
    record_csp_violations,
    settle_csp_reports,
    sign_in,
    wait_for_htmx,
)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_the_recruiter_preview_drops_a_script_and_keeps_bold(
    page: Page, dashboard: Dashboard
) -> None:
    sign_in(page, dashboard)
    page.goto(f"{dashboard.url}/chats/new/?account={dashboard.linkedin.pk}")
    page.get_by_label("LinkedIn API", exact=True).select_option(label="Recruiter")
    preview = page.locator("#message-preview")
    expect(preview).to_have_text("Nothing to preview yet.")
    wait_for_htmx(page)  # the swapped-in preview listens for typing once settled

    page.get_by_label("Message", exact=True).fill(
        "<script>document.title = 'pwned'</script><strong>Hello</strong> there"
    )

    expect(preview.locator("strong")).to_have_text("Hello")
    expect(preview.locator("script")).to_have_count(0)
    expect(preview).not_to_contain_text("pwned")
    assert page.title() != "pwned"


def test_a_classic_chat_with_a_pdf_attachment_reaches_the_sandbox(
    page: Page, dashboard: Dashboard
) -> None:
    sign_in(page, dashboard)
    page.goto(f"{dashboard.url}/chats/new/?account={dashboard.linkedin.pk}")
    expect(page.get_by_label("LinkedIn API", exact=True)).to_have_value("classic")
    page.get_by_label("Recipients", exact=True).fill("ACoAA1")
    page.get_by_label("Message", exact=True).fill("Hello from the dashboard")
    page.get_by_label("Attachments", exact=True).set_input_files(
        files=[FilePayload(name="brief.pdf", mimeType="application/pdf", buffer=PDF)]
    )

    page.get_by_role("button", name="Start chat").click()

    # htmx follows the HX-Redirect to a fresh form, with the outcome as a message.
    expect(page.locator(".messages .success")).to_be_visible()
    chats = dashboard.sandbox.state.chats
    assert len(chats) == 1
    assert [file.filename for file in chats[0].files_in("attachments")] == ["brief.pdf"]


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x01" * 40
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x0a" + b"\xff\xfb\x90\x00" * 20


def chosen(page: Page, label: str) -> int:
    """How many files the input labelled so holds right now."""
    count = page.get_by_label(label, exact=True).evaluate("input => input.files.length")
    assert isinstance(count, int)
    return count


def test_a_refused_form_keeps_the_chosen_files_and_the_corrected_one_sends_them_once(
    page: Page, dashboard: Dashboard
) -> None:
    sign_in(page, dashboard)
    page.goto(f"{dashboard.url}/chats/new/?account={dashboard.linkedin.pk}")
    page.get_by_label("Recipients", exact=True).fill("not an id")
    page.get_by_label("Message", exact=True).fill("Hello with files")
    page.get_by_label("Attachments", exact=True).set_input_files(
        files=[
            FilePayload(name="brief.pdf", mimeType="application/pdf", buffer=PDF),
            FilePayload(name="photo.png", mimeType="image/png", buffer=PNG),
        ]
    )
    page.get_by_label("Voice message", exact=True).set_input_files(
        files=[FilePayload(name="note.mp3", mimeType="audio/mpeg", buffer=MP3)]
    )

    # Refused by the form: the recipient has a space.
    page.get_by_role("button", name="Start chat").click()
    expect(page.locator("#id_recipients_error")).to_contain_text("ids have no spaces")
    wait_for_htmx(page)
    expect(page.locator(".files-again")).to_contain_text("still selected")
    assert chosen(page, "Attachments") == 2
    assert chosen(page, "Voice message") == 1
    assert dashboard.sandbox.state.chats == []

    # Refused by the API (the sandbox's trigger for an unknown recipient): still kept.
    page.get_by_label("Recipients", exact=True).fill("ACoerr_invalid_recipient")
    page.get_by_role("button", name="Start chat").click()
    expect(page.locator("#id_recipients_error")).to_be_visible()
    expect(page.get_by_label("Recipients", exact=True)).to_have_value("ACoerr_invalid_recipient")
    wait_for_htmx(page)
    assert chosen(page, "Attachments") == 2
    assert chosen(page, "Voice message") == 1
    assert dashboard.sandbox.state.chats == []

    page.get_by_label("Recipients", exact=True).fill("ACoAA1")
    page.get_by_role("button", name="Start chat").click()

    expect(page.locator(".messages .success")).to_be_visible()
    chats = dashboard.sandbox.state.chats
    assert len(chats) == 1
    assert [file.filename for file in chats[0].files_in("attachments")] == [
        "brief.pdf",
        "photo.png",
    ]
    assert [file.filename for file in chats[0].files_in("voice_message")] == ["note.mp3"]


def test_the_follow_up_timezone_is_the_browsers_own(
    browser: Browser, dashboard: Dashboard, csp_violations: list[CspViolation]
) -> None:
    context = browser.new_context(timezone_id="America/Phoenix")
    record_csp_violations(context, csp_violations)
    page = context.new_page()
    try:
        sign_in(page, dashboard)
        page.goto(f"{dashboard.url}/chats/new/?account={dashboard.linkedin.pk}")
        # Recruiter's fields arrive by htmx, with the server's default selected.
        page.get_by_label("LinkedIn API", exact=True).select_option(label="Recruiter")
        expect(page.get_by_label("Timezone", exact=True)).to_have_value("America/Phoenix")
        # Opened directly on Recruiter, the page itself is set the same way.
        page.goto(
            f"{dashboard.url}/chats/new/?account={dashboard.linkedin.pk}&linkedin_api=recruiter"
        )
        expect(page.get_by_label("Timezone", exact=True)).to_have_value("America/Phoenix")
        settle_csp_reports(page)
    finally:
        context.close()
    assert csp_violations == []
