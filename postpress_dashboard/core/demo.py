"""The demo's data: logins, and teams built through the same commands an operator would use."""

import io
import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from postpress_dashboard.teams import services
from postpress_dashboard.teams.models import Team

DEMO_LOGINS = (
    ("demo-admin", "postpress-demo-admin", True),
    ("demo-member", "postpress-demo-member", False),
)
DEMO_KEY_VARIABLE = "DEMO_POSTPRESS_API_KEY"

# (team name, slug, members with roles, accounts: provider, sandbox account id, label, apis)
DEMO_TEAMS = (
    (
        "Demo team",
        "demo-team",
        (("demo-admin", "admin"), ("demo-member", "member")),
        (
            (
                "LINKEDIN",
                "acc_linkedin_demo",
                "Sam on LinkedIn",
                "classic,sales_navigator,recruiter",
            ),
            ("INSTAGRAM", "acc_instagram_demo", "Sam on Instagram", ""),
            ("WHATSAPP", "acc_whatsapp_demo", "Support WhatsApp", ""),
            ("TELEGRAM", "acc_telegram_demo", "Community Telegram", ""),
        ),
    ),
    (
        "Demo agency",
        "demo-agency",
        (("demo-admin", "admin"),),
        # Its account id carries a sandbox error trigger, to show an expired login.
        (("LINKEDIN", "acc_err_expired_credentials", "Expired LinkedIn login", "classic"),),
    ),
)


def ensure_demo_logins() -> None:
    """Create the demo users, or reset their passwords to the printed ones."""
    users = get_user_model()
    for username, password, is_admin in DEMO_LOGINS:
        user, _ = users.objects.get_or_create(username=username)
        user.set_password(password)
        user.is_staff = user.is_superuser = is_admin
        user.save()


def ensure_demo_teams(sandbox_base_url: str) -> None:
    """Create the demo teams once; on later starts only point them at the sandbox again."""
    os.environ[DEMO_KEY_VARIABLE] = settings.SANDBOX_API_KEY
    for name, slug, members, accounts in DEMO_TEAMS:
        existing = Team.objects.filter(slug=slug).first()
        if existing is not None:
            # Another sandbox port clears the key (it follows the base URL): set it again.
            if services.team_update(
                team=existing, name=existing.name, base_url=sandbox_base_url, actor=None
            ):
                services.team_set_api_key(
                    team=existing, api_key=settings.SANDBOX_API_KEY, actor=None
                )
            continue
        created = _command(
            "create_team", name, "--base-url", sandbox_base_url, "--api-key-env", DEMO_KEY_VARIABLE
        )
        for username, role in members:
            _command("add_member", created, username, "--role", role)
        for provider, account_id, label, apis in accounts:
            options = ["--linkedin-apis", apis] if apis else []
            _command(
                "add_account",
                created,
                "--provider",
                provider,
                "--account-id",
                account_id,
                "--label",
                label,
                *options,
            )


def _command(*arguments: str) -> str:
    output = io.StringIO()
    call_command(*arguments, stdout=output)
    return output.getvalue().strip()
