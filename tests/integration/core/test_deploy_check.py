"""`manage.py check --deploy` with production settings, each run in its own process.

Settings are read once per process, so production's (DEPLOYMENT=production) can only be tried
from a fresh one: `manage.py` run with this interpreter from the project root, with the
environment a deployment gives it and nothing of the test run's (DJANGO_SETTINGS_MODULE names
the project's settings, not tests.settings).
"""

import os
import re
import secrets
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.conf import settings

PROJECT_ROOT = settings.BASE_DIR
MANAGE_PY = PROJECT_ROOT / "manage.py"
DOTENV = PROJECT_ROOT / ".env"

# What the test run, CI or a developer's shell may set that would change what the check sees:
# removed, so the process runs on production's defaults (the security settings' production
# values) with the database and cache the fixture names. The check connects to neither.
NOT_INHERITED = (
    "DATABASE_URL",
    "CACHE_URL",
    "SESSION_ENGINE",
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "FIELD_ENCRYPTION_KEYS",
    # Set by the browser tests' conftest for their own process; production must never run so.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)
DEPLOY_CHECK = ("check", "--deploy", "--fail-level", "WARNING")


@pytest.fixture
def production_env() -> dict[str, str]:
    """A production deployment's environment, with a fresh secret key and encryption key."""
    env = {name: value for name, value in os.environ.items() if name not in NOT_INHERITED}
    return env | {
        "DJANGO_SETTINGS_MODULE": "postpress_dashboard.settings",
        "DEPLOYMENT": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),  # 67 characters
        "ALLOWED_HOSTS": "dash.example.com",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": "postgres://postpress@db.invalid:5432/postpress",
        "CACHE_URL": "redis://cache.invalid:6379/0",
    }


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, str(MANAGE_PY), *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def skip_if_dotenv_sets(name: str) -> None:
    """settings.py reads .env for whatever the environment lacks: a local .env that sets the
    variable a test removes would put it back."""
    if DOTENV.exists() and re.search(
        rf"^\s*(export\s+)?{name}\s*=", DOTENV.read_text(), flags=re.MULTILINE
    ):
        pytest.skip(f"{DOTENV} sets {name}")


def local_keys() -> list[str]:
    """The development keys `make setup` wrote to var/field-encryption-keys."""
    assert settings.LOCAL_KEYS_FILE.exists(), "run `make setup`: it writes the local keys file"
    keys = [key.strip() for key in settings.LOCAL_KEYS_FILE.read_text().split(",")]
    assert all(keys)
    return keys


def test_the_deploy_check_finds_no_issues_with_production_settings(
    production_env: dict[str, str],
) -> None:
    result = manage(production_env, *DEPLOY_CHECK)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_deploy_check_fails_with_w004_when_production_turns_hsts_off(
    production_env: dict[str, str],
) -> None:
    """The control for the test above: the check really runs with production's settings and
    fails on a single warning."""
    result = manage(production_env | {"SECURE_HSTS_SECONDS": "0"}, *DEPLOY_CHECK)

    assert result.returncode == 1
    assert "(security.W004)" in result.stderr
    assert "System check identified 1 issue (0 silenced)." in result.stderr
    assert "no issues" not in result.stdout


def test_production_refuses_to_start_without_a_secret_key(
    production_env: dict[str, str],
) -> None:
    skip_if_dotenv_sets("SECRET_KEY")
    env = {name: value for name, value in production_env.items() if name != "SECRET_KEY"}

    result = manage(env, *DEPLOY_CHECK)

    assert result.returncode != 0
    assert (
        "django.core.exceptions.ImproperlyConfigured: Set the SECRET_KEY environment variable"
        in result.stderr
    )
    # The traceback names the missing variable and shows no secret that was set.
    output = result.stdout + result.stderr
    assert production_env["FIELD_ENCRYPTION_KEYS"] not in output
    assert "insecure-development-key" not in output
    assert "no issues" not in result.stdout


def test_production_refuses_to_start_without_encryption_keys_even_with_local_ones(
    production_env: dict[str, str],
) -> None:
    skip_if_dotenv_sets("FIELD_ENCRYPTION_KEYS")
    keys = local_keys()
    env = {name: v for name, v in production_env.items() if name != "FIELD_ENCRYPTION_KEYS"}

    # The control: development starts on the local keys file.
    development = manage(env | {"DEPLOYMENT": "development"}, "check")
    production = manage(env, *DEPLOY_CHECK)

    assert development.returncode == 0, development.stderr
    assert production.returncode != 0
    assert (
        "django.core.exceptions.ImproperlyConfigured: FIELD_ENCRYPTION_KEYS is not set"
        in production.stderr
    )
    assert "teams/apps.py" in production.stderr  # the teams app's ready() refused
    output = production.stdout + production.stderr
    assert production_env["SECRET_KEY"] not in output
    for key in keys:
        assert key not in output


@pytest.mark.parametrize("variable", ["DATABASE_URL", "CACHE_URL"])
def test_production_refuses_to_start_without_its_database_and_cache(
    production_env: dict[str, str], variable: str
) -> None:
    skip_if_dotenv_sets(variable)
    env = {name: value for name, value in production_env.items() if name != variable}

    result = manage(env, *DEPLOY_CHECK)

    assert result.returncode != 0
    assert f"Set the {variable} environment variable" in result.stderr


def test_sessions_are_read_by_the_dashboard_s_own_store_unless_the_deployment_names_another(
    production_env: dict[str, str],
) -> None:
    skip_if_dotenv_sets("SESSION_ENGINE")
    show_engine = (
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.SESSION_ENGINE)",
    )

    default = manage(production_env, *show_engine)
    named = manage(
        production_env | {"SESSION_ENGINE": "django.contrib.sessions.backends.cache"}, *show_engine
    )

    assert default.stdout.strip() == "postpress_dashboard.core.sessions", default.stderr
    assert named.stdout.strip() == "django.contrib.sessions.backends.cache", named.stderr
