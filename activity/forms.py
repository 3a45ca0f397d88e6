"""The Activity page's filter: a GET form that works without JavaScript."""

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django import forms
from django.contrib.auth import get_user_model

from activity.models import Kind, Outcome
from activity.selectors import ActivityFilter
from campaigns.models import Campaign
from campaigns.selectors import team_campaigns
from postpress_dashboard.teams.models import LinkedAccount, Team
from postpress_dashboard.teams.selectors import team_accounts

RANGES = [
    ("", "Any time"),
    ("today", "Today"),
    ("yesterday", "Yesterday"),
    ("7d", "Last 7 days"),
    ("custom", "From and to dates"),
]


# Dates outside these years are refused: a day at either end of what Python can hold overflows
# once moved to UTC.
FIRST_YEAR, LAST_YEAR = 2000, 9998


@cache
def _known_timezones() -> frozenset[str]:
    return frozenset(available_timezones())


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_username())


class ActivityFilterForm(forms.Form):
    when = forms.ChoiceField(label="When", choices=RANGES, required=False)
    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    member = MemberChoiceField(
        label="Member",
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="Anyone",
    )
    account = forms.ModelChoiceField(
        label="Account",
        queryset=LinkedAccount.objects.none(),
        required=False,
        empty_label="All accounts",
    )
    kind = forms.ChoiceField(
        label="Action", choices=[("", "Any action"), *Kind.choices], required=False
    )
    outcome = forms.ChoiceField(
        label="Outcome", choices=[("", "Any outcome"), *Outcome.choices], required=False
    )
    campaign = forms.ModelChoiceField(
        label="Campaign",
        queryset=Campaign.objects.none(),
        required=False,
        empty_label="Any campaign",
    )
    # The reader's timezone, filled in by static/js/app.js: "today" is theirs. UTC without it.
    tz = forms.CharField(
        required=False, widget=forms.HiddenInput(attrs={"data-browser-timezone": ""})
    )

    def __init__(
        self, *args: Any, team: Team, settings_visible: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.settings_visible = settings_visible
        if not settings_visible:
            self.fields["kind"].choices = [  # type: ignore[attr-defined]
                choice
                for choice in self.fields["kind"].choices
                if choice[0] != Kind.SETTINGS  # type: ignore[attr-defined]
            ]
        users = get_user_model().objects.filter(memberships__team=team).order_by("username")
        self.fields["member"].queryset = users  # type: ignore[attr-defined]
        self.fields["account"].queryset = team_accounts(team)  # type: ignore[attr-defined]
        self.fields["campaign"].queryset = team_campaigns(team).order_by("-created_at")  # type: ignore[attr-defined]

    def clean_tz(self) -> ZoneInfo:
        # Only a name from the zone database: ZoneInfo() on anything else may read a file path.
        name = self.cleaned_data.get("tz") or "UTC"
        return ZoneInfo(name if name in _known_timezones() else "UTC")

    def clean_since(self) -> date | None:
        return _in_years(self.cleaned_data.get("since"))

    def clean_until(self) -> date | None:
        return _in_years(self.cleaned_data.get("until"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if (since or until) and not cleaned.get("when"):
            cleaned["when"] = "custom"  # dates alone, without JavaScript choosing the range
        if since and until and until < since:
            self.add_error("until", "The end date comes before the start date.")
        return cleaned

    def activity_filter(self, now: datetime) -> ActivityFilter:
        """The filter asked for, its days in the reader's timezone (call after is_valid)."""
        data = self.cleaned_data
        since, until = self._range(now.astimezone(data["tz"]).date())
        return ActivityFilter(
            since=since,
            until=until,
            actor_id=data["member"].pk if data.get("member") else None,
            account_id=data["account"].pk if data.get("account") else None,
            kind=data.get("kind") or "",
            outcome=data.get("outcome") or "",
            campaign_id=data["campaign"].pk if data.get("campaign") else None,
            settings_hidden=not self.settings_visible,
        )

    def summary_filter(self, now: datetime) -> tuple[str, ActivityFilter]:
        """What the summary line counts and how it names it: the filter's own dates, or, for
        all time, today (in the reader's timezone): a count over a bounded range, never over
        the team's whole log."""
        only = self.activity_filter(now)
        if only.since is not None or only.until is not None:
            return self.range_words(), only
        today = now.astimezone(self.cleaned_data["tz"]).date()
        since, until = self._start(today), self._start(today + timedelta(days=1))
        return "Today", replace(only, since=since, until=until)

    def _range(self, today: date) -> tuple[datetime | None, datetime | None]:
        data = self.cleaned_data
        match data.get("when"):
            case "today":
                return self._start(today), self._start(today + timedelta(days=1))
            case "yesterday":
                return self._start(today - timedelta(days=1)), self._start(today)
            case "7d":
                return self._start(today - timedelta(days=6)), self._start(
                    today + timedelta(days=1)
                )
            case "custom":
                since, until = data.get("since"), data.get("until")
                return (
                    self._start(since) if since else None,
                    self._start(until + timedelta(days=1)) if until else None,
                )
        return None, None

    def _start(self, day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=self.cleaned_data["tz"])

    def range_words(self) -> str:
        """How the summary line names the period: "Today", "1 Nov 2026 to 7 Nov 2026"."""
        data = self.cleaned_data
        when = data.get("when") or ""
        if when != "custom":
            return dict(RANGES)[when] if when else "All time"
        since, until = data.get("since"), data.get("until")
        if since and until:
            return f"{since:%-d %b %Y} to {until:%-d %b %Y}"
        if since:
            return f"Since {since:%-d %b %Y}"
        return f"Until {until:%-d %b %Y}" if until else "All time"

    @property
    def narrowed(self) -> bool:
        """Whether anything but the dates narrows the rows."""
        data = getattr(self, "cleaned_data", {})
        return any(data.get(name) for name in ("member", "account", "kind", "outcome", "campaign"))


def _in_years(day: date | None) -> date | None:
    if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise forms.ValidationError(f"Choose a date between {FIRST_YEAR} and {LAST_YEAR}.")
    return day
