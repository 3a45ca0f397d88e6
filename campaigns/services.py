"""Creating, controlling and running campaigns.

A running campaign is a chain of steps, each a task (campaigns/tasks.py) scheduled for the
moment its pacing allows. One step, in one transaction holding the campaign's and the
account's row locks: check the hours, the daily limit and the account's caps (shared with
manual sends and every other campaign of the account), skip who must be skipped, claim the
next recipient (with its cap slot), and schedule the next step. Then, outside the
transaction, the one API call, and its outcome recorded. A step whose ticket is no longer the
campaign's (delivered twice, late, or after Pause) does nothing.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, QuerySet

from activity.models import Kind, Outcome
from activity.services import activity_record
from campaigns.models import (
    Campaign,
    CampaignKind,
    CampaignState,
    Recipient,
    RecipientStatus,
)
from campaigns.pacing import Pacing
from campaigns.recipients import ParsedRecipients, RecipientRow
from campaigns.templating import MessageTemplate, Rendered, template_parse
from chats.models import ChatSubmission
from chats.services import chat_start
from invitations.models import SentInvitation, SentStatus
from invitations.rules import MESSAGE_LIMIT, sends_invitations, takes_email
from invitations.services import (
    Actor,
    WriteUnconfirmed,
    abandoned_send_mark_unconfirmed,
    account_caps_free_at,
    account_caps_usage,
    reserved_invitation_send,
)
from postpress_dashboard.core import clock
from postpress_dashboard.postpress.catalogue import FixableBy
from postpress_dashboard.postpress.errors import PostpressError
from postpress_dashboard.postpress.schemas import ClassicOptions, NewChat
from postpress_dashboard.teams.models import (
    ApiKeyUnavailable,
    LinkedAccount,
    LinkedInApi,
    ProviderChoice,
    Team,
)
from postpress_dashboard.teams.services import api_key_problem

logger = logging.getLogger(__name__)

# LinkedIn refuses to invite someone again for three weeks after a withdrawn invitation.
REINVITE_AFTER = timedelta(weeks=3)
# The first wait after an answer that says "try again later" (or no connection at all).
UNREACHABLE_WAIT = timedelta(minutes=5)
# The shortest wait a step schedules for room in the caps: never a step that loops in place.
MIN_WAIT = timedelta(seconds=1)
# Skips are decided in batches of this many recipients per step (one query a batch). The first
# look takes one: it is usually the one sent, and reading a whole batch to send one cost more
# than the rest of the step's queries together (docs/benchmarks.md).
SKIP_BATCH = 100
# Answers after which the rest of the list cannot go out from this account: the campaign
# stops and says why (a person fixes the account, then resumes).
STOPPING_TYPES = frozenset({"errors/limit_exceeded", "errors/insufficient_credits"})
STOPPING_STATUSES = frozenset({401, 403})
# Answers that say this person needs no invitation or chat from us: a skip, with its words.
SKIPPING_TYPES = frozenset(
    {
        "errors/already_connected",
        "errors/already_invited_recently",
        "errors/action_already_performed",
    }
)
# After an outage answer ("try again later"), waits double from UNREACHABLE_WAIT up to
# MAX_WAIT; after this many in a row the campaign stops and says why.
MAX_WAITS_IN_A_ROW = 5
MAX_WAIT = timedelta(hours=1)
RATE_LIMITED = "errors/too_many_requests"
# Sends still in SENDING after this long lost their worker mid-call.
ABANDONED_AFTER = timedelta(seconds=settings.CAMPAIGN_ABANDONED_AFTER_SECONDS)
# Stored rows of recipients added or imported per INSERT.
INSERT_BATCH = 1000


class CampaignRefused(Exception):
    """The dashboard refuses a change to a campaign, before any call: the words say why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- building a campaign -----------------------------------------------------------------


@dataclass(frozen=True)
class PacingFields:
    timezone: str
    work_days: str
    work_start: object
    work_end: object
    gap_min_seconds: int
    gap_max_seconds: int
    daily_limit: int | None


def campaign_create(
    *,
    team: Team,
    account: LinkedAccount,
    name: str,
    kind: str,
    template: MessageTemplate,
    recipients: ParsedRecipients,
    pacing: PacingFields,
    actor: Actor,
) -> Campaign:
    """A paused campaign with its recipients, each checked against the template: nothing
    is half-imported (one transaction)."""
    with transaction.atomic():
        campaign = Campaign.objects.create(
            team=team,
            account=account,
            name=name,
            kind=kind,
            template=template.source,
            created_by=actor if actor and actor.pk else None,
            **vars(pacing),
        )
        _recipients_store(campaign, template, recipients.rows, first_position=0)
    return campaign


