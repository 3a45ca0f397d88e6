"""Turning API answers into typed results or errors: the one validation boundary.

Nothing the API sends reaches a page or the database without passing through here, so a
malformed answer fails one call in the catalogue's words instead of a page (a 500) or a row:

- JSON that cannot be decoded, nested too deeply for the decoder (RecursionError) or not
  UTF-8 is ``client/invalid_json``;
- display strings lose lone surrogates and control characters (tabs and line breaks stay) and
  are cut to ``MAX_NAME_LENGTH`` (names: the database column) or ``MAX_TEXT_LENGTH``;
- ids are 1 to ``MAX_ID_LENGTH`` printable characters without whitespace. A list item whose id
  is invalid is dropped, as is a second item with the same id; an invalid id in a single-object
  answer (send's ``invitation_id``, start-chat's ids) is ``client/invalid_fields``. Optional ids
  and tokens (a person's provider id, a shared secret, the cursor) become empty when invalid;
- a list holding more items than were asked for is ``client/too_many_items``;
- ``usage`` counts only as a finite number from 0 to 100, otherwise it is None;
- an error envelope counts only when its ``type`` looks like a type (at most
  ``MAX_TYPE_LENGTH`` printable ASCII characters without spaces); its title, detail and
  instance are cleaned and cut like display strings and ids;
- ``Retry-After`` is a number of seconds, at most ``MAX_RETRY_AFTER`` (one day).
"""

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from postpress_dashboard.postpress.errors import PostpressError, ProtocolError, category_for_status
from postpress_dashboard.postpress.schemas import (
    ChatStarted,
    InvitationCanceled,
    InvitationHandled,
    InvitationPage,
    InvitationSent,
    Inviter,
    ReceivedInvitation,
)

MAX_ID_LENGTH = 200  # the invitation id columns
MAX_NAME_LENGTH = 300  # the inviter name column
MAX_TEXT_LENGTH = 2000  # any other display text
MAX_TOKEN_LENGTH = 2000  # opaque values sent back as they are: shared secrets, cursors
MAX_TYPE_LENGTH = 100  # the error type columns
MAX_RETRY_AFTER = 24 * 60 * 60.0  # seconds: a longer wait is said as a day

# Control characters but tab and line feed, and lone surrogates (pairs are joined by json).
_UNSAFE_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_ERROR_TYPE = re.compile(rf"[!-~]{{1,{MAX_TYPE_LENGTH}}}")


@dataclass(frozen=True)
class Answer:
    """An answer as the client read it: its status, headers and (bounded) body."""

    status: int
    headers: Mapping[str, str]  # requests' case-insensitive headers
    body: bytes


def json_body(answer: Answer) -> Any:
    """The decoded JSON of a successful answer, or a ProtocolError saying what was wrong."""
    if _looks_like_html(answer):
        raise ProtocolError(error_type="client/html_response", status=answer.status)
    try:
        return _decoded(answer.body)
    except ValueError:
        raise ProtocolError(error_type="client/invalid_json", status=answer.status) from None


def error_from_answer(answer: Answer) -> PostpressError:
    """The error an error answer stands for, with or without the documented envelope."""
    category = category_for_status(answer.status)
    retry_after = retry_after_seconds(answer.headers.get("Retry-After", ""))
    envelope = _envelope(answer)
    if envelope is None:
        error_type = "client/html_response" if _looks_like_html(answer) else ""
        return category(error_type=error_type, status=answer.status, retry_after=retry_after)
    return category(
        error_type=envelope["type"],
        status=answer.status,
        title=_text(envelope, "title", MAX_NAME_LENGTH),
        detail=_text(envelope, "detail", MAX_TEXT_LENGTH),
        instance=_optional_id(envelope, "instance"),
        retry_after=retry_after,
    )


def retry_after_seconds(value: str) -> float | None:
    """Retry-After in seconds, at most a day; None when absent or not a real wait.

    The HTTP-date form is not used by postpress and is ignored.
    """
    try:
        seconds = float(value)
    except ValueError:
        return None
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return min(seconds, MAX_RETRY_AFTER)


def invitation_page(body: Any, *, max_items: int) -> InvitationPage:
    items = _require(body, "items", list)
    if len(items) > max_items:
        raise ProtocolError(error_type="client/too_many_items")
    invitations: list[ReceivedInvitation] = []
    seen: set[str] = set()
    for item in items:
        invitation = _received_invitation(item)
        if invitation is not None and invitation.id not in seen:
            seen.add(invitation.id)
            invitations.append(invitation)
    cursor = _token(body, "cursor") or None
    return InvitationPage(items=invitations, cursor=cursor)


def invitation_sent(body: Any) -> InvitationSent:
    return InvitationSent(
        invitation_id=_required_id(body, "invitation_id"),
        usage=_usage(_require_dict(body).get("usage")),
    )


def invitation_handled(body: Any) -> InvitationHandled:
    status = _clean(_require(body, "status", str), MAX_TYPE_LENGTH)
    if not status:
        raise _invalid_fields()
    return InvitationHandled(status=status)


