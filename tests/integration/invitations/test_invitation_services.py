"""The invitation services: each action at most once, within the caps, always recorded."""

import json
import re
from datetime import timedelta

import pytest
import responses
from django.contrib.auth.models import User
from django.utils import timezone
from pytest_django.fixtures import Settings

from activity.models import Entry
from invitations import selectors, services
from invitations.models import DecisionState, InvitationDecision, SentInvitation, SentStatus
from postpress_dashboard.postpress.errors import NotFoundError, UpstreamError
from postpress_dashboard.postpress.schemas import ReceivedInvitation
from postpress_dashboard.teams import services as team_services
from postpress_dashboard.teams.models import LinkedAccount, Team
from tests.conftest import API_BASE_URL

HANDLE_URL = re.compile(re.escape(f"{API_BASE_URL}/users/invite/received/") + r"[^/?]+$")
SEND_URL = f"{API_BASE_URL}/users/invite"
CANCEL_URL = re.compile(re.escape(f"{API_BASE_URL}/users/invite/sent/") + r"[^/?]+(\?.*)?$")


def listed(account: LinkedAccount, invitation_id: str, secret: str | None = "AQH-1") -> None:
    invitation = ReceivedInvitation(
        id=invitation_id,
        invited_user="",
        invited_user_id="",
        invited_user_public_id="",
        invited_user_description="",
        date="",
        parsed_datetime=None,
        invitation_text="",
        inviter=None,
        provider="LINKEDIN" if secret else None,
        shared_secret=secret,
    )
    services.listed_invitations_remember(account=account, items=[invitation])


def handled(status: str = "ACCEPTED") -> dict[str, str]:
    return {"object": "UserInvitationHandled", "status": status}


@responses.activate
def test_a_second_accept_of_the_same_invitation_makes_no_second_call(
    linkedin_account: LinkedAccount, alice: User, bob: User
) -> None:
    listed(linkedin_account, "inv_1")
    responses.post(HANDLE_URL, json=handled())
    first = services.invitation_decide(
        account=linkedin_account, invitation_id="inv_1", action="accept", actor=alice
    )
    second = services.invitation_decide(
        account=linkedin_account, invitation_id="inv_1", action="decline", actor=bob
    )
    assert first.ok and second.already_handled
    assert second.record is not None and second.record.actor == alice
    assert len(responses.calls) == 1
    assert json.loads(responses.calls[0].request.body)["shared_secret"] == "AQH-1"


@responses.activate
def test_a_failed_decision_can_be_retried(linkedin_account: LinkedAccount, alice: User) -> None:
    listed(linkedin_account, "inv_2")
    responses.post(
        HANDLE_URL, status=503, json={"type": "errors/service_unavailable", "status": 503}
    )
    responses.post(HANDLE_URL, json=handled("DECLINED"))
    failed = services.invitation_decide(
        account=linkedin_account, invitation_id="inv_2", action="decline", actor=alice
    )
    assert isinstance(failed.error, UpstreamError)
    retried = services.invitation_decide(
        account=linkedin_account, invitation_id="inv_2", action="decline", actor=alice
    )
    assert retried.ok
    assert InvitationDecision.objects.get(invitation_id="inv_2").state == DecisionState.DONE
    outcomes = list(Entry.objects.exclude(kind="settings").values_list("outcome", "error_type"))
    assert sorted(outcomes) == [("failed", "errors/service_unavailable"), ("ok", "")]


@responses.activate
def test_an_invitation_the_dashboard_never_listed_is_refused_without_a_call(
    linkedin_account: LinkedAccount, alice: User
) -> None:
    decision = services.invitation_decide(
        account=linkedin_account, invitation_id="inv_unknown", action="accept", actor=alice
    )
    assert "Reload the inbox" in decision.refusal
    assert not responses.calls
    assert not InvitationDecision.objects.exists()  # free for a later, listed attempt


def sent_rows(account: LinkedAccount, count: int, *, days_ago: float) -> None:
    for number in range(count):
        row = SentInvitation.objects.create(
            account=account, recipient_id=f"r{number}", invitation_id=f"i{number}"
        )
        SentInvitation.objects.filter(pk=row.pk).update(
            sent_at=timezone.now() - timedelta(days=days_ago)
        )