def campaign_recipients_add(*, campaign: Campaign, recipients: ParsedRecipients) -> int:
    """Add rows to an open campaign, after the ones already there; a recipient already in it
    is not added again (the same file uploaded twice adds nobody). Returns how many were."""
    limit = settings.CAMPAIGN_MAX_RECIPIENTS
    with transaction.atomic():
        locked = _campaign_locked(campaign)
        if not locked.is_open:
            raise CampaignRefused("This campaign has ended: start a new one to reach more people.")
        count = locked.recipients.count()
        if count + len(recipients.rows) > limit:
            raise CampaignRefused(
                f"This campaign has {count:,} recipients; with {len(recipients.rows):,} more it "
                f"would pass the limit of {limit:,}. Add fewer, or start another campaign."
            )
        last = locked.recipients.aggregate(last=Max("position"))["last"]
        template = template_parse(locked.template)
        return _recipients_store(locked, template, recipients.rows, first_position=(last or 0) + 1)


def _recipients_store(
    campaign: Campaign, template: MessageTemplate, rows: list[RecipientRow], *, first_position: int
) -> int:
    provider_takes_email = takes_email(campaign.account.provider)
    stored = [
        Recipient(
            campaign=campaign,
            row_number=row.row_number,
            position=first_position + index,
            recipient_id=row.recipient_id,
            email=row.email if provider_takes_email and _invites(campaign) else "",
            variables=row.variables,
            problem=recipient_problem(campaign, template, row.variables),
        )
        for index, row in enumerate(rows)
    ]
    before = campaign.recipients.count()
    Recipient.objects.bulk_create(stored, batch_size=INSERT_BATCH, ignore_conflicts=True)
    return campaign.recipients.count() - before


def recipient_problem(campaign: Campaign, template: MessageTemplate, values: dict[str, str]) -> str:
    """Why this recipient's message cannot go out as it is, or an empty string."""
    return _rendered_problem(campaign, template.render(values))


def _rendered_problem(campaign: Campaign, rendered: Rendered) -> str:
    if rendered.missing:
        names = ", ".join(f"{{{name}}}" for name in rendered.missing)
        return f"{names} has no value here and no fallback."
    if _invites(campaign) and len(rendered.text) > MESSAGE_LIMIT:
        return (
            f"The note is {len(rendered.text)} characters; invitations take at most "
            f"{MESSAGE_LIMIT}. Shorten the template or skip this recipient."
        )
    if not _invites(campaign) and not rendered.text.strip():
        return "The message is empty for this recipient."
    return ""


def campaign_template_change(*, campaign: Campaign, template: MessageTemplate) -> None:
    """A new template for the recipients not yet sent, each checked again."""
    with transaction.atomic():
        locked = _campaign_locked(campaign)
        if locked.state == CampaignState.RUNNING:
            raise CampaignRefused("Pause the campaign before changing its message.")
        if not locked.is_open:
            raise CampaignRefused("This campaign has ended.")
        locked.template = template.source
        locked.save(update_fields=["template"])
        queued = list(locked.recipients.filter(status=RecipientStatus.QUEUED))
        for recipient in queued:
            recipient.problem = recipient_problem(locked, template, recipient.variables)
        Recipient.objects.bulk_update(queued, ["problem"], batch_size=INSERT_BATCH)
    campaign.refresh_from_db()


def _campaign_locked(campaign: Campaign) -> Campaign:
    """The campaign's row, locked for the transaction: a person's change to its recipients
    waits for a step under way, and a step for the change (no row is claimed mid-edit)."""
    return (
        Campaign.objects.select_for_update(of=("self",), no_key=True)
        .select_related("account")
        .get(pk=campaign.pk)
    )


def campaign_recipient_skip(*, campaign: Campaign, recipient: Recipient, actor: Actor) -> bool:
    """A person takes a recipient not yet sent out of the campaign. False when it is no
    longer queued (a worker claimed it a moment ago)."""
    who = actor.get_username() if actor and actor.pk else "a teammate"
    with transaction.atomic():
        _campaign_locked(campaign)
        skipped = Recipient.objects.filter(
            pk=recipient.pk, campaign=campaign, status=RecipientStatus.QUEUED
        ).update(
            status=RecipientStatus.SKIPPED, reason=f"Skipped by {who}.", finished_at=clock.now()
        )
    return bool(skipped)


