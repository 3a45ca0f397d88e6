"""The composer starts a chat once per form (F3/F4 for chats): its one-time token is issued by
the server; a repeat shows the real state, never a second chat."""

import re
from datetime import timedelta
from typing import Any

import requests
import responses
from django.test import Client
from django.utils import timezone

from activity.models import Entry, Kind, Outcome
from chats.forms import STALE_FORM, SUBMISSION_PURPOSE
from chats.models import ChatStatus, ChatSubmission
from invitations.services import STALE_CLAIM_AFTER
from postpress_dashboard.core.submissions import submission_nonce
from postpress_dashboard.teams.models import LinkedAccount
from tests.conftest import API_BASE_URL

NEW = "/chats/new/"
CHATS_URL = f"{API_BASE_URL}/chats"


def token_for(client: Client, account: LinkedAccount) -> str:
    page = client.get(NEW, {"account": account.pk}).content.decode()
    match = re.search(r'name="submission" value="([^"]+)"', page)
    assert match, "the composer carries a server-issued token"
    return match.group(1)


def start(client: Client, account: LinkedAccount, token: str) -> Any:
    data = {
        "account": account.pk,
        "recipients": "ACo-chat",
        "message": "Hello there",
        "linkedin_api": "classic",
        "submission": token,
    }
    return client.post(NEW, data)


@responses.activate
def test_the_same_form_twice_starts_one_chat_and_says_so(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    responses.post(
        CHATS_URL, status=201, json={"object": "ChatStarted", "chat_id": "c1", "message_id": "m1"}
    )
    token = token_for(alice_client, linkedin_account)

    start(alice_client, linkedin_account, token)
    again = start(alice_client, linkedin_account, token)

    assert len(responses.calls) == 1
    assert again.status_code == 302
    page = alice_client.get(again["Location"]).content.decode()
    assert "Chat started with ACo-chat. Chat id: c1; message id: m1." in page


def test_a_repeat_while_the_first_is_under_way_says_still_starting(
    alice_client: Client, alice: Any, linkedin_account: LinkedAccount
) -> None:
    token = token_for(alice_client, linkedin_account)
    nonce = submission_nonce(
        token, purpose=SUBMISSION_PURPOSE, team=linkedin_account.team, user=alice
    )
    ChatSubmission.objects.create(
        account=linkedin_account,
        submission=nonce,
        recipients="ACo-chat",
        status=ChatStatus.STARTING,
    )

    with responses.RequestsMock() as api:  # no call may be made
        page = start(alice_client, linkedin_account, token).content.decode()
        assert not api.calls

    assert "Still starting the chat with ACo-chat" in page
    assert "Hello there" in page


@responses.activate
def test_an_unconfirmed_chat_blocks_its_form_and_a_refused_one_frees_it(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    responses.post(CHATS_URL, body=requests.ReadTimeout("timed out"))
    lost = token_for(alice_client, linkedin_account)
    start(alice_client, linkedin_account, lost)
    page = start(alice_client, linkedin_account, lost).content.decode()
    assert len(responses.calls) == 1
    assert "The chat may have been started: check on the provider" in page

    refusal = {"type": "errors/invalid_recipient", "status": 422, "title": "No"}
    responses.replace(responses.POST, CHATS_URL, status=422, json=refusal)
    refused = token_for(alice_client, linkedin_account)
    start(alice_client, linkedin_account, refused)
    start(alice_client, linkedin_account, refused)
    assert len(responses.calls) == 3  # refused: the same form may try again
    assert ChatSubmission.objects.get().status == ChatStatus.UNCONFIRMED


@responses.activate
def test_a_token_the_browser_made_up_is_refused_in_words(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    page = start(alice_client, linkedin_account, "made-up").content.decode()
    assert STALE_FORM in page
    assert not responses.calls


def test_a_chat_whose_request_died_mid_call_is_listed_in_activity_to_resolve(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    row = ChatSubmission.objects.create(
        account=linkedin_account,
        submission="0" * 32,
        recipients="ACo-died",
        status=ChatStatus.STARTING,
    )
    ChatSubmission.objects.filter(pk=row.pk).update(
        status_at=timezone.now() - STALE_CLAIM_AFTER - timedelta(seconds=1)
    )

    page = alice_client.get("/activity/").content.decode()

    row.refresh_from_db()
    assert row.status == ChatStatus.UNCONFIRMED
    event = Entry.objects.exclude(kind="settings").get()
    assert (event.kind, event.outcome, event.target) == (
        Kind.CHAT,
        Outcome.UNCONFIRMED,
        "ACo-died",
    )
    assert "It was started" in page
