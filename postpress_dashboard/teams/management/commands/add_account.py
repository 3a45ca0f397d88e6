"""`manage.py add_account TEAM_SLUG --provider P --account-id ID --label LABEL [...]`.

The provider rules (LinkedIn APIs, caps and their defaults) are the settings page's: the
fields go through the same form, so both refuse the same things.
"""

from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from postpress_dashboard.teams import services
from postpress_dashboard.teams.forms import LinkedAccountForm
from postpress_dashboard.teams.management.cli import form_errors, team_by_slug
from postpress_dashboard.teams.models import LinkedInApi, ProviderChoice

OPTIONS = {
    "provider": "--provider",
    "account_id": "--account-id",
    "label": "--label",
    "linkedin_apis": "--linkedin-apis",
    "daily_cap": "--daily-cap",
    "weekly_cap": "--weekly-cap",
}


class Command(BaseCommand):
    help = (
        "Link a postpress account to a team and print the new account's id. LinkedIn accounts "
        "take --linkedin-apis (default: classic); other providers take none. Caps left out get "
        "the provider's defaults (LinkedIn 80 a day, 200 a week)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("team_slug", metavar="TEAM_SLUG", help="The team's slug.")
        parser.add_argument(
            "--provider",
            required=True,
            type=str.upper,
            choices=ProviderChoice.values,
            help="The account's provider (case does not matter).",
        )
        parser.add_argument(
            "--account-id", required=True, metavar="ID", help="The account's id in postpress."
        )
        parser.add_argument("--label", required=True, help="Shown in account lists.")
        parser.add_argument(
            "--linkedin-apis",
            type=linkedin_apis,
            metavar="API[,API...]",
            help=f"LinkedIn only, comma-separated: {', '.join(LinkedInApi.values)}.",
        )
        parser.add_argument("--daily-cap", type=int, metavar="N", help="Invitations per day.")
        parser.add_argument("--weekly-cap", type=int, metavar="N", help="Invitations per week.")

    def handle(self, *args: Any, team_slug: str, **options: Any) -> None:
        team = team_by_slug(team_slug)
        fields = account_fields(options)
        with transaction.atomic():
            try:
                account = services.account_add(team=team, fields=fields, actor=None)
            except services.TeamRuleError as error:
                raise CommandError(str(error)) from None
        self.stdout.write(str(account.pk))


def linkedin_apis(value: str) -> list[str]:
    """`classic,sales_navigator` -> ["classic", "sales_navigator"], refusing unknown names."""
    names = list(dict.fromkeys(name.strip().lower() for name in value.split(",") if name.strip()))
    unknown = [name for name in names if name not in LinkedInApi.values]
    if unknown or not names:
        raise ArgumentTypeError(
            f"unknown LinkedIn API {', '.join(unknown) or '(none given)'}; "
            f"choose from {', '.join(LinkedInApi.values)}"
        )
    return names


def account_fields(options: dict[str, Any]) -> services.AccountFields:
    provider, apis = options["provider"], options["linkedin_apis"]
    if apis and provider != ProviderChoice.LINKEDIN:
        raise CommandError(f"--linkedin-apis applies to LinkedIn accounts only, not {provider}.")
    if provider == ProviderChoice.LINKEDIN and not apis:
        apis = [LinkedInApi.CLASSIC.value]
    data = {name: options[name] for name in ("provider", "account_id", "label")}
    data |= {"linkedin_apis": apis or [], "is_active": True}
    # The form takes absent caps as "the provider's default"; None would read as "None".
    data |= {cap: options[cap] for cap in ("daily_cap", "weekly_cap") if options[cap] is not None}
    form = LinkedAccountForm(data=data)
    if not form.is_valid():
        raise CommandError(form_errors(form, OPTIONS))
    return form.account_fields()
