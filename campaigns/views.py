"""Campaigns: the list, a new campaign with its recipients, and one campaign's page with its
controls, live progress, recipients and results.

The nav link "Campaigns" leads to `campaign_list`; "New campaign" to `campaign_new`
(services.campaign_create); a campaign's page is `campaign_detail`, whose progress panel
polls `campaign_progress` while it runs and whose buttons post to `campaign_control`.
"""

import csv
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from campaigns import selectors, services
from campaigns.forms import AddRecipientsForm, CampaignForm, RecipientEditForm, TemplateForm
from campaigns.models import Campaign, CampaignKind
from campaigns.recipients import ParsedRecipients
from campaigns.services import CampaignRefused
from invitations.rules import takes_email
from postpress_dashboard.http import TeamRequest
from postpress_dashboard.teams.access import team_required

RECIPIENTS_PAGE_SIZE = 50
CONTROLS = {
    "start": services.campaign_start,
    "resume": services.campaign_start,
    "pause": services.campaign_pause,
    "cancel": services.campaign_cancel,
}


@team_required
@require_GET
def campaign_list(request: TeamRequest) -> HttpResponse:
    services.campaigns_revive(team=request.team)
    campaigns = list(selectors.team_campaigns(request.team))
    progress = selectors.campaigns_progress(campaigns)
    rows = [(campaign, progress[campaign.pk]) for campaign in campaigns]
    return render(request, "campaigns/list.html", {"rows": rows})


@team_required
@require_http_methods(["GET", "POST"])
def campaign_new(request: TeamRequest) -> HttpResponse:
    if request.method == "POST":
        form = CampaignForm(request.POST, request.FILES, team=request.team)
        if form.is_valid() and form.parsed is not None and form.template is not None:
            campaign = services.campaign_create(
                team=request.team,
                account=form.cleaned_data["account"],
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                template=form.template,
                recipients=form.parsed,
                pacing=form.pacing(),
                actor=request.user,
            )
            messages.success(request, _created_message(form.parsed))
            return redirect("campaigns:detail", campaign_pk=campaign.pk)
        status = 400
    else:
        form = CampaignForm(team=request.team)
        status = 200
    return render(request, "campaigns/new.html", {"form": form}, status=status)


def _created_message(parsed: ParsedRecipients) -> str:
    words = (
        f"Campaign created with {len(parsed.rows):,} recipients, paused: check the preview, "
        "then start it."
    )
    if parsed.duplicates_dropped:
        words += f" {parsed.duplicates_dropped:,} repeated rows were left out."
    return words


@team_required
@require_GET
def campaign_detail(request: TeamRequest, campaign_pk: int) -> HttpResponse:
    campaign = selectors.get_campaign_for_team(request.team, campaign_pk)
    services.campaigns_revive(team=request.team)
    return _render_detail(request, campaign)


