"""Reading the activity log: a page of a filter, newest first (keyset, never OFFSET or a count
of the team's rows), the filter's summary in one aggregate query, and every row for export."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from activity.models import Entry, Kind, Outcome, Resolution
from postpress_dashboard.teams.models import Team


@dataclass(frozen=True)
class ActivityFilter:
    """What the Activity page asks for: every part optional (None or "" for any)."""

    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    actor_id: int | None = None
    account_id: int | None = None
    kind: str = ""
    outcome: str = ""
    campaign_id: int | None = None
    # Settings changes (the key's last four, base URLs, invite notes) are for admins only.
    settings_hidden: bool = False


def team_entries(team: Team, only: ActivityFilter | None = None) -> QuerySet[Entry]:
    """The team's entries under the filter, newest first, with whom and what they name."""
    only = only or ActivityFilter()
    entries = Entry.objects.filter(team=team)
    if only.since is not None:
        entries = entries.filter(created_at__gte=only.since)
    if only.until is not None:
        entries = entries.filter(created_at__lt=only.until)
    if only.actor_id is not None:
        entries = entries.filter(actor_id=only.actor_id)
    if only.account_id is not None:
        entries = entries.filter(account_id=only.account_id)
    if only.kind:
        entries = entries.filter(kind=only.kind)
    if only.outcome:
        entries = entries.filter(outcome=only.outcome)
    if only.campaign_id is not None:
        entries = entries.filter(campaign_id=only.campaign_id)
    if only.settings_hidden:
        entries = entries.exclude(kind=Kind.SETTINGS)
    return entries.order_by("-created_at", "-id")


# --- pages -----------------------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: the next page starts after this entry (older)."""

    created_at: datetime
    pk: int

    def encode(self) -> str:
        micros = (self.created_at - _EPOCH) // timedelta(microseconds=1)
        return f"{micros}.{self.pk}"

    @classmethod
    def decode(cls, raw: str | None) -> "Cursor | None":
        """None for nothing or anything not made by encode (the page then starts at the top)."""
        micros, _, pk = (raw or "").partition(".")
        if not (micros.isascii() and micros.isdigit() and pk.isascii() and pk.isdigit()):
            return None
        if len(micros) > 17 or len(pk) > 18:
            return None
        return cls(_EPOCH + timedelta(microseconds=int(micros)), int(pk))


@dataclass(frozen=True)
class EntryPage:
    entries: list[Entry]
    next_cursor: Cursor | None  # None on the last page


def entry_page(
    team: Team, only: ActivityFilter, *, after: Cursor | None, size: int = 25
) -> EntryPage:
    """One page, newest first, starting after the cursor: one query reading size + 1 rows in
    index order (models.Entry.Meta.indexes), whatever the team's number of rows."""
    entries = team_entries(team, only).select_related("actor", "account", "resolved_by", "campaign")
    if after is not None:
        entries = entries.filter(
            Q(created_at__lt=after.created_at) | Q(created_at=after.created_at, id__lt=after.pk),
            created_at__lte=after.created_at,  # the index range; the line above is exact
        )
    rows = list(entries[: size + 1])
    if len(rows) <= size:
        return EntryPage(rows, None)
    last = rows[size - 1]
    return EntryPage(rows[:size], Cursor(last.created_at, last.pk))


def get_entry_for_team(team: Team, entry_pk: int) -> Entry:
    try:
        return Entry.objects.select_related("account").get(pk=entry_pk, team=team)
    except Entry.DoesNotExist:
        raise Http404("No such activity in this team.") from None


def entries_for_export(team: Team, only: ActivityFilter) -> Iterator[Entry]:
    """Every entry under the filter, newest first, read in chunks (for a streamed export)."""
    entries = team_entries(team, only).select_related("actor", "account", "resolved_by", "campaign")
    return entries.iterator(chunk_size=2000)


# --- the summary line ------------------------------------------------------------------------

# How a count of successes of each kind reads ("34 accepted", "12 invitations sent").
_COUNTED: dict[str, tuple[str, str]] = {
    Kind.ACCEPT: ("{n} accepted", "{n} accepted"),
    Kind.DECLINE: ("{n} declined", "{n} declined"),
    Kind.SEND: ("{n} invitation sent", "{n} invitations sent"),
    Kind.WITHDRAW: ("{n} withdrawn", "{n} withdrawn"),
    Kind.CHAT: ("{n} chat", "{n} chats"),
    Kind.CAMPAIGN: ("{n} campaign event", "{n} campaign events"),
    Kind.SETTINGS: ("{n} settings change", "{n} settings changes"),
}


_RESOLVED_OUTCOME = {
    Resolution.WENT_THROUGH: Outcome.OK,
    Resolution.DID_NOT: Outcome.FAILED,
    Resolution.TRIED_AGAIN: "",
}


@dataclass(frozen=True)
class Summary:
    succeeded: dict[str, int]  # by kind
    failed: int
    unconfirmed: int

    @property
    def total(self) -> int:
        return sum(self.succeeded.values()) + self.failed + self.unconfirmed

    def words(self) -> str:
        """'34 accepted, 2 declined, 12 invitations sent, 1 chat; 3 failed', or 'nothing'."""
        done = [
            _COUNTED[kind][count != 1].format(n=count)
            for kind in Kind.values
            if (count := self.succeeded.get(kind, 0))
        ]
        trouble = []
        if self.failed:
            trouble.append(f"{self.failed} failed")
        if self.unconfirmed:
            trouble.append(f"{self.unconfirmed} may have gone through")
        parts = [", ".join(done), ", ".join(trouble)]
        return "; ".join(part for part in parts if part) or "nothing recorded"


def activity_summary(team: Team, only: ActivityFilter) -> Summary:
    """The filter's counts in one aggregate query (read from the team index for a date
    range: it holds the kind and the outcome)."""
    counts = (
        team_entries(team, only)
        .order_by()
        .values("kind", "outcome", "resolution")
        .annotate(n=Count("*"))
    )
    succeeded: dict[str, int] = {}
    failed = unconfirmed = 0
    for row in counts:
        # A write a person resolved counts as what they found; one they tried again counts
        # through the new attempt's own entry.
        outcome = _RESOLVED_OUTCOME.get(row["resolution"], row["outcome"])
        if outcome == Outcome.FAILED:
            failed += row["n"]
        elif outcome == Outcome.UNCONFIRMED:
            unconfirmed += row["n"]
        elif outcome == Outcome.OK:
            succeeded[row["kind"]] = succeeded.get(row["kind"], 0) + row["n"]
    return Summary(succeeded, failed, unconfirmed)
