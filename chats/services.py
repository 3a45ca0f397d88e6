"""Starting a chat: the call, and its record in the team's activity log."""

from dataclasses import dataclass

import nh3

from chats.rules import RECRUITER_TAGS
from chats.uploads import human_size
from invitations.models import EventKind
from invitations.services import (
    Actor,
    WriteUnconfirmed,
    account_client,
    event_record,
)
from postpress_dashboard.postpress.errors import PostpressError
from postpress_dashboard.postpress.schemas import ChatStarted, NewChat
from postpress_dashboard.teams.models import LinkedAccount


@dataclass(frozen=True)
class SentFile:
    name: str
    size: int


def recruiter_html(text: str) -> str:
    """The documented Recruiter subset (strong, em, a href, ul, ol, li), nothing else."""
    return nh3.clean(
        text,
        tags=set(RECRUITER_TAGS),
        attributes={"*": set(), "a": {"href"}},  # "*": not even ammonia's default lang, title
        url_schemes={"http", "https", "mailto"},
        url_relative="deny",  # a message has no base URL: "/path" or "//host" leads nowhere
        link_rel=None,
    )


def chat_start(
    *, account: LinkedAccount, chat: NewChat, files: list[SentFile], actor: Actor
) -> ChatStarted:
    """Start the chat; recorded either way. Raises ApiKeyUnavailable, PostpressError (refused)
    or WriteUnconfirmed (the answer was lost: the chat may have started; never retried)."""
    target = ", ".join(chat.attendees_ids)
    detail = ", ".join(f"{file.name} ({human_size(file.size)})" for file in files)
    client = account_client(account)  # ApiKeyUnavailable: nothing was tried
    try:
        started = client.start_chat(chat)
    except PostpressError as error:
        # The client turns every failure of the call itself into a PostpressError: anything
        # else (a file that cannot be opened) failed before the request left.
        event_record(
            account=account,
            actor=actor,
            kind=EventKind.CHAT,
            target=target,
            error=error,
            detail=detail,
        )
        if error.unconfirmed:
            raise WriteUnconfirmed(EventKind.CHAT, error) from error
        raise
    event_record(
        account=account, actor=actor, kind=EventKind.CHAT, target=target, error=None, detail=detail
    )
    return started
