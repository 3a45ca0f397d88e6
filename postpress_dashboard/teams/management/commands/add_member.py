"""`manage.py add_member TEAM_SLUG USERNAME --role admin|member [--create --password-env VAR]`."""

from argparse import ArgumentParser
from typing import Any

from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from postpress_dashboard.teams import services
from postpress_dashboard.teams.management.cli import secret_from_env, team_by_slug
from postpress_dashboard.teams.models import Membership, Role, Team


class Command(BaseCommand):
    help = (
        "Add a user to a team. With --create, create the user first, with the password read "
        "from the environment variable named by --password-env (never from the command line)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("team_slug", metavar="TEAM_SLUG", help="The team's slug.")
        parser.add_argument("username", metavar="USERNAME", help="The user's username.")
        parser.add_argument("--role", required=True, choices=Role.values, help="Their role.")
        parser.add_argument(
            "--create", action="store_true", help="Create the user; it must not exist yet."
        )
        parser.add_argument(
            "--password-env",
            metavar="VAR",
            help="With --create: the environment variable holding the new user's password.",
        )

    def handle(
        self,
        *args: Any,
        team_slug: str,
        username: str,
        role: str,
        create: bool,
        password_env: str | None,
        **options: Any,
    ) -> None:
        team = team_by_slug(team_slug)
        with transaction.atomic():
            try:
                if create:
                    membership = create_member(team, username, role, password_env)
                else:
                    membership = add_existing_user(team, username, role, password_env)
            except services.TeamRuleError as error:
                raise CommandError(str(error)) from None
        self.stdout.write(f"{membership.user.username} is now {membership.role} of {team.slug}.")


def add_existing_user(team: Team, username: str, role: str, password_env: str | None) -> Membership:
    if password_env:
        raise CommandError("--password-env only applies with --create.")
    try:
        user = User.objects.get(username=username)
    except User.DoesNotExist:
        raise CommandError(
            f"No user has the username {username!r}: pass --create to create it."
        ) from None
    return services.member_add(team=team, user=user, role=role, actor=None)


def create_member(team: Team, username: str, role: str, password_env: str | None) -> Membership:
    if User.objects.filter(username=username).exists():
        raise CommandError(f"The user {username!r} already exists: leave out --create.")
    if not password_env:
        raise CommandError("--create needs --password-env VAR, the new user's password.")
    check_username(username)
    password = secret_from_env(password_env, option="--password-env")
    check_password(password, username)
    return services.member_create(
        team=team, username=username, password=password, role=role, actor=None
    )


def check_username(username: str) -> None:
    try:
        User._meta.get_field("username").clean(username, None)
    except ValidationError as error:
        raise CommandError(f"USERNAME: {' '.join(error.messages)}") from None


def check_password(password: str, username: str) -> None:
    try:
        validate_password(password, User(username=username))
    except ValidationError as error:
        # Django's messages describe the password without repeating it.
        raise CommandError(f"The new user's password: {' '.join(error.messages)}") from None
