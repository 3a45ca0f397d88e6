"""Campaign steps taken by real workers (`manage.py campaign_worker`), three at a time, on the
database queue and on RQ: each recipient is sent to at most once, even when every worker is
killed (SIGKILL) while one of them waits for the API's answer.

The real clock runs here (the workers are other processes): pacing is off and the working
hours cover the whole week, so every step is due at once. The sandbox counts each invitation
send as it arrives (workers_support.SendCounter).
"""

from collections import Counter
from collections.abc import Iterator
from datetime import time, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from pytest_django.fixtures import Settings

from activity.models import Entry, Kind, Outcome
from campaigns import services
from campaigns.models import FINAL_STATUSES, Campaign, CampaignKind, CampaignState, RecipientStatus
from campaigns.recipients import recipients_from_csv
from campaigns.selectors import campaign_progress
from campaigns.services import PacingFields, campaign_create, campaign_start, campaigns_revive
from campaigns.templating import template_parse
from invitations.models import SentInvitation, SentStatus
from invitations.services import account_caps_usage
from postpress_dashboard.teams import services as team_services
from postpress_dashboard.teams.models import LinkedAccount
from tests.integration.campaigns.conftest import csv_of
from tests.integration.campaigns.workers_support import (
    REDIS_URL,
    CountingSandbox,
    TaskQueue,
    Workers,
    counting_sandbox,
    redis_answers,
    wait_until,
    worker_env,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sandbox]

# A send still under way this long after its claim lost its worker (the workers' setting and,
# for the steps the test process enqueues, services.ABANDONED_AFTER). Longer than the other
# sends take after the slow one's claim, or a live worker's step would settle it before the kill.
ABANDONED_AFTER_SECONDS = 10
# The sandbox holds this one's send for 30 s (err_slow_<ms>), and its worker waits that long
# (READ_TIMEOUT_SECONDS): the kill comes while it waits, once the other sends are done.
SLOW = "worker_test_14_err_slow_30000"
READ_TIMEOUT_SECONDS = 30
WHOLE_WEEK = PacingFields(
    timezone="UTC",
    work_days="1234567",
    work_start=time(0),
    work_end=time(23, 59, 59, 999999),
    gap_min_seconds=0,
    gap_max_seconds=0,
    daily_limit=None,
)


@pytest.fixture(params=["database", "rq"])
def task_queue(
    request: pytest.FixtureRequest, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TaskQueue]:
    """The queue the workers take steps from; the test process enqueues the first step there."""
    if request.param == "rq" and not redis_answers():
        pytest.skip(f"the RQ variant needs Redis at {REDIS_URL}, and none answers")
    queue = TaskQueue(request.param)
    with queue.in_use():
        for name, value in queue.test_settings().items():
            setattr(settings, name, value)  # django.tasks re-reads TASKS when it changes
        monkeypatch.setattr(services, "ABANDONED_AFTER", timedelta(seconds=ABANDONED_AFTER_SECONDS))
        yield queue


@pytest.fixture
def sandbox() -> Iterator[CountingSandbox]:
    # Each call takes 20 ms, so the workers' sends overlap.
    with counting_sandbox(latency_ms=20) as sandbox:
        yield sandbox


@pytest.fixture
def account(sandbox: CountingSandbox, alice: User) -> LinkedAccount:
    team = team_services.team_create(
        name="Outreach", base_url=sandbox.base_url, api_key=sandbox.api_key
    )
    team_services.member_add(team=team, user=alice, role="admin", actor=None)
    fields = team_services.AccountFields(
        provider="LINKEDIN",
        account_id="acc_linkedin_demo",
        label="Sam on LinkedIn",
        linkedin_apis=["classic"],
    )
    return team_services.account_add(team=team, fields=fields, actor=None)


@pytest.fixture
def workers(task_queue: TaskQueue, tmp_path: Path, transactional_db: None) -> Iterator[Workers]:
    pool = Workers(
        env=worker_env(
            task_queue,
            abandoned_after_seconds=ABANDONED_AFTER_SECONDS,
            read_timeout_seconds=READ_TIMEOUT_SECONDS,
        ),
        log_dir=tmp_path,
        ready_line=task_queue.ready_line,
    )
    try:
        yield pool
    finally:
        pool.close()


def campaign_started(account: LinkedAccount, alice: User, recipient_ids: list[str]) -> Campaign:
    campaign = campaign_create(
        team=account.team,
        account=account,
        name="Workers",
        kind=CampaignKind.INVITATIONS,
        template=template_parse("Hi {first_name|there}, glad to connect."),
        recipients=recipients_from_csv(csv_of(recipient_ids), takes_email=False),
        pacing=WHOLE_WEEK,
        actor=alice,
    )
    campaign_start(campaign=campaign, actor=alice)
    return campaign


def statuses(campaign: Campaign) -> dict[str, str]:
    return dict(campaign.recipients.values_list("recipient_id", "status"))


def finished(campaign: Campaign, sandbox: CountingSandbox) -> bool:
    """The campaign no longer runs; a recipient sent to twice fails the test at once."""
    repeated = {rid: count for rid, count in sandbox.sends.counts().items() if count > 1}
    assert not repeated, f"Sent to more than once: {repeated}"
    return Campaign.objects.get(pk=campaign.pk).state != CampaignState.RUNNING


def progress(campaign: Campaign, sandbox: CountingSandbox, queue: TaskQueue) -> str:
    campaign.refresh_from_db()
    return (
        f"Campaign {campaign.state}, next step {campaign.ticket[:6]} at {campaign.next_send_at}; "
        f"{campaign_progress(campaign)}; sends received: {dict(sandbox.sends.counts())}; "
        f"{queue.describe()}"
    )


