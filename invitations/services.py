"""Accepting, declining, sending and withdrawing invitations. Each records an Activity entry
(activity.services.activity_record)."""

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Count, OuterRef, Q, QuerySet
from django.utils import timezone

from activity.models import Entry, Kind, Outcome, Resolution
from activity.services import activity_record, db_text, is_unconfirmed
from invitations.bulk import PendingCall, Stopped, run_bounded
from invitations.models import (
    FREE_OF_CAPS,
    DecisionState,
    InvitationDecision,
    ListedInvitation,
    SentInvitation,
    SentStatus,
)
from invitations.rules import (
    NOT_INVITING,
    decides_received_invitations,
    normalize_message,
    sends_invitations,
    takes_email,
    withdraws_by_provider_id,
)
from invitations.signals import unconfirmed_resolved
from postpress_dashboard.core import clock, rawsql
from postpress_dashboard.core.api import Deadline, build_client
from postpress_dashboard.core.commits import outcome_transaction
from postpress_dashboard.postpress.catalogue import unconfirmed_message
from postpress_dashboard.postpress.client import PostpressClient, RetryPolicy
from postpress_dashboard.postpress.errors import NotFoundError, PostpressError
from postpress_dashboard.postpress.schemas import (
    InvitationAction,
    InvitationCanceled,
    InvitationHandled,
    Provider,
    ReceivedInvitation,
)
from postpress_dashboard.teams.models import (
    ApiKeyUnavailable,
    LinkedAccount,
    ProviderChoice,
    Team,
)
from postpress_dashboard.teams.services import api_key_problem

if TYPE_CHECKING:
    from campaigns.models import Campaign

logger = logging.getLogger(__name__)

Actor = AbstractBaseUser | None
# A decision still "in progress" after this long was abandoned (the API budget is about 25 s).
STALE_CLAIM_AFTER = timedelta(minutes=2)
# A listed copy (shared secret, name) is forgotten once no inbox page has shown it this long:
# deciding from a page that old asks for a reload.
LISTED_KEPT_FOR = timedelta(days=7)
LISTED_PRUNE_EVERY = 3600  # seconds
# A copy listed again unchanged is rewritten (its listed_at) at most this often.
LISTED_REFRESH_AFTER = timedelta(hours=1)
# A page listed again unchanged this soon after its copies were stored writes nothing at all
# (seconds): far less than LISTED_REFRESH_AFTER and LISTED_KEPT_FOR, so a copy it skips is in
# the database, fresh.
LISTED_STORED_FOR = 600
# ListedInvitation's columns: invitation_id and inviter_name.
LISTED_ID_MAX, LISTED_NAME_MAX = 200, 300


