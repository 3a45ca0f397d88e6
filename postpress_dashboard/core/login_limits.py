"""Sign-in attempts, counted in the shared cache so that knowing a username is not enough to
lock its owner out (docs/deployment.md, "Login limits"; OWASP's Authentication Cheat Sheet).

Three counters per window (which starts at a counter's first attempt), and one gate:

- per username *and* client address: blocks (LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS). Guessing
  one person's password from one address stops there, and it stops only that address;
- per client address: blocks (LOGIN_FAILURES_PER_ADDRESS), whatever usernames it tries. Failed
  sign-ups through an invite link count here too (teams/views.py::join_sign_up);
- per username, from anywhere: never blocks by itself, but once a username has failed
  LOGIN_SLOWDOWN_AFTER times, its password is checked at most once per N seconds for addresses
  it never signed in from (the gate). N starts at LOGIN_SLOWDOWN_FIRST_SECONDS and doubles with
  each further failure up to LOGIN_SLOWDOWN_MAX_SECONDS, in whole seconds. An attempt that finds
  the gate closed is refused at once ("try again in N seconds"), its password unchecked and its
  counts taken back: it holds no worker and costs its sender nothing but the wait. The owner
  signing in from an address they signed in from before never meets the gate.

A client address is the IPv4 address, or the /64 network of an IPv6 address (one subscriber
usually has a whole /64, so counting single IPv6 addresses would give them unlimited ones).

Usernames are counted as Django's sign-in form reads them (stripped, NFKC) and case-folded, so
a look-alike (a full-width letter) that signs in as a user is counted as that user. The cache
keeps hashes only. Each attempt is counted, in atomic increments (and the gate taken with an
atomic add), before its password is checked, so guesses sent in parallel cannot slip under a
limit; a refused attempt's password is never checked; a correct password takes its attempt
back.
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
# How long an address that signed in as a username stays known for it (no gate).
KNOWN_ADDRESS_SECONDS = 90 * 24 * 60 * 60
IPV6_CLIENT_PREFIX = 64


@dataclass(frozen=True)
class LoginDecision:
    allowed: bool
    # Why not, in words for the person, and after how many seconds to try again.
    refusal: str = ""
    retry_after: int = 0

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = LoginDecision(True)


def now() -> float:
    """The clock the gate reads. Tests replace it: nothing in the suite waits."""
    return time.time()


def normalized_username(username: str) -> str:
    """The username as the sign-in form reads it (stripped, then NFKC, as Django's
    UsernameField and normalize_username do), case-folded: the key every count is made under."""
    form_reads = unicodedata.normalize("NFKC", username.strip())
    return unicodedata.normalize("NFKC", form_reads.casefold())


def client_address(request: HttpRequest) -> str:
    """The client, as the limits count it: the peer's address, or, when the peer is one of
    TRUSTED_PROXIES, the last X-Forwarded-For entry that no trusted proxy added (anything before
    it is the client's own claim, and could be forged). An IPv6 address counts as its /64."""
    peer = str(request.META.get("REMOTE_ADDR", ""))
    if not _trusted_proxy(peer):
        return _counted(peer)
    forwarded = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",")]
    for hop in reversed([hop for hop in forwarded if hop]):
        if not _trusted_proxy(hop):
            return _counted(hop)
    return _counted(peer)


def _counted(address: str) -> str:
    """An IPv4 address as it is (also when written IPv4-mapped, ::ffff:192.0.2.1); an IPv6
    address as its /64 network."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(ip), IPV6_CLIENT_PREFIX), strict=False))
    return str(ip)


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


def gate_key(username: str) -> str:
    """The cache key of a username's gate (present: closed)."""
    return _key("gate", normalized_username(username))


