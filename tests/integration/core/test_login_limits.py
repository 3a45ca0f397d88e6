"""Sign-in attempts are limited per username from one address and per address (both block),
and gated for a username failing from many addresses (one password check per few seconds from
addresses it never signed in from), in the shared cache."""

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.contrib.auth import forms
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.db import connection
from django.test import Client, RequestFactory, override_settings

from postpress_dashboard.core import login_limits, views

ALICE_PASSWORD = "alice-password-1"
REFUSAL = "Too many failed sign-ins from your address."


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


class Clock:
    """The gate's clock, moved by hand: nothing in the suite waits."""

    def __init__(self) -> None:
        self.time = 1_000_000.0

    def __call__(self) -> float:
        return self.time

    def pass_seconds(self, seconds: float) -> None:
        """Time passes for the gate, which opens by this clock, not by the cache's expiry."""
        self.time += seconds


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(login_limits, "now", fake)
    return fake


@pytest.fixture
def password_checks() -> Iterator[list[str]]:
    """The usernames whose password was checked and found wrong."""
    checked: list[str] = []

    def record(sender: object, credentials: dict[str, str], **kwargs: object) -> None:
        checked.append(credentials.get("username", ""))

    user_login_failed.connect(record, dispatch_uid="test-login-limits")
    yield checked
    user_login_failed.disconnect(dispatch_uid="test-login-limits")


def sign_in(client: Client, username: str, password: str, **extra: str) -> int:
    return client.post("/login/", {"username": username, "password": password}, **extra).status_code


@override_settings(LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS=3)
def test_a_username_is_refused_from_the_address_that_failed_even_with_the_right_password(
    client: Client, alice: User, password_checks: list[str]
) -> None:
    assert [sign_in(client, "alice", "wrong") for _ in range(3)] == [200, 200, 200]
    response = client.post("/login/", {"username": "alice", "password": ALICE_PASSWORD})
    page = response.content.decode()
    assert response.status_code == 429
    assert REFUSAL in page
    assert "Wait 15 minutes, then try again." in page
    assert 'value="alice"' in page  # what was typed is kept
    assert "_auth_user_id" not in client.session
    assert len(password_checks) == 3  # the refused attempt's password was never checked


@override_settings(LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS=3)
def test_guesses_sent_at_once_cannot_all_slip_under_the_limit(
    alice: User,
    password_checks: list[str],
    transactional_db: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A production password check takes a while (PBKDF2), long enough for every other guess
    # to arrive meanwhile. Here, no password is checked until all 12 have been let in or
    # refused: counting only failed checks would then let all 12 in.
    guesses = 12
    decided, all_decided = [], threading.Event()
    allowed = views.login_attempt_allowed

    def deciding(**kwargs: Any) -> bool:
        answer = allowed(**kwargs)
        decided.append(answer)
        if len(decided) == guesses:
            all_decided.set()
        return answer

    check = forms.authenticate

    def check_after_every_decision(*args: Any, **kwargs: Any) -> Any:
        assert all_decided.wait(timeout=10), "not every guess reached the limit check"
        return check(*args, **kwargs)

    monkeypatch.setattr(views, "login_attempt_allowed", deciding)
    monkeypatch.setattr(forms, "authenticate", check_after_every_decision)
    start = threading.Barrier(guesses)

    def guess(number: int) -> int:
        start.wait()
        try:
            return sign_in(Client(), "alice", f"guess-{number}")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=guesses) as pool:
        statuses = list(pool.map(guess, range(guesses)))
    assert len(password_checks) == 3
    assert statuses.count(429) == guesses - 3


@override_settings(LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS=3)
def test_the_username_count_ignores_case_and_spaces(client: Client, alice: User) -> None:
    for typed in ("alice", "ALICE", " Alice "):
        sign_in(client, typed, "wrong")
    assert sign_in(client, "alice", ALICE_PASSWORD) == 429


@override_settings(LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS=3)
def test_a_correct_password_before_the_limit_clears_the_count(client: Client, alice: User) -> None:
    sign_in(client, "alice", "wrong")
    sign_in(client, "alice", "wrong")
    assert sign_in(client, "alice", ALICE_PASSWORD) == 302
    client.logout()
    sign_in(client, "alice", "wrong")
    sign_in(client, "alice", "wrong")
    assert sign_in(client, "alice", ALICE_PASSWORD) == 302


