"""Sign-in attempts are limited per username from one address and per address (both block),
and slowed down for a username failing from many addresses, in the shared cache."""

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
from django.test import Client, override_settings

from postpress_dashboard.core import login_limits, views

ALICE_PASSWORD = "alice-password-1"
REFUSAL = "Too many failed sign-ins from your address."


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The slow-down's waits, recorded instead of slept."""
    waited: list[float] = []
    monkeypatch.setattr(login_limits, "pause", waited.append)
    return waited


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


@override_settings(LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS=3, LOGIN_FAILURES_PER_ADDRESS=3)
def test_failures_from_other_addresses_never_lock_the_owner_out(
    client: Client, victim: User, pauses: list[float]
) -> None:
    """F6: knowing a username is not enough to lock its owner out. Attackers fail from many
    addresses until each is refused; the owner, from their own address, signs in."""
    for attacker in range(20):
        address = {"REMOTE_ADDR": f"198.51.100.{attacker}"}
        statuses = [sign_in(Client(), "victim", "wrong", **address) for _ in range(4)]
        assert statuses == [200, 200, 200, 429]

    assert sign_in(client, "victim", "victim-password-1", REMOTE_ADDR="203.0.113.5") == 302
    assert client.session["_auth_user_id"] == str(victim.pk)


@override_settings(
    LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS=100,
    LOGIN_SLOWDOWN_AFTER=4,
    LOGIN_SLOWDOWN_FIRST_SECONDS=0.5,
    LOGIN_SLOWDOWN_MAX_SECONDS=3,
)
def test_a_username_failing_from_many_addresses_is_slowed_down_not_blocked(
    victim: User, pauses: list[float], password_checks: list[str]
) -> None:
    """F6: after LOGIN_SLOWDOWN_AFTER failures from anywhere, each attempt at the username
    waits before its password is checked, the wait doubling up to the most; none is refused."""
    statuses = [
        sign_in(Client(), "victim", "wrong", REMOTE_ADDR=f"198.51.100.{number}")
        for number in range(8)
    ]

    assert statuses == [200] * 8
    assert len(password_checks) == 8  # slowed down, every one still checked
    assert pauses == [0.5, 1.0, 2.0, 3.0]
    owner = Client()
    assert sign_in(owner, "victim", "victim-password-1", REMOTE_ADDR="203.0.113.5") == 302
    assert pauses[-1] == 3.0  # the owner, from a new address, waited too, then got in
    assert "_auth_user_id" in owner.session


@override_settings(LOGIN_SLOWDOWN_AFTER=2, LOGIN_SLOWDOWN_FIRST_SECONDS=1)
def test_the_owner_is_not_slowed_down_from_an_address_they_signed_in_from(
    victim: User, pauses: list[float]
) -> None:
    """F6: an address the username signed in from before skips the slow-down."""
    home = {"REMOTE_ADDR": "203.0.113.5"}
    assert sign_in(Client(), "victim", "victim-password-1", **home) == 302
    for number in range(6):
        sign_in(Client(), "victim", "wrong", REMOTE_ADDR=f"198.51.100.{number}")
    waits_so_far = len(pauses)

    assert sign_in(Client(), "victim", "victim-password-1", **home) == 302
    assert waits_so_far == 4
    assert len(pauses) == waits_so_far  # no wait for the owner at home


@override_settings(LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS=2, LOGIN_SLOWDOWN_AFTER=3)
def test_refused_attempts_from_one_address_slow_nobody_down(
    client: Client, victim: User, pauses: list[float]
) -> None:
    """F6: one address hammering a username is refused; its refusals do not count towards the
    username's slow-down, so they cannot slow its owner down elsewhere."""
    for _ in range(10):
        sign_in(client, "victim", "wrong")

    assert sign_in(Client(), "victim", "victim-password-1", REMOTE_ADDR="203.0.113.5") == 302
    assert pauses == []
