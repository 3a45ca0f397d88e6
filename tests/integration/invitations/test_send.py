"""The "Send invitation" page: the form, its per-provider fields, caps, usage and API errors."""

import json
from datetime import timedelta

import pytest
import responses
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from activity.models import Entry, Kind, Outcome
from invitations.models import SentInvitation
from postpress_dashboard.postpress.catalogue import entry_for
from postpress_dashboard.teams import services as team_services
from postpress_dashboard.teams.models import LinkedAccount, Team
from tests.conftest import API_BASE_URL

SEND = "/invitations/send/"
FIELDS = "/invitations/send/fields/"
SENT = "/invitations/sent/"
SEND_URL = f"{API_BASE_URL}/users/invite"


def account(team: Team, provider: str, account_id: str) -> LinkedAccount:
    fields = team_services.AccountFields(provider, account_id, f"{provider.title()} account", [])
    return team_services.account_add(team=team, fields=fields, actor=None)


@pytest.fixture
def instagram_account(team: Team) -> LinkedAccount:
    return account(team, "INSTAGRAM", "acc_ig")


def sent_ok(usage: int | None = None) -> dict[str, object]:
    body: dict[str, object] = {"object": "UserInvitationSent", "invitation_id": "inv_new"}
    return body | ({"usage": usage} if usage is not None else {})


def envelope(error_type: str, status: int) -> dict[str, object]:
    return {"type": error_type, "status": status, "title": "Refused", "detail": "raw detail"}


def posted_body() -> dict[str, object]:
    body = responses.calls[0].request.body
    assert body is not None
    return json.loads(body)


def field_errors(page: str, field: str) -> str:
    """The text of the error list next to a field (the field-errors partial)."""
    start = page.index(f'<ul class="field-errors" id="id_{field}_error">')
    return page[start : page.index("</ul>", start)]


def top_errors(page: str) -> str:
    start = page.index('<div class="error form-errors" role="alert">')
    return page[start : page.index("</div>", start)]


@responses.activate
def test_it_sends_exactly_the_documented_fields_for_linkedin_and_redirects_with_a_message(
    alice_client: Client, alice: User, linkedin_account: LinkedAccount
) -> None:
    responses.post(SEND_URL, json=sent_ok())
    response = alice_client.post(
        SEND,
        {
            "account": linkedin_account.pk,
            "recipient_id": "ACoAAB-jordan",
            "email": "jordan@example.com",
            "message": "Hi Jordan, I'd love to connect.",
        },
    )
    assert posted_body() == {
        "provider_id": "ACoAAB-jordan",
        "account_id": "acc_linkedin_demo",
        "user_email": "jordan@example.com",
        "message": "Hi Jordan, I'd love to connect.",
    }
    assert response.status_code == 302
    assert response["Location"] == f"{SEND}?account={linkedin_account.pk}"
    page = alice_client.get(response["Location"]).content.decode()
    assert "Invitation sent to ACoAAB-jordan." in page
    sent = SentInvitation.objects.get()
    assert (sent.invitation_id, sent.sent_by, sent.account) == ("inv_new", alice, linkedin_account)
    event = Entry.objects.exclude(kind="settings").get()
    assert (event.kind, event.outcome, event.actor) == (Kind.SEND, Outcome.OK, alice)


@responses.activate
def test_an_empty_message_and_an_empty_email_are_left_out_of_the_request(
    bob_client: Client, linkedin_account: LinkedAccount
) -> None:
    responses.post(SEND_URL, json=sent_ok())
    bob_client.post(
        SEND,
        {"account": linkedin_account.pk, "recipient_id": "ACo1", "email": "", "message": ""},
    )
    assert posted_body() == {"provider_id": "ACo1", "account_id": "acc_linkedin_demo"}


@responses.activate
def test_an_email_posted_for_an_instagram_account_is_not_sent(
    alice_client: Client, instagram_account: LinkedAccount
) -> None:
    responses.post(SEND_URL, json=sent_ok())
    alice_client.post(
        SEND,
        {
            "account": instagram_account.pk,
            "recipient_id": "ada.lovelace",
            "email": "ada@example.com",
            "message": "Hello",
        },
    )
    assert posted_body() == {
        "provider_id": "ada.lovelace",
        "account_id": "acc_ig",
        "message": "Hello",
    }
    assert SentInvitation.objects.get().email == ""


def test_the_form_has_the_labelled_fields_and_the_email_only_for_linkedin(
    alice_client: Client, linkedin_account: LinkedAccount, instagram_account: LinkedAccount
) -> None:
    linkedin = alice_client.get(f"{SEND}?account={linkedin_account.pk}").content.decode()
    for label in ("Account", "Recipient ID", "Email", "Message"):
        assert f">{label}</label>" in linkedin
    assert 'name="email"' in linkedin
    assert "On Instagram a username works too." in linkedin
    assert ">Send invitation</button>" in linkedin
    assert f'<option value="{linkedin_account.pk}" selected>' in linkedin
    instagram = alice_client.get(f"{SEND}?account={instagram_account.pk}").content.decode()
    assert 'name="email"' not in instagram and ">Email</label>" not in instagram
    assert f'<option value="{instagram_account.pk}" selected>' in instagram


