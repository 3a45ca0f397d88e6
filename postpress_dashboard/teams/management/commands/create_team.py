"""`manage.py create_team NAME --base-url URL --api-key-env VAR`: a team, from the command line.

The API key is read from an environment variable so it stays out of shell history and process
lists. Only the new team's slug goes to stdout, so scripts can capture it.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from postpress_dashboard.teams import services
from postpress_dashboard.teams.forms import ApiKeyForm, TeamForm
from postpress_dashboard.teams.management.cli import describe, form_errors, secret_from_env


class Command(BaseCommand):
    help = (
        "Create a team and print its slug (and nothing else) on stdout. The postpress API key is "
        "read from the environment variable named by --api-key-env, never from the command line."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("name", metavar="NAME", help="The team's name, e.g. 'Acme sales'.")
        parser.add_argument(
            "--base-url",
            required=True,
            metavar="URL",
            help="The postpress base URL, e.g. https://api.postpress.ai/api/v1 (http or https).",
        )
        parser.add_argument(
            "--api-key-env",
            required=True,
            metavar="VAR",
            help="The name of the environment variable holding the team's postpress API key.",
        )

    def handle(
        self, *args: Any, name: str, base_url: str, api_key_env: str, **options: Any
    ) -> None:
        name, base_url = team_details(name, base_url)
        api_key = api_key_from_env(api_key_env)
        team = services.team_create(name=name, base_url=base_url, api_key=api_key, actor=None)
        self.stdout.write(team.slug)


def team_details(name: str, base_url: str) -> tuple[str, str]:
    """The name and base URL, validated by the same form as the settings page."""
    form = TeamForm(data={"name": name, "base_url": base_url})
    if not form.is_valid():
        raise CommandError(form_errors(form, {"name": "NAME", "base_url": "--base-url"}))
    return str(form.cleaned_data["name"]), str(form.cleaned_data["base_url"])


def api_key_from_env(variable: str) -> str:
    form = ApiKeyForm(data={"api_key": secret_from_env(variable, option="--api-key-env")})
    if not form.is_valid():
        # The form's messages describe the key without repeating it.
        raise CommandError(
            f"The API key in {describe(variable)}: {' '.join(form.errors['api_key'])}"
        )
    return str(form.cleaned_data["api_key"])