@pytest.mark.parametrize(("count", "days_ago", "cap"), [(3, 0.5, "daily"), (5, 3, "weekly")])
@responses.activate
def test_it_refuses_to_send_past_a_cap_without_calling_the_api(
    linkedin_account: LinkedAccount, alice: User, count: int, days_ago: float, cap: str
) -> None:
    LinkedAccount.objects.filter(pk=linkedin_account.pk).update(daily_cap=3, weekly_cap=5)
    linkedin_account.refresh_from_db()
    sent_rows(linkedin_account, count, days_ago=days_ago)
    with pytest.raises(services.InvitationRefused, match=f"its {cap} cap"):
        services.invitation_send(
            account=linkedin_account, recipient_id="ACo9", email="", message="", actor=alice
        )
    assert not responses.calls


@responses.activate
def test_it_records_a_send_with_its_usage_and_drops_email_off_linkedin(
    team: Team, alice: User
) -> None:
    instagram = team_services.account_add(
        team=team,
        fields=team_services.AccountFields("INSTAGRAM", "acc_ig", "Instagram", []),
        actor=None,
    )
    responses.post(
        SEND_URL, json={"object": "UserInvitationSent", "invitation_id": "inv_s", "usage": 75}
    )
    sent = services.invitation_send(
        account=instagram,
        recipient_id="ada",
        email="ada@example.com",
        message="Hi\r\nthere",
        actor=alice,
    ).sent
    body = json.loads(responses.calls[0].request.body)
    assert body == {"provider_id": "ada", "account_id": "acc_ig", "message": "Hi\nthere"}
    assert (sent.invitation_id, sent.usage, sent.sent_by) == ("inv_s", 75, alice)
    warning = selectors.account_usage_warning(instagram)
    assert warning is not None and warning.percent == 75


@responses.activate
def test_withdrawing_twice_cancels_once(linkedin_account: LinkedAccount, alice: User) -> None:
    sent = SentInvitation.objects.create(
        account=linkedin_account, recipient_id="ACo1", invitation_id="inv_w"
    )
    responses.delete(CANCEL_URL, json={"object": "InvitationCanceled"})
    assert services.invitation_withdraw(sent=sent, actor=alice)
    assert not services.invitation_withdraw(sent=sent, actor=alice)
    assert len(responses.calls) == 1
    assert "account_id=acc_linkedin_demo" in responses.calls[0].request.url
    sent.refresh_from_db()
    assert (sent.status, sent.withdrawn_by) == (SentStatus.WITHDRAWN, alice)


def test_the_usage_warning_follows_the_latest_report(linkedin_account: LinkedAccount) -> None:
    assert selectors.account_usage_warning(linkedin_account) is None
    SentInvitation.objects.create(
        account=linkedin_account, recipient_id="a", invitation_id="1", usage=90
    )
    SentInvitation.objects.create(account=linkedin_account, recipient_id="b", invitation_id="2")
    warning = selectors.account_usage_warning(linkedin_account)
    assert warning is not None and warning.percent == 90


def test_a_lower_report_replaces_the_warning_and_none_stands_past_the_provider_window(
    linkedin_account: LinkedAccount, settings: Settings
) -> None:
    """Issue 13: the warning never cleared, as the API reports usage only at landings."""
    settings.POSTPRESS_USAGE_WINDOW_HOURS = 24
    old = SentInvitation.objects.create(
        account=linkedin_account, recipient_id="a", invitation_id="1", usage=95
    )
    SentInvitation.objects.filter(pk=old.pk).update(
        sent_at=timezone.now() - timedelta(hours=24, minutes=1)
    )
    assert selectors.account_usage_warning(linkedin_account) is None

    SentInvitation.objects.create(
        account=linkedin_account, recipient_id="b", invitation_id="2", usage=90
    )
    SentInvitation.objects.create(
        account=linkedin_account, recipient_id="c", invitation_id="3", usage=50
    )
    warning = selectors.account_usage_warning(linkedin_account)
    assert warning is not None and warning.percent == 50