def campaign_recipient_edit(
    *,
    campaign: Campaign,
    recipient: Recipient,
    recipient_id: str,
    email: str,
    variables: dict[str, str],
) -> None:
    """Correct a recipient not yet sent (its id, email or columns), checked again against the
    message. Refused once a worker has claimed it, or when the id is another row's."""
    with transaction.atomic():
        locked_campaign = _campaign_locked(campaign)
        locked = campaign.recipients.filter(pk=recipient.pk).first()
        if locked is None or locked.status != RecipientStatus.QUEUED:
            raise CampaignRefused(
                f"{recipient.recipient_id} is no longer queued: it was not changed."
            )
        if campaign.recipients.filter(recipient_id=recipient_id).exclude(pk=locked.pk).exists():
            raise CampaignRefused(f"{recipient_id} is already in this campaign.")
        template = template_parse(locked_campaign.template)
        locked.recipient_id, locked.email, locked.variables = recipient_id, email, variables
        locked.problem = recipient_problem(locked_campaign, template, variables)
        locked.save(update_fields=["recipient_id", "email", "variables", "problem"])


def campaign_recipient_remove(*, campaign: Campaign, recipient: Recipient) -> bool:
    """Remove a recipient not yet sent; False when it is no longer queued."""
    with transaction.atomic():
        _campaign_locked(campaign)
        removed, _ = Recipient.objects.filter(
            pk=recipient.pk, campaign=campaign, status=RecipientStatus.QUEUED
        ).delete()
    return bool(removed)


# --- controls ------------------------------------------------------------------------------


def campaign_start(*, campaign: Campaign, actor: Actor) -> None:
    """Start or resume: the first step is scheduled now (it waits for working hours itself).
    Refused while a recipient's message cannot go out as it is."""
    with transaction.atomic():
        locked = (
            Campaign.objects.select_for_update(of=("self",), no_key=True)
            .select_related("account")
            .get(pk=campaign.pk)
        )
        if locked.state not in (CampaignState.PAUSED, CampaignState.STOPPED):
            raise CampaignRefused(f"This campaign is {locked.get_state_display().lower()}.")
        _check_startable(locked)
        now = clock.now()
        locked.state, locked.stop_reason, locked.stop_error_type = CampaignState.RUNNING, "", ""
        locked.started_by = actor if actor and actor.pk else None
        locked.started_at = locked.started_at or now
        locked.save(
            update_fields=["state", "stop_reason", "stop_error_type", "started_by", "started_at"]
        )
        _schedule(locked, max(now, locked.next_send_at or now))
        _campaign_event(
            locked, actor=actor, detail="Started" if campaign.never_started else "Resumed"
        )
    campaign.refresh_from_db()


def _check_startable(campaign: Campaign) -> None:
    if problem := account_problem(campaign, campaign.account):
        raise CampaignRefused(problem)
    queued = campaign.recipients.filter(status=RecipientStatus.QUEUED)
    blocked = queued.exclude(problem="").count()
    if blocked:
        raise CampaignRefused(
            f"{blocked:,} recipient{'s' if blocked != 1 else ''} cannot be sent as "
            f"{'they are' if blocked != 1 else 'it is'}: fix the message or skip "
            f"{'them' if blocked != 1 else 'it'} (listed under Needs fixing)."
        )
    if not queued.exists():
        raise CampaignRefused("Nobody is left to send to: add recipients first.")


def account_problem(campaign: Campaign, account: LinkedAccount) -> str:
    """Why this account cannot send this campaign now (switched off in Settings, a kind its
    provider does not take), or an empty string."""
    if not account.is_active:
        return f"{account.label} is switched off in Settings: an admin can switch it on again."
    if _invites(campaign) and not sends_invitations(account.provider):
        return (
            "Invitations are sent from LinkedIn and Instagram accounts only: this campaign "
            "cannot send from this account."
        )
    if not _invites(campaign) and lacks_classic(account):
        return (
            f"Campaign messages on LinkedIn go through LinkedIn Classic, which {account.label} "
            "does not have."
        )
    return ""


def lacks_classic(account: LinkedAccount) -> bool:
    """A LinkedIn account without Classic, the API campaign messages go through."""
    linkedin = account.provider == ProviderChoice.LINKEDIN
    return linkedin and LinkedInApi.CLASSIC not in (account.linkedin_apis or [])


