"""The team's Activity page: the nav link "Activity" leads to `activity_list`, which reads
selectors.entry_page and selectors.activity_summary; `activity_export` streams the same filter
as CSV; `unconfirmed_resolve` takes a person's answer about a write that may have gone through
(invitations.services.unconfirmed_resolve)."""

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from activity import selectors
from activity.forms import ActivityFilterForm
from activity.models import Entry, Kind, Outcome, Resolution
from activity.selectors import ActivityFilter
from campaigns.views import csv_safe
from chats import services as chat_services
from invitations import services as invitation_services
from invitations.rules import withdraws_by_provider_id
from postpress_dashboard.http import TeamRequest, posted_next_url
from postpress_dashboard.postpress.catalogue import (
    RESOLUTION_LABELS,
    message_for,
    unconfirmed_message,
)
from postpress_dashboard.teams.access import team_required

PAGE_SIZE = 25

# The catalogue's action for each kind of write (catalogue.ACTION_WORDS).
ACTION_OF_KIND = {
    Kind.ACCEPT: "decide",
    Kind.DECLINE: "decide",
    Kind.SEND: "send",
    Kind.WITHDRAW: "withdraw",
    Kind.CHAT: "chat",
}


@dataclass(frozen=True)
class ActivityRow:
    entry: Entry

    @property
    def failure(self) -> str:
        """The catalogue's words for what went wrong: never the raw error type."""
        entry = self.entry
        if entry.outcome == Outcome.UNCONFIRMED and entry.kind in RESOLUTION_LABELS:
            return unconfirmed_message(entry.kind, entry.error_type)
        # A campaign's stop carries its words in its detail ("Stopped: ...").
        if not entry.error_type or entry.kind not in ACTION_OF_KIND:
            return ""
        action = ACTION_OF_KIND[Kind(entry.kind)]
        if (
            action == "withdraw"
            and entry.account
            and withdraws_by_provider_id(entry.account.provider)
        ):
            action = "withdraw_by_provider_id"
        return message_for(entry.error_type, None, action)

    @property
    def person(self) -> str:
        """Who the entry is about, by name when known, else by the id the API gave."""
        return self.entry.target_name or self.entry.target

    @property
    def actor_name(self) -> str:
        entry = self.entry
        if entry.actor is not None:
            return str(entry.actor.get_username())
        if entry.kind == Kind.SETTINGS:
            return "command line"
        # A campaign acts by itself; anything else was done by someone since removed.
        by_campaign = entry.kind == Kind.CAMPAIGN or entry.campaign_id is not None
        return "the dashboard" if by_campaign else "a former member"

    @property
    def outcome_words(self) -> str:
        words = [self.entry.get_outcome_display()]
        if failure := self.failure:
            words.append(failure)
        if self.entry.resolution:
            by = (
                self.entry.resolved_by.get_username()
                if self.entry.resolved_by
                else "a former member"
            )
            words.append(f"{self.entry.get_resolution_display()}, said {by}")
        return " ".join(words)


def _filter_from(request: TeamRequest) -> tuple[ActivityFilterForm, ActivityFilter, tzinfo]:
    """The request's filter; a refused one shows everything (the form says what was wrong)."""
    admin = request.membership.is_admin
    form = ActivityFilterForm(request.GET, team=request.team, settings_visible=admin)
    if form.is_valid():
        return form, form.activity_filter(timezone.now()), form.cleaned_data["tz"]
    return form, ActivityFilter(settings_hidden=not admin), ZoneInfo("UTC")


@require_GET
@team_required
@vary_on_headers("HX-Request")
def activity_list(request: TeamRequest) -> HttpResponse:
    # Writes whose request died mid-call are listed here, to resolve.
    invitation_services.abandoned_writes_mark_unconfirmed(team=request.team)
    chat_services.abandoned_chats_mark_unconfirmed(team=request.team)
    form, only, _ = _filter_from(request)
    after = selectors.Cursor.decode(request.GET.get("after"))
    page = selectors.entry_page(request.team, only, after=after, size=PAGE_SIZE)
    context: dict[str, Any] = {
        "form": form,
        "rows": [ActivityRow(entry) for entry in page.entries],
        "next_cursor": page.next_cursor.encode() if page.next_cursor else "",
        "first_page": after is None,
        "next": request.get_full_path(),
        "export_query": _without(request, "after"),
    }
    if form.is_valid():
        label, counted = form.summary_filter(timezone.now())
        context["summary_label"] = label
        context["summary"] = selectors.activity_summary(request.team, counted).words()
        context["narrowed"] = form.narrowed
    # htmx 2 swaps no 4xx answer: a refused filter comes back as 200 to show its words.
    refused = not form.is_valid() and not request.htmx
    return render(request, "activity/list.html", context, status=400 if refused else 200)


def _without(request: TeamRequest, name: str) -> str:
    query = request.GET.copy()
    query.pop(name, None)
    return query.urlencode()


class _Echo:
    def write(self, value: str) -> str:
        return value


EXPORT_HEADER = [
    "time",
    "member",
    "account",
    "action",
    "person",
    "id",
    "outcome",
    "details",
    "campaign",
]


@require_GET
@team_required
def activity_export(request: TeamRequest) -> HttpResponse:
    """The filtered rows as CSV, streamed, every cell formula-safe, times in the reader's
    timezone (as the page shows them)."""
    form, only, zone = _filter_from(request)
    if not form.is_valid():
        return redirect(f"{reverse('activity:list')}?{request.GET.urlencode()}")
    writer = csv.writer(_Echo())

    def rows() -> Iterator[str]:
        yield writer.writerow(EXPORT_HEADER)
        for entry in selectors.entries_for_export(request.team, only):
            row = ActivityRow(entry)
            values = [
                entry.created_at.astimezone(zone).isoformat(timespec="seconds"),
                row.actor_name,
                entry.account.label if entry.account else "",
                entry.get_kind_display(),
                entry.target_name,
                entry.target,
                row.outcome_words,
                entry.detail,
                entry.campaign.name if entry.campaign else "",
            ]
            yield writer.writerow([csv_safe(value) for value in values])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().astimezone(zone).strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="activity-{stamp}.csv"'
    return response


@require_POST
@team_required
def unconfirmed_resolve(request: TeamRequest, entry_pk: int) -> HttpResponse:
    """A person says whether an unconfirmed send, withdraw, decision or chat went through."""
    entry = selectors.get_entry_for_team(request.team, entry_pk)
    back = posted_next_url(request, reverse("activity:list"))
    resolution = request.POST.get("resolution", "")
    if resolution not in (Resolution.WENT_THROUGH, Resolution.DID_NOT) or (
        entry.kind not in RESOLUTION_LABELS
    ):
        messages.error(request, "Nothing was changed: choose what you found on the provider.")
        return redirect(back)
    who = entry.target_name or entry.target
    if invitation_services.unconfirmed_resolve(
        entry=entry, resolution=resolution, actor=request.user
    ):
        went_through, did_not = RESOLUTION_LABELS[entry.kind]
        words = went_through if resolution == Resolution.WENT_THROUGH else did_not
        messages.success(request, f"Marked {who}: {words.lower()}.")
    else:
        messages.info(request, f"{who} was resolved already; nothing was changed.")
    return redirect(back)
