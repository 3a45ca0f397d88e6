"""Reading the home page: today at a glance, per linked account, in a constant number of
queries and no API call; each account's waiting invitations come in their own small view
(`inbox_waiting`), one list call each."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from campaigns.models import Campaign, CampaignState
from campaigns.selectors import Progress, campaigns_progress, team_campaigns_under_way
from invitations.selectors import UsageWarning, inbox_accounts, writes_awaiting_resolution_count
from invitations.services import (
    CapsUsage,
    account_client,
    counted_sends,  # the caps' own definition of a send that counts, and of its window
)
from postpress_dashboard.core import clock
from postpress_dashboard.postpress.catalogue import FixableBy
from postpress_dashboard.postpress.errors import AuthenticationError, PostpressError
from postpress_dashboard.teams.models import ApiKeyState, ApiKeyUnavailable, LinkedAccount, Team
from postpress_dashboard.teams.services import account_attention_record, api_key_problem

# The inbox's default page: "25+ waiting" when the first page is full and another follows.
INBOX_FIRST_PAGE = 25


@dataclass(frozen=True)
class CapBar:
    """Sends in one rolling window against the account's cap, for a <meter>."""

    sent: int
    cap: int

    @property
    def low(self) -> int:
        return round(self.cap * 0.75)

    @property
    def high(self) -> int:
        return round(self.cap * 0.9)

    @property
    def reached(self) -> bool:
        return self.sent >= self.cap


@dataclass(frozen=True)
class CampaignGlance:
    campaign: Campaign
    progress: Progress


@dataclass(frozen=True)
class AccountGlance:
    account: LinkedAccount
    caps: CapsUsage
    usage: UsageWarning | None
    campaigns: list[CampaignGlance] = field(default_factory=list)

    @property
    def today(self) -> CapBar:
        return CapBar(self.caps.sent_today, self.caps.daily_cap)

    @property
    def week(self) -> CapBar:
        return CapBar(self.caps.sent_this_week, self.caps.weekly_cap)


@dataclass(frozen=True)
class TeamGlance:
    accounts: list[AccountGlance]
    attention_accounts: list[LinkedAccount]  # disconnected and the like: reconnect in postpress
    stopped_campaigns: list[Campaign]  # stopped by themselves, waiting for a person
    awaiting_resolution: int  # unconfirmed writes a person has yet to resolve
    api_key_state: ApiKeyState

    @property
    def needs_attention(self) -> bool:
        return bool(
            self.attention_accounts
            or self.stopped_campaigns
            or self.awaiting_resolution
            or self.api_key_state != ApiKeyState.OK
        )


def home_accounts(team: Team) -> QuerySet[LinkedAccount]:
    """The team's active accounts, each with its standing usage warning (inbox_accounts) and
    its sends in the caps' two rolling windows (`sent_today`, `sent_this_week`), counted as
    invitations.services.account_caps_usage counts them: one query for every account."""
    now = clock.now()
    return inbox_accounts(team).annotate(
        sent_today=_sends_since(now - timedelta(days=1)),
        sent_this_week=_sends_since(now - timedelta(days=7)),
    )


def _sends_since(since: datetime) -> Coalesce:
    counted = counted_sends(OuterRef("pk"), since=since)
    per_account = counted.order_by().values("account").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(per_account, output_field=IntegerField()), Value(0))


def caps_of(account: LinkedAccount) -> CapsUsage:
    """From an account annotated by home_accounts."""
    return CapsUsage(
        sent_today=account.sent_today,  # type: ignore[attr-defined]
        sent_this_week=account.sent_this_week,  # type: ignore[attr-defined]
        daily_cap=account.daily_cap,
        weekly_cap=account.weekly_cap,
    )


def team_glance(team: Team) -> TeamGlance:
    """Every active account with its caps, standing usage warning and campaigns under way, and
    what needs a person: four queries whatever the number of accounts and campaigns."""
    accounts = list(home_accounts(team).order_by("label", "pk"))
    campaigns = list(team_campaigns_under_way(team).order_by("name", "pk"))
    progress = campaigns_progress(campaigns)
    by_account: dict[int, list[CampaignGlance]] = {}
    for campaign in campaigns:
        if campaign.state == CampaignState.RUNNING:
            glance = CampaignGlance(campaign, progress[campaign.pk])
            by_account.setdefault(campaign.account_id, []).append(glance)
    return TeamGlance(
        accounts=[
            AccountGlance(
                account, caps_of(account), UsageWarning.of(account), by_account.get(account.pk, [])
            )
            for account in accounts
        ],
        attention_accounts=[account for account in accounts if account.attention],
        stopped_campaigns=[c for c in campaigns if c.state == CampaignState.STOPPED],
        awaiting_resolution=writes_awaiting_resolution_count(team),
        api_key_state=team.api_key_state,
    )


@dataclass(frozen=True)
class InboxWaiting:
    """How many received invitations wait, from the first page of the account's inbox."""

    count: int = 0
    more: bool = False  # the first page is full and another follows
    problem: str = ""  # why it could not be read, in the catalogue's words
    key_refused: bool = False  # the team's API key was refused: an admin can fix it

    @property
    def shown(self) -> str:
        if self.count == 0:
            return "None waiting"
        return f"{self.count}+ waiting" if self.more else f"{self.count} waiting"


def inbox_waiting(account: LinkedAccount) -> InboxWaiting:
    """One list call for the account's first page; the listed rows are not kept (the inbox
    keeps its own when it is opened). Its answer marks or clears the account's attention, as
    every call for the account does."""
    try:
        client = account_client(account)
    except ApiKeyUnavailable as unavailable:
        return InboxWaiting(problem=api_key_problem(unavailable.state))
    try:
        page = client.list_received_invitations(
            account_id=account.account_id, limit=INBOX_FIRST_PAGE
        )
    except PostpressError as error:
        account_attention_record(account=account, error=error)
        return InboxWaiting(
            problem=error.message_for("list", account_label=account.label),
            key_refused=isinstance(error, AuthenticationError)
            and error.fixable_by == FixableBy.ADMIN,
        )
    account_attention_record(account=account, error=None)
    count = len(page.items)
    return InboxWaiting(count=count, more=count >= INBOX_FIRST_PAGE and page.cursor is not None)
