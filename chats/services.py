"""Starting a chat: the call, and its record in the team's activity log."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import nh3
from django.db import IntegrityError, transaction
from django.utils import timezone

from activity.models import Kind
from activity.services import activity_record
from chats.models import ChatStatus, ChatSubmission
from chats.rules import RECRUITER_TAGS
from chats.uploads import UploadStopped, human_size
from invitations.services import (
    STALE_CLAIM_AFTER,
    AbandonedCall,
    Actor,
    WriteUnconfirmed,
    account_client,
)
from postpress_dashboard.postpress.catalogue import unconfirmed_message
from postpress_dashboard.postpress.errors import PostpressError
from postpress_dashboard.postpress.multipart import StreamedFile
from postpress_dashboard.postpress.schemas import ChatStarted, NewChat
from postpress_dashboard.teams.models import LinkedAccount, Team

if TYPE_CHECKING:
    from campaigns.models import Campaign


@dataclass(frozen=True)
class SentFile:
    name: str
    size: int


def recruiter_html(text: str) -> str:
    """A Recruiter text (the message, or a follow-up's) as the HTML fragment it is sent as: the
    documented subset (strong, em, a href, ul, ol, li), nothing else, serialized by nh3.

    The API takes this text as HTML, so characters are escaped as in any HTML: a typed
    `Tom & Jerry <3` leaves as `Tom &amp; Jerry &lt;3`, which Recruiter shows as typed. An entity
    already written stays one entity (this is idempotent), so nothing is escaped twice; the
    preview shows this same string as HTML. Every other provider and API takes plain text, sent
    as typed (docs/chats.md, "Recruiter HTML").
    """
    return nh3.clean(
        text,
        tags=set(RECRUITER_TAGS),
        attributes={"*": set(), "a": {"href"}},  # "*": not even ammonia's default lang, title
        url_schemes={"http", "https", "mailto"},
        url_relative="deny",  # a message has no base URL: "/path" or "//host" leads nowhere
        link_rel=None,
    )


@dataclass(frozen=True)
class ChatOutcome:
    """A started chat, or, for a form submitted again, what its first submission did."""

    started: ChatStarted | None
    earlier: ChatSubmission | None = None  # the same form, submitted before

    @property
    def ids(self) -> tuple[str, str]:
        """The chat id and message id, empty while the provider has not returned them."""
        if self.started is not None:
            return self.started.chat_id or "", self.started.message_id or ""
        if self.earlier is not None:
            return self.earlier.chat_id, self.earlier.message_id
        return "", ""


def chat_start(
    *,
    account: LinkedAccount,
    chat: NewChat,
    files: list[SentFile],
    actor: Actor,
    submission: str = "",
    detail: str = "",
    campaign: "Campaign | None" = None,
    target_name: str = "",
) -> ChatOutcome:
    """Start the chat, once per form submission; recorded either way (`detail` labels the
    Activity entry, a campaign's name say, before the files sent; a campaign's chat names its
    campaign and, when known, the person). Raises ApiKeyUnavailable,
    PostpressError (refused: the form may try again) or WriteUnconfirmed (the answer was lost:
    the chat may have started; never retried)."""
    target = ", ".join(chat.attendees_ids)
    files_sent = ", ".join(f"{file.name} ({human_size(file.size)})" for file in files)
    detail = "; ".join(part for part in (detail, files_sent and f"Files: {files_sent}") if part)
    about = {"detail": detail, "campaign": campaign, "target_name": target_name}
    client = account_client(account)  # ApiKeyUnavailable: nothing was tried
    reservation, earlier = _reserve_chat(account, target, actor, submission)
    if earlier is not None:
        return ChatOutcome(started=None, earlier=earlier)  # no second chat
    try:
        started = client.start_chat(chat)
    except Exception as error:
        _chat_failed(reservation, error, account=account, actor=actor, target=target, about=about)
        raise
    if reservation is not None:
        reservation.status, reservation.status_at = ChatStatus.STARTED, timezone.now()
        reservation.chat_id = started.chat_id or ""
        reservation.message_id = started.message_id or ""
        reservation.save(update_fields=["status", "status_at", "chat_id", "message_id"])
    activity_record(account=account, actor=actor, kind=Kind.CHAT, target=target, **about)
    return ChatOutcome(started=started)


def chat_start_streamed(
    *,
    account: LinkedAccount,
    chat: NewChat,
    files: Iterable[StreamedFile],
    sent: list[SentFile],
    actor: Actor,
    submission: str = "",
) -> ChatOutcome:
    """Start the chat while its files arrive (chats/streaming.py): `files` yields them as
    they pass their checks, `sent` lists them once through. Once per form submission, as
    chat_start, and recorded either way.

    Raises ApiKeyUnavailable, PostpressError (refused: the form may try again),
    UploadUnconfirmed (the upload stopped after the request opened: a cap passed, a file
    refused, the browser gone; the request ended without its last chunk, but postpress does
    not say what it does with such a request) or WriteUnconfirmed (the answer was lost).
    Never retried."""
    target = ", ".join(chat.attendees_ids)
    client = account_client(account)  # ApiKeyUnavailable: nothing was tried
    reservation, earlier = _reserve_chat(account, target, actor, submission)
    if earlier is not None:
        return ChatOutcome(started=None, earlier=earlier)  # no second chat

    def about(extra: str = "") -> dict[str, Any]:
        files_sent = ", ".join(f"{file.name} ({human_size(file.size)})" for file in sent)
        detail = "; ".join(part for part in (files_sent and f"Files: {files_sent}", extra) if part)
        return {"detail": detail}

    try:
        started = client.start_chat_streamed(chat, files)
    except UploadStopped as stopped:
        # Part of the body went: unconfirmed, whatever RFC 9112 says of incomplete messages.
        _mark_unconfirmed(reservation)
        stopped_words = f"Upload stopped part-way: {stopped.reason}"
        activity_record(
            account=account,
            actor=actor,
            kind=Kind.CHAT,
            target=target,
            error=stopped,
            **about(stopped_words),
        )
        raise UploadUnconfirmed(stopped) from stopped
    except PostpressError as error:
        _chat_failed(reservation, error, account=account, actor=actor, target=target, about=about())
        raise
    except Exception as error:
        # A bug while the body was being sent: part of it may have gone.
        _mark_unconfirmed(reservation)
        activity_record(
            account=account, actor=actor, kind=Kind.CHAT, target=target, error=error, **about()
        )
        raise
    if reservation is not None:
        reservation.status, reservation.status_at = ChatStatus.STARTED, timezone.now()
        reservation.chat_id = started.chat_id or ""
        reservation.message_id = started.message_id or ""
        reservation.save(update_fields=["status", "status_at", "chat_id", "message_id"])
    activity_record(account=account, actor=actor, kind=Kind.CHAT, target=target, **about())
    return ChatOutcome(started=started)


def _mark_unconfirmed(reservation: ChatSubmission | None) -> None:
    if reservation is not None:
        reservation.status, reservation.status_at = ChatStatus.UNCONFIRMED, timezone.now()
        reservation.save(update_fields=["status", "status_at"])


UPLOAD_STOPPED = (
    "It stopped after the files had begun to go to postpress, whose documentation does not say "
    "what it does with a request cut off part-way."
)


class UploadUnconfirmed(WriteUnconfirmed):
    """An upload forwarded while it arrived stopped after its request to postpress opened:
    why, in words, then that the chat may have started."""

    def __init__(self, stopped: UploadStopped) -> None:
        super().__init__(Kind.CHAT, stopped)
        self.reason = stopped.reason

    @property
    def message(self) -> str:
        return f"{self.reason} {UPLOAD_STOPPED} {unconfirmed_message('chat')}"


def _reserve_chat(
    account: LinkedAccount, target: str, actor: Actor, submission: str
) -> tuple[ChatSubmission | None, ChatSubmission | None]:
    """(this form's STARTING row, None), or (None, the row of its earlier submission)."""
    if not submission:
        return None, None
    try:
        with transaction.atomic():
            row = ChatSubmission.objects.create(
                account=account,
                submission=submission,
                recipients=target[:300],
                status=ChatStatus.STARTING,
                started_by=actor if actor and actor.pk else None,
            )
        return row, None
    except IntegrityError:
        # Tokens are issued per team and user; the team filter keeps another's out of reach.
        earlier = ChatSubmission.objects.filter(
            submission=submission, account__team_id=account.team_id
        ).first()
        if earlier is None:
            raise WriteRefused(STALE_SUBMISSION) from None
        return None, earlier


def _chat_failed(
    reservation: ChatSubmission | None,
    error: Exception,
    *,
    account: LinkedAccount,
    actor: Actor,
    target: str,
    about: dict[str, Any],
) -> None:
    # The client turns every failure of the call itself into a PostpressError: anything else
    # (a file that cannot be opened) failed before the request left.
    unconfirmed = isinstance(error, PostpressError) and error.unconfirmed
    if reservation is not None:
        if unconfirmed:
            reservation.status, reservation.status_at = ChatStatus.UNCONFIRMED, timezone.now()
            reservation.save(update_fields=["status", "status_at"])
        else:
            reservation.delete()  # refused: the same form may try again
    if not isinstance(error, PostpressError):
        return
    activity_record(
        account=account,
        actor=actor,
        kind=Kind.CHAT,
        target=target,
        error=error,
        **about,
    )
    if unconfirmed:
        raise WriteUnconfirmed(Kind.CHAT, error) from error


def abandoned_chats_mark_unconfirmed(*, team: Team) -> int:
    """Chats whose request died mid-call (still "starting" long after any call could take)
    are unconfirmed, each with its Activity entry for a person to resolve."""
    cutoff = timezone.now() - STALE_CLAIM_AFTER
    stale = ChatSubmission.objects.filter(
        account__team=team, status=ChatStatus.STARTING, status_at__lt=cutoff
    ).select_related("account", "started_by")
    found = 0
    for row in stale:
        taken = ChatSubmission.objects.filter(pk=row.pk, status=ChatStatus.STARTING).update(
            status=ChatStatus.UNCONFIRMED, status_at=timezone.now()
        )
        if taken:
            activity_record(
                account=row.account,
                actor=row.started_by,
                kind=Kind.CHAT,
                target=row.recipients,
                error=AbandonedCall(),
            )
        found += taken
    return found


class WriteRefused(Exception):
    """The dashboard itself refuses, before any call."""


STALE_SUBMISSION = "This form was already used. Reload the page to start another chat."