def campaign_pause(*, campaign: Campaign, actor: Actor) -> bool:
    """No step starts after this; a call already under way finishes and is recorded."""
    # next_send_at stays: Resume keeps the gap after a send made just before Pause.
    paused = Campaign.objects.filter(pk=campaign.pk, state=CampaignState.RUNNING).update(
        state=CampaignState.PAUSED, ticket=""
    )
    campaign.refresh_from_db()
    if paused:
        _campaign_event(campaign, actor=actor, detail="Paused")
    return bool(paused)


def campaign_cancel(*, campaign: Campaign, actor: Actor) -> bool:
    """End it for good: the recipients not yet sent stay unsent."""
    cancelled = Campaign.objects.filter(
        pk=campaign.pk,
        state__in=[CampaignState.PAUSED, CampaignState.RUNNING, CampaignState.STOPPED],
    ).update(state=CampaignState.CANCELLED, ticket="", next_send_at=None, ended_at=clock.now())
    campaign.refresh_from_db()
    if cancelled:
        _campaign_event(campaign, actor=actor, detail="Cancelled")
    return bool(cancelled)


def _schedule(campaign: Campaign, at: datetime) -> None:
    """Make the step for `at` the only one that may run (inside the caller's transaction); the
    task is enqueued once the transaction commits, so it never runs ahead of it."""
    campaign.ticket, campaign.next_send_at = uuid.uuid4().hex, at
    campaign.save(update_fields=["ticket", "next_send_at"])
    campaign_id, ticket = campaign.pk, campaign.ticket
    # robust: a queue that cannot be reached (Redis down) must not undo a committed claim
    # before its call; the step is rescheduled by campaigns_revive once overdue.
    transaction.on_commit(
        lambda: step_enqueue(campaign_id=campaign_id, ticket=ticket, at=at), robust=True
    )


def step_enqueue(*, campaign_id: int, ticket: str, at: datetime) -> None:
    from campaigns.tasks import campaign_step  # the task module imports this one

    task = campaign_step if at <= clock.now() else campaign_step.using(run_after=at)
    task.enqueue(campaign_id, ticket)


def campaigns_revive(*, team: Team) -> int:
    """Running campaigns whose next step never came (its task was lost: a queue flushed, a
    worker that died between commit and enqueue) get a fresh one. Pages call this."""
    late = clock.now() - ABANDONED_AFTER
    revived = 0
    for campaign in Campaign.objects.filter(
        team=team, state=CampaignState.RUNNING, next_send_at__lt=late
    ):
        with transaction.atomic():
            locked = Campaign.objects.select_for_update(of=("self",), no_key=True).filter(
                pk=campaign.pk, state=CampaignState.RUNNING, ticket=campaign.ticket
            )
            if (fresh := locked.first()) is not None:
                _schedule(fresh, clock.now())
                revived += 1
    return revived


# --- one step ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    campaign: Campaign
    recipient: Recipient
    message: str
    reservation: SentInvitation | None  # invitations: the row holding the cap slot


def campaign_step_run(*, campaign_id: int, ticket: str) -> None:
    """The task's body: claim the next recipient (or wait, skip, finish), then send to it."""
    claim = _step_claim(campaign_id, ticket)
    if claim is not None:
        _step_send(claim)


def _step_claim(campaign_id: int, ticket: str) -> Claim | None:
    with transaction.atomic():
        campaign = (
            Campaign.objects.select_for_update(of=("self",), no_key=True)
            .select_related("account__team", "started_by")  # the team: its key, for the call
            .filter(pk=campaign_id, state=CampaignState.RUNNING, ticket=ticket)
            .first()
        )
        if campaign is None:
            return None  # paused, ended, or this step was replaced
        now = clock.now()  # once the lock is held: claims are stamped when they happen
        recipients_abandoned_mark_unconfirmed(campaign=campaign)
        pacing = Pacing.of(campaign)
        if (opens := pacing.next_working_moment(now)) > now:
            _schedule(campaign, opens)
            return None
        if _daily_limit_reached(campaign, pacing, now):
            _schedule(campaign, pacing.next_day(now))
            return None
        # Every lock here is FOR NO KEY UPDATE on PostgreSQL: it excludes other steps and
        # manual sends, but not the foreign-key checks another worker's commit makes on the
        # same team or account (with FOR UPDATE the two waited on each other: a deadlock).
        if _invites(campaign):
            # One invitation step at a time per team: "already invited by this team" then
            # holds across its accounts and campaigns.
            Team.objects.select_for_update(no_key=True).only("pk").get(pk=campaign.team_id)
        # The same lock manual sends take: no two reservations pass the caps check together.
        account = LinkedAccount.objects.select_for_update(no_key=True).get(pk=campaign.account_id)
        if problem := account_problem(campaign, account):
            _stop_now(campaign, problem)
            return None
        first = _queued_sendable(campaign).order_by("position").first()
        if first is None:
            _run_out(campaign)  # before the caps: a full cap must not hold a finished campaign
            return None
        if _invites(campaign) and not _room_in_caps(campaign, account, pacing, now):
            return None
        recipient, message, skipped = _next_sendable(campaign, first, now)
        if recipient is None and skipped:
            _schedule(campaign, now)  # a batch of skips ends the step: the next goes on at once
            return None
        if recipient is None:
            _run_out(campaign)
            return None
        reservation = _claim(campaign, recipient, message, now)
        _schedule(campaign, now + pacing.gap())
    return Claim(campaign, recipient, message, reservation)


