"""Sign-in attempts are limited per username and per client address, in the shared cache."""

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client, override_settings

ALICE_PASSWORD = "alice-password-1"


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def sign_in(client: Client, username: str, password: str, **extra: str) -> int:
    return client.post("/login/", {"username": username, "password": password}, **extra).status_code


@override_settings(LOGIN_FAILURES_PER_USERNAME=3)
def test_a_username_is_refused_after_its_failures_even_with_the_right_password(
    client: Client, alice: User
) -> None:
    assert [sign_in(client, "alice", "wrong") for _ in range(3)] == [200, 200, 200]
    response = client.post("/login/", {"username": "alice", "password": ALICE_PASSWORD})
    page = response.content.decode()
    assert response.status_code == 429
    assert "Too many failed sign-ins for this username or from this address." in page
    assert "Wait 15 minutes, then try again." in page
    assert 'value="alice"' in page  # what was typed is kept
    assert "_auth_user_id" not in client.session


@override_settings(LOGIN_FAILURES_PER_USERNAME=3)
def test_the_username_count_ignores_case_and_spaces(client: Client, alice: User) -> None:
    for typed in ("alice", "ALICE", " Alice "):
        sign_in(client, typed, "wrong")
    assert sign_in(client, "alice", ALICE_PASSWORD) == 429


@override_settings(LOGIN_FAILURES_PER_USERNAME=3)
def test_a_correct_password_before_the_limit_clears_the_count(client: Client, alice: User) -> None:
    sign_in(client, "alice", "wrong")
    sign_in(client, "alice", "wrong")
    assert sign_in(client, "alice", ALICE_PASSWORD) == 302
    client.logout()
    sign_in(client, "alice", "wrong")
    sign_in(client, "alice", "wrong")
    assert sign_in(client, "alice", ALICE_PASSWORD) == 302


@override_settings(LOGIN_FAILURES_PER_USERNAME=100, LOGIN_FAILURES_PER_ADDRESS=4)
def test_an_address_trying_many_usernames_is_refused(client: Client, alice: User) -> None:
    for number in range(4):
        sign_in(client, f"guess{number}", "wrong")
    assert sign_in(client, "alice", ALICE_PASSWORD) == 429
    # Another address is not affected.
    assert sign_in(Client(), "alice", ALICE_PASSWORD, REMOTE_ADDR="10.0.0.9") == 302


@override_settings(LOGIN_FAILURES_PER_USERNAME=100, LOGIN_FAILURES_PER_ADDRESS=2)
def test_behind_trusted_proxies_the_client_address_is_the_forwarded_one(
    client: Client, alice: User
) -> None:
    with override_settings(TRUSTED_PROXY_COUNT=1):
        for _ in range(2):
            # The balancer appends the real peer; the first entry is the client's own claim.
            sign_in(client, "x", "wrong", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7")
        blocked = sign_in(client, "alice", ALICE_PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.7")
        other = sign_in(Client(), "alice", ALICE_PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert (blocked, other) == (429, 302)


@override_settings(LOGIN_FAILURES_PER_USERNAME=100, LOGIN_FAILURES_PER_ADDRESS=2)
def test_without_trusted_proxies_a_forged_forwarded_header_changes_nothing(
    client: Client, alice: User
) -> None:
    for number in range(2):
        sign_in(client, "x", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{number}")
    assert sign_in(client, "alice", ALICE_PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.50") == 429


@override_settings(LOGIN_FAILURES_PER_USERNAME=2, LOGIN_FAILURE_WINDOW=60)
def test_the_counters_expire_with_their_window(client: Client, alice: User) -> None:
    sign_in(client, "alice", "wrong")
    sign_in(client, "alice", "wrong")
    assert sign_in(client, "alice", ALICE_PASSWORD) == 429
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
    return [key.decode() for key in client.keys("*login-failures*")]


def test_the_admin_signs_in_through_the_limited_page(client: Client, db: None) -> None:
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/admin/"
