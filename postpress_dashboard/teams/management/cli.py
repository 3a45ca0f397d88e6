"""Helpers shared by the teams' management commands: secrets from the environment, errors."""

import os
import re

from django import forms
from django.core.management.base import CommandError

from postpress_dashboard.teams.models import Team

# What a conventional environment variable name looks like. Anything else is echoed nowhere:
# someone may have passed the secret itself instead of the name of the variable holding it.
ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")


def secret_from_env(variable: str, *, option: str) -> str:
    """The value of an environment variable, or a CommandError that never shows a value."""
    if not ENV_NAME.fullmatch(variable):
        raise CommandError(
            f"{option} takes the name of an environment variable (like POSTPRESS_API_KEY), "
            "not the secret itself."
        )
    value = os.environ.get(variable, "")
    if not value.strip():
        raise CommandError(f"{describe(variable)} is not set or is empty ({option}).")
    return value


def describe(variable: str) -> str:
    return f"the environment variable {variable}"


def form_errors(form: forms.Form, options: dict[str, str]) -> str:
    """A form's errors as one line, each under the command-line name of its field."""
    return "; ".join(
        f"{options.get(field, field)}: {' '.join(messages)}"
        for field, messages in form.errors.items()
    )


def team_by_slug(slug: str) -> Team:
    try:
        return Team.objects.get(slug=slug)
    except Team.DoesNotExist:
        raise CommandError(f"No team has the slug {slug!r}.") from None