def _room_in_caps(
    campaign: Campaign, account: LinkedAccount, pacing: Pacing, now: datetime
) -> bool:
    """False when the caps are full: the step waits for room, or stops at a cap of 0 (an
    admin's way of holding the account), which no wait would ever open."""
    usage = account_caps_usage(account)
    if not usage.reached:
        return True
    if min(usage.daily_cap, usage.weekly_cap) == 0:
        _stop_now(
            campaign,
            f"{account.label}'s invitation cap is 0 in Settings: nothing may be sent from it "
            "until an admin raises it.",
        )
        return False
    room_at = max(account_caps_free_at(account, usage), now + MIN_WAIT)
    _schedule(campaign, pacing.next_working_moment(room_at))
    return False


def _daily_limit_reached(campaign: Campaign, pacing: Pacing, now: datetime) -> bool:
    if campaign.daily_limit is None:
        return False
    today = campaign.recipients.filter(claimed_at__gte=pacing.day_start(now)).exclude(
        status=RecipientStatus.QUEUED  # given back: a refusal that sent nothing
    )
    return today.count() >= campaign.daily_limit


def _next_sendable(
    campaign: Campaign, first: Recipient, now: datetime
) -> tuple[Recipient | None, str, bool]:
    """The first queued recipient that may be sent to, and its message; the skips in front
    of it are recorded (one batch at most per step). The last value: whether any was skipped."""
    template = template_parse(campaign.template)
    # Most steps need the first row only: a batch is read once it must be skipped.
    for size in (1, SKIP_BATCH):
        if size == 1:
            batch = [first]
        else:
            batch = list(_queued_sendable(campaign).order_by("position")[:size])
        reasons = _skip_reasons(campaign, batch, now) if _invites(campaign) else {}
        skipped: list[Recipient] = []
        for recipient in batch:
            if reason := reasons.get(recipient.recipient_id):
                recipient.status, recipient.reason = RecipientStatus.SKIPPED, reason
                recipient.finished_at = now
                skipped.append(recipient)
                continue
            rendered = template.render(recipient.variables)
            if problem := _rendered_problem(campaign, rendered):
                recipient.problem = problem  # the data changed under it: a person looks again
                recipient.save(update_fields=["problem"])
                continue
            _skips_record(skipped)
            return recipient, rendered.text, bool(skipped)
        _skips_record(skipped)
        if not batch or size == SKIP_BATCH:
            return None, "", bool(skipped)
    return None, "", False


def _skips_record(skipped: list[Recipient]) -> None:
    Recipient.objects.bulk_update(skipped, ["status", "reason", "finished_at"])


def _queued_sendable(campaign: Campaign) -> QuerySet[Recipient]:
    return campaign.recipients.filter(status=RecipientStatus.QUEUED, problem="")


def _skip_reasons(campaign: Campaign, batch: list[Recipient], now: datetime) -> dict[str, str]:
    """Recipients the team has invited already, by any campaign or by hand, and those whose
    invitation was withdrawn too recently to invite again: one query per batch."""
    earlier = (
        SentInvitation.objects.filter(
            account__team_id=campaign.team_id,
            recipient_id__in=[recipient.recipient_id for recipient in batch],
        )
        .exclude(status=SentStatus.NOT_SENT)
        .values_list("recipient_id", "status", "sent_at", "withdrawn_at")
    )
    reasons: dict[str, str] = {}
    for recipient_id, status, sent_at, withdrawn_at in earlier:
        if status == SentStatus.WITHDRAWN:
            if withdrawn_at and withdrawn_at > now - REINVITE_AFTER:
                reasons.setdefault(
                    recipient_id,
                    f"Their invitation was withdrawn on {withdrawn_at:%d %b %Y}: LinkedIn blocks "
                    "inviting the same person again for 3 weeks.",
                )
            continue
        reasons[recipient_id] = f"Already invited by this team on {sent_at:%d %b %Y}."
    return reasons


