"""Sign-in attempts, counted per username and per client address in the shared cache.

The counters live in the cache (Redis in production), so every process and machine sees the
same numbers. Each attempt is counted before its password is checked, in one atomic
increment, so guesses sent in parallel cannot all slip under the limit; a correct password
takes its attempt back. A username or address over its limit is refused without checking the
password until its window (which starts at its first attempt) runs out.
"""

import contextlib
import hashlib
import ipaddress
import math

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

_PREFIX = "login-attempts"


def client_address(request: HttpRequest) -> str:
    """The client's address: the peer's, or, when the peer is one of TRUSTED_PROXIES, the last
    X-Forwarded-For entry that no trusted proxy added (anything before it is the client's own
    claim, and could be forged)."""
    peer = str(request.META.get("REMOTE_ADDR", ""))
    if not _trusted_proxy(peer):
        return peer
    forwarded = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",")]
    for hop in reversed([hop for hop in forwarded if hop]):
        if not _trusted_proxy(hop):
            return hop
    return peer


def _trusted_proxy(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net) for net in settings.TRUSTED_PROXIES)


def _counter_key(kind: str, value: str) -> str:
    # Hashed, so no username or address is stored in the cache as typed.
    return f"{_PREFIX}:{kind}:{hashlib.sha256(value.encode()).hexdigest()}"


def _username_key(username: str) -> str:
    return _counter_key("username", username.strip().lower())


def _address_key(request: HttpRequest) -> str:
    return _counter_key("address", client_address(request))


def _increment(key: str) -> int:
    window = settings.LOGIN_FAILURE_WINDOW
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: this attempt starts a new window
        cache.add(key, 1, timeout=window)
        return 1
    if count == 1:
        # The first of a window: make sure it expires even if the key vanished between the
        # cache's existence check and its increment (Redis would then keep it for good).
        cache.touch(key, timeout=window)
    return count


def login_attempt_allowed(*, request: HttpRequest, username: str) -> bool:
    """Counts this attempt against both limits; False when either is passed."""
    within_username = _increment(_username_key(username)) <= settings.LOGIN_FAILURES_PER_USERNAME
    within_address = _increment(_address_key(request)) <= settings.LOGIN_FAILURES_PER_ADDRESS
    return within_username and within_address


def login_success_record(*, request: HttpRequest, username: str) -> None:
    """A correct password clears the username's count and takes back its attempt from the
    address's (so many people signing in from one office do not lock it)."""
    cache.delete(_username_key(username))
    with contextlib.suppress(ValueError):  # the window ran out meanwhile
        cache.decr(_address_key(request))


def login_refusal_message() -> str:
    minutes = math.ceil(settings.LOGIN_FAILURE_WINDOW / 60)
    return (
        "Too many failed sign-ins for this username or from this address. "
        f"Wait {minutes} minute{'s' if minutes != 1 else ''}, then try again."
    )
