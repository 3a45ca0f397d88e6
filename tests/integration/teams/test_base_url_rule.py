"""F1/F12: the Settings form and `create_team --base-url` refuse what the client would refuse.

Both read the one rule in postpress/base_url.py with the policy from settings, so a URL whose
host urlsplit and urllib3 read differently is refused before it is stored.
"""

import io

import pytest
import responses
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from pytest_django.fixtures import Settings

from postpress_dashboard.teams import services
from postpress_dashboard.teams.models import LinkedAccount, Team
from tests.conftest import API_BASE_URL

API_KEY = "pp_live_4f9c2e7a1b6d"

# Each of these passed the form (and the command) before the rule moved to base_url.py.
BYPASSES = [
    r"https://evil.example\@api.postpress.ai/api/v1",
    r"http://attacker:8103\@127.0.0.1/api/v1",
    "https://api%2epostpress.ai/api/v1",
    "http://2130706433/api/v1",
    "http://0x7f.0.0.1/api/v1",
    "https://api.postpress.ai./api/v1",
    "https://api.postpress.ai/api/v1?next=evil",
]


@pytest.fixture
def api_key_env(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("POSTPRESS_API_KEY", API_KEY)
    return "POSTPRESS_API_KEY"


def create_team(base_url: str, api_key_env: str) -> str:
    stdout = io.StringIO()
    call_command(
        "create_team", "Acme", "--base-url", base_url, "--api-key-env", api_key_env, stdout=stdout
    )
    return stdout.getvalue()


@pytest.mark.parametrize("base_url", BYPASSES)
def test_f1_the_settings_form_refuses_a_url_whose_real_host_is_not_the_checked_one(
    alice_client: Client, team: Team, settings: Settings, base_url: str
) -> None:
    # 2130706433 and 0x7f.0.0.1 are 127.0.0.1: listing it must not let them through.
    settings.POSTPRESS_ALLOWED_HOSTS = ["api.postpress.ai", "127.0.0.1", "localhost"]

    response = alice_client.post("/settings/team/", {"name": "Acme", "base_url": base_url})

    assert response.status_code == 400
    team.refresh_from_db()
    assert team.base_url == API_BASE_URL


@pytest.mark.parametrize("base_url", BYPASSES)
def test_f1_create_team_refuses_a_url_whose_real_host_is_not_the_checked_one(
    db: None, settings: Settings, api_key_env: str, base_url: str
) -> None:
    settings.POSTPRESS_ALLOWED_HOSTS = ["api.postpress.ai", "127.0.0.1", "localhost"]

    with pytest.raises(CommandError, match="--base-url"):
        create_team(base_url, api_key_env)

    assert not Team.objects.exists()


def test_f1_the_form_says_why_in_the_catalogues_words(alice_client: Client, team: Team) -> None:
    response = alice_client.post(
        "/settings/team/",
        {"name": "Acme", "base_url": r"https://evil.example\@api.postpress.ai/api/v1"},
    )

    assert "no spaces, backslashes, @ (user names)" in response.content.decode()


def test_f12_the_form_refuses_the_local_sandbox_over_http_when_the_switch_is_off(
    alice_client: Client, team: Team, settings: Settings
) -> None:
    settings.POSTPRESS_ALLOWED_HOSTS = ["api.postpress.ai", "127.0.0.1"]
    settings.POSTPRESS_ALLOW_LOOPBACK_HTTP = False

    response = alice_client.post(
        "/settings/team/", {"name": "Acme", "base_url": "http://127.0.0.1:8001/api/v1"}
    )

    assert response.status_code == 400
    assert "Use https" in response.content.decode()
    team.refresh_from_db()
    assert team.base_url == API_BASE_URL


def test_f12_create_team_accepts_the_local_sandbox_over_http_when_the_switch_is_on(
    db: None, settings: Settings, api_key_env: str
) -> None:
    settings.POSTPRESS_ALLOWED_HOSTS = ["api.postpress.ai", "127.0.0.1"]
    settings.POSTPRESS_ALLOW_LOOPBACK_HTTP = True

    slug = create_team("http://127.0.0.1:8001/api/v1", api_key_env).strip()

    assert Team.objects.get(slug=slug).base_url == "http://127.0.0.1:8001/api/v1"


def test_f1_f12_test_connection_refuses_a_stored_url_the_rule_now_refuses(
    team: Team, linkedin_account: LinkedAccount, settings: Settings
) -> None:
    """A row written before the rule (or around the form) reaches no host: the client refuses."""
    settings.POSTPRESS_ALLOWED_HOSTS = ["api.postpress.ai"]  # production's default
    settings.POSTPRESS_ALLOW_LOOPBACK_HTTP = False
    Team.objects.filter(pk=team.pk).update(base_url="http://127.0.0.1:22/api/v1")
    linkedin_account.refresh_from_db()

    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        report = services.account_test_connection(account=linkedin_account)

    assert len(api.calls) == 0
    assert report.ok is False
    assert "not one the API key may be sent to" in report.message
