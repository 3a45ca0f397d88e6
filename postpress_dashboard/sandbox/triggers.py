"""Deterministic failures, chosen by the identifiers a request carries.

An identifier (account id, provider id, attendee id, invitation id in the path) containing
`err_<name>` makes the sandbox answer in a known way, so every documented error and every
broken-server behaviour can be shown in the demo and exercised in tests:

- `err_<type>` for each documented `errors/<type>`: that error with its documented status.
  A 429 carries `Retry-After: 2`; `err_too_many_requests_wait_<N>` makes it N seconds.
- `err_html`: 502 with an HTML page, as a proxy in front of the API would answer.
- `err_invalid_json`: the success status with a truncated JSON body.
- `err_missing_fields`: the success status with JSON lacking the endpoint's required fields.
- `err_slow_<ms>`: wait that many milliseconds, then answer normally.
- `err_reset`: close the connection without any response.

The longest name wins: `err_invalid_credentials_but_valid_account_imap` is that type, not
`errors/invalid_credentials`. A name must end the identifier or be followed by a character
that is not a letter or digit, so `err_provider_error_01` triggers and `err_reseted` does not.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from postpress_dashboard.postpress.documented_errors import DOCUMENTED_ERROR_STATUSES

TRIGGER_PREFIX = "err_"
DEFAULT_RETRY_AFTER_SECONDS = 2
# A typo such as err_slow_9999999 should not park a server thread for days.
MAX_DELAY_MS = 300_000


@dataclass(frozen=True)
class DocumentedError:
    error_type: str
    status: int
    retry_after_seconds: int | None = None


@dataclass(frozen=True)
class Delay:
    milliseconds: int


class BrokenResponse(Enum):
    HTML = "html"
    INVALID_JSON = "invalid_json"
    MISSING_FIELDS = "missing_fields"
    RESET = "reset"


Trigger = DocumentedError | Delay | BrokenResponse

_DOCUMENTED_TYPES = {
    error_type.removeprefix("errors/"): error_type for error_type in DOCUMENTED_ERROR_STATUSES
}
_BROKEN_RESPONSES = {broken.value: broken for broken in BrokenResponse}
# Longest first, so the first name that matches is the longest one.
_NAMES = sorted([*_DOCUMENTED_TYPES, *_BROKEN_RESPONSES], key=len, reverse=True)
_DELAY = re.compile(r"slow_(\d+)")
_WAIT = re.compile(r"_wait_(\d+)")


def find_triggers(identifiers: Iterable[str]) -> list[Trigger]:
    return [trigger for identifier in identifiers if (trigger := find_trigger(identifier))]


def find_trigger(identifier: str) -> Trigger | None:
    start = identifier.find(TRIGGER_PREFIX)
    while start != -1:
        trigger = _trigger_at_start(identifier[start + len(TRIGGER_PREFIX) :])
        if trigger is not None:
            return trigger
        start = identifier.find(TRIGGER_PREFIX, start + 1)
    return None


def _trigger_at_start(text: str) -> Trigger | None:
    delay = _DELAY.match(text)
    if delay and _ends_a_name(text, delay.end()):
        return Delay(min(int(delay.group(1)), MAX_DELAY_MS))
    name = next((n for n in _NAMES if text.startswith(n) and _ends_a_name(text, len(n))), None)
    if name is None:
        return None
    if name in _BROKEN_RESPONSES:
        return _BROKEN_RESPONSES[name]
    return _documented_error(_DOCUMENTED_TYPES[name], text[len(name) :])


def _documented_error(error_type: str, rest: str) -> DocumentedError:
    status = DOCUMENTED_ERROR_STATUSES[error_type]
    if status != 429:
        return DocumentedError(error_type, status)
    wait = _WAIT.match(rest)
    if wait and _ends_a_name(rest, wait.end()):
        return DocumentedError(error_type, status, int(wait.group(1)))
    return DocumentedError(error_type, status, DEFAULT_RETRY_AFTER_SECONDS)


def _ends_a_name(text: str, end: int) -> bool:
    return end == len(text) or not text[end].isalnum()