class InvitationRefused(Exception):
    """The dashboard itself refuses (caps, a page to reload): no API call was made."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class WriteUnconfirmed(Exception):
    """A write whose answer was lost: it may have gone through. Kept, never retried by itself,
    and shown to a person to resolve (unconfirmed_resolve)."""

    def __init__(self, action: str, error: Exception, *, sent: SentInvitation | None = None):
        super().__init__(action)
        self.action = action
        self.error = error
        self.sent = sent

    @property
    def message(self) -> str:
        if not isinstance(self.error, PostpressError):
            return unconfirmed_message(self.action, "")
        words = unconfirmed_message(self.action, self.error.error_type)
        # Support can only trace it on their side with the request id.
        return f"{words} Request id: {self.error.instance}." if self.error.instance else words


def account_client(account: LinkedAccount, *, within: Deadline | None = None) -> PostpressClient:
    """A client for the account's team, its calls ending by the deadline if one is given;
    raises ApiKeyUnavailable when there is no usable key."""
    team = account.team
    return build_client(base_url=team.base_url, api_key=team.decrypted_api_key(), within=within)


# --- the inbox -------------------------------------------------------------------------------


def listed_invitations_remember(*, account: LinkedAccount, items: list[ReceivedInvitation]) -> None:
    """Keep the server's own copy of a listed page (one statement, whatever the page size), and
    once an hour per account forget what no page has listed for a while: the copies stay
    bounded without a page paying for it each time."""
    if cache.add(listed_prune_key(account), True, timeout=LISTED_PRUNE_EVERY):
        ListedInvitation.objects.filter(
            account=account, listed_at__lt=timezone.now() - LISTED_KEPT_FOR
        ).delete()
    # One copy per id (the last listed): an upsert may not touch a row twice.
    copies = {}
    for item in items:
        secret = item.shared_secret or ""
        if not (_storable(item.id, LISTED_ID_MAX) and _storable(secret, len(secret))):
            continue  # deciding it is refused as "not listed", rather than the page failing
        name = item.inviter.name if item.inviter else ""
        copies[item.id] = (secret, db_text(name, LISTED_NAME_MAX))  # the name is shown only
    if not copies:
        return
    # The same page stored moments ago (a reload, the page after a decision) needs no write.
    stored_key = _listed_stored_key(account, copies)
    if cache.get(stored_key):
        return
    _listed_upsert(account, copies)
    cache.set(stored_key, True, timeout=LISTED_STORED_FOR)


def _listed_stored_key(account: LinkedAccount, copies: dict[str, tuple[str, str]]) -> str:
    """Names the account and exactly these copies. The account's creation time is in it: an
    account deleted (its copies with it) and another created with the same id is another. So
    is the account's generation (listed_copies_missing), so copies found missing are written
    again by the next view of their page."""
    digest = hashlib.blake2b(digest_size=16)
    for invitation_id, (secret, name) in copies.items():
        digest.update(f"{invitation_id}\0{secret}\0{name}\0".encode("utf-8", "surrogatepass"))
    created = account.created_at.timestamp()
    generation = cache.get(_listed_generation_key(account), 0)
    return f"listed-invitations-stored:{account.pk}:{created}:{generation}:{digest.hexdigest()}"


def _listed_generation_key(account: LinkedAccount) -> str:
    return f"listed-invitations-generation:{account.pk}"


def listed_copies_missing(account: LinkedAccount) -> None:
    """A decision found no copy of an invitation a page showed (a database restored from a
    backup, copies lost to a power cut): forget every note that the account's pages are
    stored, so the reload the person is asked for stores them again."""
    key = _listed_generation_key(account)
    cache.add(key, 0, timeout=None)
    try:
        cache.incr(key)
    except ValueError:  # evicted between the two calls
        cache.set(key, 1, timeout=None)


def _storable(text: str, limit: int) -> bool:
    """Whether the database holds it as it is: no NUL, no lone surrogate, within its column."""
    return text == db_text(text, limit)


def _listed_upsert(account: LinkedAccount, copies: dict[str, tuple[str, str]]) -> None:
    """INSERT … ON CONFLICT (account, invitation id) DO UPDATE, as one SQL statement that
    SQLite and PostgreSQL both run: bulk_create(update_conflicts=True) builds the same
    statement, but through a model instance and field preparation per row, which cost a
    100-row inbox page several milliseconds. A copy listed again unchanged within
    LISTED_REFRESH_AFTER is left alone (the WHERE), so most views rewrite no row.
    """
    meta = ListedInvitation._meta
    connection = connections[router.db_for_write(ListedInvitation)]
    quote = connection.ops.quote_name
    account_col, id_col, secret_col, name_col, at_col = (
        quote(meta.get_field(name).column)
        for name in ("account", "invitation_id", "shared_secret", "inviter_name", "listed_at")
    )
    listed_at = meta.get_field("listed_at")
    now = timezone.now()
    at = listed_at.get_db_prep_value(now, connection)
    stale = listed_at.get_db_prep_value(now - LISTED_REFRESH_AFTER, connection)
    table = quote(meta.db_table)
    values = [
        value
        for invitation_id, (secret, name) in copies.items()
        for value in (account.pk, invitation_id, secret, name, at)
    ]
    # Names from the model, quoted; every value a parameter.
    sql = (
        f"INSERT INTO {table} ({account_col}, {id_col}, {secret_col}, {name_col}, {at_col}) "  # noqa: S608
        f"VALUES {', '.join(['(%s, %s, %s, %s, %s)'] * len(copies))} "
        f"ON CONFLICT ({account_col}, {id_col}) DO UPDATE SET "
        f"{secret_col} = excluded.{secret_col}, {name_col} = excluded.{name_col}, "
        f"{at_col} = excluded.{at_col} "
        f"WHERE {table}.{secret_col} <> excluded.{secret_col} "
        f"OR {table}.{name_col} <> excluded.{name_col} OR {table}.{at_col} < %s"
    )
    with connection.cursor() as cursor:  # one statement: its own transaction
        cursor.execute(sql, [*values, stale])


def listed_prune_key(account: LinkedAccount) -> str:
    """Set in the cache while the account's old listed copies count as forgotten."""
    return f"listed-invitations-pruned:{account.pk}"


@dataclass(frozen=True)
class Decision:
    """The outcome of one accept or decline, as the inbox row shows it."""

    invitation_id: str
    action: str
    record: InvitationDecision | None  # the decision as stored, e.g. a teammate's earlier one
    error: PostpressError | None = None
    refusal: str = ""  # the dashboard's own reason, when it made no call
    already_handled: bool = False
    handled_status: str = ""  # what postpress answered: ACCEPTED or DECLINED

    @property
    def ok(self) -> bool:
        return self.error is None and not self.refusal and not self.already_handled

    @property
    def unconfirmed(self) -> bool:
        return self.error is not None and is_unconfirmed(self.error)

    @property
    def left_unconfirmed(self) -> bool:
        """Not sent: an earlier attempt may have gone through and waits for a person to check
        it (a bulk never sends it again)."""
        record = self.record
        return (
            self.already_handled and record is not None and decision_may_have_gone_through(record)
        )

    @property
    def error_message(self) -> str:
        if self.left_unconfirmed and self.record is not None:
            return unconfirmed_message(self.record.action)
        if self.error is None:
            return ""
        if self.unconfirmed:
            return WriteUnconfirmed(self.action, self.error).message
        return self.error.message_for("decide")