@responses.activate
def test_a_decision_abandoned_mid_call_can_be_taken_again(
    linkedin_account: LinkedAccount, alice: User
) -> None:
    listed(linkedin_account, "inv_stuck")
    InvitationDecision.objects.create(
        account=linkedin_account,
        invitation_id="inv_stuck",
        action="accept",
        state=DecisionState.IN_PROGRESS,
    )
    fresh = services.invitation_decide(
        account=linkedin_account, invitation_id="inv_stuck", action="accept", actor=alice
    )
    assert fresh.already_handled and not responses.calls  # a live claim is respected
    InvitationDecision.objects.filter(invitation_id="inv_stuck").update(
        decided_at=timezone.now() - timedelta(minutes=10)
    )
    responses.post(HANDLE_URL, json=handled())
    assert services.invitation_decide(
        account=linkedin_account, invitation_id="inv_stuck", action="accept", actor=alice
    ).ok


@responses.activate
def test_the_same_form_submitted_twice_sends_one_invitation(
    linkedin_account: LinkedAccount, alice: User
) -> None:
    responses.post(SEND_URL, json={"object": "UserInvitationSent", "invitation_id": "inv_once"})
    for _ in range(2):
        sent = services.invitation_send(
            account=linkedin_account,
            recipient_id="ACo7",
            email="",
            message="",
            actor=alice,
            submission="token-1",
        ).sent
    assert sent.invitation_id == "inv_once"
    assert len(responses.calls) == 1
    assert SentInvitation.objects.count() == 1


@responses.activate
def test_a_failed_send_gives_its_cap_slot_and_token_back(
    linkedin_account: LinkedAccount, alice: User
) -> None:
    responses.post(SEND_URL, status=503, json={"type": "errors/service_unavailable", "status": 503})
    responses.post(SEND_URL, json={"object": "UserInvitationSent", "invitation_id": "inv_2nd"})
    with pytest.raises(UpstreamError):
        services.invitation_send(
            account=linkedin_account,
            recipient_id="ACo8",
            email="",
            message="",
            actor=alice,
            submission="token-2",
        )
    assert not SentInvitation.objects.exists()
    retried = services.invitation_send(
        account=linkedin_account,
        recipient_id="ACo8",
        email="",
        message="",
        actor=alice,
        submission="token-2",
    ).sent
    assert retried.invitation_id == "inv_2nd" and retried.status == SentStatus.PENDING


@responses.activate
def test_two_withdraws_holding_their_own_copies_cancel_once(
    linkedin_account: LinkedAccount, alice: User, bob: User
) -> None:
    SentInvitation.objects.create(
        account=linkedin_account, recipient_id="ACo1", invitation_id="inv_race"
    )
    alice_copy = SentInvitation.objects.get(invitation_id="inv_race")
    bob_copy = SentInvitation.objects.get(invitation_id="inv_race")
    responses.delete(CANCEL_URL, json={"object": "InvitationCanceled"})
    assert services.invitation_withdraw(sent=alice_copy, actor=alice)
    assert not services.invitation_withdraw(sent=bob_copy, actor=bob)
    assert len(responses.calls) == 1
    assert bob_copy.status == SentStatus.WITHDRAWN


@responses.activate
def test_an_invitation_gone_at_the_provider_stops_being_offered_for_withdrawal(
    linkedin_account: LinkedAccount, alice: User
) -> None:
    sent = SentInvitation.objects.create(
        account=linkedin_account, recipient_id="ACo1", invitation_id="inv_gone"
    )
    SentInvitation.objects.filter(pk=sent.pk).update(sent_at=timezone.now() - timedelta(days=30))
    responses.delete(
        CANCEL_URL, status=404, json={"type": "errors/resource_not_found", "status": 404}
    )
    with pytest.raises(NotFoundError):
        services.invitation_withdraw(sent=sent, actor=alice)
    assert sent.status == SentStatus.GONE
    assert not selectors.sent_invitations(linkedin_account, pending_longer_than_days=21).exists()