def test_it_sends_to_each_recipient_at_most_once_when_every_worker_is_killed_mid_send(
    task_queue: TaskQueue,
    workers: Workers,
    sandbox: CountingSandbox,
    account: LinkedAccount,
    alice: User,
) -> None:
    recipient_ids = [f"worker_test_{number:02}" for number in range(30)]
    recipient_ids[14] = SLOW
    # Room for the list and one more (a full cap would hold the campaign's last step back a day).
    LinkedAccount.objects.filter(pk=account.pk).update(daily_cap=len(recipient_ids) + 1)
    workers.wait_ready(workers.start(3))
    campaign = campaign_started(account, alice, recipient_ids)

    def only_the_slow_send_under_way() -> bool:
        """The sandbox holds the slow send, the others are done, and the campaign's next step
        (the one that settles the slow send) waits in the queue, not due for a while: no worker
        is between taking a step and committing it, and none can start one before the kill."""
        campaign.refresh_from_db()
        now = statuses(campaign)
        soon = timezone.now() + timedelta(seconds=1)
        if now[SLOW] != RecipientStatus.SENDING and sandbox.sends.counts()[SLOW]:
            raise AssertionError(
                f"The slow send was settled ({now[SLOW]}) before the other sends were done: "
                "they took longer than ABANDONED_AFTER_SECONDS. "
                + progress(campaign, sandbox, task_queue)
            )
        return (
            sandbox.sends.counts()[SLOW] == 1
            and all(status in FINAL_STATUSES for rid, status in now.items() if rid != SLOW)
            and campaign.ticket in task_queue.step_tickets_scheduled_after(soon)
        )

    wait_until(
        only_the_slow_send_under_way,
        timeout=40,
        what="every send but the slow one done while the sandbox holds that one",
        workers=workers,
        describe=lambda: progress(campaign, sandbox, task_queue),
    )
    workers.kill()  # the one waiting for the slow send's answer too: which one is unknown
    workers.start(3)
    revived = 0

    def finished_while_a_page_looks() -> bool:
        """Pages revive a running campaign whose step is overdue (campaigns_revive): on RQ the
        killed workers' scheduler still holds the queue's scheduler lock (61 s, retried every
        10 min), so the fresh workers move no scheduled step into the queue until then."""
        nonlocal revived
        revived += campaigns_revive(team=account.team)
        return finished(campaign, sandbox)

    wait_until(
        finished_while_a_page_looks,
        timeout=40,
        what="fresh workers to finish the campaign",
        workers=workers,
        describe=lambda: progress(campaign, sandbox, task_queue),
    )

    campaign.refresh_from_db()
    assert campaign.state == CampaignState.FINISHED
    if task_queue.name == "database":
        assert revived == 0  # the step scheduled before the kill was taken by a fresh worker
    # The sandbox received every recipient once: the slow one was never sent again.
    assert sandbox.sends.counts() == Counter(recipient_ids)
    others = [rid for rid in recipient_ids if rid != SLOW]
    assert statuses(campaign) == {rid: RecipientStatus.SENT for rid in others} | {
        SLOW: RecipientStatus.UNCONFIRMED
    }
    slow = campaign.recipients.select_related("sent").get(recipient_id=SLOW)
    assert slow.sent is not None
    assert slow.sent.status == SentStatus.UNCONFIRMED
    sends = Entry.objects.exclude(kind="settings").filter(account=account, kind=Kind.SEND)
    assert list(sends.filter(outcome=Outcome.UNCONFIRMED).values_list("target", "sent")) == [
        (SLOW, slow.sent.pk)
    ]
    assert Counter(sends.filter(outcome=Outcome.OK).values_list("target", flat=True)) == Counter(
        others
    )
    # One cap slot each, the unconfirmed one's kept: the caps were never overshot.
    reserved = SentInvitation.objects.filter(account=account).values_list("recipient_id", flat=True)
    assert Counter(reserved) == Counter(recipient_ids)
    account.refresh_from_db()
    assert account_caps_usage(account).sent_today == len(recipient_ids) < account.daily_cap


def test_three_workers_share_a_campaign_and_send_to_each_recipient_once(
    task_queue: TaskQueue,
    workers: Workers,
    sandbox: CountingSandbox,
    account: LinkedAccount,
    alice: User,
) -> None:
    recipient_ids = [f"worker_test_{number:02}" for number in range(40)]
    workers.wait_ready(workers.start(3))
    campaign = campaign_started(account, alice, recipient_ids)

    wait_until(
        lambda: finished(campaign, sandbox),
        timeout=40,
        what="the workers to finish the campaign",
        workers=workers,
        describe=lambda: progress(campaign, sandbox, task_queue),
    )

    campaign.refresh_from_db()
    assert campaign.state == CampaignState.FINISHED
    assert sandbox.sends.counts() == Counter(recipient_ids)
    assert statuses(campaign) == {rid: RecipientStatus.SENT for rid in recipient_ids}
    sent = SentInvitation.objects.filter(account=account)
    assert Counter(sent.values_list("recipient_id", flat=True)) == Counter(recipient_ids)
    assert set(sent.values_list("status", flat=True)) == {SentStatus.PENDING}
    # Several workers sent: at most two steps of a campaign send nothing (its last, and a wait
    # for a send still under way), so a worker that ran three steps sent at least once.
    steps = task_queue.steps_by_worker()
    assert len([worker for worker, count in steps.items() if count >= 3]) > 1, steps
