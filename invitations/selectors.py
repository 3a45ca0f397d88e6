"""Reading invitations: the inbox page, sent invitations, usage warnings."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from activity.models import Entry, Outcome
from invitations.models import (
    InvitationDecision,
    ListedInvitation,
    SentInvitation,
    SentStatus,
)
from invitations.services import account_client, listed_invitations_remember
from postpress_dashboard.core import rawsql
from postpress_dashboard.postpress.errors import PostpressError
from postpress_dashboard.postpress.schemas import ReceivedInvitation
from postpress_dashboard.teams.models import ApiKeyUnavailable, LinkedAccount, Team
from postpress_dashboard.teams.selectors import team_active_accounts
from postpress_dashboard.teams.services import api_key_problem

PAGE_SIZES = (10, 25, 50, 100)
DEFAULT_PAGE_SIZE = 25


@dataclass(frozen=True)
class InboxRow:
    invitation: ReceivedInvitation
    decision: InvitationDecision | None  # an earlier accept/decline, by anyone in the team


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxRow] = field(default_factory=list)
    next_cursor: str | None = None
    error: PostpressError | None = None
    key_problem: str = ""  # the team's API key is missing or unreadable

    @property
    def failed(self) -> bool:
        return self.error is not None or bool(self.key_problem)

    account_label: str = ""

    @property
    def error_message(self) -> str:
        if self.error is None:
            return ""
        return self.error.message_for("list", account_label=self.account_label)


def received_invitation_page(
    *, account: LinkedAccount, limit: int, cursor: str | None
) -> InboxPage:
    """One page of received invitations: one API call, and a constant number of queries."""
    try:
        client = account_client(account)
    except ApiKeyUnavailable as unavailable:
        return InboxPage(key_problem=api_key_problem(unavailable.state))
    try:
        page = client.list_received_invitations(
            account_id=account.account_id, limit=limit, cursor=cursor
        )
    except PostpressError as error:
        return InboxPage(error=error, account_label=account.label)
    listed_invitations_remember(account=account, items=page.items)
    decisions = page_decisions(account=account, invitation_ids=[item.id for item in page.items])
    rows = [InboxRow(item, decisions.get(item.id)) for item in page.items]
    return InboxPage(rows=rows, next_cursor=page.cursor)


def page_decisions(
    *, account: LinkedAccount, invitation_ids: list[str]
) -> dict[str, InvitationDecision]:
    """The team's earlier decisions on a page's invitations, each with its actor, by invitation
    id. In SQL written out (core/rawsql.py): every inbox view runs it."""
    if not invitation_ids:
        return {}
    decisions = rawsql.Columns(InvitationDecision, "decision")
    actors = rawsql.Columns(get_user_model(), "actor")
    listed = ", ".join(["%s"] * len(invitation_ids))
    sql = (
        f"SELECT {decisions.select()}, {actors.select()}"  # noqa: S608 (names from the models, quoted; values are parameters)
        f" FROM {rawsql.table(InvitationDecision)} decision"
        f" LEFT OUTER JOIN {rawsql.table(get_user_model())} actor"
        f" ON actor.id = decision.{rawsql.column(InvitationDecision, 'actor')}"
        f" WHERE decision.{rawsql.column(InvitationDecision, 'account')} = %s"
        f" AND decision.{rawsql.column(InvitationDecision, 'invitation_id')} IN ({listed})"
    )
    found = {}
    for row in rawsql.fetch(sql, [account.pk, *invitation_ids]):
        decision = decisions.load(row[: len(decisions)])
        actor = row[len(decisions) :]
        decision.actor = actors.load(actor) if actor[0] is not None else None
        found[decision.invitation_id] = decision
    return found


def listed_inviter_names(*, account: LinkedAccount, invitation_ids: list[str]) -> dict[str, str]:
    """Who sent each invitation, as the last listed page said: one query for a row or a batch."""
    return dict(
        ListedInvitation.objects.filter(
            account=account, invitation_id__in=invitation_ids
        ).values_list("invitation_id", "inviter_name")
    )


def inbox_accounts(team: Team) -> QuerySet[LinkedAccount]:
    """The team's active accounts, each with its team and its standing usage warning
    (`latest_usage`, `latest_usage_at`), in one query."""
    latest = _latest_usage(OuterRef("pk"))
    return (
        team_active_accounts(team)
        .select_related("team")
        .annotate(
            latest_usage=Subquery(latest.values("usage")[:1]),
            latest_usage_at=Subquery(latest.values("sent_at")[:1]),
        )
    )


def inbox_account_list(team: Team) -> list[LinkedAccount]:
    """inbox_accounts, the same accounts in the same order with the same annotations, in SQL
    written out (core/rawsql.py): the ORM took longer to build this query, with its two
    subqueries, than the rest of an inbox page. Each account's team is the one given."""
    accounts = rawsql.Columns(LinkedAccount, "account")
    sent, account_id = rawsql.table(SentInvitation), rawsql.column(SentInvitation, "account")
    usage, sent_at = (
        rawsql.column(SentInvitation, "usage"),
        rawsql.column(SentInvitation, "sent_at"),
    )
    latest = (
        f"FROM {sent} sent WHERE sent.{account_id} = account.id AND sent.{usage} IS NOT NULL"
        f" AND sent.{sent_at} >= %s ORDER BY sent.{sent_at} DESC, sent.id DESC LIMIT 1"
    )
    sql = (
        f"SELECT {accounts.select()},"  # noqa: S608 (names from the models, quoted; values are parameters)
        f" (SELECT sent.{usage} {latest}), (SELECT sent.{sent_at} {latest})"
        f" FROM {rawsql.table(LinkedAccount)} account"
        f" WHERE account.{rawsql.column(LinkedAccount, 'team')} = %s"
        f" AND account.{rawsql.column(LinkedAccount, 'is_active')} = %s"
        f" ORDER BY account.{rawsql.column(LinkedAccount, 'label')}, account.id"
    )
    since = rawsql.db_value(SentInvitation, "sent_at", _usage_window_start())
    active = rawsql.db_value(LinkedAccount, "is_active", True)
    listed = []
    for row in rawsql.fetch(sql, [since, since, team.pk, active]):
        account = accounts.load(row[: len(accounts)])
        account.team = team
        account.latest_usage, latest_at = row[len(accounts) :]  # type: ignore[attr-defined]
        account.latest_usage_at = rawsql.converted_datetime(  # type: ignore[attr-defined]
            latest_at, SentInvitation, "sent_at"
        )
        listed.append(account)
    return listed


