"""Typed shapes of what the client sends and what the API answers."""

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO


class Provider(StrEnum):
    LINKEDIN = "LINKEDIN"
    INSTAGRAM = "INSTAGRAM"
    WHATSAPP = "WHATSAPP"
    TELEGRAM = "TELEGRAM"


class InvitationAction(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"


# --- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Inviter:
    name: str
    id: str
    public_identifier: str
    description: str


@dataclass(frozen=True)
class ReceivedInvitation:
    id: str
    invited_user: str
    invited_user_id: str
    invited_user_public_id: str
    invited_user_description: str
    date: str
    parsed_datetime: str | None
    invitation_text: str
    inviter: Inviter | None
    provider: str | None
    shared_secret: str | None


@dataclass(frozen=True)
class InvitationPage:
    items: list[ReceivedInvitation]
    cursor: str | None  # for the next page; None on the last one


@dataclass(frozen=True)
class InvitationSent:
    invitation_id: str
    usage: int | None  # percent of the provider limit, reported at 50, 75, 90 and 95


@dataclass(frozen=True)
class InvitationHandled:
    status: str  # ACCEPTED or DECLINED


@dataclass(frozen=True)
class InvitationCanceled:
    pass


@dataclass(frozen=True)
class ChatStarted:
    chat_id: str | None  # the provider may not return ids at once
    message_id: str | None


# --- start-chat request ----------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """A file to forward, streamed from disk (Django's temporary upload files)."""

    path: Path
    filename: str
    content_type: str = "application/octet-stream"

    def open(self) -> BinaryIO:
        return self.path.open("rb")


@dataclass(frozen=True)
class ClassicOptions:
    inmail: bool = False
    topic: str | None = None
    applicant_id: str | None = None
    invitation_id: str | None = None


@dataclass(frozen=True)
class SalesNavigatorOptions:
    pass


@dataclass(frozen=True)
class FollowUp:
    """A scheduled Recruiter follow-up: after ``days`` (3-28) or ``weeks`` (1-4)."""

    subject: str
    text: str
    timezone: str
    days: int | None = None
    weeks: int | None = None
    attachments: tuple[Upload, ...] = ()

    def __post_init__(self) -> None:
        if (self.days is None) == (self.weeks is None):
            raise ValueError("a follow-up is scheduled after either days or weeks")
        if self.days is not None and not 3 <= self.days <= 28:
            raise ValueError("a follow-up comes after 3 to 28 days")
        if self.weeks is not None and not 1 <= self.weeks <= 4:
            raise ValueError("a follow-up comes after 1 to 4 weeks")


@dataclass(frozen=True)
class RecruiterOptions:
    signature: str | None = None
    hiring_project_id: str | None = None
    job_posting_id: str | None = None
    sourcing_channel: str | None = None
    email_address: str | None = None
    visibility: str | None = None
    follow_up: FollowUp | None = None


LinkedInOptions = ClassicOptions | SalesNavigatorOptions | RecruiterOptions


@dataclass(frozen=True)
class NewChat:
    account_id: str
    attendees_ids: tuple[str, ...]
    text: str | None = None
    subject: str | None = None
    attachments: tuple[Upload, ...] = ()
    voice_message: Upload | None = None
    video_message: Upload | None = None
    linkedin: LinkedInOptions | None = None
