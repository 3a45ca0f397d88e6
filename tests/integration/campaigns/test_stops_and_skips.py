"""What a campaign skips, with reasons, and when it stops by itself, against the sandbox's
triggers (an `err_<type>` in a recipient or account id makes it answer that error)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User

from activity.models import Entry, Kind, Outcome
from campaigns.models import CampaignKind, CampaignState, RecipientStatus
from invitations.models import SentInvitation, SentStatus
from invitations.services import invitation_send
from postpress_dashboard.core.clock import FakeClock
from postpress_dashboard.sandbox.server import RunningSandbox
from postpress_dashboard.teams import services as team_services
from postpress_dashboard.teams.models import LinkedAccount
from tests.integration.campaigns.conftest import MakeCampaign, run_campaign


def statuses(campaign_pk: int) -> dict[str, str]:
    from campaigns.models import Recipient

    return dict(
        Recipient.objects.filter(campaign_id=campaign_pk).values_list("recipient_id", "status")
    )


def test_it_skips_people_the_team_invited_already_by_hand_or_by_another_campaign(
    make_campaign: MakeCampaign, fake_clock: FakeClock, sandbox_linkedin: LinkedAccount, alice: User
) -> None:
    invitation_send(
        account=sandbox_linkedin, recipient_id="known", email="", message="", actor=alice
    )
    earlier = make_campaign(["from_earlier"])
    run_campaign(earlier, fake_clock)
    campaign = make_campaign(["known", "from_earlier", "new_person"])
    run_campaign(campaign, fake_clock)
    assert statuses(campaign.pk) == {
        "known": RecipientStatus.SKIPPED,
        "from_earlier": RecipientStatus.SKIPPED,
        "new_person": RecipientStatus.SENT,
    }
    reason = campaign.recipients.get(recipient_id="known").reason
    assert reason.startswith("Already invited by this team on")
    assert SentInvitation.objects.filter(recipient_id="known").count() == 1


def test_it_skips_someone_withdrawn_less_than_three_weeks_ago_but_not_earlier(
    make_campaign: MakeCampaign, fake_clock: FakeClock, sandbox_linkedin: LinkedAccount, alice: User
) -> None:
    now = fake_clock()
    for recipient_id, days_ago in (("withdrawn_lately", 20), ("withdrawn_long_ago", 22)):
        SentInvitation.objects.create(
            account=sandbox_linkedin,
            recipient_id=recipient_id,
            status=SentStatus.WITHDRAWN,
            sent_at=now - timedelta(days=days_ago + 1),
            withdrawn_at=now - timedelta(days=days_ago),
        )
    campaign = make_campaign(["withdrawn_lately", "withdrawn_long_ago"])
    run_campaign(campaign, fake_clock)
    assert statuses(campaign.pk) == {
        "withdrawn_lately": RecipientStatus.SKIPPED,
        "withdrawn_long_ago": RecipientStatus.SENT,
    }
    reason = campaign.recipients.get(recipient_id="withdrawn_lately").reason
    assert "LinkedIn blocks inviting the same person again for 3 weeks" in reason


def test_an_already_connected_answer_is_a_skip_not_a_failure(
    make_campaign: MakeCampaign, fake_clock: FakeClock
) -> None:
    campaign = make_campaign(["friend_err_already_connected", "stranger"])
    run_campaign(campaign, fake_clock)
    skipped = campaign.recipients.get(recipient_id="friend_err_already_connected")
    assert skipped.status == RecipientStatus.SKIPPED
    assert skipped.error_type == "errors/already_connected"
    assert skipped.reason and "errors/" not in skipped.reason
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.FINISHED


def test_a_refusal_for_one_person_fails_that_row_and_the_campaign_goes_on(
    make_campaign: MakeCampaign, fake_clock: FakeClock
) -> None:
    campaign = make_campaign(["bad_err_invalid_parameters", "good"])
    run_campaign(campaign, fake_clock)
    failed = campaign.recipients.get(recipient_id="bad_err_invalid_parameters")
    assert failed.status == RecipientStatus.FAILED
    assert failed.reason and "{" not in failed.reason
    assert campaign.recipients.get(recipient_id="good").status == RecipientStatus.SENT


@pytest.mark.parametrize(
    "trigger",
    [
        "err_limit_exceeded",
        "err_disconnected_account",  # 401 for the account
        "err_account_restricted",  # 403
    ],
)
def test_it_stops_by_itself_and_says_why(
    make_campaign: MakeCampaign, fake_clock: FakeClock, trigger: str
) -> None:
    campaign = make_campaign(["first", f"then_{trigger}", "never_reached"])
    run_campaign(campaign, fake_clock)
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.STOPPED
    assert campaign.stop_reason and "errors/" not in campaign.stop_reason
    assert campaign.stop_error_type == f"errors/{trigger.removeprefix('err_')}"
    # The recipient it stopped on was not sent: it waits in the queue for Resume.
    assert statuses(campaign.pk) == {
        "first": RecipientStatus.SENT,
        f"then_{trigger}": RecipientStatus.QUEUED,
        "never_reached": RecipientStatus.QUEUED,
    }
    stop = Entry.objects.exclude(kind="settings").get(kind=Kind.CAMPAIGN, outcome=Outcome.FAILED)
    assert stop.target == campaign.name and stop.detail.startswith("Stopped:")


def test_it_stops_when_the_teams_key_is_refused(
    make_campaign: MakeCampaign, fake_clock: FakeClock, sandbox_linkedin: LinkedAccount
) -> None:
    team_services.team_set_api_key(team=sandbox_linkedin.team, api_key="pp_wrong_key", actor=None)
    campaign = make_campaign(["someone"])
    run_campaign(campaign, fake_clock)
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.STOPPED
    assert campaign.stop_reason
    assert campaign.recipients.get().status == RecipientStatus.QUEUED


def test_it_stops_at_95_percent_usage(
    make_campaign: MakeCampaign,
    fake_clock: FakeClock,
    sandbox_linkedin: LinkedAccount,
    sandbox: RunningSandbox,
) -> None:
    sandbox_linkedin.daily_cap = sandbox_linkedin.weekly_cap = 500
    sandbox_linkedin.save()
    # The sandbox's limit is 100: its usage passes 95% with the 95th send.
    campaign = make_campaign(
        [f"person_{n}" for n in range(120)], gap_min_seconds=1, gap_max_seconds=1
    )
    run_campaign(campaign, fake_clock)
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.STOPPED
    assert "95%" in campaign.stop_reason
    assert campaign.recipients.filter(status=RecipientStatus.SENT).count() == 95


def test_too_many_requests_waits_its_retry_after_then_goes_on(
    make_campaign: MakeCampaign, fake_clock: FakeClock
) -> None:
    from campaigns.services import campaign_step_run

    campaign = make_campaign(["busy_err_too_many_requests_wait_600"])
    campaign.refresh_from_db()
    started = fake_clock()
    campaign_step_run(campaign_id=campaign.pk, ticket=campaign.ticket)
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.RUNNING
    assert campaign.next_send_at == started + timedelta(seconds=600)
    assert campaign.recipients.get().status == RecipientStatus.QUEUED


def test_a_messages_campaign_starts_one_chat_per_person(
    make_campaign: MakeCampaign, fake_clock: FakeClock, sandbox_team: object
) -> None:
    whatsapp = team_services.account_add(
        team=sandbox_team,  # type: ignore[arg-type]
        fields=team_services.AccountFields(
            provider="WHATSAPP", account_id="acc_whatsapp_demo", label="Support", linkedin_apis=[]
        ),
        actor=None,
    )
    campaign = make_campaign(
        ["+15550001", "+15550002"],
        account=whatsapp,
        kind=CampaignKind.MESSAGES,
        template="Hello {first_name}, a quick question.",
    )
    run_campaign(campaign, fake_clock)
    sent = campaign.recipients.filter(status=RecipientStatus.SENT)
    assert sent.count() == 2
    assert all(recipient.chat is not None for recipient in sent)
    events = Entry.objects.exclude(kind="settings").filter(kind=Kind.CHAT, outcome=Outcome.OK)
    assert events.count() == 2
    assert all(event.detail == f"Campaign “{campaign.name}”" for event in events)


def test_a_linkedin_messages_campaign_goes_through_classic(
    make_campaign: MakeCampaign, fake_clock: FakeClock
) -> None:
    campaign = make_campaign(
        ["ACoAAA111", "ACoAAA222"], kind=CampaignKind.MESSAGES, template="Hi {first_name}!"
    )
    run_campaign(campaign, fake_clock)
    assert campaign.recipients.filter(status=RecipientStatus.SENT).count() == 2


def test_an_account_switched_off_while_running_stops_the_campaign(
    make_campaign: MakeCampaign, fake_clock: FakeClock, sandbox_linkedin: LinkedAccount
) -> None:
    campaign = make_campaign(["first", "second"])
    LinkedAccount.objects.filter(pk=sandbox_linkedin.pk).update(is_active=False)
    run_campaign(campaign, fake_clock)
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.STOPPED
    assert "switched off in Settings" in campaign.stop_reason
    assert not SentInvitation.objects.exists()


def test_an_invitation_cap_of_zero_stops_the_campaign_in_words(
    make_campaign: MakeCampaign, fake_clock: FakeClock, sandbox_linkedin: LinkedAccount
) -> None:
    sandbox_linkedin.daily_cap = 0
    sandbox_linkedin.save()
    campaign = make_campaign(["someone"])
    run_campaign(campaign, fake_clock)
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.STOPPED
    assert "invitation cap is 0 in Settings" in campaign.stop_reason


def test_an_address_the_settings_do_not_allow_stops_instead_of_retrying(
    make_campaign: MakeCampaign, fake_clock: FakeClock, sandbox_team: object
) -> None:
    from postpress_dashboard.teams.models import Team

    Team.objects.filter(pk=sandbox_team.pk).update(  # type: ignore[attr-defined]
        base_url="https://api.not-allowed.example/api/v1"
    )
    campaign = make_campaign(["someone"])
    steps = run_campaign(campaign, fake_clock)
    campaign.refresh_from_db()
    assert (campaign.state, steps) == (CampaignState.STOPPED, 1)
    assert campaign.stop_error_type == "client/host_not_allowed"
    assert campaign.recipients.get().status == RecipientStatus.QUEUED


def test_an_outage_waits_longer_each_time_then_stops_without_failing_anyone(
    make_campaign: MakeCampaign, fake_clock: FakeClock
) -> None:
    from campaigns.services import MAX_WAITS_IN_A_ROW, UNREACHABLE_WAIT

    campaign = make_campaign(["down_err_service_unavailable", "after"])
    started = fake_clock()
    run_campaign(campaign, fake_clock)
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.STOPPED
    assert f"tried {MAX_WAITS_IN_A_ROW + 1} times in a row" in campaign.stop_reason
    assert campaign.stop_error_type == "errors/service_unavailable"
    assert set(statuses(campaign.pk).values()) == {RecipientStatus.QUEUED}
    # 5 + 10 + 20 + 40 + 60 minutes of waiting, at least (working hours may add more).
    assert fake_clock() - started >= UNREACHABLE_WAIT * 15 - timedelta(minutes=5)


def test_postpress_unreachable_waits_and_the_campaign_goes_on_when_it_answers(
    make_campaign: MakeCampaign,
    fake_clock: FakeClock,
    sandbox_team: object,
    sandbox: RunningSandbox,
) -> None:
    from campaigns.services import campaign_step_run
    from postpress_dashboard.teams.models import Team

    campaign = make_campaign(["someone"])
    Team.objects.filter(pk=sandbox_team.pk).update(  # type: ignore[attr-defined]
        base_url="http://127.0.0.1:9/api/v1"  # nothing listens on the discard port
    )
    campaign.refresh_from_db()
    campaign_step_run(campaign_id=campaign.pk, ticket=campaign.ticket)
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.RUNNING and campaign.waits_in_a_row == 1
    assert campaign.recipients.get().status == RecipientStatus.QUEUED
    Team.objects.filter(pk=sandbox_team.pk).update(  # type: ignore[attr-defined]
        base_url=sandbox.base_url
    )
    run_campaign(campaign, fake_clock)
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.FINISHED and campaign.waits_in_a_row == 0


def test_already_invited_recently_is_a_skip(
    make_campaign: MakeCampaign, fake_clock: FakeClock
) -> None:
    campaign = make_campaign(["someone_err_already_invited_recently"])
    run_campaign(campaign, fake_clock)
    assert campaign.recipients.get().status == RecipientStatus.SKIPPED


def test_rows_that_still_need_fixing_stop_the_campaign_instead_of_finishing_it(
    make_campaign: MakeCampaign, fake_clock: FakeClock
) -> None:
    from campaigns.recipients import recipients_from_lines
    from campaigns.services import campaign_recipients_add

    campaign = make_campaign(["ada"], template="Hi {first_name}!")
    # Pasted rows have no first_name: they cannot be sent as the message stands.
    campaign_recipients_add(campaign=campaign, recipients=recipients_from_lines("bob"))
    run_campaign(campaign, fake_clock)
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.STOPPED
    assert "1 recipient cannot be sent as the message stands" in campaign.stop_reason
    assert statuses(campaign.pk) == {"ada": RecipientStatus.SENT, "bob": RecipientStatus.QUEUED}


def test_a_step_skips_one_batch_at_most_with_a_bounded_number_of_queries(
    make_campaign: MakeCampaign, fake_clock: FakeClock, sandbox_linkedin: LinkedAccount
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from campaigns.services import campaign_step_run

    known = [f"known_{number}" for number in range(250)]
    long_ago = fake_clock() - timedelta(days=30)  # outside the caps' windows
    SentInvitation.objects.bulk_create(
        SentInvitation(
            account=sandbox_linkedin, recipient_id=rid, status=SentStatus.PENDING, sent_at=long_ago
        )
        for rid in known
    )
    campaign = make_campaign([*known, "new_person"])
    campaign.refresh_from_db()
    with CaptureQueriesContext(connection) as queries:
        campaign_step_run(campaign_id=campaign.pk, ticket=campaign.ticket)
    assert len(queries) < 40, len(queries)
    assert campaign.recipients.filter(status=RecipientStatus.SKIPPED).count() == 101
    run_campaign(campaign, fake_clock)
    assert campaign.recipients.filter(status=RecipientStatus.SKIPPED).count() == 250
    assert campaign.recipients.get(recipient_id="new_person").status == RecipientStatus.SENT


def test_a_messages_campaign_row_follows_a_chat_resolution(
    make_campaign: MakeCampaign, fake_clock: FakeClock, sandbox_team: object, alice: User
) -> None:
    from invitations.services import unconfirmed_resolve

    whatsapp = team_services.account_add(
        team=sandbox_team,  # type: ignore[arg-type]
        fields=team_services.AccountFields(
            provider="WHATSAPP", account_id="acc_whatsapp_demo", label="Support", linkedin_apis=[]
        ),
        actor=None,
    )
    # The sandbox answers an HTML error page: the chat may have started.
    campaign = make_campaign(
        ["+1555_err_html"], account=whatsapp, kind=CampaignKind.MESSAGES, template="Hello!"
    )
    run_campaign(campaign, fake_clock)
    assert campaign.recipients.get().status == RecipientStatus.UNCONFIRMED
    event = Entry.objects.exclude(kind="settings").get(kind=Kind.CHAT, outcome=Outcome.UNCONFIRMED)
    unconfirmed_resolve(entry=event, resolution="went_through", actor=alice)
    row = campaign.recipients.get()
    assert (row.status, row.reason) == (RecipientStatus.SENT, "alice checked: it was sent.")
