"""Settings for the test suite: the project's own, with a fresh encryption key and fast hashing."""

import os

from cryptography.fernet import Fernet

from postpress_dashboard.settings import *  # noqa: F403

FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
POSTPRESS_ALLOWED_HOSTS = [*POSTPRESS_ALLOWED_HOSTS, "api.example.test"]  # noqa: F405

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file rather than shared-cache memory: there, concurrent connections fail at once with
    # "table is locked" instead of waiting their turn as they do on a real deployment's file.
    # One file per run (pytest-django deletes it at the end), so two runs never share one.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}  # noqa: F405

# Tasks are recorded, not run: tests run a campaign's steps themselves on a fake clock
# (tests/campaigns_support.py), and the worker tests start real workers with their own settings.
TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