@dataclass(frozen=True)
class _Keys:
    pair: str  # this username from this address
    address: str
    username: str  # this username from anywhere
    known: str  # this address signed in as this username before
    gate: str  # this username's next password check, from addresses not known for it

    @classmethod
    def of(cls, request: HttpRequest, username: str) -> "_Keys":
        name, address = normalized_username(username), client_address(request)
        return cls(
            pair=_key("pair", name, address),
            address=_key("address", address),
            username=_key("username", name),
            known=_key("known", name, address),
            gate=gate_key(username),
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


def _take_back(*keys: str) -> None:
    for key in keys:
        with contextlib.suppress(ValueError):  # the window ran out meanwhile
            cache.decr(key)


def gate_seconds(failures: int) -> int:
    """How long the gate stays closed after a password check at a username that already failed
    this often (0: no gate yet). Whole seconds, as the refusal says them."""
    over = failures - settings.LOGIN_SLOWDOWN_AFTER
    if over < 0:
        return 0
    first = settings.LOGIN_SLOWDOWN_FIRST_SECONDS
    seconds = min(settings.LOGIN_SLOWDOWN_MAX_SECONDS, first * 2 ** min(over, 32))
    return max(1, math.ceil(seconds))


def login_attempt_allowed(*, request: HttpRequest, username: str) -> LoginDecision:
    """Counts this attempt; refused when this address is over either blocking limit, or when
    the username's gate is closed for this address; else allowed: check the password."""
    keys = _Keys.of(request, username)
    within_pair = _increment(keys.pair) <= settings.LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS
    within_address = _increment(keys.address) <= settings.LOGIN_FAILURES_PER_ADDRESS
    if not (within_pair and within_address):
        # Not counted against the username: one address's refused attempts slow nobody down.
        window = settings.LOGIN_FAILURE_WINDOW
        return LoginDecision(False, address_refusal_message("sign-ins"), window)
    earlier_failures = _increment(keys.username) - 1
    if cache.get(keys.known):
        return ALLOWED
    seconds = gate_seconds(earlier_failures)
    if not seconds:
        return ALLOWED
    if _gate_taken(keys.gate, opens_at=now() + seconds):
        return ALLOWED  # this attempt's password is checked; the next waits `seconds`
    # The gate is closed: no password check, so not a failure anywhere.
    _take_back(keys.pair, keys.address, keys.username)
    closed_until = cache.get(keys.gate)
    wait = max(1, math.ceil((closed_until if closed_until is not None else now()) - now()))
    return LoginDecision(False, gate_refusal_message(wait), wait)


def _gate_taken(gate: str, *, opens_at: float) -> bool:
    """Take the username's gate when it is open, closing it until `opens_at`; False when it
    is closed. When it opens is the value stored, on the clock `now()` reads (the cache's own
    expiry only clears it away later), and each opening is taken by one attempt only: the first
    to add its claim for that moment."""
    keep = max(settings.LOGIN_FAILURE_WINDOW, 2 * settings.LOGIN_SLOWDOWN_MAX_SECONDS)
    if cache.add(gate, opens_at, timeout=keep):
        return True
    closed_until = cache.get(gate)
    if closed_until is not None and now() < closed_until:
        return False
    if not cache.add(f"{gate}:taken:{closed_until}", True, timeout=keep):
        return False  # another attempt took this opening a moment earlier
    cache.set(gate, opens_at, timeout=keep)
    return True


def login_success_record(*, request: HttpRequest, username: str) -> None:
    """A correct password clears this address's count for the username, takes back its attempt
    from the address's and the username's counts (many people signing in from one office lock
    nothing), and makes the address known for the username."""
    keys = _Keys.of(request, username)
    cache.delete(keys.pair)
    _take_back(keys.address, keys.username)
    cache.set(keys.known, 1, timeout=KNOWN_ADDRESS_SECONDS)


def sign_up_attempt_allowed(*, request: HttpRequest) -> LoginDecision:
    """Counts a sign-up through an invite link against the address, as a sign-in: refused when
    the address is over LOGIN_FAILURES_PER_ADDRESS (failed sign-ins and sign-ups together)."""
    if _increment(_key("address", client_address(request))) <= settings.LOGIN_FAILURES_PER_ADDRESS:
        return ALLOWED
    window = settings.LOGIN_FAILURE_WINDOW
    return LoginDecision(False, address_refusal_message("sign-ins and sign-ups"), window)


def sign_up_success_record(*, request: HttpRequest) -> None:
    """An account made takes its attempt back from the address's count."""
    _take_back(_key("address", client_address(request)))


def address_refusal_message(attempts: str) -> str:
    minutes = math.ceil(settings.LOGIN_FAILURE_WINDOW / 60)
    return (
        f"Too many failed {attempts} from your address. "
        f"Wait {minutes} minute{'s' if minutes != 1 else ''}, then try again."
    )


def login_refusal_message() -> str:
    return address_refusal_message("sign-ins")


def gate_refusal_message(seconds: int) -> str:
    return (
        "This username has failed to sign in many times recently, so its password is checked "
        "only now and then from a new address. "
        f"Try again in {seconds} second{'s' if seconds != 1 else ''}."
    )
