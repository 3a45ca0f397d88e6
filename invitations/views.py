"""The inbox: one linked account's received invitations, accepted or declined one by one or in bulk.

Without JavaScript every control is a link or a form post that redirects back with a message.
With it, static/js/inbox.js queues each decision (key or click) and swaps the answer into the
decision cell of its row, by id; the person's name, headline and note are never in an answer,
so they stay whatever the outcome. The bulk buttons swap each processed row's cell out of band.
Keyboard triage, the filter and local times live in static/js/inbox.js.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from invitations import presenters, selectors, services
from invitations.bulk import Stopped
from invitations.models import Action, DecisionState
from invitations.presenters import (
    PAST_TENSE,
    PRESENT_PARTICIPLE,
    DecideUrls,
    RowContext,
    RowView,
)
from invitations.rules import decides_received_invitations
from postpress_dashboard.core.nav import nav_urls
from postpress_dashboard.http import TeamRequest, posted_next_url
from postpress_dashboard.postpress.catalogue import FixableBy
from postpress_dashboard.postpress.errors import AuthenticationError
from postpress_dashboard.teams import selectors as team_selectors
from postpress_dashboard.teams.access import team_required
from postpress_dashboard.teams.models import LinkedAccount, Membership, Team
from postpress_dashboard.teams.services import account_attention_record, concerns_linked_account

PAGE_TEMPLATE = "invitations/inbox.html"
BULK_TEMPLATE = "invitations/inbox.html#bulk-result"
# Bounds on the API's cursors the page links carry (F21): each of a sane length, a signed
# trail of so many characters in one link (a request line must stay well under gunicorn's
# 4094 bytes), so many pages.
MAX_CURSOR_LENGTH = 2000
MAX_TRAIL_LENGTH = 3000
MAX_PAGES_REMEMBERED = 200
TRAIL_SALT = "invitations.inbox.trail"
MAX_INVITATION_ID = 200  # ListedInvitation.invitation_id


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
    trail = forms.CharField(required=False, max_length=4000)  # PageTrail, signed


@dataclass(frozen=True)
class PageTrail:
    """The cursors that led to the inbox page shown, carried in the page's links
    (`?page=3&trail=…`) rather than kept in the session: a first view writes nothing.

    The API hands out forward cursors only, so going back reuses the cursor that first led to
    a page. The trail of page n holds the cursors of pages `first` to n (page 1 needs none),
    signed for one account and page size, so a browser can neither make the dashboard send a
    cursor of its own nor use one with another list. It stays bounded whatever the API
    returns (MAX_CURSOR_LENGTH, MAX_TRAIL_LENGTH, MAX_PAGES_REMEMBERED): when a deeper page's
    cursors would not fit, the oldest are dropped, and from the oldest page still in the trail
    the way back is to page 1.
    """

    number: int  # the page shown
    first: int  # the page of cursors[0]; 2 unless older cursors were dropped
    cursors: tuple[str, ...]  # of pages first to number
    token: str = ""  # as received: the current page's address carries it unchanged

    @classmethod
    def start(cls) -> "PageTrail":
        return cls(1, 2, ())

    @classmethod
    def of(cls, token: str, number: int, *, account: LinkedAccount, size: int) -> "PageTrail":
        """The trail a page link carried; page 1's when it is missing, altered, for another
        list, or does not lead to page `number` (a page never reached)."""
        if number <= 1 or not token or len(token) > MAX_TRAIL_LENGTH:
            return cls.start()
        try:
            first, *cursors = signing.loads(token, salt=_trail_salt(account, size))
        except (signing.BadSignature, ValueError, TypeError):
            return cls.start()
        trail = cls(number, first, tuple(cursors), token)
        return trail if trail._sound() else cls.start()

    def _sound(self) -> bool:
        return (
            isinstance(self.first, int)
            and 2 <= self.first <= self.number <= MAX_PAGES_REMEMBERED
            and len(self.cursors) == self.number - self.first + 1
            and all(isinstance(c, str) and 0 < len(c) <= MAX_CURSOR_LENGTH for c in self.cursors)
        )

    @property
    def cursor(self) -> str | None:
        """The cursor of the page shown; None for page 1."""
        return self.cursors[-1] if self.cursors else None

    def next(
        self, next_cursor: str | None, *, account: LinkedAccount, size: int
    ) -> "PageTrail | None":
        """The trail of the next page, which `next_cursor` leads to, signed; None when there
        is none (the last page) or it could not be carried. Measured signed, as the link
        carries it: cursors of other alphabets are escaped in it, repeated characters
        compressed."""
        number = self.number + 1
        if not next_cursor or len(next_cursor) > MAX_CURSOR_LENGTH:
            return None
        if number > MAX_PAGES_REMEMBERED:
            return None
        first, cursors = self.first, (*self.cursors, next_cursor)
        while cursors:
            token = _sign(first, cursors, account, size)
            if len(token) <= MAX_TRAIL_LENGTH:
                return PageTrail(number, first, cursors, token)
            first, cursors = first + 1, cursors[1:]
        return None

    def previous(self) -> "PageTrail | None":
        """The trail of the page before; page 1's when its cursor was dropped."""
        if self.number <= 1:
            return None
        if self.number - 1 < max(self.first, 2):
            return PageTrail.start()
        return PageTrail(self.number - 1, self.first, self.cursors[:-1])

    def signed(self, account: LinkedAccount, size: int) -> str:
        if not self.cursors:
            return ""
        return self.token or _sign(self.first, self.cursors, account, size)


