"""A page that only reads says what failed in words for a read (F18): never that something
"may have gone through", and never an absurd wait."""

import pytest
import requests
import responses
from django.test import Client

from postpress_dashboard.teams.models import LinkedAccount
from tests.integration.invitations.test_inbox import INBOX, LIST_URL

WRITE_WORDS = ("gone through", "may have been", "sending", "sent", "check before")

READ_FAILURES = {
    "timeout": {"body": requests.ReadTimeout("read timed out")},
    "cut off": {"body": requests.ConnectionError("connection reset by peer")},
    "broken json": {"status": 200, "body": '{"object": "InvitationList", "ite'},
    "incomplete": {"status": 200, "json": {"object": "InvitationList"}},
    "error page": {"status": 502, "body": "<html>Bad gateway</html>", "content_type": "text/html"},
}


def problem_text(page: str) -> str:
    start = page.index("The invitations could not be loaded")
    return page[start : page.index("</section>", start)]


@pytest.mark.parametrize("answer", READ_FAILURES.values(), ids=READ_FAILURES.keys())
@responses.activate
def test_a_failed_inbox_page_speaks_of_loading_not_of_sending(
    alice_client: Client, linkedin_account: LinkedAccount, answer: dict[str, object]
) -> None:
    responses.get(LIST_URL, **answer)  # type: ignore[arg-type]

    page = alice_client.get(INBOX, {"account": linkedin_account.pk}).content.decode()

    text = problem_text(page).lower()
    assert "postpress" in text
    for words in WRITE_WORDS:
        assert words not in text, words


@responses.activate
def test_an_absurd_retry_after_is_shown_as_a_sane_wait(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    body = {"type": "errors/too_many_requests", "status": 429, "title": "Slow down"}
    responses.get(LIST_URL, status=429, json=body, headers={"Retry-After": "1e22"})

    page = alice_client.get(INBOX, {"account": linkedin_account.pk}).content.decode()

    text = problem_text(page)
    assert "You can try again in" in text
    assert "e+" not in text and "0000000" not in text


@responses.activate
def test_the_api_s_explanation_is_shown_escaped_under_the_words(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    """Issue 13: the API's detail adds which parameter was refused; it is escaped."""
    body = {
        "type": "errors/limit_too_high",
        "status": 400,
        "title": "Limit too high",
        "detail": "limit must be at most 50 for <b>this</b> account",
    }
    responses.get(LIST_URL, status=400, json=body)

    page = alice_client.get(INBOX, {"account": linkedin_account.pk}).content.decode()

    text = problem_text(page)
    assert "postpress said: “limit must be at most 50 for &lt;b&gt;this&lt;/b&gt; account”" in text
    assert "<b>this</b>" not in page
