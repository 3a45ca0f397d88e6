"""What the security tests share: the people and teams, database snapshots, haystacks."""

import logging
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.http import HttpResponse

from postpress_dashboard.teams.models import ActivityEntry, LinkedAccount, Membership, Team

API_BASE_URL = "https://api.example.test/api/v1"
INVITES_URL = f"{API_BASE_URL}/users/invite/received"

TEAM_A_NAME = "Acme Rockets"
TEAM_A_KEY = "pp_live_acme_rockets_key_1234"
ACCOUNT_A_ID = "acc_acme_0001"
ACCOUNT_A_LABEL = "Acme LinkedIn desk"

TEAM_B_NAME = "Zephyr Holdings"
TEAM_B_KEY = "pp_live_zephyr_holdings_key_4242"
ACCOUNT_B_ID = "acc_zephyr_0002"
ACCOUNT_B_LABEL = "Zephyr outreach"

# Strings that only team B's data contains: none may show on a page of team A's people.
TEAM_B_MARKERS = ("Zephyr", "zephyr", ACCOUNT_B_ID, "charlie")
# And the other way round, for charlie's pages.
TEAM_A_MARKERS = ("Acme", "acme", ACCOUNT_A_ID, "alice")


@dataclass(frozen=True)
class World:
    """alice (admin) and bob (member) in team A; charlie (admin) in team B; dave in no team."""

    alice: User
    bob: User
    charlie: User
    dave: User
    team_a: Team
    team_b: Team
    account_a: LinkedAccount
    account_b: LinkedAccount
    alice_membership: Membership
    bob_membership: Membership
    charlie_membership: Membership

    def objects_of(self, team: Team) -> dict[str, int]:
        """The object ids a URL of `team` takes, by URL keyword."""
        if team.pk == self.team_a.pk:
            return {"account_pk": self.account_a.pk, "membership_pk": self.bob_membership.pk}
        return {"account_pk": self.account_b.pk, "membership_pk": self.charlie_membership.pk}


# --- database snapshots --------------------------------------------------------------------

SNAPSHOT_MODELS = (Team, Membership, LinkedAccount, ActivityEntry, User)


def db_snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row and field of the models a request could change."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values()) for model in SNAPSHOT_MODELS
    }


def team_snapshot(team: Team) -> dict[str, list[dict[str, Any]]]:
    """Every row and field that belongs to one team."""
    return {
        "team": list(Team.objects.filter(pk=team.pk).values()),
        "memberships": list(Membership.objects.filter(team=team).order_by("pk").values()),
        "accounts": list(LinkedAccount.objects.filter(team=team).order_by("pk").values()),
        "activity": list(ActivityEntry.objects.filter(team=team).order_by("pk").values()),
    }


def raw_database_text() -> list[tuple[str, str]]:
    """(table, row) for every row of every table, read with SQL past the ORM."""
    rows = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows += [(table, repr(row)) for row in cursor.fetchall()]
    return rows


# --- haystacks a secret must not be found in -----------------------------------------------


def response_text(response: HttpResponse) -> str:
    """The body, the headers, the cookies set and the redirects followed."""
    chain = getattr(response, "redirect_chain", [])
    return "\n".join(
        (
            response.content.decode(errors="replace"),
            repr(dict(response.headers)),
            response.cookies.output(),
            repr(chain),
        )
    )


_FORMATTER = logging.Formatter("%(name)s %(levelname)s %(message)s")


def log_record_text(record: logging.LogRecord) -> str:
    """The formatted message with any traceback, and every attribute of the record."""
    return _FORMATTER.format(record) + "\n" + repr(vars(record))