def _claim(
    campaign: Campaign, recipient: Recipient, message: str, now: datetime
) -> SentInvitation | None:
    """The recipient is taken, and for an invitation its cap slot with it. The campaign's
    lock keeps a person's Skip, Edit or Remove of the row out of the step."""
    reservation = None
    if _invites(campaign):
        reservation = SentInvitation.objects.create(
            account=campaign.account,  # loaded with its team: the call needs the team's key
            recipient_id=recipient.recipient_id,
            email=recipient.email,
            message=message,
            sent_by=campaign.started_by,
            status=SentStatus.SENDING,
            sent_at=now,
            status_at=now,
        )
    recipient.status, recipient.claimed_at, recipient.sent = (
        RecipientStatus.SENDING,
        now,
        reservation,
    )
    recipient.save(update_fields=["status", "claimed_at", "sent"])
    return reservation


def _run_out(campaign: Campaign) -> None:
    """Nobody left to claim: finished once no send is still under way."""
    if campaign.recipients.filter(status=RecipientStatus.SENDING).exists():
        _schedule(campaign, clock.now() + ABANDONED_AFTER)  # look again once they are settled
        return
    if blocked := campaign.recipients.filter(status=RecipientStatus.QUEUED).count():
        _stop_now(
            campaign,
            f"Everyone else is done; {blocked:,} recipient{'s' if blocked != 1 else ''} "
            "cannot be sent as the message stands (see Needs fixing): edit or skip them, then "
            "resume.",
        )
        return
    campaign.state, campaign.ticket, campaign.next_send_at = CampaignState.FINISHED, "", None
    campaign.ended_at = clock.now()
    campaign.save(update_fields=["state", "ticket", "next_send_at", "ended_at"])
    _campaign_event(campaign, actor=campaign.started_by, detail="Finished")


def _step_send(claim: Claim) -> None:
    """The call, outside any transaction, and what came of it. Only a failure of the call
    itself is caught here: recording its outcome must not turn a sent row unconfirmed."""
    campaign, recipient = claim.campaign, claim.recipient
    try:
        usage = _call(claim)
    except WriteUnconfirmed as unconfirmed:
        _finish_recipient(recipient, RecipientStatus.UNCONFIRMED, reason=unconfirmed.message)
    except PostpressError as error:
        _refused(campaign, recipient, error)
    except ApiKeyUnavailable as unavailable:
        _give_back(recipient)
        campaign_stop(campaign=campaign, reason=api_key_problem(unavailable.state))
    except Exception as error:  # a bug: the call may have gone out, so it is never repeated
        logger.exception("campaign %s: send to recipient %s failed", campaign.pk, recipient.pk)
        _finish_recipient(
            recipient,
            RecipientStatus.UNCONFIRMED,
            reason=WriteUnconfirmed(_action(campaign), error).message,
        )
    else:
        _finish_recipient(recipient, RecipientStatus.SENT)
        if campaign.waits_in_a_row:  # an outage is over
            Campaign.objects.filter(pk=campaign.pk).update(waits_in_a_row=0)
        _stop_if_usage_high(campaign, usage)


def _call(claim: Claim) -> int | None:
    """Send the invitation or start the chat; the usage postpress reported, if any."""
    campaign = claim.campaign
    if claim.reservation is None:
        _chat_send(claim)
        return None
    sent = reserved_invitation_send(
        reservation=claim.reservation,
        actor=campaign.started_by,
        detail=campaign_label(campaign),
        campaign=campaign,
        target_name=recipient_name(claim.recipient),
    )
    return sent.usage


