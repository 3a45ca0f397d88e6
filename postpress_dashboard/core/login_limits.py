"""Failed sign-ins, counted per username and per client address in the shared cache.

The counters live in the cache (Redis in production) so every process and machine sees the
same numbers; `cache.add` then `cache.incr` is atomic there. A username or address over its
limit is refused before the password is even checked, until its window runs out.
"""

import hashlib
import math

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

_PREFIX = "login-failures"


def client_address(request: HttpRequest) -> str:
    """The client's address: the peer, or the entry the trusted proxies added to X-Forwarded-For."""
    trusted = settings.TRUSTED_PROXY_COUNT
    forwarded = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",")]
    forwarded = [hop for hop in forwarded if hop]
    if trusted and len(forwarded) >= trusted:
        # Each trusted proxy appended the address it saw; anything before that is the client's
        # own claim and could be forged.
        return forwarded[-trusted]
    return str(request.META.get("REMOTE_ADDR", ""))


def _counter_key(kind: str, value: str) -> str:
    # Hashed, so no username or address is stored in the cache as typed.
    return f"{_PREFIX}:{kind}:{hashlib.sha256(value.encode()).hexdigest()}"


def _username_key(username: str) -> str:
    return _counter_key("username", username.strip().lower())


def _counters(request: HttpRequest, username: str) -> list[tuple[str, int]]:
    """Each counter a failed sign-in adds to, with its limit."""
    return [
        (_username_key(username), settings.LOGIN_FAILURES_PER_USERNAME),
        (_counter_key("address", client_address(request)), settings.LOGIN_FAILURES_PER_ADDRESS),
    ]


def login_blocked(request: HttpRequest, username: str) -> bool:
    counters = _counters(request, username)
    counts = cache.get_many([key for key, _ in counters])
    return any(counts.get(key, 0) >= limit for key, limit in counters)


def login_refusal_message() -> str:
    minutes = math.ceil(settings.LOGIN_FAILURE_WINDOW / 60)
    return (
        "Too many failed sign-ins for this username or from this address. "
        f"Wait {minutes} minute{'s' if minutes != 1 else ''}, then try again."
    )


def login_failure_record(request: HttpRequest, username: str) -> None:
    for key, _ in _counters(request, username):
        # The window starts at the first failure and is not extended by later ones.
        cache.add(key, 0, timeout=settings.LOGIN_FAILURE_WINDOW)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr: count this failure afresh
            cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW)


def login_success_record(request: HttpRequest, username: str) -> None:
    """A correct password clears the username's count (never the address's)."""
    cache.delete(_username_key(username))
