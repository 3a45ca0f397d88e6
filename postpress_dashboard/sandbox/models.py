"""The sandbox's records: plain dataclasses kept in memory, never in the database."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Provider = Literal["LINKEDIN", "INSTAGRAM", "WHATSAPP", "TELEGRAM"]


@dataclass(frozen=True)
class Person:
    """Someone on a provider, as the API describes them."""

    name: str
    provider_id: str
    public_id: str
    description: str


@dataclass(frozen=True)
class ReceivedInvitation:
    id: str
    sender: Person
    sent_at: datetime
    raw_date: str
    note: str
    # LinkedIn only: the token the API requires to accept or decline the invitation.
    shared_secret: str | None


@dataclass(frozen=True)
class SentInvitation:
    id: str
    provider_id: str  # the user's provider_id, even when the send named them by username
    user_email: str | None
    message: str | None
    username: str | None = None  # Instagram: the username the send named them by, if it did


@dataclass
class Account:
    id: str
    provider: Provider
    owner: Person
    invitation_limit: int
    # Pending received invitations, newest first: the order the API lists them in.
    received: list[ReceivedInvitation] = field(default_factory=list)
    # Sent invitations still pending (cancelling one removes it).
    sent: list[SentInvitation] = field(default_factory=list)
    # Every successful send counts towards the limit, cancelled or not.
    sent_count: int = 0

    def find_received(self, invitation_id: str) -> ReceivedInvitation | None:
        return next((inv for inv in self.received if inv.id == invitation_id), None)

    def find_sent(self, invitation_id: str) -> SentInvitation | None:
        return next((inv for inv in self.sent if inv.id == invitation_id), None)

    def has_pending_invitation_to(self, provider_id: str) -> bool:
        return any(inv.provider_id == provider_id for inv in self.sent)

    def find_sent_to(self, provider_id: str) -> SentInvitation | None:
        return next((inv for inv in self.sent if inv.provider_id == provider_id), None)

    def find_sent_by_username(self, username: str) -> SentInvitation | None:
        return next((inv for inv in self.sent if inv.username == username), None)


@dataclass(frozen=True)
class ReceivedFile:
    """A file the sandbox received, measured while streaming: its bytes are not kept."""

    field_name: str
    filename: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class ReceivedChat:
    """Everything a start-chat request carried, so tests can assert the exact request."""

    chat_id: str
    message_id: str
    account_id: str
    fields: dict[str, list[str]]
    files: list[ReceivedFile]

    def files_in(self, field_name: str) -> list[ReceivedFile]:
        return [file for file in self.files if file.field_name == field_name]
