"""`make demo`: demo logins, and the sandbox started as its own process."""

import socket

import requests
from django.conf import settings
from django.contrib.auth import authenticate

from activity.models import Entry
from postpress_dashboard.core.demo import DEMO_LOGINS, ensure_demo_logins, ensure_demo_teams
from postpress_dashboard.core.management.commands.run_demo import start_sandbox
from postpress_dashboard.teams.models import LinkedAccount, Membership, Team


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


def test_the_demo_teams_are_built_once_through_the_commands(db: None) -> None:
    ensure_demo_logins()
    ensure_demo_teams("http://127.0.0.1:8001/api/v1")
    ensure_demo_teams("http://127.0.0.1:9001/api/v1")  # a later start on another port
    demo = Team.objects.get(slug="demo-team")
    assert Team.objects.count() == 2
    assert demo.base_url == "http://127.0.0.1:9001/api/v1"
    assert demo.decrypted_api_key() == settings.SANDBOX_API_KEY
    providers = set(LinkedAccount.objects.filter(team=demo).values_list("provider", flat=True))
    assert providers == {"LINKEDIN", "INSTAGRAM", "WHATSAPP", "TELEGRAM"}
    roles = dict(Membership.objects.filter(team=demo).values_list("user__username", "role"))
    assert roles == {"demo-admin": "admin", "demo-member": "member"}
    # created by the commands, which log with no actor
    assert Entry.objects.filter(team=demo, action="account.added", actor=None).count() == 4