@dataclass(frozen=True)
class UsageWarning:
    percent: int  # 50, 75, 90 or 95: the API reports usage only at these landings
    reported_at: datetime

    @classmethod
    def of(cls, account: LinkedAccount) -> "UsageWarning | None":
        """From an account annotated by inbox_accounts."""
        percent = getattr(account, "latest_usage", None)
        if percent is None:
            return None
        return cls(percent, account.latest_usage_at)  # type: ignore[attr-defined]


def _latest_usage(account: LinkedAccount | OuterRef) -> QuerySet[SentInvitation]:
    """The account's reports of usage still standing: the latest first, none older than the
    provider's window (POSTPRESS_USAGE_WINDOW_HOURS), after which the limit has reset."""
    return SentInvitation.objects.filter(
        account=account, usage__isnull=False, sent_at__gte=_usage_window_start()
    ).order_by("-sent_at", "-id")


def _usage_window_start() -> datetime:
    return timezone.now() - timedelta(hours=settings.POSTPRESS_USAGE_WINDOW_HOURS)


def account_usage_warning(account: LinkedAccount) -> UsageWarning | None:
    """The usage last reported for the account within the provider's window, and when.

    It stands until the window has passed or a later answer reports another figure: the API
    reports usage only at landings (50, 75, 90, 95), never that it went down.
    """
    latest = _latest_usage(account).values_list("usage", "sent_at").first()
    return UsageWarning(*latest) if latest else None


def sent_invitations(
    account: LinkedAccount, *, pending_longer_than_days: int | None = None
) -> QuerySet[SentInvitation]:
    """Each with `unconfirmed_event`: the pk of the Activity entry a person resolves, if any."""
    sent = (
        SentInvitation.objects.filter(account=account)
        # A campaign's sends name it (campaigns.Recipient.sent), in the same query.
        .select_related("sent_by", "withdrawn_by", "campaign_recipient__campaign")
        .annotate(unconfirmed_event=Subquery(_awaiting_resolution(OuterRef("pk"))))
    )
    if pending_longer_than_days is not None:
        cutoff = timezone.now() - timedelta(days=pending_longer_than_days)
        sent = sent.filter(status=SentStatus.PENDING, sent_at__lte=cutoff)
    return sent


def _awaiting_resolution(sent: OuterRef) -> QuerySet[Entry]:
    return (
        Entry.objects.filter(sent=sent, outcome=Outcome.UNCONFIRMED, resolution="")
        .order_by("-pk")
        .values("pk")[:1]
    )


def get_sent_invitation_for_team(team: Team, sent_pk: int) -> SentInvitation:
    try:
        return (
            SentInvitation.objects.select_related("account__team", "sent_by", "withdrawn_by")
            .annotate(unconfirmed_event=Subquery(_awaiting_resolution(OuterRef("pk"))))
            .get(pk=sent_pk, account__team=team)
        )
    except SentInvitation.DoesNotExist:
        raise Http404("No such sent invitation in this team.") from None


def writes_awaiting_resolution_count(team: Team) -> int:
    """Unconfirmed sends, decisions, withdraws and chats a person has yet to resolve."""
    return Entry.objects.filter(team=team, outcome=Outcome.UNCONFIRMED, resolution="").count()
