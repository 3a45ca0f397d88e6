"""Accepting, declining, sending and withdrawing invitations. Each records an InvitationEvent."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from invitations.models import (
    DecisionState,
    EventKind,
    InvitationDecision,
    InvitationEvent,
    ListedInvitation,
    Outcome,
    SentInvitation,
    SentStatus,
)
from invitations.rules import decides_received_invitations, normalize_message, takes_email
from postpress_dashboard.core.api import build_client
from postpress_dashboard.postpress.client import PostpressClient
from postpress_dashboard.postpress.errors import NotFoundError, PostpressError
from postpress_dashboard.postpress.schemas import InvitationAction, Provider, ReceivedInvitation
from postpress_dashboard.teams.models import ApiKeyUnavailable, LinkedAccount, ProviderChoice
from postpress_dashboard.teams.services import api_key_problem

Actor = AbstractBaseUser | None
# A decision still "in progress" after this long was abandoned (the API budget is about 25 s).
STALE_CLAIM_AFTER = timedelta(minutes=2)


class InvitationRefused(Exception):
    """The dashboard itself refuses (caps, a page to reload): no API call was made."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def account_client(account: LinkedAccount) -> PostpressClient:
    """A client for the account's team; raises ApiKeyUnavailable when there is no usable key."""
    team = account.team
    return build_client(base_url=team.base_url, api_key=team.decrypted_api_key())


def event_record(
    *,
    account: LinkedAccount,
    actor: Actor,
    kind: str,
    target: str,
    error: Exception | None,
    detail: str = "",
) -> None:
    InvitationEvent.objects.create(
        detail=detail[:1000],
        team_id=account.team_id,
        account=account,
        actor=actor if actor and actor.pk else None,
        kind=kind,
        target=target[:300],
        outcome=Outcome.FAILED if error else Outcome.OK,
        error_type=error.error_type if isinstance(error, PostpressError) else "",
    )


# --- the inbox -------------------------------------------------------------------------------


def listed_invitations_remember(*, account: LinkedAccount, items: list[ReceivedInvitation]) -> None:
    """Keep the server's own copy of a listed page (one query, whatever the page size)."""
    ListedInvitation.objects.bulk_create(
        [
            ListedInvitation(
                account=account,
                invitation_id=item.id,
                shared_secret=item.shared_secret or "",
                inviter_name=item.inviter.name if item.inviter else "",
            )
            for item in items
        ],
        update_conflicts=True,
        unique_fields=["account", "invitation_id"],
        update_fields=["shared_secret", "inviter_name", "listed_at"],
    )


@dataclass(frozen=True)
class Decision:
    """The outcome of one accept or decline, as the inbox row shows it."""

    invitation_id: str
    action: str
    record: InvitationDecision | None  # the decision as stored, e.g. a teammate's earlier one
    error: PostpressError | None = None
    refusal: str = ""  # the dashboard's own reason, when it made no call
    already_handled: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and not self.refusal and not self.already_handled


def invitation_decide(
    *, account: LinkedAccount, invitation_id: str, action: str, actor: Actor
) -> Decision:
    """Accept or decline a received invitation, at most once whatever the number of requests."""
    # Checked before claiming: a claim left in progress would block the invitation for good.
    if not decides_received_invitations(account.provider):
        refusal = f"{account.get_provider_display()} invitations cannot be handled from here."
        return Decision(invitation_id, action, None, refusal=refusal)
    try:
        client = account_client(account)
    except ApiKeyUnavailable as unavailable:
        return Decision(invitation_id, action, None, refusal=api_key_problem(unavailable.state))
    record, claimed = _claim_decision(account, invitation_id, action, actor)
    if not claimed:
        return Decision(invitation_id, action, record, already_handled=True)
    listed = ListedInvitation.objects.filter(account=account, invitation_id=invitation_id).first()
    if listed is None or (account.provider == ProviderChoice.LINKEDIN and not listed.shared_secret):
        record.delete()  # nothing was tried: leave it free for a fresh page
        return Decision(
            invitation_id,
            action,
            None,
            refusal="This invitation is not on a page the dashboard listed. Reload the inbox.",
        )
    try:
        client.handle_received_invitation(
            invitation_id=invitation_id,
            account_id=account.account_id,
            provider=Provider(account.provider),
            action=InvitationAction(action),
            shared_secret=listed.shared_secret or None,
        )
    except PostpressError as error:
        _finish(record, DecisionState.FAILED, error.error_type)
        event_record(account=account, actor=actor, kind=action, target=invitation_id, error=error)
        return Decision(invitation_id, action, record, error=error)
    _finish(record, DecisionState.DONE, "")
    event_record(account=account, actor=actor, kind=action, target=invitation_id, error=None)
    return Decision(invitation_id, action, record)


def _claim_decision(
    account: LinkedAccount, invitation_id: str, action: str, actor: Actor
) -> tuple[InvitationDecision, bool]:
    """Take the invitation for this request; False when another request has or had it."""
    fields = {"action": action, "state": DecisionState.IN_PROGRESS, "actor": actor}
    try:
        with transaction.atomic():
            record = InvitationDecision.objects.create(
                account=account, invitation_id=invitation_id, **fields
            )
            return record, True
    except IntegrityError:
        pass
    existing = InvitationDecision.objects.filter(account=account, invitation_id=invitation_id)
    # A failed attempt may be retried, and so may one whose worker died mid-call (in progress
    # for far longer than any call may take): whoever flips it first gets it.
    now = timezone.now()
    retryable = Q(state=DecisionState.FAILED) | Q(
        state=DecisionState.IN_PROGRESS, decided_at__lt=now - STALE_CLAIM_AFTER
    )
    if existing.filter(retryable).update(**fields, error_type="", decided_at=now):
        return existing.get(), True
    return existing.select_related("actor").get(), False


