from playwright.sync_api import FilePayload, Page, expect

from tests.functional.conftest import Dashboard, sign_in

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_the_recruiter_preview_drops_a_script_and_keeps_bold(
    page: Page, dashboard: Dashboard
) -> None:
    sign_in(page, dashboard)
    page.goto(f"{dashboard.url}/chats/new/?account={dashboard.linkedin.pk}")
    page.get_by_label("LinkedIn API", exact=True).select_option(label="Recruiter")
    preview = page.locator("#message-preview")
    expect(preview).to_have_text("Nothing to preview yet.")

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