def test_the_account_fields_fragment_follows_the_chosen_account(
    alice_client: Client, linkedin_account: LinkedAccount, instagram_account: LinkedAccount
) -> None:
    htmx = {"HX-Request": "true"}
    linkedin = alice_client.get(FIELDS, {"account": linkedin_account.pk}, headers=htmx)
    instagram = alice_client.get(FIELDS, {"account": instagram_account.pk}, headers=htmx)
    assert linkedin["Vary"] and "HX-Request" in linkedin["Vary"]
    linkedin_page, instagram_page = linkedin.content.decode(), instagram.content.decode()
    assert '<div id="provider-fields">' in linkedin_page and 'name="email"' in linkedin_page
    assert '<div id="provider-fields">' in instagram_page and 'name="email"' not in instagram_page
    # The account's status comes along out of band; never a whole page.
    assert 'id="account-status" class="account-status" hx-swap-oob="true"' in instagram_page
    assert "<html" not in linkedin_page and "<html" not in instagram_page


def test_without_htmx_the_fields_address_leads_to_the_full_form(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    response = alice_client.get(FIELDS, {"account": linkedin_account.pk})
    assert response.status_code == 302
    assert response["Location"] == f"{SEND}?account={linkedin_account.pk}"


def test_the_page_follows_the_posted_account_and_keeps_the_input_without_javascript(
    alice_client: Client, linkedin_account: LinkedAccount, instagram_account: LinkedAccount
) -> None:
    response = alice_client.post(
        SEND,
        {
            "account": linkedin_account.pk,
            "recipient_id": "ACo-kept",
            "message": "Kept text",
            "refresh": "1",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="email"' in page
    assert 'value="ACo-kept"' in page and "Kept text</textarea>" in page
    assert "field-errors" not in page


@pytest.mark.parametrize(
    ("message", "sent_as"),
    [
        ("a" * 300, "a" * 300),
        ("😀" * 300, "😀" * 300),  # outside the BMP: one code point each, two UTF-16 units
        ("a" * 298 + "\r\nb", "a" * 298 + "\nb"),  # CRLF is one character
    ],
    ids=["300-letters", "300-emoji", "crlf-as-one"],
)
@responses.activate
def test_a_message_of_300_characters_is_sent(
    alice_client: Client, linkedin_account: LinkedAccount, message: str, sent_as: str
) -> None:
    responses.post(SEND_URL, json=sent_ok())
    response = alice_client.post(
        SEND, {"account": linkedin_account.pk, "recipient_id": "ACo1", "message": message}
    )
    assert response.status_code == 302
    assert posted_body()["message"] == sent_as


@pytest.mark.parametrize(
    "message",
    ["a" * 301, "😀" * 301, "a" * 299 + "\r\nb"],
    ids=["301-letters", "301-emoji", "crlf-makes-301"],
)
@responses.activate
def test_a_message_of_301_characters_is_refused_without_calling_the_api(
    alice_client: Client, linkedin_account: LinkedAccount, message: str
) -> None:
    response = alice_client.post(
        SEND, {"account": linkedin_account.pk, "recipient_id": "ACo-kept", "message": message}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert not responses.calls
    assert "The message has 301 characters" in field_errors(page, "message")
    assert 'value="ACo-kept"' in page
    # The counter rendered by the server counts the same way, and marks it.
    assert 'class="char-counter over-limit" id="message-counter" data-limit="300">301 / 300' in page


def test_the_counter_script_is_included_and_the_counter_starts_at_zero(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    page = alice_client.get(SEND).content.decode()
    assert '<script src="/static/js/invitations.js" defer></script>' in page
    assert 'data-counter="message-counter"' in page
    assert 'id="message-counter" data-limit="300">0 / 300</span>' in page
    assert "maxlength" not in page.split('name="message"')[1].split(">")[0]


def sent_rows(account: LinkedAccount, count: int, *, days_ago: float) -> None:
    for number in range(count):
        row = SentInvitation.objects.create(
            account=account, recipient_id=f"r{number}", invitation_id=f"i{number}"
        )
        SentInvitation.objects.filter(pk=row.pk).update(
            sent_at=timezone.now() - timedelta(days=days_ago)
        )


@pytest.mark.parametrize(
    ("count", "days_ago", "words"),
    [
        (2, 0.5, "its daily cap of 2"),
        (5, 3, "its weekly cap of 5"),
    ],
    ids=["daily", "weekly"],
)
@responses.activate
def test_a_reached_cap_refuses_at_the_top_without_calling_the_api_and_keeps_the_input(
    alice_client: Client, linkedin_account: LinkedAccount, count: int, days_ago: float, words: str
) -> None:
    LinkedAccount.objects.filter(pk=linkedin_account.pk).update(daily_cap=2, weekly_cap=5)
    sent_rows(linkedin_account, count, days_ago=days_ago)
    response = alice_client.post(
        SEND,
        {
            "account": linkedin_account.pk,
            "recipient_id": "ACo-capped",
            "email": "capped@example.com",
            "message": "Still here",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert words in top_errors(page)
    assert not responses.calls
    assert 'value="ACo-capped"' in page and 'value="capped@example.com"' in page
    assert "Still here</textarea>" in page
    assert SentInvitation.objects.count() == count


@responses.activate
def test_a_reported_usage_is_shown_on_the_result_and_on_the_account_s_pages(
    alice_client: Client, linkedin_account: LinkedAccount, instagram_account: LinkedAccount
) -> None:
    responses.post(SEND_URL, json=sent_ok(usage=75))
    result = alice_client.post(
        SEND, {"account": linkedin_account.pk, "recipient_id": "ACo1"}, follow=True
    )
    page = result.content.decode()
    assert "Invitation sent to ACo1. Usage warning: postpress reports this account at 75%" in page
    assert '<p class="usage-warning" role="status">' in page
    sent_page = alice_client.get(SENT, {"account": linkedin_account.pk}).content.decode()
    assert "reports this account at 75%" in sent_page
    # Only on that account's pages.
    other = alice_client.get(SEND, {"account": instagram_account.pk}).content.decode()
    assert "usage-warning" not in other


@pytest.mark.parametrize(
    ("error_type", "status", "field"),
    [
        ("errors/too_many_characters", 400, "message"),
        ("errors/already_connected", 422, "recipient_id"),
        ("errors/invalid_recipient", 422, "recipient_id"),
        ("errors/blocked_recipient", 422, "recipient_id"),
    ],
)
@responses.activate
def test_an_api_error_is_shown_at_its_field_in_the_catalogue_s_words_with_the_input_kept(
    alice_client: Client, linkedin_account: LinkedAccount, error_type: str, status: int, field: str
) -> None:
    responses.post(SEND_URL, status=status, json=envelope(error_type, status))
    response = alice_client.post(
        SEND,
        {"account": linkedin_account.pk, "recipient_id": "ACo-kept", "message": "Kept message"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert escape(entry_for(error_type, status).message) in field_errors(page, field)
    assert error_type not in page and "postpress said: “raw detail”" in page
    assert 'value="ACo-kept"' in page and "Kept message</textarea>" in page
    assert not SentInvitation.objects.exists()


@responses.activate
def test_an_unavailable_api_is_shown_at_the_top_and_recorded_as_a_failed_send(
    alice_client: Client, alice: User, linkedin_account: LinkedAccount
) -> None:
    responses.post(SEND_URL, status=503, json=envelope("errors/service_unavailable", 503))
    response = alice_client.post(
        SEND, {"account": linkedin_account.pk, "recipient_id": "ACo-kept", "message": "Hi"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "postpress is temporarily unavailable. Try again later." in top_errors(page)
    assert 'value="ACo-kept"' in page
    assert len(responses.calls) == 1  # a send is never repeated on its own
    event = Entry.objects.exclude(kind="settings").get()
    assert (event.kind, event.outcome, event.error_type, event.actor) == (
        Kind.SEND,
        Outcome.FAILED,
        "errors/service_unavailable",
        alice,
    )


@responses.activate
def test_a_missing_api_key_is_explained_at_the_top_with_the_input_kept(
    alice_client: Client, team: Team, linkedin_account: LinkedAccount
) -> None:
    Team.objects.filter(pk=team.pk).update(api_key_ciphertext="", api_key_last4="")
    response = alice_client.post(
        SEND, {"account": linkedin_account.pk, "recipient_id": "ACo-kept", "message": "Hi"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "The team has no postpress API key yet." in top_errors(page)
    assert 'value="ACo-kept"' in page
    assert not responses.calls


def test_an_invalid_email_for_linkedin_is_refused_at_its_field(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    response = alice_client.post(
        SEND,
        {"account": linkedin_account.pk, "recipient_id": "ACo1", "email": "not-an-email"},
    )
    assert response.status_code == 400
    assert "Enter a valid email address." in field_errors(response.content.decode(), "email")


@responses.activate
def test_another_team_s_account_is_not_found_on_every_send_address(
    alice_client: Client, other_team: Team
) -> None:
    theirs = account(other_team, "LINKEDIN", "acc_globex")
    assert alice_client.get(SEND, {"account": theirs.pk}).status_code == 404
    fields = alice_client.get(FIELDS, {"account": theirs.pk}, headers={"HX-Request": "true"})
    assert fields.status_code == 404
    posted = alice_client.post(SEND, {"account": theirs.pk, "recipient_id": "ACo1"})
    assert posted.status_code == 404
    assert not responses.calls
    assert "acc_globex" not in alice_client.get(SEND).content.decode()


@responses.activate
def test_a_profile_address_is_refused_before_any_call_and_the_form_keeps_it(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    response = alice_client.post(
        SEND,
        {
            "account": linkedin_account.pk,
            "recipient_id": "https://www.linkedin.com/in/ada-lovelace/",
            "message": "Hello Ada",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "That is a profile address" in page
    assert 'value="https://www.linkedin.com/in/ada-lovelace/"' in page and "Hello Ada" in page
    assert len(responses.calls) == 0
    assert not SentInvitation.objects.exists()  # nothing counted against the caps