def _finish(record: InvitationDecision, state: str, error_type: str) -> None:
    record.state, record.error_type = state, error_type
    record.save(update_fields=["state", "error_type", "decided_at"])


# --- sending ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CapsUsage:
    sent_today: int
    sent_this_week: int
    daily_cap: int
    weekly_cap: int

    @property
    def reached(self) -> str:
        """Why no more may be sent now, or an empty string."""
        if self.sent_today >= self.daily_cap:
            return (
                f"This account has sent {self.sent_today} invitations in the last 24 hours, its "
                f"daily cap of {self.daily_cap}. Try again later or raise the cap in Settings."
            )
        if self.sent_this_week >= self.weekly_cap:
            return (
                f"This account has sent {self.sent_this_week} invitations in the last 7 days, "
                f"its weekly cap of {self.weekly_cap}. Try again later or raise the cap in "
                "Settings."
            )
        return ""


def account_caps_usage(account: LinkedAccount) -> CapsUsage:
    """Invitations sent through the dashboard in the rolling last 24 hours and 7 days."""
    now = timezone.now()
    sent = SentInvitation.objects.filter(account=account, sent_at__gte=now - timedelta(days=7))
    return CapsUsage(
        sent_today=sent.filter(sent_at__gte=now - timedelta(days=1)).count(),
        sent_this_week=sent.count(),
        daily_cap=account.daily_cap,
        weekly_cap=account.weekly_cap,
    )


def invitation_send(
    *,
    account: LinkedAccount,
    recipient_id: str,
    email: str,
    message: str,
    actor: Actor,
    submission: str = "",
) -> SentInvitation:
    """Send an invitation within the account's caps, once per form submission.

    Raises InvitationRefused (caps), ApiKeyUnavailable or PostpressError. The cap slot is
    reserved in a short transaction; the API call runs outside any transaction, so a slow
    answer holds no database lock.
    """
    message = normalize_message(message)
    email = email if takes_email(account.provider) else ""
    reservation, fresh = _reserve_send(
        account=account,
        recipient_id=recipient_id,
        email=email,
        message=message,
        actor=actor,
        submission=submission,
    )
    if not fresh:
        return reservation  # the same form, submitted again: no second invitation
    try:
        sent = account_client(account).send_invitation(
            account_id=account.account_id,
            provider_id=recipient_id,
            user_email=email or None,
            message=message or None,
        )
    except Exception as error:
        reservation.delete()  # nothing was sent: give the slot and the token back
        if isinstance(error, PostpressError):
            event_record(
                account=account, actor=actor, kind=EventKind.SEND, target=recipient_id, error=error
            )
        raise
    reservation.invitation_id, reservation.usage = sent.invitation_id, sent.usage
    reservation.status = SentStatus.PENDING
    reservation.save(update_fields=["invitation_id", "usage", "status"])
    event_record(account=account, actor=actor, kind=EventKind.SEND, target=recipient_id, error=None)
    return reservation


def _reserve_send(
    *,
    account: LinkedAccount,
    recipient_id: str,
    email: str,
    message: str,
    actor: Actor,
    submission: str,
) -> tuple[SentInvitation, bool]:
    """A SENDING row taking one slot of the caps; False when this submission already has one."""
    if submission and (earlier := SentInvitation.objects.filter(submission=submission).first()):
        return earlier, False
    with transaction.atomic():
        # One reservation at a time per account, so two people cannot both take the last slot;
        # the caps as the locked row has them (an admin may just have changed them).
        locked = LinkedAccount.objects.select_for_update().get(pk=account.pk)
        if reason := account_caps_usage(locked).reached:
            raise InvitationRefused(reason)
        try:
            with transaction.atomic():
                reservation = SentInvitation.objects.create(
                    account=account,
                    recipient_id=recipient_id,
                    email=email,
                    message=message,
                    sent_by=actor if actor and actor.pk else None,
                    status=SentStatus.SENDING,
                    submission=submission or None,
                )
        except IntegrityError:  # the same submission, a moment earlier
            return SentInvitation.objects.get(submission=submission), False
    return reservation, True


def invitation_withdraw(*, sent: SentInvitation, actor: Actor) -> bool:
    """Cancel a pending sent invitation, once. False when it is (being) withdrawn already."""
    taken = SentInvitation.objects.filter(pk=sent.pk, status=SentStatus.PENDING).update(
        status=SentStatus.WITHDRAWING
    )
    if not taken:
        sent.refresh_from_db()
        return False
    account = sent.account
    try:
        account_client(account).cancel_invitation(
            invitation_id=sent.invitation_id, account_id=account.account_id
        )
    except Exception as error:
        # A 404 means there is nothing left to withdraw: stop offering it; otherwise it stays
        # pending for another try.
        after = SentStatus.GONE if isinstance(error, NotFoundError) else SentStatus.PENDING
        SentInvitation.objects.filter(pk=sent.pk).update(status=after)
        sent.refresh_from_db()
        if isinstance(error, PostpressError):
            event_record(
                account=account,
                actor=actor,
                kind=EventKind.WITHDRAW,
                target=sent.recipient_id,
                error=error,
            )
        raise
    SentInvitation.objects.filter(pk=sent.pk).update(
        status=SentStatus.WITHDRAWN,
        withdrawn_at=timezone.now(),
        withdrawn_by=actor if actor and actor.pk else None,
    )
    sent.refresh_from_db()
    event_record(
        account=account, actor=actor, kind=EventKind.WITHDRAW, target=sent.recipient_id, error=None
    )
    return True
