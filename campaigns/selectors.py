"""Reading campaigns, always within the request's team."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from campaigns.models import Campaign, CampaignKind, CampaignState, Recipient, RecipientStatus
from campaigns.pacing import Caps, Pacing, estimate_finish
from campaigns.templating import TemplateInvalid, template_parse
from invitations.services import account_caps_usage
from postpress_dashboard.core import clock
from postpress_dashboard.teams.models import Team

PREVIEW_ROWS = 5
BLOCKED_SHOWN = 50


def team_campaigns(team: Team) -> QuerySet[Campaign]:
    return Campaign.objects.filter(team=team).select_related("account")


def team_campaigns_under_way(team: Team) -> QuerySet[Campaign]:
    """Running campaigns, and those that stopped by themselves and wait for a person."""
    return team_campaigns(team).filter(state__in=[CampaignState.RUNNING, CampaignState.STOPPED])


def get_campaign_for_team(team: Team, campaign_pk: int) -> Campaign:
    campaign = team_campaigns(team).select_related("started_by").filter(pk=campaign_pk).first()
    if campaign is None:
        raise Http404("No such campaign in this team.")
    return campaign


def get_recipient_for_campaign(campaign: Campaign, recipient_pk: int) -> Recipient:
    recipient = campaign.recipients.filter(pk=recipient_pk).first()
    if recipient is None:
        raise Http404("No such recipient in this campaign.")
    return recipient


@dataclass(frozen=True)
class PreviewRow:
    recipient: Recipient
    message: str


def campaign_preview(campaign: Campaign) -> list[PreviewRow]:
    """The message as the first queued recipients will get it."""
    try:
        template = template_parse(campaign.template)
    except TemplateInvalid:
        return []
    queued = campaign.recipients.filter(status=RecipientStatus.QUEUED, problem="")
    return [
        PreviewRow(recipient, template.render(recipient.variables).text)
        for recipient in queued[:PREVIEW_ROWS]
    ]


def campaign_blocked(campaign: Campaign) -> list[PreviewRow]:
    """Queued recipients whose message cannot go out as it is, with what it would say."""
    template = template_parse(campaign.template)
    blocked = campaign.recipients.filter(status=RecipientStatus.QUEUED).exclude(problem="")
    return [
        PreviewRow(recipient, template.render(recipient.variables).text)
        for recipient in blocked[:BLOCKED_SHOWN]
    ]


# The recipients list's filter: a status, or the queued rows that need fixing.
NEEDS_FIXING = "needs_fixing"
RECIPIENT_FILTERS = [*RecipientStatus.choices, (NEEDS_FIXING, "Needs fixing")]


def campaign_recipients(campaign: Campaign, shown: str = "") -> QuerySet[Recipient]:
    rows = campaign.recipients.select_related("sent")
    if shown == NEEDS_FIXING:
        return rows.filter(status=RecipientStatus.QUEUED).exclude(problem="")
    return rows.filter(status=shown) if shown else rows


@dataclass(frozen=True)
class Progress:
    total: int
    queued: int
    sending: int
    sent: int
    unconfirmed: int
    skipped: int
    failed: int
    blocked: int  # queued, but cannot go out as it is

    @property
    def done(self) -> int:
        return self.sent + self.unconfirmed + self.skipped + self.failed

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def campaign_progress(campaign: Campaign) -> Progress:
    """Counts by status, in one query."""
    counts = campaign.recipients.aggregate(
        total=Count("pk"),
        blocked=Count("pk", filter=Q(status=RecipientStatus.QUEUED) & ~Q(problem="")),
        **{status.value: Count("pk", filter=Q(status=status)) for status in RecipientStatus},
    )
    return Progress(**counts)


def campaigns_progress(campaigns: Iterable[Campaign]) -> dict[int, Progress]:
    """Counts for several campaigns, in one query."""
    ids = [campaign.pk for campaign in campaigns]
    rows = (
        Recipient.objects.filter(campaign_id__in=ids)
        .values("campaign_id")
        .annotate(
            total=Count("pk"),
            blocked=Count("pk", filter=Q(status=RecipientStatus.QUEUED) & ~Q(problem="")),
            **{status.value: Count("pk", filter=Q(status=status)) for status in RecipientStatus},
        )
    )
    empty = Progress(0, 0, 0, 0, 0, 0, 0, 0)
    found = {row.pop("campaign_id"): Progress(**row) for row in rows}
    return {campaign_id: found.get(campaign_id, empty) for campaign_id in ids}


def campaign_estimate(campaign: Campaign, progress: Progress) -> datetime | None:
    """When the queued recipients would all be sent, given the hours and the caps."""
    if campaign.state not in (CampaignState.RUNNING, CampaignState.PAUSED):
        return None
    caps = None
    if campaign.kind == CampaignKind.INVITATIONS:
        usage = account_caps_usage(campaign.account)
        caps = Caps(usage.daily_cap, usage.weekly_cap, usage.sent_today, usage.sent_this_week)
    start = max(campaign.next_send_at or clock.now(), clock.now())
    remaining = progress.queued - progress.blocked
    return estimate_finish(Pacing.of(campaign), remaining=remaining, now=start, caps=caps)
