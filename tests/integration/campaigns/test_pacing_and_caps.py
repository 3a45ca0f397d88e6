"""A campaign's pace on a fake clock: working hours and days, gaps, its daily limit, and the
account's caps shared with manual sends and with another campaign of the same account."""

import io
from datetime import UTC, datetime, time, timedelta
from itertools import pairwise

from django.contrib.auth.models import User

from campaigns.models import CampaignState, RecipientStatus
from invitations.models import SentInvitation, SentStatus
from invitations.services import account_caps_usage, invitation_send
from postpress_dashboard.core.clock import FakeClock
from postpress_dashboard.teams.models import LinkedAccount
from tests.integration.campaigns.conftest import MakeCampaign, run_campaign, run_due


def ids(count: int, prefix: str = "person") -> list[str]:
    return [f"{prefix}_{number}" for number in range(count)]


def sent_times(campaign_pk: int) -> list[datetime]:
    return list(
        SentInvitation.objects.filter(campaign_recipient__campaign_id=campaign_pk)
        .order_by("sent_at")
        .values_list("sent_at", flat=True)
    )


def test_it_sends_only_within_working_hours_and_days(
    make_campaign: MakeCampaign, fake_clock: FakeClock
) -> None:
    # Friday 16:58: two minutes of the week's hours left, then the weekend.
    fake_clock.set(datetime(2026, 12, 4, 16, 58, tzinfo=UTC))
    campaign = make_campaign(ids(6), gap_min_seconds=60, gap_max_seconds=60)
    run_campaign(campaign, fake_clock)
    times = sent_times(campaign.pk)
    assert len(times) == 6
    for moment in times:
        assert moment.isoweekday() <= 5, moment
        assert time(9) <= moment.time() < time(17), moment
    # Two fit on Friday; the rest wait for Monday 09:00, a minute apart.
    assert [moment.date().isoweekday() for moment in times] == [5, 5, 1, 1, 1, 1]
    assert times[2] == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_it_keeps_random_gaps_between_sends(
    make_campaign: MakeCampaign, fake_clock: FakeClock
) -> None:
    campaign = make_campaign(ids(20), gap_min_seconds=60, gap_max_seconds=180)
    run_campaign(campaign, fake_clock)
    times = sent_times(campaign.pk)
    gaps = [(later - earlier).total_seconds() for earlier, later in pairwise(times)]
    assert all(60 <= gap <= 180 for gap in gaps), gaps
    assert len(set(round(gap) for gap in gaps)) > 3  # not one fixed rhythm


def test_it_follows_the_campaign_timezone(
    make_campaign: MakeCampaign, fake_clock: FakeClock
) -> None:
    # 09:00 UTC is 18:00 in Tokyo: past its working hours, so the first send waits for
    # Tuesday 09:00 Tokyo time (00:00 UTC).
    campaign = make_campaign(ids(1), timezone="Asia/Tokyo")
    run_campaign(campaign, fake_clock)
    assert sent_times(campaign.pk) == [datetime(2026, 12, 1, 0, 0, tzinfo=UTC)]


def test_its_daily_limit_moves_the_rest_to_the_next_working_day(
    make_campaign: MakeCampaign, fake_clock: FakeClock
) -> None:
    campaign = make_campaign(ids(7), daily_limit=3, gap_min_seconds=1, gap_max_seconds=1)
    run_campaign(campaign, fake_clock)
    per_day: dict[int, int] = {}
    for moment in sent_times(campaign.pk):
        per_day[moment.day] = per_day.get(moment.day, 0) + 1
    assert per_day == {30: 3, 1: 3, 2: 1}


def test_a_week_of_campaign_never_passes_the_account_caps(
    make_campaign: MakeCampaign, fake_clock: FakeClock, sandbox_linkedin: LinkedAccount
) -> None:
    sandbox_linkedin.daily_cap, sandbox_linkedin.weekly_cap = 10, 30
    sandbox_linkedin.save()
    campaign = make_campaign(ids(40), work_days="1234567", gap_min_seconds=60, gap_max_seconds=60)
    week_later = fake_clock() + timedelta(days=7)
    run_due([campaign], fake_clock, until=week_later - timedelta(minutes=1))
    times = sent_times(campaign.pk)
    assert len(times) == 30  # the weekly cap, reached within the week
    for moment in times:  # no rolling 24 hours holds more than the daily cap
        in_window = [t for t in times if moment <= t < moment + timedelta(days=1)]
        assert len(in_window) <= 10
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.RUNNING  # waiting for room, not stopped
    # The first send of the week leaves the 7-day window: that is when the next one goes.
    assert campaign.next_send_at == times[0] + timedelta(days=7)


def test_manual_sends_and_a_second_campaign_share_the_caps(
    make_campaign: MakeCampaign,
    fake_clock: FakeClock,
    sandbox_linkedin: LinkedAccount,
    alice: User,
) -> None:
    sandbox_linkedin.daily_cap, sandbox_linkedin.weekly_cap = 8, 100
    sandbox_linkedin.save()
    for number in range(3):
        invitation_send(
            account=sandbox_linkedin,
            recipient_id=f"by_hand_{number}",
            email="",
            message="",
            actor=alice,
        )
    first = make_campaign(ids(10, "first"), gap_min_seconds=60, gap_max_seconds=60)
    second = make_campaign(ids(10, "second"), gap_min_seconds=60, gap_max_seconds=60)
    run_due([first, second], fake_clock, until=fake_clock() + timedelta(hours=7))
    usage = account_caps_usage(sandbox_linkedin)
    assert usage.sent_today == 8  # 3 by hand + 5 from the two campaigns, not one more
    from_campaigns = SentInvitation.objects.filter(campaign_recipient__isnull=False).count()
    assert from_campaigns == 5
    assert first.recipients.filter(status=RecipientStatus.SENT).count() > 0
    assert second.recipients.filter(status=RecipientStatus.SENT).count() > 0


