"""Settings for the test suite: the project's own, with a fresh encryption key and fast hashing."""

from cryptography.fernet import Fernet

from postpress_dashboard.settings import *  # noqa: F403

FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
POSTPRESS_ALLOWED_HOSTS = [*POSTPRESS_ALLOWED_HOSTS, "api.example.test"]  # noqa: F405
