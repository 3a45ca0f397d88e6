"""Reading campaigns, always within the request's team."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.http import Http404

from campaigns.models import Campaign, CampaignKind, CampaignState, Recipient, RecipientStatus
from campaigns.pacing import Caps, Pacing, estimate_finish
from campaigns.services import Progress
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


def campaign_recipients(campaign: Campaign, status: str = "") -> QuerySet[Recipient]:
    rows = campaign.recipients.select_related("sent")
    return rows.filter(status=status) if status else rows


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