def test_a_step_delivered_twice_sends_once(
    make_campaign: MakeCampaign, fake_clock: FakeClock
) -> None:
    from campaigns.services import campaign_step_run

    campaign = make_campaign(ids(3))
    campaign.refresh_from_db()
    stale_ticket = campaign.ticket
    campaign_step_run(campaign_id=campaign.pk, ticket=stale_ticket)
    campaign_step_run(campaign_id=campaign.pk, ticket=stale_ticket)  # the same task again
    assert campaign.recipients.exclude(status=RecipientStatus.QUEUED).count() == 1
    assert SentInvitation.objects.count() == 1


def test_a_paused_campaign_runs_no_step(
    make_campaign: MakeCampaign, fake_clock: FakeClock, alice: User
) -> None:
    from campaigns.services import campaign_pause, campaign_step_run

    campaign = make_campaign(ids(3))
    campaign.refresh_from_db()
    ticket = campaign.ticket
    campaign_pause(campaign=campaign, actor=alice)
    campaign_step_run(campaign_id=campaign.pk, ticket=ticket)  # its task, delivered after Pause
    assert SentInvitation.objects.count() == 0
    assert campaign.recipients.filter(status=RecipientStatus.QUEUED).count() == 3


def test_a_send_whose_worker_died_becomes_unconfirmed_and_is_never_sent_again(
    make_campaign: MakeCampaign, fake_clock: FakeClock
) -> None:
    from campaigns import services

    campaign = make_campaign(ids(3))
    campaign.refresh_from_db()
    # The claim commits, then the worker dies before its call: the step never gets to send.
    claim = services._step_claim(campaign.pk, campaign.ticket)
    assert claim is not None
    fake_clock.advance(seconds=services.ABANDONED_AFTER.total_seconds() + 1)
    run_campaign(campaign, fake_clock)
    claim.recipient.refresh_from_db()
    assert claim.recipient.status == RecipientStatus.UNCONFIRMED
    assert "may have" in claim.recipient.reason.lower()
    sent = SentInvitation.objects.get(recipient_id=claim.recipient.recipient_id)
    assert sent.status == SentStatus.UNCONFIRMED  # counts against the caps, for a person
    assert campaign.recipients.filter(status=RecipientStatus.SENT).count() == 2
    assert SentInvitation.objects.filter(recipient_id=claim.recipient.recipient_id).count() == 1


def test_resolving_an_unconfirmed_campaign_send_updates_its_row(
    make_campaign: MakeCampaign, fake_clock: FakeClock, alice: User
) -> None:
    from activity.models import Entry, Kind, Outcome
    from campaigns import services
    from invitations.services import unconfirmed_resolve

    campaign = make_campaign(ids(2))
    campaign.refresh_from_db()
    services._step_claim(campaign.pk, campaign.ticket)  # its worker dies before the call
    fake_clock.advance(seconds=services.ABANDONED_AFTER.total_seconds() + 1)
    run_campaign(campaign, fake_clock)
    event = Entry.objects.exclude(kind="settings").get(kind=Kind.SEND, outcome=Outcome.UNCONFIRMED)
    unconfirmed_resolve(entry=event, resolution="did_not", actor=alice)
    row = campaign.recipients.get(sent_id=event.sent_id)
    assert row.status == RecipientStatus.FAILED
    assert row.reason == "alice checked: it was not sent."
    assert campaign.recipients.filter(status=RecipientStatus.SENT).count() == 1


def test_resume_right_after_pause_keeps_the_gap_after_the_last_send(
    make_campaign: MakeCampaign, fake_clock: FakeClock, alice: User
) -> None:
    from campaigns.services import campaign_pause, campaign_start, campaign_step_run

    campaign = make_campaign(ids(3), gap_min_seconds=120, gap_max_seconds=120)
    campaign.refresh_from_db()
    campaign_step_run(campaign_id=campaign.pk, ticket=campaign.ticket)  # the first send
    campaign_pause(campaign=campaign, actor=alice)
    fake_clock.advance(seconds=10)
    campaign_start(campaign=campaign, actor=alice)
    assert campaign.next_send_at == sent_times(campaign.pk)[0] + timedelta(seconds=120)


def test_a_campaign_whose_last_send_fills_the_cap_finishes_at_once(
    make_campaign: MakeCampaign, fake_clock: FakeClock, sandbox_linkedin: LinkedAccount
) -> None:
    sandbox_linkedin.daily_cap = 2
    sandbox_linkedin.save()
    campaign = make_campaign(ids(2), gap_min_seconds=60, gap_max_seconds=60)
    run_campaign(campaign, fake_clock)
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.FINISHED
    assert fake_clock() < sent_times(campaign.pk)[0] + timedelta(hours=1)  # not a day later


def test_an_overdue_step_is_given_again_by_the_revive_command(
    make_campaign: MakeCampaign, fake_clock: FakeClock
) -> None:
    from django.core.management import call_command

    from campaigns import services

    campaign = make_campaign(ids(1))
    campaign.refresh_from_db()
    lost_ticket = campaign.ticket  # its task never reaches a worker
    fake_clock.advance(seconds=services.ABANDONED_AFTER.total_seconds() + 1)
    call_command("campaigns_revive", stdout=io.StringIO())
    campaign.refresh_from_db()
    assert campaign.ticket != lost_ticket and campaign.next_send_at == fake_clock()
    run_campaign(campaign, fake_clock)
    assert campaign.recipients.get().status == RecipientStatus.SENT
