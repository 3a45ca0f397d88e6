"""Hostile or broken answers through the real client, the services and the pages (F5).

Nothing reaches a 500, the database (NUL bytes and overlong values fail on PostgreSQL, which
CI's second pass uses) or a stuck state: a send ends sent or unconfirmed with its Activity
entry, a decision never stays "in progress".
"""

import json
import re

import pytest
import responses
from django.test import Client

from activity.models import Entry, Outcome
from invitations.models import (
    DecisionState,
    InvitationDecision,
    ListedInvitation,
    SentInvitation,
    SentStatus,
)
from postpress_dashboard.teams.models import LinkedAccount
from tests.conftest import API_BASE_URL
from tests.integration.invitations.test_inbox import INBOX, LIST_URL, invitation

SEND = "/invitations/send/"
SEND_URL = f"{API_BASE_URL}/users/invite"
HTMX = {"HX-Request": "true"}


def raw_json(text: str, status: int = 200) -> dict[str, object]:
    return {"status": status, "body": text, "content_type": "application/json"}


@responses.activate
def test_an_inbox_page_of_hostile_items_shows_what_is_usable(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    items = [
        invitation(1, inviter={"inviter_name": "\ud800Ada\x00 " + "L" * 5000}),
        invitation(1),  # the same id again
        invitation(2, id="inv_\ud800"),
        invitation(3, id="x" * 250),
        invitation(4, invitation_text="note\x00with NUL", invited_user_description="\udfff"),
    ]
    body = json.dumps({"object": "InvitationList", "items": items, "cursor": None})
    responses.get(LIST_URL, **raw_json(body))

    response = alice_client.get(INBOX, {"account": linkedin_account.pk})

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('class="inbox-row') == 2  # inv_1 once, inv_4; the unusable ids dropped
    listed = dict(ListedInvitation.objects.values_list("invitation_id", "inviter_name"))
    assert set(listed) == {"inv_1", "inv_4"}
    assert "\x00" not in listed["inv_1"] and len(listed["inv_1"]) <= 300


@responses.activate
def test_a_deeply_nested_answer_is_an_error_in_words(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    responses.get(LIST_URL, **raw_json("[" * 100_000 + "]" * 100_000))

    response = alice_client.get(INBOX, {"account": linkedin_account.pk})

    assert response.status_code == 200
    assert "could not be read" in response.content.decode()


@pytest.mark.parametrize("usage", ["NaN", "-5", "70000", "1e300"])
@responses.activate
def test_a_sent_invitation_with_an_impossible_usage_is_sent_without_one(
    alice_client: Client, linkedin_account: LinkedAccount, usage: str
) -> None:
    body = f'{{"object": "UserInvitationSent", "invitation_id": "inv_ok", "usage": {usage}}}'
    responses.post(SEND_URL, **raw_json(body))

    response = alice_client.post(SEND, {"account": linkedin_account.pk, "recipient_id": "ACo1"})

    assert response.status_code == 302
    sent = SentInvitation.objects.get()
    assert (sent.status, sent.invitation_id, sent.usage) == (SentStatus.PENDING, "inv_ok", None)


@pytest.mark.parametrize("invitation_id", ["\ud800", "x" * 250, "inv\x00nul"])
@responses.activate
def test_a_send_answered_with_an_unusable_id_is_unconfirmed_not_stuck(
    alice_client: Client, linkedin_account: LinkedAccount, invitation_id: str
) -> None:
    body = json.dumps({"object": "UserInvitationSent", "invitation_id": invitation_id})
    responses.post(SEND_URL, **raw_json(body))

    response = alice_client.post(SEND, {"account": linkedin_account.pk, "recipient_id": "ACo1"})

    assert response.status_code == 200
    assert "may have been sent" in response.content.decode()
    assert SentInvitation.objects.get().status == SentStatus.UNCONFIRMED
    assert Entry.objects.exclude(kind="settings").get().outcome == Outcome.UNCONFIRMED


@responses.activate
def test_an_error_type_of_207_characters_leaves_nothing_stuck(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    envelope = {"type": "errors/" + "x" * 200, "status": 422, "title": "T\x00" * 100}
    responses.post(SEND_URL, status=422, json=envelope)
    ListedInvitation.objects.create(
        account=linkedin_account, invitation_id="inv_1", shared_secret="s"
    )
    responses.post(
        re.compile(re.escape(f"{API_BASE_URL}/users/invite/received/") + ".*"),
        status=422,
        json=envelope,
    )

    sent = alice_client.post(SEND, {"account": linkedin_account.pk, "recipient_id": "ACo1"})
    decided = alice_client.post(
        f"/inbox/{linkedin_account.pk}/invitations/accept/?invitation=inv_1", headers=HTMX
    )

    assert (sent.status_code, decided.status_code) == (200, 200)
    assert not SentInvitation.objects.filter(status=SentStatus.SENDING).exists()
    assert InvitationDecision.objects.get().state != DecisionState.IN_PROGRESS
    assert Entry.objects.exclude(kind="settings").count() == 2
    assert all(
        len(event.error_type) <= 100 for event in Entry.objects.exclude(kind="settings").all()
    )
