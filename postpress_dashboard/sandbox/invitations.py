"""The four invitation endpoints: list received, handle received, send, cancel sent."""

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass

from postpress_dashboard.sandbox.errors import ApiError, invalid_parameters, not_found
from postpress_dashboard.sandbox.models import Account, ReceivedInvitation, SentInvitation
from postpress_dashboard.sandbox.operations import JsonObject, account_or_404
from postpress_dashboard.sandbox.request import (
    SandboxRequest,
    optional_string,
    reject_unknown_fields,
    required_string,
)
from postpress_dashboard.sandbox.seed import INSTAGRAM_DIRECTORY
from postpress_dashboard.sandbox.state import SandboxState, new_id

DEFAULT_PAGE_LIMIT = 10
MAX_PAGE_LIMIT = 100
MAX_MESSAGE_CHARACTERS = 300
# The send response reports usage only when a send passes one of these percentages.
USAGE_LANDINGS = (50, 75, 90, 95)
INVITING_PROVIDERS = ("LINKEDIN", "INSTAGRAM")
HANDLE_FIELDS = {
    "LINKEDIN": {"provider", "shared_secret", "account_id", "action"},
    "INSTAGRAM": {"provider", "account_id", "action"},
}
HANDLED_STATUSES = {"accept": "ACCEPTED", "decline": "DECLINED"}
SEND_FIELDS = {"provider_id", "account_id", "user_email", "message"}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# The sandbox's Instagram provider_ids are digits (as seeded); anything else a send names is a
# username. The docs give no format: this is the sandbox's own convention (docs/sandbox.md).
_INSTAGRAM_PROVIDER_ID = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class ListReceivedInvitations:
    account_id: str
    after: "PageAnchor | None"
    limit: int

    def identifiers(self) -> list[str]:
        return [self.account_id]

    def perform(self, state: SandboxState) -> JsonObject:
        with state.lock:
            account = account_or_404(state, self.account_id)
            # Newest first. Paging continues after the last item shown rather than at a count,
            # so accepting or declining on one page never hides an invitation from the next.
            pending = sorted(account.received, key=_page_order, reverse=True)
            if self.after is not None:
                pending = [inv for inv in pending if _page_order(inv) < self.after]
            page = pending[: self.limit]
            items = [invitation_json(inv, account) for inv in page]
            has_more = len(pending) > self.limit
        return {
            "object": "InvitationList",
            "items": items,
            "cursor": encode_cursor(_page_order(page[-1])) if has_more else None,
        }


PageAnchor = tuple[str, str]  # (sent_at in ISO 8601, id) of the last invitation on a page


def _page_order(invitation: ReceivedInvitation) -> PageAnchor:
    return (invitation.sent_at.isoformat(), invitation.id)


def read_list_received_invitations(
    request: SandboxRequest, path_params: dict[str, str]
) -> ListReceivedInvitations:
    return ListReceivedInvitations(
        account_id=request.required_query_value("account_id"),
        after=_anchor_from_cursor(request.query_value("cursor")),
        limit=_page_limit(request.query_value("limit")),
    )


def invitation_json(invitation: ReceivedInvitation, account: Account) -> JsonObject:
    """An InvitationReceived item: the account's owner was invited, the sender is the inviter."""
    owner, sender = account.owner, invitation.sender
    item: JsonObject = {
        "object": "InvitationReceived",
        "id": invitation.id,
        "invited_user": owner.name,
        "invited_user_id": owner.provider_id,
        "invited_user_public_id": owner.public_id,
        "invited_user_description": owner.description,
        "date": invitation.raw_date,
        "parsed_datetime": invitation.sent_at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "invitation_text": invitation.note,
        "inviter": {
            "inviter_name": sender.name,
            "inviter_id": sender.provider_id,
            "inviter_public_identifier": sender.public_id,
            "inviter_description": sender.description,
        },
    }
    if invitation.shared_secret is not None:
        item["specifics"] = {"provider": "LINKEDIN", "shared_secret": invitation.shared_secret}
    return item


