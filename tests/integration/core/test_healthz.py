"""/healthz: what a load balancer polls to know an instance can serve."""

import pytest
from django.db import OperationalError
from django.test import Client, override_settings

BROKEN_CACHE = {
    "default": {
        # Nothing listens on port 1: every call to this cache fails at once.
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}


def test_it_answers_ok_without_signing_in(client: Client, db: None) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_it_answers_503_when_the_cache_is_down(client: Client, db: None) -> None:
    with override_settings(CACHES=BROKEN_CACHE):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "cache": "unavailable"}


def test_it_answers_503_when_the_database_is_down(
    client: Client, db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OperationalError("connection refused")

    with monkeypatch.context() as patched:
        patched.setattr("postpress_dashboard.core.views.connection.cursor", refuse)
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"
    assert "connection refused" not in response.content.decode()


@override_settings(SECURE_SSL_REDIRECT=True)
def test_it_is_answered_over_plain_http_while_pages_redirect_to_https(
    client: Client, db: None
) -> None:
    # Load balancers poll instances over plain http behind the TLS they terminate.
    assert client.get("/healthz").status_code == 200
    assert client.get("/login/").status_code == 301


def test_it_answers_get_only(client: Client, db: None) -> None:
    assert client.post("/healthz").status_code == 405