def invitation_canceled(body: Any) -> InvitationCanceled:
    _require(body, "object", str)
    return InvitationCanceled()


def chat_started(body: Any) -> ChatStarted:
    # Both ids are required keys but may be null while the provider has not returned them.
    data = _require_dict(body)
    for key in ("chat_id", "message_id"):
        if key not in data:
            raise _missing_fields()
    return ChatStarted(
        chat_id=_nullable_id(data["chat_id"]), message_id=_nullable_id(data["message_id"])
    )


def _received_invitation(item: Any) -> ReceivedInvitation | None:
    """The invitation, or None when its id is present but unusable (the item is dropped)."""
    invitation_id = _valid_id(_require(item, "id", str))
    if invitation_id is None:
        return None
    specifics = item.get("specifics")
    return ReceivedInvitation(
        id=invitation_id,
        invited_user=_text(item, "invited_user", MAX_NAME_LENGTH),
        invited_user_id=_optional_id(item, "invited_user_id"),
        invited_user_public_id=_optional_id(item, "invited_user_public_id"),
        invited_user_description=_text(item, "invited_user_description", MAX_TEXT_LENGTH),
        date=_text(item, "date", MAX_TEXT_LENGTH),
        parsed_datetime=_text(item, "parsed_datetime", MAX_TEXT_LENGTH) or None,
        invitation_text=_text(item, "invitation_text", MAX_TEXT_LENGTH),
        inviter=_inviter(item.get("inviter")),
        provider=_text(specifics, "provider", MAX_TYPE_LENGTH) or None,
        shared_secret=_token(specifics, "shared_secret") or None,
    )


def _inviter(data: Any) -> Inviter | None:
    if not isinstance(data, dict):
        return None
    return Inviter(
        name=_text(data, "inviter_name", MAX_NAME_LENGTH),
        id=_optional_id(data, "inviter_id"),
        public_identifier=_optional_id(data, "inviter_public_identifier"),
        description=_text(data, "inviter_description", MAX_TEXT_LENGTH),
    )


def _usage(value: Any) -> int | None:
    """Percent of the provider's limit: a finite number from 0 to 100, else unknown."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or not 0 <= value <= 100:
        return None
    return int(value)


# --- ids and strings -------------------------------------------------------------------------


def _valid_id(value: Any, max_length: int = MAX_ID_LENGTH) -> str | None:
    """``value`` when it is 1 to ``max_length`` printable characters without whitespace."""
    if not isinstance(value, str) or not 1 <= len(value) <= max_length:
        return None
    # A printable character that is whitespace can only be the space (every other is a
    # separator or a control, which isprintable refuses): two scans in C instead of a loop
    # over each character in Python, which cost a 100-row page a few milliseconds.
    if not value.isprintable() or " " in value:
        return None
    return value


def _required_id(body: Any, key: str) -> str:
    valid = _valid_id(_require(body, key, str))
    if valid is None:
        raise _invalid_fields()
    return valid


def _nullable_id(value: Any) -> str | None:
    if value is None or value == "":
        return None
    valid = _valid_id(value)
    if valid is None:
        raise _invalid_fields()
    return valid


def _optional_id(data: Any, key: str) -> str:
    value = data.get(key) if isinstance(data, dict) else None
    return _valid_id(value) or ""


def _token(data: Any, key: str) -> str:
    value = data.get(key) if isinstance(data, dict) else None
    return _valid_id(value, MAX_TOKEN_LENGTH) or ""


def _text(data: Any, key: str, max_length: int) -> str:
    """A display string: absent or null becomes empty rather than failing the whole page."""
    value = data.get(key) if isinstance(data, dict) else None
    return _clean(value, max_length) if isinstance(value, str) else ""


def _clean(value: str, max_length: int) -> str:
    return _UNSAFE_CHARACTERS.sub("", value)[:max_length]


# --- shapes ----------------------------------------------------------------------------------


def _require_dict(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise _missing_fields()
    return body


def _require[T](body: Any, key: str, kind: type[T]) -> T:
    value = _require_dict(body).get(key)
    if not isinstance(value, kind) or value == "":
        raise _missing_fields()
    return value


def _missing_fields() -> ProtocolError:
    return ProtocolError(error_type="client/missing_fields")


def _invalid_fields() -> ProtocolError:
    return ProtocolError(error_type="client/invalid_fields")


def _decoded(body: bytes) -> Any:
    """json.loads, with nesting too deep for the decoder reported as the ValueError it is."""
    try:
        return json.loads(body)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def _envelope(answer: Answer) -> dict[str, Any] | None:
    try:
        body = _decoded(answer.body)
    except ValueError:
        return None
    error_type = body.get("type") if isinstance(body, dict) else None
    if isinstance(error_type, str) and _ERROR_TYPE.fullmatch(error_type):
        return body  # type: ignore[no-any-return]
    return None


def _looks_like_html(answer: Answer) -> bool:
    content_type = answer.headers.get("content-type", "")
    return "html" in content_type or answer.body.lstrip()[:1] == b"<"
