"""Entries written straight into the log, for the pages that read it."""

import re
from datetime import datetime

from django.contrib.auth.models import User
from django.utils import timezone

from activity.models import Entry, Outcome
from campaigns.models import Campaign
from postpress_dashboard.teams import services as team_services
from postpress_dashboard.teams.models import LinkedAccount, Team


def entry(
    account: LinkedAccount,
    kind: str,
    target: str,
    *,
    actor: User | None = None,
    error_type: str = "",
    outcome: str = "",
    target_name: str = "",
    detail: str = "",
    campaign: Campaign | None = None,
    at: datetime | None = None,
) -> Entry:
    return Entry.objects.create(
        team=account.team,
        account=account,
        actor=actor,
        kind=kind,
        target=target,
        target_name=target_name,
        outcome=outcome or (Outcome.FAILED if error_type else Outcome.OK),
        error_type=error_type,
        detail=detail,
        campaign=campaign,
        created_at=at or timezone.now(),
    )


def targets(page: str) -> list[str]:
    """Who or what each row names, in order (a settings row by its words)."""
    return re.findall(r'class="target">\s*([^<]*?)\s*<', page)


def instagram(team: Team) -> LinkedAccount:
    fields = team_services.AccountFields("INSTAGRAM", "acc_ig", "Ada on Instagram", [])
    return team_services.account_add(team=team, fields=fields, actor=None)