def invitation_decide(
    *,
    account: LinkedAccount,
    invitation_id: str,
    action: str,
    actor: Actor,
    within: Deadline | None = None,
) -> Decision:
    """Accept or decline a received invitation, at most once whatever the number of requests."""
    claimed = decision_claim(
        account=account, invitation_id=invitation_id, action=action, actor=actor, within=within
    )
    return claimed if isinstance(claimed, Decision) else claimed.now()


def decision_claim(
    *,
    account: LinkedAccount,
    invitation_id: str,
    action: str,
    actor: Actor,
    within: Deadline | None = None,
    listed: "dict[str, ListedInvitation] | None" = None,
    retry_unconfirmed: bool = True,
) -> "Decision | ClaimedDecision":
    """Take the invitation for this request, ready for its call; or the Decision when no call
    is to be made (refused, handled already). `listed`: the listed copies, read beforehand
    (a bulk reads them in one query). `retry_unconfirmed`: a person's own retry of a decision
    that may have gone through; a bulk leaves it for them to check."""
    # Checked before claiming: a claim left in progress would block the invitation for good.
    if not decides_received_invitations(account.provider):
        refusal = f"{account.get_provider_display()} invitations cannot be handled from here."
        return Decision(invitation_id, action, None, refusal=refusal)
    try:
        client = account_client(account, within=within)
    except ApiKeyUnavailable as unavailable:
        return Decision(invitation_id, action, None, refusal=api_key_problem(unavailable.state))
    record, claimed = _claim_decision(
        account, invitation_id, action, actor, retry_unconfirmed=retry_unconfirmed
    )
    if not claimed:
        return Decision(invitation_id, action, record, already_handled=True)
    copy = _listed_copy(account, invitation_id) if listed is None else listed.get(invitation_id)
    if copy is None or (account.provider == ProviderChoice.LINKEDIN and not copy.shared_secret):
        record.delete()  # nothing was tried: leave it free for a fresh page
        listed_copies_missing(account)
        return Decision(
            invitation_id,
            action,
            None,
            refusal="This invitation is not on a page the dashboard listed. Reload the inbox.",
        )
    return ClaimedDecision(account, action, actor, record, copy, client)


def _listed_copy(account: LinkedAccount, invitation_id: str) -> ListedInvitation | None:
    """The server's copy of the invitation as last listed. Every decision reads it: in SQL
    written out (core/rawsql.py)."""
    copies = rawsql.Columns(ListedInvitation, "copy")
    sql = (
        f"SELECT {copies.select()} FROM {rawsql.table(ListedInvitation)} copy"  # noqa: S608 (names from the model, quoted; values are parameters)
        f" WHERE copy.{rawsql.column(ListedInvitation, 'account')} = %s"
        f" AND copy.{rawsql.column(ListedInvitation, 'invitation_id')} = %s"
    )
    rows = rawsql.fetch(sql, [account.pk, invitation_id])
    return copies.load(rows[0]) if rows else None


@dataclass(frozen=True)
class ClaimedDecision(PendingCall[InvitationHandled, Decision]):
    """A decision this request holds, its call not yet made."""

    account: LinkedAccount
    action: str
    actor: Actor
    record: InvitationDecision
    listed: ListedInvitation
    client: PostpressClient

    def call(self) -> InvitationHandled:
        """The API call alone: no database (a bulk makes it in a pool thread)."""
        return self.client.handle_received_invitation(
            invitation_id=self.listed.invitation_id,
            account_id=self.account.account_id,
            provider=Provider(self.account.provider),
            action=InvitationAction(self.action),
            shared_secret=self.listed.shared_secret or None,
        )

    def finish(self, answer: Callable[[], InvitationHandled]) -> Decision:
        record, invitation_id = self.record, self.listed.invitation_id
        try:
            handled = answer()
        except Exception as error:
            if not isinstance(error, PostpressError):  # a bug, not an answer
                logger.exception("%s of %s failed unexpectedly", self.action, invitation_id)
            # Unconfirmed (it may have reached postpress): a person may try again after
            # checking; it is never repeated by itself.
            unconfirmed = is_unconfirmed(error)
            error_type = error.error_type if isinstance(error, PostpressError) else ""
            # The outcome and its Activity entry in one commit, not waited for on disk: both,
            # or neither (then the claim left in progress reads as "may have gone through").
            with outcome_transaction():
                _finish(
                    record,
                    DecisionState.UNCONFIRMED if unconfirmed else DecisionState.FAILED,
                    error_type,
                )
                self._record(error=error)
            if isinstance(error, PostpressError):
                return Decision(invitation_id, self.action, record, error=error)
            return Decision(invitation_id, self.action, record, already_handled=True)
        with outcome_transaction():
            _finish(record, DecisionState.DONE, "")
            self._record(detail=f"postpress reports it {handled.status.lower()}")
        return Decision(invitation_id, self.action, record, handled_status=handled.status)

    def _record(self, *, error: Exception | None = None, detail: str = "") -> None:
        activity_record(
            account=self.account,
            actor=self.actor,
            kind=self.action,
            target=self.listed.invitation_id,
            target_name=self.listed.inviter_name,
            error=error,
            detail=detail,
        )


