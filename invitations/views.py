"""The inbox: one linked account's received invitations, accepted or declined one by one or in bulk.

Without JavaScript every control is a link or a form post that redirects back with a message.
With it, static/js/inbox.js queues each decision (key or click) and swaps the answer into the
decision cell of its row, by id; the person's name, headline and note are never in an answer,
so they stay whatever the outcome. The bulk buttons swap each processed row's cell out of band.
Keyboard triage, the filter and local times live in static/js/inbox.js.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode

from django import forms
from django.contrib import messages
from django.contrib.sessions.backends.base import SessionBase
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from invitations import selectors, services
from invitations.bulk import Stopped
from invitations.models import Action, DecisionState, InvitationDecision
from invitations.rules import decides_received_invitations
from postpress_dashboard.http import TeamRequest, posted_next_url
from postpress_dashboard.postpress.catalogue import FixableBy, unconfirmed_message
from postpress_dashboard.postpress.errors import AuthenticationError
from postpress_dashboard.postpress.schemas import ReceivedInvitation
from postpress_dashboard.teams import selectors as team_selectors
from postpress_dashboard.teams.access import team_required
from postpress_dashboard.teams.models import LinkedAccount, Membership, Team
from postpress_dashboard.teams.services import account_attention_record, concerns_linked_account

INBOX = "invitations:inbox"
DECIDE = "invitations:decide"
PAGE_TEMPLATE = "invitations/inbox.html"
# The answer to one decision: the row's decision cell, and its select box out of band. The
# person's details are not in it: they stay in the page, whatever the outcome.
DECISION_TEMPLATE = "invitations/inbox.html#decision-result"
BULK_TEMPLATE = "invitations/inbox.html#bulk-result"
CURSORS_SESSION_KEY = "inbox_cursors"
# Bounds on what the session keeps of the API's cursors (F21).
MAX_CURSOR_LENGTH = 2000
MAX_PAGES_REMEMBERED = 200
MAX_LISTS_REMEMBERED = 20  # account and page size pairs
PAST_TENSE = {Action.ACCEPT: "Accepted", Action.DECLINE: "Declined"}
# Where a provider shows a person's profile, by the public identifier the API lists.
PROFILE_URLS = {
    "LINKEDIN": "https://www.linkedin.com/in/{}",
    "INSTAGRAM": "https://www.instagram.com/{}/",
}
# Row states that show what this request did (rather than an earlier decision).
OUTCOME_STATES = ("decided", "failed", "refused", "unconfirmed")
MAX_INVITATION_ID = 200  # ListedInvitation.invitation_id
PRESENT_PARTICIPLE = {Action.ACCEPT: "accepting", Action.DECLINE: "declining"}


class InboxQueryForm(forms.Form):
    """?account=<pk>&size=25&page=2. A wrong size or page falls back to its default."""

    account = forms.IntegerField(required=False, min_value=1)
    size = forms.TypedChoiceField(
        choices=[(size, size) for size in selectors.PAGE_SIZES],
        coerce=int,
        empty_value=None,
        required=False,
    )
    page = forms.IntegerField(required=False, min_value=1)


class VisitedCursors:
    """The cursors of the inbox pages already visited, per account and page size, in the session.

    The API hands out forward cursors only, so going back reuses the cursor that first led to a
    page. Entry 0 is page 1, which needs none.
    """

    def __init__(self, session: SessionBase, *, account: LinkedAccount, size: int) -> None:
        self._session = session
        self._key = f"{account.pk}:{size}"
        stored = session.get(CURSORS_SESSION_KEY, {}).get(self._key)
        valid = (
            isinstance(stored, list)
            and stored[:1] == [None]
            and all(isinstance(cursor, str) for cursor in stored[1:])
        )
        self._cursors: list[str | None] = stored if valid else [None]

    def knows(self, number: int) -> bool:
        return 1 <= number <= len(self._cursors)

    def cursor_for(self, number: int) -> str | None:
        return self._cursors[number - 1]

    def remember(self, number: int, next_cursor: str | None) -> bool:
        """Page `number` was shown and pointed at `next_cursor` (None on the last page).

        True when the next page can be reached. What the session keeps is bounded whatever the
        API returns: cursors of sane length, so many pages per list and so many lists.
        """
        cursors = self._cursors
        usable = next_cursor is not None and len(next_cursor) <= MAX_CURSOR_LENGTH
        if not usable or number >= MAX_PAGES_REMEMBERED:
            cursors = cursors[:number]
        elif cursors[number : number + 1] != [next_cursor]:
            # A different way on: the pages visited beyond it followed the old one.
            cursors = [*cursors[:number], next_cursor]
        if cursors != self._cursors:
            self._cursors = cursors
            lists = dict(self._session.get(CURSORS_SESSION_KEY, {}))
            lists.pop(self._key, None)  # the latest last, so the oldest list goes first
            lists[self._key] = cursors
            self._session[CURSORS_SESSION_KEY] = dict(list(lists.items())[-MAX_LISTS_REMEMBERED:])
        return len(self._cursors) > number


class DecideUrls:
    """The accept and decline URLs of one account's rows. One reverse() per action and page: a
    100-row page would otherwise resolve the URL pattern 200 times, a good share of its time.

    The invitation id comes from the API, so it travels in the query string, encoded: in the
    path, an id such as "../../7/invitations/x" would be resolved by the browser into another
    URL, and act on another account's invitation.
    """

    def __init__(self, account: LinkedAccount) -> None:
        self._paths = {action: reverse(DECIDE, args=[account.pk, action]) for action in Action}
        self.provider = account.provider

    def __call__(self, invitation_id: str, action: str) -> str:
        return f"{self._paths[Action(action)]}?{urlencode({'invitation': invitation_id})}"


@dataclass(frozen=True)
class RowView:
    """One inbox row: an invitation as listed, or the outcome of a request deciding it."""

    invitation_id: str
    inviter_name: str
    invitation: ReceivedInvitation | None = None  # None when the row shows an outcome only
    record: InvitationDecision | None = None  # the stored decision, by anyone in the team
    outcome: services.Decision | None = None  # what this request did
    accept_url: str = ""  # listed rows only: their buttons
    decline_url: str = ""
    provider: str = ""  # the account's

    @classmethod
    def listed(cls, row: selectors.InboxRow, urls: DecideUrls) -> "RowView":
        inviter = row.invitation.inviter
        return cls(
            invitation_id=row.invitation.id,
            inviter_name=inviter.name if inviter else "",
            invitation=row.invitation,
            record=row.decision,
            accept_url=urls(row.invitation.id, Action.ACCEPT),
            decline_url=urls(row.invitation.id, Action.DECLINE),
            provider=urls.provider,
        )

    @classmethod
    def decided(cls, decision: services.Decision, inviter_name: str, urls: DecideUrls) -> "RowView":
        # Its buttons show again when another request's attempt failed meanwhile.
        return cls(
            invitation_id=decision.invitation_id,
            inviter_name=inviter_name,
            record=decision.record,
            outcome=decision,
            accept_url=urls(decision.invitation_id, Action.ACCEPT),
            decline_url=urls(decision.invitation_id, Action.DECLINE),
        )

    @property
    def state(self) -> str:
        """open (buttons), decided (by this request), handled (earlier), in_progress, failed,
        refused (by the dashboard, without calling the API)."""
        if self.outcome is not None:
            if self.outcome.unconfirmed:
                return "unconfirmed"
            if self.outcome.error is not None:
                return "failed"
            if self.outcome.refusal:
                return "refused"
            if not self.outcome.already_handled:
                return "decided"
        if self.record is None or self.record.state == DecisionState.FAILED:
            return "open"
        if self.record.state == DecisionState.DONE:
            return "handled"
        if self.record.state == DecisionState.UNCONFIRMED or self._abandoned:
            return "unconfirmed"
        return "in_progress"

    @property
    def _abandoned(self) -> bool:
        """In progress for longer than any call may take: its request died mid-call."""
        record = self.record
        stale_before = timezone.now() - services.STALE_CLAIM_AFTER
        return (
            record is not None
            and record.decided_at is not None
            and (record.decided_at < stale_before)
        )

    @property
    def decidable(self) -> bool:
        """Whether the row offers its buttons (and a select box): still open, or failed in a way
        a person may try again (an unconfirmed one only once they have checked)."""
        state = self.state
        if state == "failed":
            return self.outcome is not None and bool(
                self.outcome.error is not None and self.outcome.error.retryable
            )
        return state in ("open", "unconfirmed")

    @property
    def headline(self) -> str:
        inviter = self.invitation.inviter if self.invitation else None
        return inviter.description if inviter else ""

    @property
    def note(self) -> str:
        return self.invitation.invitation_text if self.invitation else ""

    @property
    def age(self) -> str:
        """How long ago the invitation was sent, in a few characters: "5 min", "3 h", "3 d"."""
        sent_at = self.sent_at
        return compact_age(timezone.now() - sent_at) if sent_at is not None else ""

    @property
    def outcome_label(self) -> str:
        """What this request did, as postpress reported it (ACCEPTED or DECLINED), else by
        the action asked for."""
        reported = self.outcome.handled_status if self.outcome is not None else ""
        labels = {"ACCEPTED": PAST_TENSE[Action.ACCEPT], "DECLINED": PAST_TENSE[Action.DECLINE]}
        return labels.get(reported) or PAST_TENSE[Action(self.action)]

    @property
    def unconfirmed_message(self) -> str:
        return unconfirmed_message(self.action) if self.state == "unconfirmed" else ""

    @property
    def action(self) -> str:
        if self.outcome is not None and self.state in (
            "decided",
            "failed",
            "refused",
            "unconfirmed",
        ):
            return self.outcome.action
        return self.record.action if self.record else ""

    @property
    def profile_url(self) -> str:
        """The inviter's profile on the provider, from the public identifier the API lists
        (LinkedIn's vanity name, Instagram's username); empty when there is none to use."""
        inviter = self.invitation.inviter if self.invitation else None
        identifier = inviter.public_identifier if inviter else ""
        base = PROFILE_URLS.get(self.provider)
        if not base or not identifier or identifier in (".", ".."):
            return ""
        return base.format(quote(identifier, safe=""))

    @property
    def sent_at(self) -> datetime | None:
        value = self.invitation.parsed_datetime if self.invitation else None
        try:
            parsed = parse_datetime(value) if value else None
        except ValueError:
            return None
        if parsed is not None and parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed


@require_GET
@team_required
def inbox(request: TeamRequest) -> HttpResponse:
    query = InboxQueryForm(request.GET)
    query.is_valid()  # each field falls back on its own; only a wrong account is an error
    if "account" in query.errors:
        raise Http404("No such account in this team.")
    accounts = list(selectors.inbox_accounts(request.team))
    asked_for = query.cleaned_data.get("account")
    membership = request.membership
    account = _chosen_account(accounts, asked_for, membership.last_inbox_account_id)
    if account is None:
        return render(request, PAGE_TEMPLATE, {"accounts": accounts})
    if asked_for is not None:
        # The inbox opens on it next time: one UPDATE when it changes, no query otherwise.
        _remember_inbox_account(membership, account)

    size = query.cleaned_data.get("size") or selectors.DEFAULT_PAGE_SIZE
    cursors = VisitedCursors(request.session, account=account, size=size)
    number = query.cleaned_data.get("page") or 1
    if not cursors.knows(number):
        number = 1  # a page this session never reached: there is no cursor for it
    page = selectors.received_invitation_page(
        account=account, limit=size, cursor=cursors.cursor_for(number)
    )
    if not page.key_problem:  # a call was made: its answer marks or clears the account
        account_attention_record(account=account, error=page.error)
    reachable = not page.failed and cursors.remember(number, page.next_cursor)

    decide_urls = DecideUrls(account)
    context = {
        "accounts": accounts,
        "account": account,
        "size": size,
        "page_sizes": selectors.PAGE_SIZES,
        "page": page,
        "page_number": number,
        "rows": [RowView.listed(row, decide_urls) for row in page.rows],
        "new_chat_url": reverse("chats:new"),
        "current_url": _inbox_url(account, size, number),
        "previous_url": _inbox_url(account, size, number - 1) if number > 1 else "",
        "next_url": _inbox_url(account, size, number + 1) if reachable else "",
        "usage": selectors.UsageWarning.of(account),
        # A 401 about the team's key points admins to Settings; one about the linked account
        # says to reconnect it in postpress (the catalogue says who can fix it).
        "key_refused": page.error is not None
        and isinstance(page.error, AuthenticationError)
        and page.error.fixable_by == FixableBy.ADMIN,
        "reconnect": page.error is not None and concerns_linked_account(page.error),
        "can_decide": decides_received_invitations(account.provider),
    }
    return render(request, PAGE_TEMPLATE, context)


@require_POST
@team_required
@vary_on_headers("HX-Request")
def invitation_decide(request: TeamRequest, account_pk: int, action: str) -> HttpResponse:
    account = _active_account_for_team(request.team, account_pk)
    if action not in Action.values:
        raise Http404("Invitations are accepted or declined.")
    invitation_id = request.GET.get("invitation", "")
    if not is_invitation_id(invitation_id):
        raise Http404("No such invitation.")
    # The shared_secret comes from the server's copy of the listed page, never from the browser.
    decision = services.invitation_decide(
        account=account, invitation_id=invitation_id, action=action, actor=request.user
    )
    names = selectors.listed_inviter_names(account=account, invitation_ids=[invitation_id])
    next_url = _next_url(request, account)
    if request.htmx:
        # A 200 whatever the outcome: htmx 2 does not swap error answers.
        row = RowView.decided(decision, names.get(invitation_id, ""), DecideUrls(account))
        context = {"row": row, "account": account, "current_url": next_url, "can_decide": True}
        return render(request, DECISION_TEMPLATE, context)
    _add_outcome_message(request, decision, names.get(invitation_id, ""))
    return redirect(next_url)


@require_POST
@team_required
@vary_on_headers("HX-Request")
def invitations_bulk_decide(request: TeamRequest, account_pk: int) -> HttpResponse:
    account = _active_account_for_team(request.team, account_pk)
    action = request.POST.get("action", "")
    # Each at most once, and no more than a page holds; an id no API answer could hold is
    # dropped.
    posted = [value for value in request.POST.getlist("invitation") if is_invitation_id(value)]
    chosen = list(dict.fromkeys(posted))[: max(selectors.PAGE_SIZES)]
    next_url = _next_url(request, account)
    if action not in Action.values or not chosen:
        summary = "Select at least one invitation, then choose Accept selected or Decline selected."
        if request.htmx:
            return render(request, BULK_TEMPLATE, {"rows": [], "summary": summary})
        messages.error(request, summary)
        return redirect(next_url)

    bulk = services.invitations_bulk_decide(
        account=account, invitation_ids=chosen, action=action, actor=request.user
    )
    decisions = bulk.decisions  # the rows not tried keep their buttons
    names = selectors.listed_inviter_names(account=account, invitation_ids=chosen)
    summary = _bulk_summary(Action(action), bulk)
    if request.htmx:
        decide_urls = DecideUrls(account)
        context = {
            "rows": [
                RowView.decided(d, names.get(d.invitation_id, ""), decide_urls) for d in decisions
            ],
            "summary": summary,
            "account": account,
            "current_url": next_url,
            "can_decide": True,
            "oob": True,
        }
        return render(request, BULK_TEMPLATE, context)
    all_done = all(decision.ok for decision in decisions) and not bulk.not_tried
    (messages.success if all_done else messages.warning)(request, summary)
    for decision in decisions:
        if not decision.ok:
            name = names.get(decision.invitation_id) or decision.invitation_id
            messages.error(request, f"{name}: {_outcome_text(decision, name)}")
    return redirect(next_url)


# --- helpers ---------------------------------------------------------------------------------


def _bulk_summary(action: Action, bulk: services.BulkDecisions) -> str:
    decisions = bulk.decisions
    asked = len(decisions) + bulk.not_tried
    past = PAST_TENSE[action]
    done = sum(decision.ok for decision in decisions)
    unconfirmed = sum(decision.unconfirmed for decision in decisions)
    summary = f"{past} {done} of {asked} selected invitations."
    if unconfirmed:
        summary += (
            f" {unconfirmed} may have been {past.lower()}: see "
            f"{'its row' if unconfirmed == 1 else 'their rows'}."
        )
    # Unconfirmed by an earlier attempt: a bulk leaves them for a person to check.
    left = sum(decision.left_unconfirmed for decision in decisions)
    if left:
        summary += (
            f" {left} may have gone through on an earlier attempt and "
            f"{'was' if left == 1 else 'were'} not sent again: check "
            f"{'its row' if left == 1 else 'their rows'}."
        )
    if failed := len(decisions) - done - unconfirmed - left:
        summary += f" {failed} could not be {past.lower()}."
    if not_tried := bulk.not_tried:
        were, them = ("was", "it") if not_tried == 1 else ("were", "them")
        if bulk.stopped == Stopped.RATE_LIMITED:
            summary += (
                f" {not_tried} {were} not tried: postpress asked to slow down, so no more "
                f"were sent. Wait a moment, then try {them} again."
            )
        else:
            summary += f" {not_tried} {were} not tried in time: try {them} again."
    return summary


def compact_age(elapsed: timedelta) -> str:
    """An age for a one-line row: minutes within the hour, hours within two days, then days,
    months (of 30 days) and years."""
    minutes = max(int(elapsed.total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes} min"
    if (hours := minutes // 60) < 48:
        return f"{hours} h"
    if (days := hours // 24) < 60:
        return f"{days} d"
    if days < 365:
        return f"{days // 30} mo"
    return f"{days // 365} y"


def is_invitation_id(value: str) -> bool:
    """An id as the API could have listed it: 1 to 200 printable characters."""
    return 0 < len(value) <= MAX_INVITATION_ID and value.isprintable()


def _chosen_account(
    accounts: list[LinkedAccount], account_pk: int | None, last_pk: int | None
) -> LinkedAccount | None:
    """The account asked for among the team's active ones (404 otherwise); by default the one
    the member opened last, while it is still one of them (active, this team's), else the
    first whose invitations can be triaged here (LinkedIn, Instagram)."""
    if account_pk is None:
        last = [a for a in accounts if a.pk == last_pk]
        triageable = [a for a in accounts if decides_received_invitations(a.provider)]
        candidates = last or triageable or accounts
        return candidates[0] if candidates else None
    for account in accounts:
        if account.pk == account_pk:
            return account
    raise Http404("No such active account in this team.")


def _remember_inbox_account(membership: Membership, account: LinkedAccount) -> None:
    """Like the visited cursors, a note of what the member viewed, not a change to the team's
    data: one UPDATE when it changed, nothing otherwise (the membership is the request's,
    loaded by the middleware)."""
    if membership.last_inbox_account_id != account.pk:
        Membership.objects.filter(pk=membership.pk).update(last_inbox_account=account)
        membership.last_inbox_account_id = account.pk


def _active_account_for_team(team: Team, account_pk: int) -> LinkedAccount:
    account = team_selectors.get_account_for_team(team, account_pk)
    if not account.is_active:
        raise Http404("This account is deactivated.")
    return account


def _inbox_url(account: LinkedAccount, size: int, number: int) -> str:
    query = urlencode({"account": account.pk, "size": size, "page": number})
    return f"{reverse(INBOX)}?{query}"


def _next_url(request: TeamRequest, account: LinkedAccount) -> str:
    """Where a form post goes back to: the inbox page it came from, or the account's first."""
    return posted_next_url(request, f"{reverse(INBOX)}?{urlencode({'account': account.pk})}")


def _outcome_text(decision: services.Decision, name: str) -> str:
    """The outcome in a sentence, for the messages of the no-JavaScript form posts."""
    if decision.error is not None:
        return decision.error_message
    if decision.refusal:
        return decision.refusal
    if decision.left_unconfirmed:
        return decision.error_message
    record = decision.record
    if decision.already_handled and record is not None:
        who = record.actor.get_username() if record.actor else "a former member"
        action = Action(record.action)
        if record.state == DecisionState.DONE:
            return f"{PAST_TENSE[action]} by {who} at {_utc_text(record.decided_at)}."
        return f"{who} is already {PRESENT_PARTICIPLE[action]} this invitation."
    return f"{PAST_TENSE[Action(decision.action)]} the invitation{_from(name)}."


def _add_outcome_message(request: TeamRequest, decision: services.Decision, name: str) -> None:
    text = _outcome_text(decision, name)
    if decision.ok:
        messages.success(request, text)
    elif decision.already_handled:
        messages.info(request, text)
    elif decision.unconfirmed:
        messages.warning(request, text)  # it may have been done: never "could not"
    else:
        messages.error(request, f"Could not {decision.action} the invitation{_from(name)}: {text}")


def _from(name: str) -> str:
    return f" from {name}" if name else ""


def _utc_text(moment: datetime) -> str:
    """Like the template's local-time partial: the time alone when it was today."""
    moment = moment.astimezone(UTC)
    if moment.date() == timezone.now().astimezone(UTC).date():
        return f"{moment:%H:%M} UTC"
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"
