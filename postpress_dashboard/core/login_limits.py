"""Sign-in attempts, counted in the shared cache so that knowing a username is not enough to
lock its owner out (docs/deployment.md, "Login limits"; OWASP's Authentication Cheat Sheet).

Three counters per window (which starts at a counter's first attempt):

- per username *and* client address: blocks (LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS). Guessing
  one person's password from one address stops there, and it stops only that address;
- per client address: blocks (LOGIN_FAILURES_PER_ADDRESS), whatever usernames it tries;
- per username, from anywhere: never blocks. Once a username has failed
  LOGIN_SLOWDOWN_AFTER times, each further attempt at it waits before its password is checked,
  the wait doubling with each failure up to LOGIN_SLOWDOWN_MAX_SECONDS, unless it comes from an
  address the username signed in from before. The owner with the right password still gets in:
  at once from their own address, after the wait from a new one.

Usernames are counted as Django's sign-in form reads them (stripped, NFKC) and case-folded, so
a look-alike (a full-width letter) that signs in as a user is counted as that user. The cache
keeps hashes only. Each attempt is counted, in atomic increments, before its password is
checked, so guesses sent in parallel cannot slip under a limit; a refused attempt's password is
never checked; a correct password takes its attempt back.
"""

import contextlib
import hashlib
import ipaddress
import math
import time
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

_PREFIX = "login-attempts"
# How long an address that signed in as a username stays known for it (not slowed down).
KNOWN_ADDRESS_SECONDS = 90 * 24 * 60 * 60


@dataclass(frozen=True)
class LoginDecision:
    allowed: bool
    # Seconds to wait before the password is checked (0: none). The caller waits, with pause().
    delay: float = 0.0

    def __bool__(self) -> bool:
        return self.allowed


def pause(seconds: float) -> None:
    """The slow-down's wait. Tests replace it: nothing in the suite really sleeps."""
    time.sleep(seconds)


def normalized_username(username: str) -> str:
    """The username as the sign-in form reads it (stripped, then NFKC, as Django's
    UsernameField and normalize_username do), case-folded: the key every count is made under."""
    form_reads = unicodedata.normalize("NFKC", username.strip())
    return unicodedata.normalize("NFKC", form_reads.casefold())


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


def _key(kind: str, *values: str) -> str:
    # Hashed, so no username or address is stored in the cache as typed.
    digest = hashlib.sha256("\0".join(values).encode()).hexdigest()
    return f"{_PREFIX}:{kind}:{digest}"


@dataclass(frozen=True)
class _Keys:
    pair: str  # this username from this address
    address: str
    username: str  # this username from anywhere
    known: str  # this address signed in as this username before

    @classmethod
    def of(cls, request: HttpRequest, username: str) -> "_Keys":
        name, address = normalized_username(username), client_address(request)
        return cls(
            pair=_key("pair", name, address),
            address=_key("address", address),
            username=_key("username", name),
            known=_key("known", name, address),
        )


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


def slowdown(failures: int) -> float:
    """The wait before checking a password for a username that already failed this often."""
    over = failures - settings.LOGIN_SLOWDOWN_AFTER
    if over < 0:
        return 0.0
    first = settings.LOGIN_SLOWDOWN_FIRST_SECONDS
    return float(min(settings.LOGIN_SLOWDOWN_MAX_SECONDS, first * 2 ** min(over, 32)))


def login_attempt_allowed(*, request: HttpRequest, username: str) -> LoginDecision:
    """Counts this attempt; refused when this address is over either blocking limit, else
    allowed, after a wait when the username is failing from many places."""
    keys = _Keys.of(request, username)
    within_pair = _increment(keys.pair) <= settings.LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS
    within_address = _increment(keys.address) <= settings.LOGIN_FAILURES_PER_ADDRESS
    if not (within_pair and within_address):
        # Not counted against the username: one address's refused attempts slow nobody down.
        return LoginDecision(False)
    earlier_failures = _increment(keys.username) - 1
    if cache.get(keys.known):
        return LoginDecision(True)
    return LoginDecision(True, slowdown(earlier_failures))


def login_success_record(*, request: HttpRequest, username: str) -> None:
    """A correct password clears this address's count for the username, takes back its attempt
    from the address's and the username's counts (many people signing in from one office lock
    nothing), and makes the address known for the username."""
    keys = _Keys.of(request, username)
    cache.delete(keys.pair)
    for key in (keys.address, keys.username):
        with contextlib.suppress(ValueError):  # the window ran out meanwhile
            cache.decr(key)
    cache.set(keys.known, 1, timeout=KNOWN_ADDRESS_SECONDS)


def login_refusal_message() -> str:
    minutes = math.ceil(settings.LOGIN_FAILURE_WINDOW / 60)
    return (
        "Too many failed sign-ins from your address. "
        f"Wait {minutes} minute{'s' if minutes != 1 else ''}, then try again."
    )
