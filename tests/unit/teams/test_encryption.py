"""API keys at rest: authenticated encryption under FIELD_ENCRYPTION_KEYS, never SECRET_KEY."""

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from pytest_django.fixtures import Settings

from postpress_dashboard.teams import crypto
from postpress_dashboard.teams.models import ApiKeyState, Team


def test_the_dashboard_refuses_to_start_without_encryption_keys(settings: Settings) -> None:
    settings.FIELD_ENCRYPTION_KEYS = []
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS"):
        apps.get_app_config("teams").ready()


def test_a_tampered_ciphertext_is_unreadable_not_garbage() -> None:
    token = crypto.encrypt("pp_live_secret_1234")
    tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    with pytest.raises(crypto.UnreadableSecret):
        crypto.decrypt(tampered)


def test_changing_the_secret_key_does_not_lock_the_api_keys_out(settings: Settings) -> None:
    token = crypto.encrypt("pp_live_secret_1234")
    settings.SECRET_KEY = "a-completely-different-secret-key"
    assert crypto.decrypt(token) == "pp_live_secret_1234"


def test_a_team_knows_when_its_key_is_missing_or_unreadable(settings: Settings) -> None:
    team = Team(name="T", slug="t")
    assert team.api_key_state == ApiKeyState.MISSING
    team.set_api_key("pp_live_secret_1234")
    assert (team.api_key_state, team.api_key_last4) == (ApiKeyState.OK, "1234")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    assert team.api_key_state == ApiKeyState.UNREADABLE


def test_a_key_too_short_to_hide_behind_its_last_four_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 8"):
        Team(name="T", slug="t").set_api_key("abc1234")