@override_settings(LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS=100, LOGIN_FAILURES_PER_ADDRESS=3)
def test_successful_sign_ins_from_one_address_do_not_use_up_its_limit(
    client: Client, alice: User
) -> None:
    for _ in range(5):
        assert sign_in(Client(), "alice", ALICE_PASSWORD) == 302


@override_settings(LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS=100, LOGIN_FAILURES_PER_ADDRESS=4)
def test_an_address_trying_many_usernames_is_refused(client: Client, alice: User) -> None:
    for number in range(4):
        sign_in(client, f"guess{number}", "wrong")
    assert sign_in(client, "alice", ALICE_PASSWORD) == 429
    # Another address is not affected.
    assert sign_in(Client(), "alice", ALICE_PASSWORD, REMOTE_ADDR="10.0.0.9") == 302


@override_settings(
    LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS=100,
    LOGIN_FAILURES_PER_ADDRESS=2,
    TRUSTED_PROXIES=["10.0.0.0/8"],
)
def test_behind_a_trusted_proxy_the_client_address_is_the_one_it_forwarded(
    client: Client, alice: User
) -> None:
    via_balancer = {"REMOTE_ADDR": "10.1.2.3"}
    for _ in range(2):
        # The balancer appends the peer it saw; the entry before it is the client's own claim.
        sign_in(client, "x", "wrong", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7", **via_balancer)
    blocked = sign_in(
        client, "alice", ALICE_PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.7", **via_balancer
    )
    other = sign_in(
        Client(), "alice", ALICE_PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.8", **via_balancer
    )
    assert (blocked, other) == (429, 302)


@override_settings(
    LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS=100,
    LOGIN_FAILURES_PER_ADDRESS=2,
    TRUSTED_PROXIES=["10.0.0.0/8"],
)
def test_a_forwarded_header_from_an_untrusted_peer_changes_nothing(
    client: Client, alice: User
) -> None:
    for number in range(2):
        sign_in(client, "x", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{number}")
    assert sign_in(client, "alice", ALICE_PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.50") == 429


@override_settings(LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS=2, LOGIN_FAILURE_WINDOW=60)
def test_the_counters_expire_with_their_window(client: Client, alice: User) -> None:
    sign_in(client, "alice", "wrong")
    sign_in(client, "alice", "wrong")
    page = client.post("/login/", {"username": "alice", "password": ALICE_PASSWORD})
    assert page.status_code == 429
    assert "Wait 1 minute, then try again." in page.content.decode()
    # The window's end, without waiting for it: the counters are what expires.
    cache.clear()
    assert sign_in(client, "alice", ALICE_PASSWORD) == 302


def test_the_cache_keeps_no_username_or_address_as_typed(client: Client, db: None) -> None:
    sign_in(client, "someone-secret", "wrong", REMOTE_ADDR="192.0.2.44")
    keys = _cache_keys()
    assert keys
    assert not [key for key in keys if "someone-secret" in key or "192.0.2.44" in key]


def _cache_keys() -> list[str]:
    # locmem and Redis both: list the keys the login limits wrote.
    backend = cache._cache  # type: ignore[attr-defined]
    if isinstance(backend, dict):
        return [str(key) for key in backend]
    client = cache._cache.get_client()  # type: ignore[attr-defined]
    return [key.decode() for key in client.keys("*login-attempts*")]


def test_the_admin_signs_in_through_the_limited_page(client: Client, db: None) -> None:
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/admin/"


# --- F6: look-alike usernames, and nobody locks the owner out -------------------------------


@pytest.fixture
def victim(db: None) -> User:
    return User.objects.create_user("victim", password="victim-password-1")


def test_a_full_width_look_alike_signs_in_as_the_user_it_looks_like(
    client: Client, victim: User
) -> None:
    """F6's premise: Django's sign-in form reads "\uff56ictim" (full-width v) as "victim"."""
    assert sign_in(client, "\uff56ictim", "victim-password-1") == 302
    assert client.session["_auth_user_id"] == str(victim.pk)


@override_settings(LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS=3)
def test_look_alike_usernames_are_counted_as_the_username_they_sign_in_as(
    client: Client, victim: User, password_checks: list[str]
) -> None:
    """F6: full-width letters, case and spaces count against the same username."""
    for look_alike in ("\uff56ictim", "\uff36\uff29\uff23\uff34\uff29\uff2d", " Victim "):
        assert sign_in(client, look_alike, "wrong") == 200

    assert sign_in(client, "\uff56ictim", "another-guess") == 429
    assert sign_in(client, "victim", "another-guess") == 429
    assert len(password_checks) == 3


@override_settings(
    LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS=3,
    LOGIN_FAILURES_PER_ADDRESS=3,
    LOGIN_SLOWDOWN_AFTER=10,
    LOGIN_SLOWDOWN_MAX_SECONDS=30,
)
def test_failures_from_other_addresses_never_lock_the_owner_out(
    client: Client, victim: User, clock: Clock
) -> None:
    """F6: knowing a username is not enough to lock its owner out. Attackers fail from many
    addresses until each is refused; the owner, from an address they signed in from before,
    signs in at once, and from a new one once the gate opens (LOGIN_SLOWDOWN_MAX_SECONDS at
    the most)."""
    home = {"REMOTE_ADDR": "203.0.113.5"}
    assert sign_in(Client(), "victim", "victim-password-1", **home) == 302
    for attacker in range(20):
        address = {"REMOTE_ADDR": f"198.51.100.{attacker}"}
        for _ in range(4):
            sign_in(Client(), "victim", "wrong", **address)
        # Every attacker's address ends up refused, by its own limit or the gate.
        assert sign_in(Client(), "victim", "wrong", **address) == 429

    assert sign_in(client, "victim", "victim-password-1", **home) == 302
    assert client.session["_auth_user_id"] == str(victim.pk)
    clock.pass_seconds(30)
    new_place = Client()
    assert sign_in(new_place, "victim", "victim-password-1", REMOTE_ADDR="192.0.2.80") == 302
    assert new_place.session["_auth_user_id"] == str(victim.pk)


@override_settings(
    LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS=100,
    LOGIN_SLOWDOWN_AFTER=4,
    LOGIN_SLOWDOWN_FIRST_SECONDS=2,
    LOGIN_SLOWDOWN_MAX_SECONDS=10,
)
def test_a_username_failing_from_many_addresses_gets_one_password_check_per_few_seconds(
    victim: User, password_checks: list[str], clock: Clock
) -> None:
    """F6: after LOGIN_SLOWDOWN_AFTER failures from anywhere, the username's password is
    checked at most once per N seconds from addresses it never signed in from, N doubling with
    each failure up to the most; an attempt in between is refused at once, in words, without
    its password being checked. Nothing sleeps."""
    addresses = iter(f"198.51.100.{number}" for number in range(100))

    def guess() -> Any:
        return Client().post(
            "/login/", {"username": "victim", "password": "wrong"}, REMOTE_ADDR=next(addresses)
        )

    assert [guess().status_code for _ in range(4)] == [200] * 4
    assert len(password_checks) == 4

    waits = []
    for _ in range(5):
        assert guess().status_code == 200  # checked: the gate closes behind it
        refused = guess()
        assert refused.status_code == 429
        waits.append(int(refused["Retry-After"]))
        assert f"Try again in {waits[-1]} seconds." in refused.content.decode()
        clock.time += 1  # a second later, still closed: one second less to wait
        assert guess()["Retry-After"] == str(waits[-1] - 1)
        clock.pass_seconds(waits[-1] - 1)

    assert waits == [2, 4, 8, 10, 10]
    assert len(password_checks) == 4 + 5  # no refused attempt's password was checked
    owner = Client()
    assert sign_in(owner, "victim", "victim-password-1", REMOTE_ADDR="203.0.113.5") == 302
    assert "_auth_user_id" in owner.session  # the gate is open: the owner gets in


@override_settings(
    LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS=100,
    LOGIN_SLOWDOWN_AFTER=2,
    LOGIN_SLOWDOWN_FIRST_SECONDS=60,
)
def test_guesses_at_once_from_many_addresses_get_one_password_check_between_them(
    victim: User,
    password_checks: list[str],
    transactional_db: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """F6: the slow-down was a sleep in each request, so guesses sent in parallel each slept
    on their own and were all checked (and held a worker thread each). The gate lets one of
    them through and refuses the others at once."""
    for number in range(2):
        sign_in(Client(), "victim", "wrong", REMOTE_ADDR=f"192.0.2.{number}")
    guesses = 12
    decided, all_decided = [], threading.Event()
    allowed = views.login_attempt_allowed

    def deciding(**kwargs: Any) -> Any:
        answer = allowed(**kwargs)
        decided.append(answer)
        if len(decided) == guesses:
            all_decided.set()
        return answer

    check = forms.authenticate

    def check_after_every_decision(*args: Any, **kwargs: Any) -> Any:
        assert all_decided.wait(timeout=10), "not every guess reached the limit check"
        return check(*args, **kwargs)

    monkeypatch.setattr(views, "login_attempt_allowed", deciding)
    monkeypatch.setattr(forms, "authenticate", check_after_every_decision)
    start = threading.Barrier(guesses)

    def guess(number: int) -> int:
        start.wait()
        try:
            return sign_in(
                Client(), "victim", f"guess-{number}", REMOTE_ADDR=f"198.51.100.{number}"
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=guesses) as pool:
        statuses = list(pool.map(guess, range(guesses)))
    assert len(password_checks) == 2 + 1
    assert sorted(statuses) == [200] + [429] * (guesses - 1)


@override_settings(LOGIN_SLOWDOWN_AFTER=2, LOGIN_SLOWDOWN_FIRST_SECONDS=60)
def test_the_owner_is_not_gated_from_an_address_they_signed_in_from(
    victim: User, password_checks: list[str]
) -> None:
    """F6: an address the username signed in from before skips the gate."""
    home = {"REMOTE_ADDR": "203.0.113.5"}
    assert sign_in(Client(), "victim", "victim-password-1", **home) == 302
    statuses = [
        sign_in(Client(), "victim", "wrong", REMOTE_ADDR=f"198.51.100.{number}")
        for number in range(6)
    ]
    assert statuses == [200, 200, 200, 429, 429, 429]  # the gate is closed for 60 seconds

    assert sign_in(Client(), "victim", "victim-password-1", **home) == 302
    assert sign_in(Client(), "victim", "wrong", **home) == 200  # checked, not gated


@override_settings(LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS=2, LOGIN_SLOWDOWN_AFTER=3)
def test_refused_attempts_from_one_address_close_no_gate(client: Client, victim: User) -> None:
    """F6: one address hammering a username is refused; its refusals do not count towards the
    username's gate, so they cannot hold its owner up elsewhere."""
    for _ in range(10):
        sign_in(client, "victim", "wrong")

    assert sign_in(Client(), "victim", "victim-password-1", REMOTE_ADDR="203.0.113.5") == 302
    assert cache.get(login_limits.gate_key("victim")) is None


@override_settings(
    LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS=3,
    LOGIN_SLOWDOWN_AFTER=2,
    LOGIN_SLOWDOWN_FIRST_SECONDS=5,
)
def test_attempts_refused_at_the_gate_use_up_none_of_the_owner_s_own_limits(
    victim: User, clock: Clock
) -> None:
    """F6: the owner, from a new address during an attack, may meet the closed gate several
    times; those refusals checked no password, so they count nowhere, and once the gate opens
    their address is not blocked."""
    for number in range(3):
        sign_in(Client(), "victim", "wrong", REMOTE_ADDR=f"198.51.100.{number}")
    owner = Client()
    new_place = {"REMOTE_ADDR": "203.0.113.5"}
    assert [sign_in(owner, "victim", "victim-password-1", **new_place) for _ in range(6)] == [
        429
    ] * 6

    clock.pass_seconds(5)
    assert sign_in(owner, "victim", "victim-password-1", **new_place) == 302


@override_settings(LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS=100, LOGIN_FAILURES_PER_ADDRESS=20)
def test_an_ipv6_client_counts_as_its_64(client: Client, alice: User) -> None:
    """F6: counted per full IPv6 address, 200 guesses from 2001:db8::/64 (one subscriber's
    network) were never refused. They count as one address."""
    statuses = [
        sign_in(Client(), f"guess{number}", "wrong", REMOTE_ADDR=f"2001:db8::{number:x}")
        for number in range(1, 201)
    ]

    assert statuses == [200] * 20 + [429] * 180
    same_64 = sign_in(Client(), "alice", ALICE_PASSWORD, REMOTE_ADDR="2001:db8::ffff:1")
    next_64 = sign_in(Client(), "alice", ALICE_PASSWORD, REMOTE_ADDR="2001:db8:0:1::1")
    assert (same_64, next_64) == (429, 302)


@pytest.mark.parametrize(
    ("peer", "counted"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2::9", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("not-an-address", "not-an-address"),
    ],
)
def test_the_client_address_is_an_ipv4_address_or_an_ipv6_64(peer: str, counted: str) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR=peer)
    assert login_limits.client_address(request) == counted


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_a_forwarded_ipv6_client_counts_as_its_64() -> None:
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="2001:db8:5:6:7::1"
    )
    assert login_limits.client_address(request) == "2001:db8:5:6::/64"