def _render_detail(
    request: TeamRequest,
    campaign: Campaign,
    *,
    template_form: TemplateForm | None = None,
    add_form: AddRecipientsForm | None = None,
) -> HttpResponse:
    """The campaign's page; a refused message or recipients form comes back on it with its
    errors and what was typed (400)."""
    status = request.GET.get("status", "")
    if status not in dict(selectors.RECIPIENT_FILTERS):
        status = ""
    page = Paginator(
        selectors.campaign_recipients(campaign, status), RECIPIENTS_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    context = _panel_context(campaign) | {
        "preview": selectors.campaign_preview(campaign),
        "blocked": selectors.campaign_blocked(campaign),
        "page": page,
        "status_filter": status,
        "statuses": selectors.RECIPIENT_FILTERS,
        "template_form": template_form or TemplateForm(initial={"template": campaign.template}),
        "add_form": add_form or AddRecipientsForm(takes_email=False),
    }
    refused = template_form is not None or add_form is not None
    return render(request, "campaigns/detail.html", context, status=400 if refused else 200)


def _panel_context(campaign: Campaign) -> dict[str, Any]:
    progress = selectors.campaign_progress(campaign)
    return {
        "campaign": campaign,
        "progress": progress,
        "estimate": selectors.campaign_estimate(campaign, progress),
    }


@team_required
@require_GET
@vary_on_headers("HX-Request")
def campaign_progress(request: TeamRequest, campaign_pk: int) -> HttpResponse:
    """The progress panel, which the page polls while the campaign runs."""
    campaign = selectors.get_campaign_for_team(request.team, campaign_pk)
    if not request.htmx:
        return redirect("campaigns:detail", campaign_pk=campaign.pk)
    return render(request, "campaigns/detail.html#progress-panel", _panel_context(campaign))


@team_required
@require_POST
@vary_on_headers("HX-Request")
def campaign_control(request: TeamRequest, campaign_pk: int, control: str) -> HttpResponse:
    campaign = selectors.get_campaign_for_team(request.team, campaign_pk)
    change = CONTROLS.get(control)
    if change is None:
        raise Http404("No such control.")
    try:
        done = change(campaign=campaign, actor=request.user)
    except CampaignRefused as refused:
        messages.error(request, refused.message)
    else:
        if done is False:
            messages.info(
                request, f"The campaign is {campaign.get_state_display().lower()} already."
            )
    if request.htmx:
        return render(request, "campaigns/detail.html#progress-panel", _panel_context(campaign))
    return redirect("campaigns:detail", campaign_pk=campaign.pk)


@team_required
@require_POST
def campaign_template(request: TeamRequest, campaign_pk: int) -> HttpResponse:
    campaign = selectors.get_campaign_for_team(request.team, campaign_pk)
    form = TemplateForm(request.POST)
    if form.is_valid():
        try:
            services.campaign_template_change(
                campaign=campaign, template=form.cleaned_data["template"]
            )
        except CampaignRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(
                request, "Message saved; the recipients not yet sent were checked again."
            )
            return redirect("campaigns:detail", campaign_pk=campaign.pk)
    return _render_detail(request, campaign, template_form=form)


@team_required
@require_POST
def recipients_add(request: TeamRequest, campaign_pk: int) -> HttpResponse:
    campaign = selectors.get_campaign_for_team(request.team, campaign_pk)
    form = AddRecipientsForm(
        request.POST,
        request.FILES,
        existing=services.recipient_ids(campaign),
        takes_email=takes_email(campaign.account.provider)
        and campaign.kind == CampaignKind.INVITATIONS,
    )
    if form.is_valid() and form.parsed is not None:
        try:
            added = services.campaign_recipients_add(campaign=campaign, recipients=form.parsed)
        except CampaignRefused as refused:
            form.add_error(None, refused.message)
        else:
            words = f"{added:,} recipients added."
            if dropped := form.parsed.duplicates_dropped:
                words += f" {dropped:,} already in the campaign or repeated were left out."
            messages.success(request, words)
            return redirect("campaigns:detail", campaign_pk=campaign.pk)
    return _render_detail(request, campaign, add_form=form)


@team_required
@require_http_methods(["GET", "POST"])
def recipient_edit(request: TeamRequest, campaign_pk: int, recipient_pk: int) -> HttpResponse:
    campaign = selectors.get_campaign_for_team(request.team, campaign_pk)
    recipient = selectors.get_recipient_for_campaign(campaign, recipient_pk)
    email = takes_email(campaign.account.provider) and campaign.kind == CampaignKind.INVITATIONS
    form = RecipientEditForm(
        request.POST if request.method == "POST" else None, recipient=recipient, takes_email=email
    )
    if form.is_valid():
        try:
            services.campaign_recipient_edit(
                campaign=campaign,
                recipient=recipient,
                recipient_id=form.cleaned_data["recipient_id"],
                email=form.cleaned_data.get("email", ""),
                variables=form.variables(),
            )
        except CampaignRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, f"Row {recipient.row_number} saved.")
            return redirect(reverse("campaigns:detail", args=[campaign.pk]) + "#recipients")
    context = {"campaign": campaign, "recipient": recipient, "form": form}
    status = 400 if form.is_bound else 200
    return render(request, "campaigns/recipient_edit.html", context, status=status)


@team_required
@require_POST
def recipient_change(
    request: TeamRequest, campaign_pk: int, recipient_pk: int, change: str
) -> HttpResponse:
    campaign = selectors.get_campaign_for_team(request.team, campaign_pk)
    recipient = selectors.get_recipient_for_campaign(campaign, recipient_pk)
    if change == "skip":
        done = services.campaign_recipient_skip(
            campaign=campaign, recipient=recipient, actor=request.user
        )
    elif change == "remove":
        done = services.campaign_recipient_remove(campaign=campaign, recipient=recipient)
    else:
        raise Http404("No such change.")
    if not done:
        messages.info(request, f"{recipient.recipient_id} is no longer queued: it was not changed.")
    return redirect(reverse("campaigns:detail", args=[campaign.pk]) + "#recipients")


# Spreadsheets run a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> str:
    """A cell a spreadsheet shows as text: one that would start a formula gets a leading '."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


@team_required
@require_GET
def campaign_export(request: TeamRequest, campaign_pk: int) -> StreamingHttpResponse:
    """Each recipient with its outcome, streamed (a campaign holds up to 10 000 rows)."""
    campaign = selectors.get_campaign_for_team(request.team, campaign_pk)
    writer = csv.writer(_Echo())
    # Words only: the outcome as the page says it, never a raw error type.
    header = ["row", "provider_id", "status", "outcome", "postpress_invitation_id", "finished_at"]

    def rows() -> Any:
        yield writer.writerow(header)
        for recipient in selectors.campaign_recipients(campaign).iterator(chunk_size=1000):
            invitation_id = recipient.sent.invitation_id if recipient.sent else ""
            finished = recipient.finished_at.isoformat() if recipient.finished_at else ""
            values = [
                recipient.row_number,
                recipient.recipient_id,
                recipient.get_status_display(),
                recipient.reason or recipient.problem,
                invitation_id,
                finished,
            ]
            yield writer.writerow([csv_safe(value) for value in values])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}-results.csv"'
    return response
