"""Rotating FIELD_ENCRYPTION_KEYS: keys re-encrypted under the new key stay readable, and a
key nothing can read any more asks to be re-entered instead of breaking a page."""

import pytest
import responses
from cryptography.fernet import Fernet
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from postpress_dashboard.teams import crypto, services
from postpress_dashboard.teams.models import ApiKeyState, Team
from tests.security.matrix import url_for
from tests.security.support import TEAM_A_KEY, TEAM_B_KEY, World

pytestmark = pytest.mark.django_db

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
KEY_C = Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def encrypted_under_key_a(settings: Settings) -> None:
    """Autouse, so it runs before the teams are made: their keys are encrypted under A."""
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]


def fresh(team: Team) -> Team:
    team.refresh_from_db()
    return team


def test_it_reads_keys_rotated_to_the_new_encryption_key_without_the_old_one(
    world: World, settings: Settings
) -> None:
    under_a = fresh(world.team_a).api_key_ciphertext
    assert crypto.decrypt(under_a) == TEAM_A_KEY

    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    rotated, unreadable = services.teams_reencrypt_api_keys()
    assert (rotated, unreadable) == (2, [])

    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    assert fresh(world.team_a).api_key_ciphertext != under_a
    assert world.team_a.decrypted_api_key() == TEAM_A_KEY
    assert fresh(world.team_b).decrypted_api_key() == TEAM_B_KEY
    assert world.team_a.api_key_state == ApiKeyState.OK

    # The old key alone no longer reads them: they really were re-encrypted.
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    assert world.team_a.api_key_state == ApiKeyState.UNREADABLE


def test_it_lists_the_teams_whose_key_no_configured_key_can_read(
    world: World, settings: Settings
) -> None:
    before = sorted(Team.objects.values_list("slug", "api_key_ciphertext"))
    settings.FIELD_ENCRYPTION_KEYS = [KEY_C]

    rotated, unreadable = services.teams_reencrypt_api_keys()

    assert rotated == 0
    assert sorted(unreadable) == sorted([world.team_a.slug, world.team_b.slug])
    assert sorted(Team.objects.values_list("slug", "api_key_ciphertext")) == before


@pytest.fixture
def unreadable_keys(world: World, settings: Settings) -> None:
    settings.FIELD_ENCRYPTION_KEYS = [KEY_C]
    assert fresh(world.team_a).api_key_state == ApiKeyState.UNREADABLE


def test_it_asks_to_re_enter_an_unreadable_key_on_the_settings_page(
    unreadable_keys: None, alice_client: Client
) -> None:
    response = alice_client.get(reverse("teams:settings"))

    assert response.status_code == 200
    assert "Re-enter the API key" in response.content.decode()
    assert "ends in <strong>" not in response.content.decode()


def test_it_asks_to_re_enter_an_unreadable_key_on_the_home_page(
    unreadable_keys: None, alice_client: Client, bob_client: Client
) -> None:
    settings_link = f'<a href="{reverse("teams:settings")}">Settings</a>'

    for client, where in ((alice_client, f"in {settings_link}"), (bob_client, "ask a team admin")):
        response = client.get(reverse("home"))

        assert response.status_code == 200
        page = response.content.decode()
        assert "API key must be re-entered" in page
        assert where in page


def test_it_reports_from_test_connection_that_the_key_must_be_re_entered(
    unreadable_keys: None, world: World, alice_client: Client, api: responses.RequestsMock
) -> None:
    url = url_for("teams:account_test", world.objects_of(world.team_a))

    htmx = alice_client.post(url, {"team": world.team_a.slug}, headers={"HX-Request": "true"})
    plain = alice_client.post(url, {"team": world.team_a.slug}, follow=True)

    assert htmx.status_code == plain.status_code == 200
    assert "re-enter the API key" in htmx.content.decode()
    assert '<span class="error">' in htmx.content.decode()
    assert "re-enter the API key in Settings" in plain.content.decode()
    assert len(api.calls) == 0  # nothing was sent with a key that could not be read


def test_it_recovers_once_the_key_is_re_entered(
    unreadable_keys: None, world: World, alice_client: Client
) -> None:
    response = alice_client.post(
        reverse("teams:api_key_update"),
        {"team": world.team_a.slug, "api_key": "pp_live_reentered_key_0042"},
        follow=True,
    )

    assert response.status_code == 200
    assert "ends in <strong>0042</strong>" in response.content.decode()
    assert fresh(world.team_a).decrypted_api_key() == "pp_live_reentered_key_0042"