def _chat_send(claim: Claim) -> None:
    campaign, recipient = claim.campaign, claim.recipient
    submission = f"campaign-recipient-{recipient.pk}"
    chat = NewChat(
        account_id=campaign.account.account_id,
        attendees_ids=(recipient.recipient_id,),
        text=claim.message,
        # LinkedIn messages go through Classic (forms.CampaignForm checks the account has it).
        linkedin=ClassicOptions() if campaign.account.provider == ProviderChoice.LINKEDIN else None,
    )
    try:
        chat_start(
            account=campaign.account,
            chat=chat,
            files=[],
            actor=campaign.started_by,
            submission=submission,
            detail=campaign_label(campaign),
            campaign=campaign,
            target_name=recipient_name(recipient),
        )
    finally:
        started = ChatSubmission.objects.filter(
            submission=submission, account__team_id=campaign.team_id
        ).first()
        Recipient.objects.filter(pk=recipient.pk).update(chat=started)


def _refused(campaign: Campaign, recipient: Recipient, error: PostpressError) -> None:
    """A definite answer that nothing was sent (an error envelope, or no connection): the
    row is skipped or failed, or it goes back to the queue while the campaign waits or stops."""
    words = error.message_for(_action(campaign), account_label=campaign.account.label)
    if error.error_type in SKIPPING_TYPES:
        _finish_recipient(recipient, RecipientStatus.SKIPPED, reason=words, error=error)
        return
    if error.error_type == RATE_LIMITED:
        _give_back(recipient)
        wait = timedelta(seconds=error.retry_after or UNREACHABLE_WAIT.total_seconds())
        _reschedule(campaign, clock.now() + wait)
        return
    stops = error.error_type in STOPPING_TYPES or error.status in STOPPING_STATUSES
    if stops or error.fixable_by in (FixableBy.ADMIN, FixableBy.ACCOUNT):
        _give_back(recipient)  # the key, the address or the account: no wait fixes it
        campaign_stop(campaign=campaign, reason=words, error=error)
    elif error.retryable or not error.answered_with_envelope:
        _give_back(recipient)  # postpress, the provider or the network: wait, then go on
        _wait_after_outage(campaign, words, error)
    else:
        _finish_recipient(recipient, RecipientStatus.FAILED, reason=words, error=error)


def _wait_after_outage(campaign: Campaign, words: str, error: PostpressError) -> None:
    """Wait longer after each answer in a row that says "try again later"; stop after a few,
    so a long outage is a stop with a reason, not a campaign that silently never sends."""
    with transaction.atomic():
        locked = _locked_if_running(campaign)
        if locked is None:
            return
        locked.waits_in_a_row += 1
        locked.save(update_fields=["waits_in_a_row"])
        if locked.waits_in_a_row > MAX_WAITS_IN_A_ROW:
            _stop_now(locked, f"{words} (tried {MAX_WAITS_IN_A_ROW + 1} times in a row)", error)
            return
        wait = min(UNREACHABLE_WAIT * 2 ** (locked.waits_in_a_row - 1), MAX_WAIT)
        if locked.next_send_at is None or locked.next_send_at < clock.now() + wait:
            _schedule(locked, clock.now() + wait)


def _stop_if_usage_high(campaign: Campaign, usage: int | None) -> None:
    threshold = settings.CAMPAIGN_STOP_AT_USAGE
    if usage is not None and usage >= threshold:
        campaign_stop(
            campaign=campaign,
            reason=(
                f"postpress reports {campaign.account.label} at {usage}% of its invitation "
                f"limit (the campaign stops at {threshold}%): it stopped so the account stays "
                "safe. Resume it once the limit has room again."
            ),
        )


def _stop_now(campaign: Campaign, reason: str, error: PostpressError | None = None) -> None:
    """Stop from inside a transaction holding the campaign's row lock."""
    campaign.state, campaign.ticket, campaign.next_send_at = CampaignState.STOPPED, "", None
    campaign.stop_reason = reason[:500]
    campaign.stop_error_type = error.error_type[:100] if error else ""
    campaign.save(
        update_fields=["state", "ticket", "next_send_at", "stop_reason", "stop_error_type"]
    )
    _campaign_event(
        campaign,
        actor=campaign.started_by,
        detail=f"Stopped: {reason}",
        error=error,
        outcome=Outcome.FAILED,
    )


def campaign_stop(*, campaign: Campaign, reason: str, error: PostpressError | None = None) -> bool:
    """The campaign stops by itself and says why, on its page, the home page and Activity.
    False when it was no longer running."""
    with transaction.atomic():
        locked = _locked_if_running(campaign)
        if locked is not None:
            _stop_now(locked, reason, error)
    return locked is not None


