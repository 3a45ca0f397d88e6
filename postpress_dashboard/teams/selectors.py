"""Reading teams, memberships and accounts, always within the request's team."""

from django.db.models import Case, QuerySet, When
from django.http import Http404
from django.utils import timezone

from activity.models import Entry, Kind
from postpress_dashboard.core import rawsql
from postpress_dashboard.teams.models import (
    LinkedAccount,
    Membership,
    Team,
    TeamInvite,
)


def memberships_for_user(user_id: int) -> list[Membership]:
    """The user's memberships, each with its team, by team name: every request asks (the
    current team's middleware), so in SQL written out (core/rawsql.py), a fifth of the
    ORM's cost."""
    memberships = rawsql.Columns(Membership, "membership")
    teams = rawsql.Columns(Team, "team")
    sql = (
        f"SELECT {memberships.select()}, {teams.select()}"  # noqa: S608 (names from the models, quoted; values are parameters)
        f" FROM {rawsql.table(Membership)} membership"
        f" INNER JOIN {rawsql.table(Team)} team"
        f" ON team.id = membership.{rawsql.column(Membership, 'team')}"
        f" WHERE membership.{rawsql.column(Membership, 'user')} = %s"
        f" ORDER BY team.{rawsql.column(Team, 'name')}, membership.id"
    )
    loaded = []
    for row in rawsql.fetch(sql, [user_id]):
        membership = memberships.load(row[: len(memberships)])
        membership.team = teams.load(row[len(memberships) :])
        loaded.append(membership)
    return loaded


def team_accounts(team: Team) -> QuerySet[LinkedAccount]:
    return LinkedAccount.objects.filter(team=team)


def team_active_accounts(team: Team) -> QuerySet[LinkedAccount]:
    return team_accounts(team).filter(is_active=True)


def team_active_accounts_preferring(
    team: Team, providers: tuple[str, ...]
) -> QuerySet[LinkedAccount]:
    """Active accounts, those of the given providers first: a page's sensible default."""
    preferred_first = Case(When(provider__in=providers, then=0), default=1)
    return team_active_accounts(team).order_by(preferred_first, "label")


def team_members(team: Team) -> QuerySet[Membership]:
    return Membership.objects.filter(team=team).select_related("user").order_by("user__username")


def team_activity(team: Team, *, limit: int = 50) -> QuerySet[Entry]:
    """The latest changes to the team's settings, from the team's one activity log."""
    return Entry.objects.filter(team=team, kind=Kind.SETTINGS).select_related("actor")[:limit]


def get_account_for_team(team: Team, account_pk: int | str) -> LinkedAccount:
    """The team's linked account with that id, or 404: never another team's.

    Takes the id as an int or as text straight from a query or form (not a number: 404).
    """
    if isinstance(account_pk, str):
        # No id has more than 19 digits; int() refuses over 4,300 (ValueError).
        if not (account_pk.isascii() and account_pk.isdigit()) or len(account_pk) > 20:
            raise Http404("No such account in this team.")
        account_pk = int(account_pk)
    # Every view that acts on an account asks: in SQL written out (core/rawsql.py).
    accounts = rawsql.Columns(LinkedAccount, "account")
    sql = (
        f"SELECT {accounts.select()} FROM {rawsql.table(LinkedAccount)} account"  # noqa: S608 (names from the model, quoted; values are parameters)
        f" WHERE account.{rawsql.column(LinkedAccount, 'team')} = %s AND account.id = %s"
    )
    rows = (
        rawsql.fetch(sql, [team.pk, account_pk])
        if rawsql.is_storable_pk(LinkedAccount, account_pk)
        else []
    )
    if not rows:
        raise Http404("No such account in this team.")
    account = accounts.load(rows[0])
    account.team = team  # the caller's own copy: saves reading it again
    return account


def get_membership_for_team(team: Team, membership_pk: int) -> Membership:
    try:
        return team_members(team).get(pk=membership_pk)
    except Membership.DoesNotExist:
        raise Http404("No such member in this team.") from None


def team_pending_invites(team: Team) -> QuerySet[TeamInvite]:
    """The team's invite links not yet used, revoked or expired, newest first."""
    pending = TeamInvite.objects.filter(
        team=team, accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
    )
    return pending.select_related("created_by")


def get_invite_for_team(team: Team, invite_pk: int) -> TeamInvite:
    try:
        return team_pending_invites(team).get(pk=invite_pk)
    except TeamInvite.DoesNotExist:
        raise Http404("No such pending invite in this team.") from None


def pending_invite_by_token(token: str) -> TeamInvite | None:
    """The pending invite a link's token opens, with its team; None for any other token."""
    invite = TeamInvite.objects.select_related("team").filter(token_hash=TeamInvite.hash(token))
    found = invite.first()
    return found if found is not None and found.is_pending(timezone.now()) else None
