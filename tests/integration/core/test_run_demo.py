"""`make demo`: demo logins, and the sandbox started as its own process."""

import socket

import requests
from django.conf import settings
from django.contrib.auth import authenticate

from postpress_dashboard.core.management.commands.run_demo import (
    DEMO_LOGINS,
    ensure_demo_logins,
    start_sandbox,
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_printed_demo_logins_sign_in_even_after_a_password_change(db: None) -> None:
    ensure_demo_logins()
    admin = authenticate(username=DEMO_LOGINS[0][0], password=DEMO_LOGINS[0][1])
    assert admin is not None
    admin.set_password("changed-by-someone")
    admin.save()
    ensure_demo_logins()
    for username, password, _ in DEMO_LOGINS:
        assert authenticate(username=username, password=password) is not None


def test_it_starts_a_seeded_sandbox_that_answers_with_the_configured_key() -> None:
    port = free_port()
    sandbox = start_sandbox(port)
    try:
        response = requests.get(
            f"http://127.0.0.1:{port}/api/v1/users/invite/received",
            params={"account_id": "acc_linkedin_demo", "limit": 5},
            headers={"X-API-KEY": settings.SANDBOX_API_KEY, "accept": "application/json"},
            timeout=5,
        )
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)
    assert response.status_code == 200
    assert len(response.json()["items"]) == 5