def _campaign_event(
    campaign: Campaign,
    *,
    actor: Actor,
    detail: str,
    error: PostpressError | None = None,
    outcome: str = "",
) -> None:
    """The campaign's own Activity entry: started, paused, stopped, finished..."""
    activity_record(
        account=campaign.account,
        actor=actor,
        kind=Kind.CAMPAIGN,
        target=campaign.name,
        error=error,
        detail=detail,
        outcome=outcome,
        campaign=campaign,
    )


def _locked_if_running(campaign: Campaign) -> Campaign | None:
    """The campaign's row, locked for the transaction, while it runs."""
    return (
        Campaign.objects.select_for_update(of=("self",), no_key=True)
        .select_related("account", "started_by")
        .filter(pk=campaign.pk, state=CampaignState.RUNNING)
        .first()
    )


def _reschedule(campaign: Campaign, at: datetime) -> None:
    """Move the next step later (a rate limit's wait), unless the schedule changed meanwhile."""
    with transaction.atomic():
        locked = _locked_if_running(campaign)
        if locked is not None and (locked.next_send_at is None or locked.next_send_at < at):
            _schedule(locked, at)


def _give_back(recipient: Recipient) -> None:
    """Nothing was sent: back in the queue, in its place (its cap slot was given back)."""
    Recipient.objects.filter(pk=recipient.pk, status=RecipientStatus.SENDING).update(
        status=RecipientStatus.QUEUED, claimed_at=None, sent=None
    )


def _finish_recipient(
    recipient: Recipient, status: str, *, reason: str = "", error: PostpressError | None = None
) -> None:
    """Record an outcome, from the state the row was in (queued for a skip, sending for a
    call's answer). An answer that comes after a sweep marked its call unconfirmed (a call
    slower than CAMPAIGN_ABANDONED_AFTER_SECONDS) leaves the row for the person resolving it."""
    before = recipient.status
    recipient.status, recipient.reason = status, reason[:500]
    recipient.error_type = error.error_type[:100] if error else ""
    recipient.finished_at = clock.now()
    Recipient.objects.filter(pk=recipient.pk, status=before).update(
        status=status,
        reason=recipient.reason,
        error_type=recipient.error_type,
        finished_at=recipient.finished_at,
    )


def recipients_abandoned_mark_unconfirmed(*, campaign: Campaign) -> int:
    """Recipients still SENDING long after any call could take lost their worker mid-call:
    unconfirmed, with their send's Activity entry, never sent again by themselves."""
    cutoff = clock.now() - ABANDONED_AFTER
    stale_ids = list(
        campaign.recipients.filter(
            status=RecipientStatus.SENDING, claimed_at__lt=cutoff
        ).values_list("pk", flat=True)
    )
    if not stale_ids:  # every step asks: the answer is almost always no, cheaply
        return 0
    stale = Recipient.objects.filter(pk__in=stale_ids).select_related(
        "sent", "sent__account", "sent__sent_by"
    )
    for recipient in stale:
        if recipient.sent is not None and recipient.sent.status == SentStatus.SENDING:
            abandoned_send_mark_unconfirmed(
                recipient.sent, campaign=campaign, detail=campaign_label(campaign)
            )
        Recipient.objects.filter(pk=recipient.pk, status=RecipientStatus.SENDING).update(
            status=RecipientStatus.UNCONFIRMED,
            reason=WriteUnconfirmed(_action(campaign), AbandonedStep()).message,
            finished_at=clock.now(),
        )
    return len(stale_ids)


class AbandonedStep(Exception):
    """The worker making the call stopped before its answer was recorded."""


def campaign_label(campaign: Campaign) -> str:
    return f"Campaign “{campaign.name}”"


# Columns of a recipients file that name the person, for the Activity entry.
NAME_COLUMNS = ("name", "full_name", "fullname")


def recipient_name(recipient: Recipient) -> str:
    """The person's name from the recipient's own columns (name, or first and last name), or
    an empty string."""
    columns = {
        str(key).strip().lower(): str(value).strip() for key, value in recipient.variables.items()
    }
    for column in NAME_COLUMNS:
        if columns.get(column):
            return columns[column]
    return " ".join(
        part for part in (columns.get("first_name", ""), columns.get("last_name", "")) if part
    )


def _invites(campaign: Campaign) -> bool:
    return campaign.kind == CampaignKind.INVITATIONS


def _action(campaign: Campaign) -> str:
    return Kind.SEND if _invites(campaign) else Kind.CHAT


# --- reading ---------------------------------------------------------------------------------


def recipient_ids(campaign: Campaign) -> set[str]:
    return set(campaign.recipients.values_list("recipient_id", flat=True))
