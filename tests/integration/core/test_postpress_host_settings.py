"""F12: where production lets the API key go by default, read from a fresh process.

Settings are read once per process, so production's defaults (DEPLOYMENT=production) are read
by `python -c` with the environment a deployment gives it, none of the test run's.
"""

import json
import os
import re
import secrets
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.conf import settings

PROJECT_ROOT = settings.BASE_DIR
READ_SETTINGS = (
    "from django.conf import settings; import json; print(json.dumps("
    "[settings.POSTPRESS_ALLOWED_HOSTS, settings.POSTPRESS_ALLOW_LOOPBACK_HTTP]))"
)
POSTPRESS_VARIABLES = ("POSTPRESS_ALLOWED_HOSTS", "POSTPRESS_ALLOW_LOOPBACK_HTTP")


def postpress_settings(deployment: str) -> tuple[list[str], bool]:
    for name in POSTPRESS_VARIABLES:
        dotenv = PROJECT_ROOT / ".env"
        if dotenv.exists() and re.search(rf"^\s*(export\s+)?{name}\s*=", dotenv.read_text(), re.M):
            pytest.skip(f"{dotenv} sets {name}")
    env = {name: value for name, value in os.environ.items() if name not in POSTPRESS_VARIABLES}
    env |= {
        "DJANGO_SETTINGS_MODULE": "postpress_dashboard.settings",
        "DEPLOYMENT": deployment,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "dash.example.com",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": "postgres://postpress@db.invalid:5432/postpress",
        "CACHE_URL": "redis://cache.invalid:6379/0",
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", READ_SETTINGS],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    hosts, loopback_http = json.loads(result.stdout.strip().splitlines()[-1])
    return hosts, loopback_http


def test_f12_production_lists_no_loopback_host_and_refuses_plain_http_by_default() -> None:
    hosts, loopback_http = postpress_settings("production")

    assert hosts == ["api.postpress.ai"]  # "Test connection" cannot probe the machine's ports
    assert loopback_http is False


def test_f12_development_keeps_the_local_sandbox_reachable_for_the_demo() -> None:
    hosts, loopback_http = postpress_settings("development")

    assert {"api.postpress.ai", "127.0.0.1", "localhost"} <= set(hosts)
    assert loopback_http is True
