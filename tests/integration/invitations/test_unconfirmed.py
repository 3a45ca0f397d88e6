"""Every write ends sent, refused or unconfirmed (F3, F4 of the trust audit).

Unconfirmed (the answer was lost: timeout, error page, unreadable answer, a request that died
mid-call) keeps its cap slot and its one-time token, is never repeated by itself, shows in Sent
invitations and Activity, and is resolved by a person. Only a definite refusal (an error
envelope, or a connection that never opened) gives the slot back.
"""

import re
from datetime import timedelta
from typing import Any

import pytest
import requests
import responses
import urllib3
from django.test import Client
from django.utils import timezone

from activity.models import Entry, Kind, Outcome, Resolution
from chats import services as chat_services
from invitations.forms import submission_nonce, submission_token_issue
from invitations.models import (
    DecisionState,
    InvitationDecision,
    ListedInvitation,
    SentInvitation,
    SentStatus,
)
from invitations.services import STALE_CLAIM_AFTER
from postpress_dashboard.postpress.schemas import NewChat, Upload
from postpress_dashboard.teams.models import LinkedAccount
from tests.conftest import API_BASE_URL

SEND = "/invitations/send/"
SENT = "/invitations/sent/"
ACTIVITY = "/activity/"
SEND_URL = f"{API_BASE_URL}/users/invite"
HTMX = {"HX-Request": "true"}


def never_connected() -> requests.ConnectionError:
    reason = urllib3.exceptions.NewConnectionError(None, "connection refused")  # type: ignore[arg-type]
    return requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/", reason))  # type: ignore[arg-type]


# What a lost answer looks like: the request may well have been acted on.
LOST_ANSWERS: dict[str, dict[str, Any]] = {
    "timeout": {"body": requests.ReadTimeout("read timed out")},
    "cut off": {"body": requests.ConnectionError("connection reset by peer")},
    "502 page": {"status": 502, "body": "<html>Bad gateway</html>", "content_type": "text/html"},
    "truncated json": {"status": 200, "body": '{"object": "UserInvitationSent", "invit'},
    "no invitation_id": {"status": 200, "json": {"object": "UserInvitationSent"}},
}
REFUSALS: dict[str, dict[str, Any]] = {
    "envelope": {
        "status": 422,
        "json": {"type": "errors/cannot_invite_attendee", "status": 422, "title": "No"},
    },
    "5xx envelope": {
        "status": 503,
        "json": {"type": "errors/service_unavailable", "status": 503, "title": "Down"},
    },
    "never connected": {"body": never_connected()},
}


def send_form(client: Client, account: LinkedAccount, recipient: str, token: str) -> Any:
    data = {"account": account.pk, "recipient_id": recipient, "submission": token}
    return client.post(SEND, data)


def token_for(client: Client, account: LinkedAccount) -> str:
    page = client.get(SEND, {"account": account.pk}).content.decode()
    match = re.search(r'name="submission" value="([^"]+)"', page)
    assert match, "the send form carries a server-issued token"
    return match.group(1)


def sends() -> int:
    return sum(1 for call in responses.calls if call.request.url == SEND_URL)


