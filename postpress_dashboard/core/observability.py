"""Request ids and structured logs.

Every request gets an id (the load balancer's X-Request-ID when it sends a sane one), which is
echoed in the response, attached to every log record written while the request runs, and
logged once more with the outcome when the response leaves.
"""

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse

REQUEST_ID_HEADER = "X-Request-ID"
# Accepted from upstream only when it cannot smuggle anything into a log line or a header.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
_request_id: ContextVar[str] = ContextVar("request_id", default="-")

request_logger = logging.getLogger("postpress_dashboard.request")

# Attributes every LogRecord has; anything else was passed in `extra` and belongs in the JSON.
_STANDARD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime"}
)


def current_request_id() -> str:
    return _request_id.get()


def _incoming_request_id(request: HttpRequest) -> str:
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    return offered if _SAFE_REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = _incoming_request_id(request)
        token = _request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            _log_outcome(request, response.status_code, started)
            return response
        finally:
            _request_id.reset(token)


def _log_outcome(request: HttpRequest, status: int, started: float) -> None:
    user = getattr(request, "user", None)
    team = getattr(request, "team", None)
    # The path only: a query string could carry what a person typed.
    path = loggable_path(request)
    request_logger.info(
        "%s %s %s",
        escape_control_characters(str(request.method)),
        escape_control_characters(path),
        status,
        extra={
            "method": request.method,
            "path": path,
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            "user_id": user.pk if user is not None and user.is_authenticated else None,
            "team_id": team.pk if team is not None else None,
        },
    )


# An invite link's path (teams/urls.py: join/<token>/...), for a path no URL matched, such as
# a mistyped /join/<token>/sign-up.
_JOIN_TOKEN = re.compile(r"(/join/)[^/]+")


def loggable_path(request: HttpRequest) -> str:
    """The request's path with a `token` URL keyword (a team's invite link) masked: a log
    line must not hand out what works as a key."""
    token = _path_token(request)
    return request.path.replace(token, "[token]") if token else request.path


def _path_token(request: HttpRequest) -> str:
    """The secret in the request's path, or ""."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return str(match.kwargs.get("token") or "")
    found = _JOIN_TOKEN.search(request.path)
    return found.group()[len(found.group(1)) :] if found else ""


class PathTokenFilter(logging.Filter):
    """Masks an invite link's token in any record about a request: Django's own warnings
    ("Bad Request: /join/<token>/sign-up/", "Not Found: ...", "Forbidden (CSRF ...): ...")
    put the raw path in their arguments and the request in `extra`. Set on the django.request
    logger (for any handler an operator adds) and on the console handler (which also sees
    django.security.* records)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        token = _path_token(request) if isinstance(request, HttpRequest) else ""
        if token:
            # Django escapes a message's arguments (unicode_escape): mask that form too.
            forms = {token, token.encode("unicode_escape").decode("ascii")}

            def masked(value: object) -> object:
                if not isinstance(value, str):
                    return value
                for form in forms:
                    value = value.replace(form, "[token]")
                return value

            record.msg = masked(record.msg)
            if isinstance(record.args, tuple):
                record.args = tuple(masked(arg) for arg in record.args)
        return True


# Line breaks and other control characters: C0, DEL, C1, and Unicode's line and paragraph
# separators. Escaping them twice changes nothing, so a message escaped by its writer (the
# request line) is not mangled by the text format escaping it again.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape_control_characters(text: str) -> str:
    """The text on one line: control characters as \\xNN (or \\uNNNN) escapes. What a
    request carries (its path, a typed value) can then forge no log line."""
    return _CONTROL_CHARACTERS.sub(_escaped, text)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class TextFormatter(logging.Formatter):
    """The local, human-readable format: one line per record (a traceback follows on its own
    lines), with the message's control characters escaped."""

    def __init__(self, fmt: str | None = None, **kwargs: Any) -> None:
        super().__init__(fmt or TEXT_FORMAT, **kwargs)

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = escape_control_characters(record.message)
        return super().formatMessage(record)


class RequestIdFilter(logging.Filter):
    """Stamps each record with the id of the request it was written in ("-" outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and any extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", current_request_id()),
        }
        for key, value in vars(record).items():
            # Plain values only: Django passes the request object itself, whose text shows the
            # query string.
            if key not in _STANDARD_ATTRIBUTES and key not in entry and _is_plain(value):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def _is_plain(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool)
