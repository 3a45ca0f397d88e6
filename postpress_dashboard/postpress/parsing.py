"""Turning API answers into typed results or errors, checking what the contract requires."""

import math
from typing import Any

import requests

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


def json_body(response: requests.Response) -> Any:
    """The decoded JSON of a successful answer, or a ProtocolError saying what was wrong."""
    if _looks_like_html(response):
        raise ProtocolError(error_type="client/html_response", status=response.status_code)
    try:
        return response.json()
    except ValueError:
        raise ProtocolError(error_type="client/invalid_json", status=response.status_code) from None


def error_from_response(response: requests.Response) -> PostpressError:
    """The error an error answer stands for, with or without the documented envelope."""
    category = category_for_status(response.status_code)
    retry_after = _retry_after(response)
    envelope = _envelope(response)
    if envelope is None:
        error_type = "client/html_response" if _looks_like_html(response) else ""
        return category(error_type=error_type, status=response.status_code, retry_after=retry_after)
    return category(
        error_type=str(envelope["type"]),
        status=response.status_code,
        title=_text(envelope, "title"),
        detail=_text(envelope, "detail"),
        instance=_text(envelope, "instance"),
        retry_after=retry_after,
    )


def invitation_page(body: Any) -> InvitationPage:
    items = _require(body, "items", list)
    cursor = body.get("cursor") or None
    return InvitationPage(items=[_received_invitation(item) for item in items], cursor=cursor)


def invitation_sent(body: Any) -> InvitationSent:
    usage = _require_dict(body).get("usage")
    return InvitationSent(
        invitation_id=_require(body, "invitation_id", str),
        usage=int(usage) if isinstance(usage, int | float) else None,
    )


def invitation_handled(body: Any) -> InvitationHandled:
    return InvitationHandled(status=_require(body, "status", str))


def invitation_canceled(body: Any) -> InvitationCanceled:
    _require(body, "object", str)
    return InvitationCanceled()


def chat_started(body: Any) -> ChatStarted:
    # Both ids are required keys but may be null while the provider has not returned them.
    data = _require_dict(body)
    for key in ("chat_id", "message_id"):
        if key not in data:
            raise _missing_fields()
    return ChatStarted(chat_id=data["chat_id"] or None, message_id=data["message_id"] or None)


def _received_invitation(item: Any) -> ReceivedInvitation:
    specifics = _require_dict(item).get("specifics") or {}
    return ReceivedInvitation(
        id=_require(item, "id", str),
        invited_user=_text(item, "invited_user"),
        invited_user_id=_text(item, "invited_user_id"),
        invited_user_public_id=_text(item, "invited_user_public_id"),
        invited_user_description=_text(item, "invited_user_description"),
        date=_text(item, "date"),
        parsed_datetime=_text(item, "parsed_datetime") or None,
        invitation_text=_text(item, "invitation_text"),
        inviter=_inviter(item.get("inviter")),
        provider=_text(specifics, "provider") or None,
        shared_secret=_text(specifics, "shared_secret") or None,
    )


def _inviter(data: Any) -> Inviter | None:
    if not isinstance(data, dict):
        return None
    return Inviter(
        name=_text(data, "inviter_name"),
        id=_text(data, "inviter_id"),
        public_identifier=_text(data, "inviter_public_identifier"),
        description=_text(data, "inviter_description"),
    )


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


def _text(data: Any, key: str) -> str:
    """A display string: absent or null becomes empty rather than failing the whole page."""
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, str) else ""


def _envelope(response: requests.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict) and isinstance(body.get("type"), str) and body["type"]:
        return body
    return None


def _looks_like_html(response: requests.Response) -> bool:
    content_type = response.headers.get("content-type", "")
    return "html" in content_type or response.text.lstrip()[:1] == "<"


def _retry_after(response: requests.Response) -> float | None:
    # Retry-After in seconds; the HTTP-date form is not used by postpress and is ignored.
    value = response.headers.get("Retry-After", "")
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None