@pytest.mark.parametrize("answer", LOST_ANSWERS.values(), ids=LOST_ANSWERS.keys())
@responses.activate
def test_a_send_whose_answer_is_lost_keeps_its_slot_and_its_token(
    answer: dict[str, Any], alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    """F3: kept as unconfirmed, said so with the input kept, and a resubmit sends nothing."""
    responses.post(SEND_URL, **answer)
    token = token_for(alice_client, linkedin_account)

    first = send_form(alice_client, linkedin_account, "ACo-lost", token).content.decode()
    again = send_form(alice_client, linkedin_account, "ACo-lost", token).content.decode()

    assert sends() == 1
    row = SentInvitation.objects.get()
    assert row.status == SentStatus.UNCONFIRMED
    for page in (first, again):
        assert "may have been sent: check on the provider before trying again" in page
        assert 'value="ACo-lost"' in page  # what was typed is kept
        assert "Invitation sent to" not in page
    event = Entry.objects.exclude(kind="settings").get()
    assert (event.kind, event.outcome, event.sent_id) == (
        Kind.SEND,
        Outcome.UNCONFIRMED,
        row.pk,
    )


@pytest.mark.parametrize("answer", REFUSALS.values(), ids=REFUSALS.keys())
@responses.activate
def test_only_a_definite_refusal_gives_the_slot_and_the_token_back(
    answer: dict[str, Any], alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    responses.post(SEND_URL, **answer)
    token = token_for(alice_client, linkedin_account)

    send_form(alice_client, linkedin_account, "ACo-refused", token)
    first = sends()
    send_form(alice_client, linkedin_account, "ACo-refused", token)

    assert sends() > first > 0  # refused: nothing happened, so the same form may try again
    assert not SentInvitation.objects.exists()
    assert set(Entry.objects.exclude(kind="settings").values_list("outcome", flat=True)) == {
        Outcome.FAILED
    }


@responses.activate
def test_lost_answers_never_push_an_account_over_its_daily_cap(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    """F3, the probe's case: with a daily cap of 2, four sends whose answers are lost reach the
    API twice, and the other two are refused by the cap."""
    LinkedAccount.objects.filter(pk=linkedin_account.pk).update(daily_cap=2)
    responses.post(SEND_URL, body=requests.ReadTimeout("read timed out"))

    pages = [
        send_form(
            alice_client, linkedin_account, f"ACo-{n}", token_for(alice_client, linkedin_account)
        ).content.decode()
        for n in range(4)
    ]

    assert sends() == 2
    assert SentInvitation.objects.filter(status=SentStatus.UNCONFIRMED).count() == 2
    assert all("daily cap of 2" in page for page in pages[2:])


@responses.activate
def test_an_unconfirmed_send_is_listed_and_resolved_by_a_person(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    LinkedAccount.objects.filter(pk=linkedin_account.pk).update(daily_cap=1)
    responses.post(SEND_URL, body=requests.ReadTimeout("read timed out"))
    send_form(alice_client, linkedin_account, "ACo-lost", token_for(alice_client, linkedin_account))
    event = Entry.objects.exclude(kind="settings").get()

    sent_page = alice_client.get(SENT, {"account": linkedin_account.pk}).content.decode()
    activity = alice_client.get(ACTIVITY).content.decode()
    for page in (sent_page, activity):
        assert "may have been sent: check on the provider before trying again" in page.lower()
        assert f'action="/activity/entries/{event.pk}/resolve/"' in page

    alice_client.post(f"/activity/entries/{event.pk}/resolve/", {"resolution": Resolution.DID_NOT})

    assert SentInvitation.objects.get().status == SentStatus.NOT_SENT
    event.refresh_from_db()
    assert event.resolution == Resolution.DID_NOT
    # Not sent: its slot is free again, so the cap of 1 lets the next one through.
    responses.replace(
        responses.POST, SEND_URL, json={"object": "UserInvitationSent", "invitation_id": "inv_2"}
    )
    send_form(alice_client, linkedin_account, "ACo-next", token_for(alice_client, linkedin_account))
    assert SentInvitation.objects.filter(status=SentStatus.PENDING).count() == 1


@responses.activate
def test_an_unconfirmed_send_marked_as_sent_stays_counted_and_is_resolved_once(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    responses.post(SEND_URL, body=requests.ReadTimeout("read timed out"))
    send_form(alice_client, linkedin_account, "ACo-lost", token_for(alice_client, linkedin_account))
    event = Entry.objects.exclude(kind="settings").get()
    url = f"/activity/entries/{event.pk}/resolve/"

    alice_client.post(url, {"resolution": Resolution.WENT_THROUGH})
    second = alice_client.post(url, {"resolution": Resolution.DID_NOT}, follow=True)

    assert SentInvitation.objects.get().status == SentStatus.PENDING
    assert "resolved already" in second.content.decode()
    page = alice_client.get(SENT, {"account": linkedin_account.pk}).content.decode()
    assert "withdraw it on the provider" in page  # no id from postpress: no Withdraw button


def test_another_team_cannot_resolve_an_unconfirmed_write(
    alice_client: Client, linkedin_account: LinkedAccount, charlie: Any, other_team: Any
) -> None:
    event = Entry.objects.create(
        team=linkedin_account.team,
        account=linkedin_account,
        kind=Kind.CHAT,
        target="ACo-x",
        outcome=Outcome.UNCONFIRMED,
    )
    outsider = Client()
    outsider.force_login(charlie)
    response = outsider.post(
        f"/activity/entries/{event.pk}/resolve/", {"resolution": "went_through"}
    )
    assert response.status_code == 404
    event.refresh_from_db()
    assert event.resolution == ""


def test_a_send_whose_request_died_mid_call_becomes_unconfirmed(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    """A worker killed mid-call leaves a row "sending": once older than any call may take, the
    Sent list shows it unconfirmed, in Activity too, and it still counts against the caps."""
    row = SentInvitation.objects.create(
        account=linkedin_account, recipient_id="ACo-died", status=SentStatus.SENDING
    )
    SentInvitation.objects.filter(pk=row.pk).update(
        status_at=timezone.now() - STALE_CLAIM_AFTER - timedelta(seconds=1)
    )

    page = alice_client.get(SENT, {"account": linkedin_account.pk}).content.decode()

    row.refresh_from_db()
    assert row.status == SentStatus.UNCONFIRMED
    assert "May have been sent" in page
    event = Entry.objects.exclude(kind="settings").get()
    assert (event.outcome, event.sent_id) == (Outcome.UNCONFIRMED, row.pk)


def test_a_send_still_in_flight_is_not_swept(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    SentInvitation.objects.create(
        account=linkedin_account, recipient_id="ACo-flying", status=SentStatus.SENDING
    )
    page = alice_client.get(SENT, {"account": linkedin_account.pk}).content.decode()
    assert SentInvitation.objects.get().status == SentStatus.SENDING
    assert "Sending…" in page
    assert 'hx-trigger="every 2s"' in page  # the row asks again until it ends


# --- F4: a repeat shows the real state ------------------------------------------------------


@responses.activate
def test_a_double_submit_while_the_first_is_in_flight_says_still_sending(
    alice_client: Client, alice: Any, linkedin_account: LinkedAccount
) -> None:
    """F4: the second submit of a form whose first request has not ended never says "sent"."""
    token = submission_token_issue(team=linkedin_account.team, user=alice)
    nonce = submission_nonce(token, team=linkedin_account.team, user=alice)
    SentInvitation.objects.create(
        account=linkedin_account,
        recipient_id="ACo-twice",
        status=SentStatus.SENDING,
        submission=nonce,
    )

    page = send_form(alice_client, linkedin_account, "ACo-twice", token).content.decode()

    assert sends() == 0
    assert "Still sending the invitation to ACo-twice" in page
    assert "Invitation sent to" not in page


def test_a_second_withdraw_while_the_first_is_in_flight_says_still_withdrawing(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    """F4: never "already withdrawn" for a withdraw that has not ended (and may fail)."""
    row = SentInvitation.objects.create(
        account=linkedin_account,
        recipient_id="ACo-w",
        invitation_id="inv_w",
        status=SentStatus.WITHDRAWING,
    )
    fragment = alice_client.post(
        f"/invitations/sent/{row.pk}/withdraw/", headers=HTMX
    ).content.decode()
    assert "Still withdrawing the invitation to ACo-w" in fragment
    assert "already withdrawn" not in fragment


# --- withdraw, decisions and chats ----------------------------------------------------------


@responses.activate
def test_a_withdraw_whose_answer_is_lost_is_unconfirmed_until_resolved(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    responses.delete(
        re.compile(re.escape(f"{API_BASE_URL}/users/invite/sent/inv_w")),
        status=502,
        body="<html>Bad gateway</html>",
        content_type="text/html",
    )
    row = SentInvitation.objects.create(
        account=linkedin_account, recipient_id="ACo-w", invitation_id="inv_w"
    )

    fragment = alice_client.post(
        f"/invitations/sent/{row.pk}/withdraw/", headers=HTMX
    ).content.decode()

    row.refresh_from_db()
    assert row.status == SentStatus.WITHDRAW_UNCONFIRMED
    assert "may have been withdrawn: check on the provider" in fragment
    event = Entry.objects.exclude(kind="settings").get(outcome=Outcome.UNCONFIRMED)
    alice_client.post(
        f"/activity/entries/{event.pk}/resolve/", {"resolution": Resolution.WENT_THROUGH}
    )
    row.refresh_from_db()
    assert row.status == SentStatus.WITHDRAWN
    assert row.withdrawn_at is not None


@responses.activate
def test_a_withdraw_abandoned_mid_call_can_be_tried_again(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    """F5: a withdraw whose request died is not stuck "withdrawing" for good."""
    responses.delete(
        re.compile(re.escape(f"{API_BASE_URL}/users/invite/sent/inv_w")),
        json={"object": "InvitationCanceled"},
    )
    row = SentInvitation.objects.create(
        account=linkedin_account,
        recipient_id="ACo-w",
        invitation_id="inv_w",
        status=SentStatus.WITHDRAWING,
    )
    SentInvitation.objects.filter(pk=row.pk).update(
        status_at=timezone.now() - STALE_CLAIM_AFTER - timedelta(seconds=1)
    )

    alice_client.post(f"/invitations/sent/{row.pk}/withdraw/", headers=HTMX)

    row.refresh_from_db()
    assert row.status == SentStatus.WITHDRAWN
    assert len(responses.calls) == 1


@responses.activate
def test_an_accept_whose_answer_is_lost_is_unconfirmed_and_not_repeated(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    ListedInvitation.objects.create(
        account=linkedin_account, invitation_id="inv_1", shared_secret="s", inviter_name="Ada"
    )
    responses.post(
        f"{API_BASE_URL}/users/invite/received/inv_1", body=requests.ReadTimeout("timed out")
    )
    url = f"/inbox/{linkedin_account.pk}/invitations/accept/?invitation=inv_1"

    fragment = alice_client.post(url, headers=HTMX).content.decode()

    assert len(responses.calls) == 1
    decision = InvitationDecision.objects.get()
    assert decision.state == DecisionState.UNCONFIRMED
    assert "may have been accepted: check on the provider before trying again" in fragment
    assert "Try to accept again" in fragment  # a person who has checked may
    event = Entry.objects.exclude(kind="settings").get()
    assert event.outcome == Outcome.UNCONFIRMED
    alice_client.post(
        f"/activity/entries/{event.pk}/resolve/", {"resolution": Resolution.WENT_THROUGH}
    )
    decision.refresh_from_db()
    assert decision.state == DecisionState.DONE


@responses.activate
def test_a_chat_whose_answer_is_lost_is_unconfirmed_with_the_text_kept(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    responses.post(f"{API_BASE_URL}/chats", body=requests.ReadTimeout("timed out"))
    data = {
        "account": linkedin_account.pk,
        "recipients": "ACo-chat",
        "message": "Hello there",
        "linkedin_api": "classic",
    }

    page = alice_client.post("/chats/new/", data).content.decode()

    assert len(responses.calls) == 1
    assert "The chat may have been started: check on the provider before trying again" in page
    assert "Hello there" in page
    event = Entry.objects.exclude(kind="settings").get()
    assert (event.kind, event.outcome) == (Kind.CHAT, Outcome.UNCONFIRMED)
    activity = alice_client.get(ACTIVITY).content.decode()
    assert "It was started" in activity


def test_a_withdraw_whose_request_died_mid_call_becomes_unconfirmed_with_its_entry(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    """F5: not left "withdrawing" for good: the row stops polling and offers its resolution."""
    row = SentInvitation.objects.create(
        account=linkedin_account,
        recipient_id="ACo-w",
        invitation_id="inv_w",
        status=SentStatus.WITHDRAWING,
    )
    SentInvitation.objects.filter(pk=row.pk).update(
        status_at=timezone.now() - STALE_CLAIM_AFTER - timedelta(seconds=1)
    )

    fragment = alice_client.get(f"/invitations/sent/{row.pk}/row/", headers=HTMX).content.decode()

    row.refresh_from_db()
    assert row.status == SentStatus.WITHDRAW_UNCONFIRMED
    assert "may have been withdrawn: check on the provider" in fragment
    assert "hx-trigger" not in fragment
    event = Entry.objects.exclude(kind="settings").get()
    assert (event.kind, event.outcome, event.sent_id) == (
        Kind.WITHDRAW,
        Outcome.UNCONFIRMED,
        row.pk,
    )
    assert f'action="/activity/entries/{event.pk}/resolve/"' in fragment


def test_a_decision_whose_request_died_mid_call_becomes_unconfirmed_with_its_entry(
    alice_client: Client, bob: Any, linkedin_account: LinkedAccount
) -> None:
    """F5: an accept "in progress" long after any call could take is shown as unconfirmed,
    with a retry, and listed in Activity to resolve."""
    decision = InvitationDecision.objects.create(
        account=linkedin_account,
        invitation_id="inv_1",
        action="accept",
        state=DecisionState.IN_PROGRESS,
        actor=bob,
    )
    InvitationDecision.objects.filter(pk=decision.pk).update(
        decided_at=timezone.now() - STALE_CLAIM_AFTER - timedelta(seconds=1)
    )

    activity = alice_client.get(ACTIVITY).content.decode()

    decision.refresh_from_db()
    assert decision.state == DecisionState.UNCONFIRMED
    event = Entry.objects.exclude(kind="settings").get()
    assert (event.kind, event.outcome, event.target) == ("accept", Outcome.UNCONFIRMED, "inv_1")
    assert "It was accepted" in activity and "Not accepted" in activity


@responses.activate
def test_a_504_request_timeout_envelope_keeps_the_slot_and_the_token(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    """postpress itself timed out waiting for the provider: the invitation may have gone out."""
    body = {"type": "errors/request_timeout", "status": 504, "title": "Request timed out"}
    responses.post(SEND_URL, status=504, json=body)
    token = token_for(alice_client, linkedin_account)

    page = send_form(alice_client, linkedin_account, "ACo-504", token).content.decode()
    send_form(alice_client, linkedin_account, "ACo-504", token)

    assert sends() == 1
    assert SentInvitation.objects.get().status == SentStatus.UNCONFIRMED
    assert "postpress timed out waiting for the provider" in page


@responses.activate
def test_bulk_and_plain_outcomes_never_say_could_not_for_what_may_have_been_done(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    for invitation_id in ("inv_lost", "inv_refused"):
        ListedInvitation.objects.create(
            account=linkedin_account, invitation_id=invitation_id, shared_secret="s"
        )
    received = f"{API_BASE_URL}/users/invite/received"
    responses.post(f"{received}/inv_lost", body=requests.ReadTimeout("timed out"))
    refusal = {"type": "errors/invalid_recipient", "status": 422, "title": "No"}
    responses.post(f"{received}/inv_refused", status=422, json=refusal)

    fragment = alice_client.post(
        f"/inbox/{linkedin_account.pk}/bulk/",
        {"action": "accept", "invitation": ["inv_lost", "inv_refused"]},
        headers=HTMX,
    ).content.decode()

    assert (
        "Accepted 0 of 2 selected invitations. 1 may have been accepted: see its row. "
        "1 could not be accepted."
    ) in fragment


@responses.activate
def test_without_javascript_an_unconfirmed_accept_is_a_warning_not_a_failure(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    ListedInvitation.objects.create(
        account=linkedin_account, invitation_id="inv_1", shared_secret="s", inviter_name="Ada"
    )
    responses.post(
        f"{API_BASE_URL}/users/invite/received/inv_1", body=requests.ReadTimeout("timed out")
    )

    page = alice_client.post(
        f"/inbox/{linkedin_account.pk}/invitations/accept/?invitation=inv_1", follow=True
    ).content.decode()

    assert "may have been accepted: check on the provider" in page
    assert "Could not accept" not in page


@responses.activate
def test_a_bulk_withdraw_lists_what_may_have_been_withdrawn_apart_from_failures(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    rows = [
        SentInvitation.objects.create(
            account=linkedin_account, recipient_id=name, invitation_id=f"inv_{name}"
        )
        for name in ("ACo-lost", "ACo-ok")
    ]
    sent_url = f"{API_BASE_URL}/users/invite/sent"
    responses.delete(re.compile(re.escape(f"{sent_url}/inv_ACo-lost")), status=502, body="<html>")
    responses.delete(
        re.compile(re.escape(f"{sent_url}/inv_ACo-ok")), json={"object": "InvitationCanceled"}
    )

    page = alice_client.post(
        "/invitations/sent/withdraw/",
        {"account": linkedin_account.pk, "days": "0", "sent": [row.pk for row in rows]},
        follow=True,
    ).content.decode()

    assert "Withdrew 1 of 2 invitations." in page
    assert "ACo-lost: The invitation may have been withdrawn" in page
    assert "Not withdrawn" not in page


@responses.activate
def test_trying_an_unconfirmed_accept_again_answers_the_earlier_entry(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    ListedInvitation.objects.create(
        account=linkedin_account, invitation_id="inv_1", shared_secret="s"
    )
    handle = f"{API_BASE_URL}/users/invite/received/inv_1"
    responses.post(handle, body=requests.ReadTimeout("timed out"))
    url = f"/inbox/{linkedin_account.pk}/invitations/accept/?invitation=inv_1"
    alice_client.post(url, headers=HTMX)
    responses.replace(
        responses.POST, handle, json={"object": "UserInvitationHandled", "status": "ACCEPTED"}
    )

    alice_client.post(url, headers=HTMX)

    first, second = Entry.objects.exclude(kind="settings").order_by("pk")
    assert (first.outcome, first.resolution) == (Outcome.UNCONFIRMED, Resolution.TRIED_AGAIN)
    assert second.outcome == Outcome.OK
    activity = alice_client.get(ACTIVITY).content.decode()
    assert "/resolve/" not in activity


def test_a_chat_whose_file_cannot_be_opened_was_never_sent_and_is_not_unconfirmed(
    linkedin_account: LinkedAccount, tmp_path: Any
) -> None:
    missing = Upload(path=tmp_path / "gone.pdf", filename="gone.pdf")
    chat = NewChat(account_id="acc", attendees_ids=("ACo1",), attachments=(missing,))

    with pytest.raises(OSError):
        chat_services.chat_start(account=linkedin_account, chat=chat, files=[], actor=None)
    assert not Entry.objects.exclude(kind="settings").exists()