def _sign(first: int, cursors: tuple[str, ...], account: LinkedAccount, size: int) -> str:
    return signing.dumps([first, *cursors], salt=_trail_salt(account, size), compress=True)


def _trail_salt(account: LinkedAccount, size: int) -> str:
    return f"{TRAIL_SALT}:{account.pk}:{size}"


@require_GET
@team_required
def inbox(request: TeamRequest) -> HttpResponse:
    query = InboxQueryForm(request.GET)
    query.is_valid()  # each field falls back on its own; only a wrong account is an error
    if "account" in query.errors:
        raise Http404("No such account in this team.")
    accounts = selectors.inbox_account_list(request.team)
    asked_for = query.cleaned_data.get("account")
    membership = request.membership
    account = _chosen_account(accounts, asked_for, membership.last_inbox_account_id)
    if account is None:
        return render(request, PAGE_TEMPLATE, {"accounts": accounts})
    if asked_for is not None:
        # The inbox opens on it next time: one UPDATE when it changes, no query otherwise.
        _remember_inbox_account(membership, account)

    size = query.cleaned_data.get("size") or selectors.DEFAULT_PAGE_SIZE
    # A page never reached (no trail leads to it) falls back to page 1.
    trail = PageTrail.of(
        query.cleaned_data.get("trail") or "",
        query.cleaned_data.get("page") or 1,
        account=account,
        size=size,
    )
    page = selectors.received_invitation_page(account=account, limit=size, cursor=trail.cursor)
    if not page.key_problem:  # a call was made: its answer marks or clears the account
        account_attention_record(account=account, error=page.error)
    following = None if page.failed else trail.next(page.next_cursor, account=account, size=size)
    preceding = trail.previous()

    can_decide = decides_received_invitations(account.provider)
    current_url = _inbox_url(account, size, trail)
    decide_urls = DecideUrls(account)
    rows = [RowView.listed(row, decide_urls) for row in page.rows]
    # The rows are built by presenters.py, not the template engine: the page's hot loop.
    row_context = RowContext(
        account=account,
        can_decide=can_decide,
        current_url=current_url,
        csrf_token=get_token(request),
        new_chat_url=nav_urls()["new_chat"],
    )
    context = {
        "accounts": accounts,
        "account": account,
        "size": size,
        "page_sizes": selectors.PAGE_SIZES,
        "page": page,
        "page_number": trail.number,
        "rows": rows,
        "current_url": current_url,
        "previous_url": _inbox_url(account, size, preceding) if preceding else "",
        # From the oldest page the trail kept, the way back is to page 1.
        "previous_is_first": preceding is not None and preceding.number == 1 and trail.number > 2,
        "next_url": _inbox_url(account, size, following) if following else "",
        "usage": selectors.UsageWarning.of(account),
        # A 401 about the team's key points admins to Settings; one about the linked account
        # says to reconnect it in postpress (the catalogue says who can fix it).
        "key_refused": page.error is not None
        and isinstance(page.error, AuthenticationError)
        and page.error.fixable_by == FixableBy.ADMIN,
        "reconnect": page.error is not None and concerns_linked_account(page.error),
        "can_decide": can_decide,
    }
    page_html = render(request, PAGE_TEMPLATE, context)
    if not rows:
        return page_html
    return presenters.page_with_rows(page_html, presenters.invitation_rows(rows, row_context))


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
    next_url = _next_url(request, account)
    if request.htmx:
        # A 200 whatever the outcome: htmx 2 does not swap error answers. The row's decision
        # cell, and its select box out of band; the person's details are not in it: they stay
        # in the page, whatever the outcome. Built by presenters.py, as the page's rows are.
        decide_urls = DecideUrls(account)
        row = RowView.decided(decision, "", decide_urls)
        if row.decidable:  # its select box comes back, naming the person (one query)
            row = RowView.decided(decision, _inviter_name(account, invitation_id), decide_urls)
        row_context = RowContext(
            account=account, can_decide=True, current_url=next_url, csrf_token=get_token(request)
        )
        return HttpResponse(presenters.decision_result(row, row_context))
    _add_outcome_message(request, decision, _inviter_name(account, invitation_id))
    return redirect(next_url)


def _inviter_name(account: LinkedAccount, invitation_id: str) -> str:
    names = selectors.listed_inviter_names(account=account, invitation_ids=[invitation_id])
    return names.get(invitation_id, "")


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


def _inbox_url(account: LinkedAccount, size: int, trail: PageTrail) -> str:
    fields: dict[str, int | str] = {"account": account.pk, "size": size, "page": trail.number}
    if signed := trail.signed(account, size):
        fields["trail"] = signed
    return f"{nav_urls()['inbox']}?{urlencode(fields)}"


def _next_url(request: TeamRequest, account: LinkedAccount) -> str:
    """Where a form post goes back to: the inbox page it came from, or the account's first."""
    return posted_next_url(request, f"{nav_urls()['inbox']}?{urlencode({'account': account.pk})}")


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
