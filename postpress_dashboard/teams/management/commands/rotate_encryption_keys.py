"""`manage.py rotate_encryption_keys`: every team API key re-encrypted under the newest key."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from postpress_dashboard.teams import services


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored team API key under the first (newest) key in "
        "FIELD_ENCRYPTION_KEYS. To rotate: 1) generate a new Fernet key and put it first in "
        "FIELD_ENCRYPTION_KEYS, keeping the old keys after it, and deploy; 2) run this command; "
        "3) once it reports no unreadable keys, drop the old keys from FIELD_ENCRYPTION_KEYS and "
        "deploy again. Teams whose key no configured key can read are listed, and the command "
        "exits non-zero: their admins must re-enter the API key in Settings."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        rotated, unreadable = services.teams_reencrypt_api_keys()
        self.stdout.write(f"Re-encrypted {rotated} team API key(s) under the newest key.")
        if unreadable:
            raise CommandError(unreadable_message(unreadable))


def unreadable_message(slugs: list[str]) -> str:
    return (
        f"No configured key can read the API key of {len(slugs)} team(s): {', '.join(slugs)}. "
        "Their admins must re-enter the API key in Settings (or put the missing old key back "
        "in FIELD_ENCRYPTION_KEYS and run this command again)."
    )
