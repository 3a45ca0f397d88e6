from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class TeamsConfig(AppConfig):
    name = "postpress_dashboard.teams"
    label = "teams"

    def ready(self) -> None:
        # Team API keys are encrypted under these keys: without them nothing can start.
        if not settings.FIELD_ENCRYPTION_KEYS:
            raise ImproperlyConfigured(
                "FIELD_ENCRYPTION_KEYS is not set: give one or more Fernet keys, newest first "
                "(see .env.example and docs/deployment.md). In development, `make setup` writes "
                "local ones to var/field-encryption-keys; production never reads that file."
            )