def _claim_decision(
    account: LinkedAccount,
    invitation_id: str,
    action: str,
    actor: Actor,
    *,
    retry_unconfirmed: bool = True,
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
    # A failed attempt may be retried, and so may an unconfirmed one (a person chose to, having
    # been told it may have gone through) or one whose worker died mid-call (in progress for
    # far longer than any call may take): whoever flips it first gets it.
    now = timezone.now()
    retryable = Q(state=DecisionState.FAILED)
    if retry_unconfirmed:  # a bulk leaves both kinds of "may have gone through" alone
        retryable |= Q(state=DecisionState.UNCONFIRMED) | Q(
            state=DecisionState.IN_PROGRESS, decided_at__lt=now - STALE_CLAIM_AFTER
        )
    if existing.filter(retryable).update(**fields, error_type="", decided_at=now):
        _earlier_attempts_superseded(account, invitation_id, actor, now)
        return existing.get(), True
    return existing.select_related("actor").get(), False


def decision_may_have_gone_through(record: InvitationDecision) -> bool:
    """Unconfirmed, or in progress for longer than any call may take (its request died
    mid-call): a person checks it before it is tried again."""
    if record.state == DecisionState.UNCONFIRMED:
        return True
    stale_before = timezone.now() - STALE_CLAIM_AFTER
    return (
        record.state == DecisionState.IN_PROGRESS
        and record.decided_at is not None
        and record.decided_at < stale_before
    )


@dataclass(frozen=True)
class BulkDecisions:
    decisions: list[Decision]  # in the order asked, up to the deadline or a rate limit
    not_tried: int  # the rest: never claimed
    stopped: Stopped | None = None  # why the rest were not tried


def invitations_bulk_decide(
    *, account: LinkedAccount, invitation_ids: list[str], action: str, actor: Actor
) -> BulkDecisions:
    """Decide each, one failure not stopping the rest, with up to POSTPRESS_BULK_IN_FLIGHT
    calls at once (invitations/bulk.py), all within one deadline (POSTPRESS_BULK_BUDGET): no
    call starts after it, none runs past it, and none starts after an answer asking to slow
    down. Each is claimed, and its outcome recorded, in this thread; a decision that may
    have gone through (unconfirmed) is left for a person to check, never tried again here."""
    deadline = Deadline(settings.POSTPRESS_BULK_BUDGET)
    listed = {
        copy.invitation_id: copy
        for copy in ListedInvitation.objects.filter(
            account=account, invitation_id__in=invitation_ids
        )
    }

    def claim(invitation_id: str) -> Decision | ClaimedDecision:
        return decision_claim(
            account=account,
            invitation_id=invitation_id,
            action=action,
            actor=actor,
            within=deadline,
            listed=listed,
            retry_unconfirmed=False,
        )

    run = run_bounded(
        invitation_ids,
        claim=claim,
        deadline=deadline,
    )
    return BulkDecisions(run.outcomes, not_tried=run.not_tried, stopped=run.stopped)


def _earlier_attempts_superseded(
    account: LinkedAccount, invitation_id: str, actor: Actor, now: datetime
) -> None:
    """An unconfirmed attempt a person chose to try again needs no answer any more."""
    Entry.objects.filter(
        account=account,
        target=invitation_id,
        kind__in=[Kind.ACCEPT, Kind.DECLINE],
        outcome=Outcome.UNCONFIRMED,
        resolution="",
    ).update(
        resolution=Resolution.TRIED_AGAIN,
        resolved_by=actor if actor and actor.pk else None,
        resolved_at=now,
    )


def _finish(record: InvitationDecision, state: str, error_type: str) -> None:
    record.state, record.error_type = state, db_text(error_type, 100)
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
    """Invitations sent through the dashboard in the rolling last 24 hours and 7 days, by
    people and campaigns alike.

    Sending and unconfirmed ones count too: they may have gone out.
    """
    now = clock.now()
    counts = counted_sends(account, since=now - timedelta(days=7)).aggregate(
        today=Count("pk", filter=Q(sent_at__gt=now - timedelta(days=1))), week=Count("pk")
    )
    return CapsUsage(
        sent_today=counts["today"],
        sent_this_week=counts["week"],
        daily_cap=account.daily_cap,
        weekly_cap=account.weekly_cap,
    )


def counted_sends(
    account: LinkedAccount | OuterRef, *, since: datetime
) -> QuerySet[SentInvitation]:
    """The sends that count against an account's caps, after `since` (a send exactly a window
    ago has left it). The home page counts every account with it, as a subquery."""
    return SentInvitation.objects.filter(account=account, sent_at__gt=since).exclude(
        status__in=FREE_OF_CAPS
    )


def account_caps_free_at(account: LinkedAccount, usage: CapsUsage) -> datetime:
    """When the rolling windows will have room for one more send: the moment the send that
    fills a reached cap leaves its window (the caps may have been lowered below the count)."""
    now = clock.now()
    moments = [now]
    for window, count, cap in (
        (timedelta(days=1), usage.sent_today, usage.daily_cap),
        (timedelta(days=7), usage.sent_this_week, usage.weekly_cap),
    ):
        if count >= cap:
            oldest = counted_sends(account, since=now - window).order_by("sent_at")
            leaving = oldest.values_list("sent_at", flat=True)[count - cap]
            moments.append(leaving + window)
    return max(moments)


@dataclass(frozen=True)
class SendOutcome:
    sent: SentInvitation
    # The same form submitted again: `sent` is what the first submission did or is doing.
    repeated: bool = False


def invitation_send(
    *,
    account: LinkedAccount,
    recipient_id: str,
    email: str,
    message: str,
    actor: Actor,
    submission: str = "",
) -> SendOutcome:
    """Send an invitation within the account's caps, once per form submission.

    Raises InvitationRefused (caps), ApiKeyUnavailable, PostpressError (a definite refusal: the
    slot and the token are given back) or WriteUnconfirmed (the answer was lost: the row stays,
    holding its slot and its token, until a person resolves it). The cap slot is reserved in a
    short transaction; the API call runs outside any transaction, so a slow answer holds no
    database lock.
    """
    if not sends_invitations(account.provider):
        raise InvitationRefused(NOT_INVITING)  # no call: the API sends none for it
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
        return SendOutcome(reservation, repeated=True)  # no second invitation
    return SendOutcome(reserved_invitation_send(reservation=reservation, actor=actor))


def reserved_invitation_send(
    *,
    reservation: SentInvitation,
    actor: Actor,
    detail: str = "",
    campaign: "Campaign | None" = None,
    target_name: str = "",
) -> SentInvitation:
    """Make the call for a SENDING row that holds its cap slot (a form's or a campaign's), and
    record what came of it (with the campaign and the person's name, when known). Raises as
    invitation_send does."""
    about = {"detail": detail, "campaign": campaign, "target_name": target_name}
    account = reservation.account
    try:
        sent = account_client(account).send_invitation(
            account_id=account.account_id,
            provider_id=reservation.recipient_id,
            user_email=reservation.email or None,
            message=reservation.message or None,
        )
    except Exception as error:
        _send_failed(reservation, error, actor, about)
        raise
    reservation.invitation_id, reservation.usage = sent.invitation_id, sent.usage
    reservation.status, reservation.status_at = SentStatus.PENDING, timezone.now()
    with transaction.atomic():  # the row and its Activity entry together
        reservation.save(update_fields=["invitation_id", "usage", "status", "status_at"])
        activity_record(
            account=account,
            actor=actor,
            kind=Kind.SEND,
            target=reservation.recipient_id,
            sent=reservation,
            **about,
        )
    return reservation


def _send_failed(
    reservation: SentInvitation, error: Exception, actor: Actor, about: dict[str, Any]
) -> None:
    """Only a definite refusal gives the slot and the token back; otherwise the row stays."""
    account = reservation.account
    if isinstance(error, ApiKeyUnavailable):
        reservation.delete()  # no call was made
        return
    unconfirmed = is_unconfirmed(error)
    if unconfirmed:
        _set_status(reservation, SentStatus.UNCONFIRMED)
    entry = activity_record(
        account=account,
        actor=actor,
        kind=Kind.SEND,
        target=reservation.recipient_id,
        error=error,
        sent=reservation if unconfirmed else None,
        **about,
    )
    if not unconfirmed:
        reservation.delete()
        return
    logger.warning("invitation send unconfirmed (activity entry %s): %s", entry.pk, error)
    raise WriteUnconfirmed(Kind.SEND, error, sent=reservation) from error


def _set_status(sent: SentInvitation, status: str) -> None:
    sent.status, sent.status_at = status, timezone.now()
    SentInvitation.objects.filter(pk=sent.pk).update(status=status, status_at=sent.status_at)


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
    earlier = _submitted_before(account, submission)
    if earlier is not None:
        return earlier, False
    with transaction.atomic():
        # One reservation at a time per account, so two people cannot both take the last slot;
        # the caps as the locked row has them (an admin may just have changed them).
        locked = LinkedAccount.objects.select_for_update(no_key=True).get(pk=account.pk)
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
            earlier = _submitted_before(account, submission)
            if earlier is None:
                raise InvitationRefused(EXPIRED_FORM) from None
            return earlier, False
    return reservation, True


def _submitted_before(account: LinkedAccount, submission: str) -> SentInvitation | None:
    # Tokens are issued per team and user (forms.submission_token); the team filter keeps
    # another team's row out of reach even so.
    if not submission:
        return None
    return (
        SentInvitation.objects.filter(submission=submission, account__team_id=account.team_id)
        .select_related("account")
        .first()
    )


EXPIRED_FORM = "This form was already used. Reload the page to send another invitation."


# --- withdrawing -----------------------------------------------------------------------------


# Withdrawing on Instagram takes the user's provider_id, which only the person can give.
PROVIDER_ID_NEEDED = (
    "Instagram withdraws an invitation by the user's provider_id, from their profile in "
    "postpress, not by their username or provider_messaging_id. Enter it in the invitation's "
    "row to withdraw it."
)
USERNAME_GIVEN = (
    "{given} is a username: Instagram withdraws by the user's provider_id, from their profile in "
    "postpress. Enter that id instead."
)
PROVIDER_ID_MAX_LENGTH = 300
ANOTHER_RECIPIENT = (
    "{given} is the recipient of another invitation from this account, not of this one (to "
    "{recipient}). Withdrawing with it would unfollow that user: enter {recipient}'s "
    "provider_id."
)


def invitation_withdraw(
    *, sent: SentInvitation, actor: Actor, within: Deadline | None = None, provider_id: str = ""
) -> bool:
    """Cancel a pending sent invitation, once, by the id the docs ask for: the invitation id
    the send returned, or on Instagram the user's `provider_id`, which the person gives (the
    invitation may have been sent by username, and nothing tells the two apart). False when it
    is not pending (being withdrawn, withdrawn, unconfirmed...): `sent` then holds its current
    state.

    Raises InvitationRefused (Instagram without a usable provider_id: no call), ApiKeyUnavailable,
    PostpressError (refused: it stays pending, or is marked gone when postpress no longer has
    the invitation id it gave) or WriteUnconfirmed (the answer was lost: it may have been
    withdrawn).
    """
    claimed = withdrawal_claim(sent=sent, actor=actor, within=within, provider_id=provider_id)
    if claimed is None:
        return False
    outcome = claimed.now()
    if outcome.error is not None:
        raise outcome.error
    return True


def withdrawal_claim(
    *,
    sent: SentInvitation,
    actor: Actor,
    within: Deadline | None = None,
    provider_id: str = "",
    retry: RetryPolicy | None = None,
) -> "ClaimedWithdrawal | None":
    """Take a pending sent invitation for this request (status WITHDRAWING), ready for its
    call; None when it is not pending (`sent` then holds its current state). Raises as
    invitation_withdraw does before any call. `retry`: what the call may repeat, when not the
    client's default."""
    account = sent.account
    by_provider_id = withdraws_by_provider_id(account.provider)
    path_id = provider_id.strip() if by_provider_id else sent.invitation_id
    if by_provider_id and sent.status == SentStatus.PENDING:
        _check_provider_id(path_id)
        _check_not_another_recipient(sent, path_id)
    now = timezone.now()
    # Pending, or a withdraw abandoned mid-call long ago (its worker died): DELETE is safe to
    # repeat, so it recovers like a decision does instead of staying stuck for good.
    claimable = Q(status=SentStatus.PENDING) | Q(
        status=SentStatus.WITHDRAWING, status_at__lt=now - STALE_CLAIM_AFTER
    )
    candidates = SentInvitation.objects.filter(claimable, pk=sent.pk)
    if not by_provider_id:
        candidates = candidates.exclude(invitation_id="")  # nothing to name it by
    elif not path_id:
        candidates = candidates.none()  # an abandoned withdraw, retried without the id
    taken = candidates.update(status=SentStatus.WITHDRAWING, status_at=now)
    if not taken:
        sent.refresh_from_db()
        return None
    detail = f"provider_id {path_id}" if by_provider_id else ""
    try:
        client = account_client(account, within=within)
    except ApiKeyUnavailable as error:
        _withdraw_failed(sent, error, actor, by_provider_id=by_provider_id, detail=detail)
        raise
    if retry is not None:
        client.retry = retry
    return ClaimedWithdrawal(sent, actor, client, path_id, by_provider_id, detail)


@dataclass(frozen=True)
class ClaimedWithdrawal(PendingCall[InvitationCanceled, "Withdrawal"]):
    """A withdraw this request holds (WITHDRAWING), its call not yet made."""

    sent: SentInvitation
    actor: Actor
    client: PostpressClient
    path_id: str
    by_provider_id: bool
    detail: str

    def call(self) -> InvitationCanceled:
        """The API call alone: no database (a bulk makes it in a pool thread)."""
        return self.client.cancel_invitation(
            invitation_id=self.path_id, account_id=self.sent.account.account_id
        )

    def finish(self, answer: Callable[[], InvitationCanceled]) -> "Withdrawal":
        sent, actor = self.sent, self.actor
        try:
            answer()
        except Exception as error:
            try:
                _withdraw_failed(
                    sent, error, actor, by_provider_id=self.by_provider_id, detail=self.detail
                )
            except WriteUnconfirmed as unconfirmed:  # anything but a refusal
                return Withdrawal(sent, error=unconfirmed)
            return Withdrawal(sent, error=error)
        SentInvitation.objects.filter(pk=sent.pk).update(
            status=SentStatus.WITHDRAWN,
            status_at=timezone.now(),
            withdrawn_at=timezone.now(),
            withdrawn_by=actor if actor and actor.pk else None,
        )
        sent.refresh_from_db()
        activity_record(
            account=sent.account,
            actor=actor,
            kind=Kind.WITHDRAW,
            target=sent.recipient_id,
            detail=self.detail,
            sent=sent,
        )
        return Withdrawal(sent, withdrawn=True)


def _check_provider_id(given: str) -> None:
    """Refuse, before any call, what cannot be an Instagram provider_id. Whether an id is a
    username is not knowable (the docs give no format), beyond the "@" that only usernames
    carry: the person answers for the id, and postpress refuses an id it does not know."""
    if not given:
        raise InvitationRefused(PROVIDER_ID_NEEDED)
    if given.startswith("@"):
        raise InvitationRefused(USERNAME_GIVEN.format(given=given))
    if len(given) > PROVIDER_ID_MAX_LENGTH or any(char.isspace() for char in given):
        raise InvitationRefused(
            "That is not a provider_id: it has spaces or is too long. " + PROVIDER_ID_NEEDED
        )


def _check_not_another_recipient(sent: SentInvitation, given: str) -> None:
    """On Instagram the call also unfollows whoever the id names: an id that is the recipient
    of another of the account's invitations is surely a slip, and is refused before any call."""
    if given == sent.recipient_id:
        return
    other = (
        SentInvitation.objects.filter(account_id=sent.account_id, recipient_id=given)
        .exclude(pk=sent.pk)
        .exists()
    )
    if other:
        raise InvitationRefused(ANOTHER_RECIPIENT.format(given=given, recipient=sent.recipient_id))


def _withdraw_failed(
    sent: SentInvitation, error: Exception, actor: Actor, *, by_provider_id: bool, detail: str
) -> None:
    if isinstance(error, ApiKeyUnavailable):
        _set_status(sent, SentStatus.PENDING)  # no call was made
        return
    unconfirmed = is_unconfirmed(error)
    if unconfirmed:
        after = SentStatus.WITHDRAW_UNCONFIRMED
    elif _gone(error, by_provider_id=by_provider_id):
        after = SentStatus.GONE  # nothing left to withdraw: stop offering it
    else:
        after = SentStatus.PENDING  # refused: it stays pending for another try
    _set_status(sent, after)
    sent.refresh_from_db()
    activity_record(
        account=sent.account,
        actor=actor,
        kind=Kind.WITHDRAW,
        target=sent.recipient_id,
        error=error,
        detail=detail,
        sent=sent,
    )
    if unconfirmed:
        raise WriteUnconfirmed(Kind.WITHDRAW, error, sent=sent) from error


def _gone(error: Exception, *, by_provider_id: bool) -> bool:
    """Whether a refusal means postpress no longer has the invitation: only "not found" for
    the invitation id it gave itself. An id it calls invalid, or a provider_id a person typed
    (Instagram), proves nothing about the invitation: it stays pending."""
    return (
        isinstance(error, NotFoundError)
        and error.error_type == "errors/resource_not_found"
        and not by_provider_id
    )


@dataclass(frozen=True)
class Withdrawal:
    """What one withdraw did: withdrawn, or not (``sent`` holds its state), or an error:
    InvitationRefused (no call), ApiKeyUnavailable, PostpressError (refused) or
    WriteUnconfirmed."""

    sent: SentInvitation
    withdrawn: bool = False
    error: Exception | None = None


def invitation_withdrawal(
    *, sent: SentInvitation, actor: Actor, within: Deadline | None = None, provider_id: str = ""
) -> Withdrawal:
    """invitation_withdraw, its outcome as a value rather than an exception."""
    try:
        withdrawn = invitation_withdraw(
            sent=sent, actor=actor, within=within, provider_id=provider_id
        )
    except (InvitationRefused, ApiKeyUnavailable, PostpressError, WriteUnconfirmed) as error:
        return Withdrawal(sent, error=error)
    return Withdrawal(sent, withdrawn=withdrawn)


# A bulk stops at its first rate limit: a withdraw repeating itself after a 429 (safe for a
# DELETE, and what a single withdraw does) would wait out the limit while the bulk went on.
# Any 429 carrying a wait ends its call at once; connection failures are still retried.
BULK_RETRY = RetryPolicy(max_retry_after=0.0)


def invitations_bulk_withdraw(
    *, invitations: Iterable[SentInvitation], actor: Actor
) -> tuple[list[Withdrawal], int, Stopped | None]:
    """Withdraw each, with up to POSTPRESS_BULK_IN_FLIGHT calls at once (invitations/bulk.py),
    within one deadline (POSTPRESS_BULK_BUDGET). Returns what was tried, how many were not,
    and why not: the deadline came first, or an answer asked to slow down. Each is claimed,
    and its outcome recorded, in this thread. An Instagram invitation needs its user's
    provider_id, which a bulk withdraw does not have: it is refused without a call."""
    deadline = Deadline(settings.POSTPRESS_BULK_BUDGET)

    def claim(sent: SentInvitation) -> Withdrawal | ClaimedWithdrawal:
        try:
            claimed = withdrawal_claim(sent=sent, actor=actor, within=deadline, retry=BULK_RETRY)
        except (InvitationRefused, ApiKeyUnavailable) as error:
            return Withdrawal(sent, error=error)
        return Withdrawal(sent) if claimed is None else claimed

    run = run_bounded(
        list(invitations),
        claim=claim,
        deadline=deadline,
    )
    return run.outcomes, run.not_tried, run.stopped


# --- resolving unconfirmed writes ------------------------------------------------------------

# What a person's answer makes of a sent invitation, by the kind of the unconfirmed entry.
_RESOLVED_STATUS = {
    (Kind.SEND, Resolution.WENT_THROUGH): SentStatus.PENDING,
    (Kind.SEND, Resolution.DID_NOT): SentStatus.NOT_SENT,
    (Kind.WITHDRAW, Resolution.WENT_THROUGH): SentStatus.WITHDRAWN,
    (Kind.WITHDRAW, Resolution.DID_NOT): SentStatus.PENDING,
}
_RESOLVED_DECISION = {
    Resolution.WENT_THROUGH: DecisionState.DONE,
    Resolution.DID_NOT: DecisionState.FAILED,  # its buttons come back
}


def unconfirmed_resolve(*, entry: Entry, resolution: str, actor: Actor) -> bool:
    """A person says whether an unconfirmed write went through. False when it was resolved
    already (by a teammate, a moment earlier)."""
    now = timezone.now()
    with transaction.atomic():
        taken = Entry.objects.filter(
            pk=entry.pk, outcome=Outcome.UNCONFIRMED, resolution=""
        ).update(
            resolution=resolution,
            resolved_by=actor if actor and actor.pk else None,
            resolved_at=now,
        )
        if not taken:
            return False
        if entry.sent_id is not None:
            _resolve_sent(entry, resolution, actor, now)
        elif entry.kind in (Kind.ACCEPT, Kind.DECLINE):
            InvitationDecision.objects.filter(
                account_id=entry.account_id,
                invitation_id=entry.target,
                state=DecisionState.UNCONFIRMED,
            ).update(state=_RESOLVED_DECISION[Resolution(resolution)], decided_at=now)
        entry.refresh_from_db()
        unconfirmed_resolved.send(sender=Entry, entry=entry, actor=actor)
    return True


def _resolve_sent(entry: Entry, resolution: str, actor: Actor, now: datetime) -> None:
    status = _RESOLVED_STATUS[(Kind(entry.kind), Resolution(resolution))]
    waiting = SentStatus.UNCONFIRMED if entry.kind == Kind.SEND else SentStatus.WITHDRAW_UNCONFIRMED
    changes: dict[str, object] = {"status": status, "status_at": now}
    if status == SentStatus.WITHDRAWN:
        changes |= {"withdrawn_at": now, "withdrawn_by": actor if actor and actor.pk else None}
    SentInvitation.objects.filter(pk=entry.sent_id, status=waiting).update(**changes)


def abandoned_writes_mark_unconfirmed(*, team: Team) -> int:
    """Writes whose request died mid-call are unconfirmed: a send still "sending", a withdraw
    still "withdrawing" or a decision still "in progress" long after any call could take.
    Each gets its Activity entry and waits for a person. Returns how many were found."""
    cutoff = timezone.now() - STALE_CLAIM_AFTER
    abandoned = SentInvitation.objects.filter(
        account__team=team,
        status__in=list(ABANDONED_TO_UNCONFIRMED),
        status_at__lt=cutoff,
    ).select_related("account", "sent_by")
    found = 0
    for sent in abandoned:
        found += abandoned_send_mark_unconfirmed(sent)
    decisions = InvitationDecision.objects.filter(
        account__team=team, state=DecisionState.IN_PROGRESS, decided_at__lt=cutoff
    ).select_related("account", "actor")
    for decision in decisions:
        found += _abandoned_decision(decision)
    return found


# What a write abandoned mid-call becomes, and the kind of its Activity entry.
ABANDONED_TO_UNCONFIRMED = {
    SentStatus.SENDING: (SentStatus.UNCONFIRMED, Kind.SEND),
    SentStatus.WITHDRAWING: (SentStatus.WITHDRAW_UNCONFIRMED, Kind.WITHDRAW),
}


def abandoned_send_mark_unconfirmed(
    sent: SentInvitation, *, campaign: "Campaign | None" = None, detail: str = ""
) -> int:
    """A send whose request stopped mid-call is unconfirmed, with its Activity entry (naming
    its campaign, if any); 0 when it is no longer sending or withdrawing (its answer came, or
    another sweep took it)."""
    after, kind = ABANDONED_TO_UNCONFIRMED[SentStatus(sent.status)]
    taken = SentInvitation.objects.filter(pk=sent.pk, status=sent.status).update(
        status=after, status_at=timezone.now()
    )
    if taken:  # not a teammate's request, a moment earlier
        actor = sent.sent_by if kind == Kind.SEND else None
        activity_record(
            account=sent.account,
            actor=actor,
            kind=kind,
            target=sent.recipient_id,
            error=AbandonedCall(),
            sent=sent,
            campaign=campaign,
            detail=detail,
        )
    return taken


def listed_inviter_name(account: LinkedAccount, invitation_id: str) -> str:
    """Who sent the invitation, as the last listed page said, or an empty string."""
    name = (
        ListedInvitation.objects.filter(account=account, invitation_id=invitation_id)
        .values_list("inviter_name", flat=True)
        .first()
    )
    return name or ""


def _abandoned_decision(decision: InvitationDecision) -> int:
    taken = InvitationDecision.objects.filter(
        pk=decision.pk, state=DecisionState.IN_PROGRESS, decided_at=decision.decided_at
    ).update(state=DecisionState.UNCONFIRMED, decided_at=timezone.now())
    if taken:
        listed = listed_inviter_name(decision.account, decision.invitation_id)
        activity_record(
            account=decision.account,
            actor=decision.actor,
            kind=decision.action,
            target=decision.invitation_id,
            target_name=listed,
            error=AbandonedCall(),
        )
    return taken


class AbandonedCall(Exception):
    """The request that made the call stopped before its answer was recorded."""