def encode_cursor(anchor: PageAnchor) -> str:
    """An opaque cursor: base64url of the last item's position, without padding."""
    payload = json.dumps({"t": anchor[0], "i": anchor[1]}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(payload).rstrip(b"=").decode("ascii")


def _anchor_from_cursor(cursor: str | None) -> PageAnchor | None:
    if cursor is None:
        return None
    try:
        padded = cursor.encode("ascii") + b"=" * (-len(cursor) % 4)
        payload = json.loads(base64.b64decode(padded, altchars=b"-_", validate=True))
        anchor = (payload["t"], payload["i"])
    except (ValueError, TypeError, KeyError) as error:
        raise invalid_parameters("cursor is not a cursor this API returned.") from error
    if not all(isinstance(part, str) and part for part in anchor):
        raise invalid_parameters("cursor is not a cursor this API returned.")
    return anchor


def _page_limit(limit: str | None) -> int:
    if limit is None:
        return DEFAULT_PAGE_LIMIT
    if not re.fullmatch(r"[0-9]+", limit) or int(limit) < 1:
        raise invalid_parameters(f"limit must be an integer between 1 and {MAX_PAGE_LIMIT}.")
    if int(limit) > MAX_PAGE_LIMIT:
        raise ApiError("errors/limit_too_high", f"limit must be at most {MAX_PAGE_LIMIT}.")
    return int(limit)


@dataclass(frozen=True)
class HandleReceivedInvitation:
    invitation_id: str
    account_id: str
    provider: str
    action: str
    shared_secret: str | None

    def identifiers(self) -> list[str]:
        return [self.account_id, self.invitation_id]

    def perform(self, state: SandboxState) -> JsonObject:
        with state.lock:
            account = account_or_404(state, self.account_id)
            if account.provider != self.provider:
                raise invalid_parameters(
                    f"Account {account.id} is a {account.provider} account, "
                    f"but the body says provider {self.provider}."
                )
            invitation = account.find_received(self.invitation_id)
            if invitation is None:
                raise not_found(f"No pending invitation {self.invitation_id!r} on this account.")
            self._check_shared_secret(invitation)
            account.received.remove(invitation)
        return {"object": "UserInvitationHandled", "status": HANDLED_STATUSES[self.action]}

    def _check_shared_secret(self, invitation: ReceivedInvitation) -> None:
        if invitation.shared_secret is None:
            return
        given = (self.shared_secret or "").encode()
        if not hmac.compare_digest(given, invitation.shared_secret.encode()):
            raise invalid_parameters(
                "shared_secret does not match this invitation: "
                "send the one listed with it in specifics."
            )


def read_handle_received_invitation(
    request: SandboxRequest, path_params: dict[str, str]
) -> HandleReceivedInvitation:
    body = request.json_object()
    provider = required_string(body, "provider")
    if provider not in HANDLE_FIELDS:
        raise invalid_parameters("provider must be LINKEDIN or INSTAGRAM.")
    if provider == "INSTAGRAM" and "shared_secret" in body:
        raise invalid_parameters("shared_secret belongs to the LinkedIn variant only.")
    reject_unknown_fields(body, HANDLE_FIELDS[provider])
    shared_secret = optional_string(body, "shared_secret")
    if provider == "LINKEDIN" and not shared_secret:
        raise invalid_parameters(
            "shared_secret is required for LinkedIn: "
            "send the one listed with the invitation in specifics."
        )
    action = required_string(body, "action")
    if action not in HANDLED_STATUSES:
        raise invalid_parameters("action must be accept or decline.")
    return HandleReceivedInvitation(
        invitation_id=path_params["invitation_id"],
        account_id=required_string(body, "account_id"),
        provider=provider,
        action=action,
        shared_secret=shared_secret,
    )


@dataclass(frozen=True)
class SendInvitation:
    account_id: str
    provider_id: str
    user_email: str | None
    message: str | None

    def identifiers(self) -> list[str]:
        return [self.account_id, self.provider_id]

    def perform(self, state: SandboxState) -> JsonObject:
        with state.lock:
            account = account_or_404(state, self.account_id)
            self._check_allowed(account)
            invitation = self._invitation(account)
            account.sent.append(invitation)
            account.sent_count += 1
            landing = crossed_usage_landing(account.sent_count, account.invitation_limit)
        response: JsonObject = {"object": "UserInvitationSent", "invitation_id": invitation.id}
        if landing is not None:
            response["usage"] = landing
        return response

    def _invitation(self, account: Account) -> SentInvitation:
        """Recorded under the user's provider_id, so a cancel by provider_id finds it whether
        the send named them by id or by username (Instagram allows both)."""
        user_id = self._user_id(account)
        username = self.provider_id if user_id != self.provider_id else None
        return SentInvitation(new_id("inv"), user_id, self.user_email, self.message, username)

    def _check_allowed(self, account: Account) -> None:
        if account.provider not in INVITING_PROVIDERS:
            raise ApiError(
                "errors/invalid_account",
                f"{account.provider} accounts cannot send invitations.",
            )
        if self.user_email is not None and account.provider != "LINKEDIN":
            raise invalid_parameters("user_email applies to LinkedIn accounts only.")
        if account.has_pending_invitation_to(self._user_id(account)):
            raise ApiError(
                "errors/already_invited_recently",
                f"An invitation to {self.provider_id} is already pending.",
            )
        if account.sent_count >= account.invitation_limit:
            raise ApiError(
                "errors/limit_exceeded",
                f"This account has sent its {account.invitation_limit} invitations.",
            )

    def _user_id(self, account: Account) -> str:
        """The user's provider_id: on Instagram the send may name them by username."""
        named = self.provider_id
        if account.provider == "INSTAGRAM" and not _INSTAGRAM_PROVIDER_ID.fullmatch(named):
            return instagram_user_id(named)
        return named


def instagram_user_id(username: str) -> str:
    """The provider_id of the Instagram user with this username: a listed one
    (seed.INSTAGRAM_DIRECTORY), else 11 digits derived from the username, the same on every
    run."""
    if username in INSTAGRAM_DIRECTORY:
        return INSTAGRAM_DIRECTORY[username]
    digest = hashlib.sha256(username.encode()).hexdigest()
    return str(int(digest, 16))[:11]


def crossed_usage_landing(sent_count: int, limit: int) -> int | None:
    """The highest landing the usage percentage passed with the latest send, if any.

    Integer arithmetic, so 15 sends of 20 land exactly on 75 rather than near it.
    """
    crossed = [
        landing
        for landing in USAGE_LANDINGS
        if (sent_count - 1) * 100 < landing * limit <= sent_count * 100
    ]
    return max(crossed, default=None)


def read_send_invitation(request: SandboxRequest, path_params: dict[str, str]) -> SendInvitation:
    body = request.json_object()
    reject_unknown_fields(body, SEND_FIELDS)
    provider_id = required_string(body, "provider_id")
    account_id = required_string(body, "account_id")
    message = optional_string(body, "message")
    # len() counts code points, as the provider does: an emoji is one character.
    if message is not None and len(message) > MAX_MESSAGE_CHARACTERS:
        raise ApiError(
            "errors/too_many_characters",
            f"message has {len(message)} characters; the maximum is {MAX_MESSAGE_CHARACTERS}.",
        )
    user_email = optional_string(body, "user_email")
    if user_email is not None and not _EMAIL.fullmatch(user_email):
        raise invalid_parameters("user_email is not an email address.")
    return SendInvitation(account_id, provider_id, user_email, message)


@dataclass(frozen=True)
class CancelSentInvitation:
    invitation_id: str
    account_id: str

    def identifiers(self) -> list[str]:
        return [self.account_id, self.invitation_id]

    def perform(self, state: SandboxState) -> JsonObject:
        with state.lock:
            account = account_or_404(state, self.account_id)
            if account.provider == "INSTAGRAM":
                invitation = self._find_by_provider_id(account)
            else:
                invitation = self._find_by_invitation_id(account)
            account.sent.remove(invitation)
        return {"object": "InvitationCanceled"}

    def _find_by_provider_id(self, account: Account) -> SentInvitation:
        """The docs: on Instagram, the path carries the user's provider_id (from their
        profile), not the invitation id, not a username. The other ids are refused."""
        invitation = account.find_sent_to(self.invitation_id)
        if invitation is not None:
            return invitation
        if account.find_sent(self.invitation_id) is not None:
            raise ApiError(
                "errors/invalid_resource_identifier",
                "On Instagram, cancel with the user's provider_id, not the invitation id.",
            )
        if account.find_sent_by_username(self.invitation_id) is not None:
            raise ApiError(
                "errors/invalid_resource_identifier",
                "On Instagram, cancel with the user's provider_id, not their username.",
            )
        raise not_found(f"No pending invitation to the user {self.invitation_id!r}.")

    def _find_by_invitation_id(self, account: Account) -> SentInvitation:
        invitation = account.find_sent(self.invitation_id)
        if invitation is not None:
            return invitation
        if account.find_sent_to(self.invitation_id) is not None:
            raise ApiError(
                "errors/invalid_resource_identifier",
                f"On {account.provider}, cancel with the invitation id the send returned, "
                "not the user's provider_id.",
            )
        raise not_found(f"No pending sent invitation {self.invitation_id!r}.")


def read_cancel_sent_invitation(
    request: SandboxRequest, path_params: dict[str, str]
) -> CancelSentInvitation:
    return CancelSentInvitation(
        invitation_id=path_params["invitation_id"],
        account_id=request.required_query_value("account_id"),
    )
