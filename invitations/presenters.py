"""The inbox's rows, built in Python: the hot part of the inbox page, and the answer to one
decision.

A 100-row page through the template engine cost about half a millisecond a row (variable
lookups, filters, the date formatting), several times the list call it shows. Each function
here reads like the partial of templates/invitations/inbox.html it replaces, named in its
docstring; the partials stay there as the reference, and tests/unit/invitations/
test_presenters.py renders both for every row state and requires the same HTML.

Escaping is by construction: every value goes into the HTML through markup(), Django's
format_html with its escaping inlined, which escapes it; only what a function here built (a
SafeString) goes in as it is.
"""

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from functools import cached_property
from urllib.parse import quote, urlencode

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString, mark_safe

from invitations import selectors, services
from invitations.models import Action, DecisionState, InvitationDecision
from invitations.templatetags.local_time import local_time
from postpress_dashboard.postpress.catalogue import unconfirmed_message
from postpress_dashboard.postpress.schemas import ReceivedInvitation
from postpress_dashboard.teams.models import LinkedAccount

DECIDE = "invitations:decide"
PAST_TENSE = {Action.ACCEPT: "Accepted", Action.DECLINE: "Declined"}
PRESENT_PARTICIPLE = {Action.ACCEPT: "accepting", Action.DECLINE: "declining"}
# Where a provider shows a person's profile, by the public identifier the API lists.
PROFILE_URLS = {
    "LINKEDIN": "https://www.linkedin.com/in/{}",
    "INSTAGRAM": "https://www.instagram.com/{}/",
}
OOB = mark_safe(' hx-swap-oob="true"')
NOTHING = mark_safe("")
NEWLINES = re.compile(r"\r\n|\r")  # the linebreaksbr filter's, normalized to \n first


def markup(template: str, *args: object, **kwargs: object) -> SafeString:
    """django.utils.html.format_html, with its conditional_escape inlined: a value that has
    __html__ (a SafeString built here) goes in as it is, anything else as
    django.utils.html.escape writes it (html.escape of its text). A fraction of format_html's
    cost, which a 100-row page pays over a thousand times; test_presenters holds them equal.
    """
    return SafeString(
        template.format(*[_html(a) for a in args], **{k: _html(v) for k, v in kwargs.items()})
    )


def _html(value: object) -> str:
    """conditional_escape, the common cases first: text as it came, and HTML built here."""
    kind = type(value)
    if kind is str:
        return html.escape(value)  # type: ignore[arg-type]
    if kind is SafeString:
        return value  # type: ignore[return-value]
    if hasattr(value, "__html__"):
        return value.__html__()  # type: ignore[no-any-return]
    return html.escape(str(value))


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

    def both(self, invitation_id: str) -> tuple[str, str]:
        """The accept and the decline URL, the id encoded once."""
        query = urlencode({"invitation": invitation_id})
        return f"{self._paths[Action.ACCEPT]}?{query}", f"{self._paths[Action.DECLINE]}?{query}"


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
        accept_url, decline_url = urls.both(row.invitation.id)
        return cls(
            invitation_id=row.invitation.id,
            inviter_name=inviter.name if inviter else "",
            invitation=row.invitation,
            record=row.decision,
            accept_url=accept_url,
            decline_url=decline_url,
            provider=urls.provider,
        )

    @classmethod
    def decided(cls, decision: services.Decision, inviter_name: str, urls: DecideUrls) -> "RowView":
        # Its buttons show again when another request's attempt failed meanwhile.
        accept_url, decline_url = urls.both(decision.invitation_id)
        return cls(
            invitation_id=decision.invitation_id,
            inviter_name=inviter_name,
            record=decision.record,
            outcome=decision,
            accept_url=accept_url,
            decline_url=decline_url,
        )

    @cached_property
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

    @cached_property
    def sent_at(self) -> datetime | None:
        value = self.invitation.parsed_datetime if self.invitation else None
        try:
            parsed = parse_datetime(value) if value else None
        except ValueError:
            return None
        if parsed is not None and parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed


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


@dataclass(frozen=True)
class RowContext:
    """What the rows of one page or answer share: the template's context besides `row`."""

    account: LinkedAccount
    can_decide: bool
    current_url: str  # where a form post comes back to (the `next` field)
    csrf_token: str
    new_chat_url: str = ""
    now: datetime = field(default_factory=timezone.now)

    @cached_property
    def csrf_input(self) -> SafeString:
        """{% csrf_token %}"""
        if not self.csrf_token:
            return NOTHING
        return markup(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', self.csrf_token
        )

    @cached_property
    def hidden_fields(self) -> SafeString:
        """A form's {% csrf_token %} and its `next` field, the same in every row's form."""
        return markup(
            '{}<input type="hidden" name="next" value="{}">\n', self.csrf_input, self.current_url
        )

    @cached_property
    def timezone(self) -> tzinfo:
        """The one dates are shown in, as the |date filter converts them."""
        return timezone.get_current_timezone()

    @cached_property
    def months(self) -> dict[int, str]:
        """|date's "M", in the active language: Jan, Feb..., escaped."""
        return {number: html.escape(str(name).title()) for number, name in MONTHS_3.items()}


# --- the partials, in the template's order -------------------------------------------------


def invitation_rows(rows: list[RowView], context: RowContext) -> bytes:
    """{% for row in rows %}{% partial invitation-row %}{% endfor %}, as UTF-8, each row
    encoded on its own: one emoji in one note made the whole page's text four bytes a
    character through every join of the template engine (a few milliseconds at 100 rows)."""
    return b"".join([invitation_row(row, context).encode() for row in rows])


# Where the page template leaves the rows out; the view puts them there (page_with_rows).
ROWS_SLOT = b"<!--invitation-rows-->"


def page_with_rows(page: HttpResponse, rows: bytes) -> HttpResponse:
    """The rendered page with the rows at its ROWS_SLOT. Nothing the page shows can spell
    the slot: every value in it is escaped, so it has no "<" but the template's own."""
    before, slot, after = page.content.partition(ROWS_SLOT)
    if not slot:
        raise ValueError("The page has no place for its rows.")
    page.content = b"".join([before, rows, after])
    return page


def invitation_row(row: RowView, context: RowContext) -> SafeString:
    """{% partialdef invitation-row %}"""
    return markup(
        '\n<li class="inbox-row" id="invitation-{id}" data-inbox-row tabindex="-1" '
        'aria-labelledby="invitation-{id}-name">\n'
        "  {select}\n"
        '  <div class="inbox-person">\n'
        '    <p class="inbox-line">\n'
        '      <strong class="inbox-name" id="invitation-{id}-name" data-inviter-name>'
        "{name}</strong>\n"
        "      {message}\n"
        "      {headline}\n"
        "      {note}\n"
        "    </p>\n"
        "  </div>\n"
        '  <p class="inbox-age">{age}</p>\n'
        "  {decision}\n"
        "</li>\n",
        id=row.invitation_id,
        select=row_select(row, context),
        name=inviter_name(row),
        message=_message_link(row, context),
        headline=_headline(row),
        note=_note(row),
        age=_age(row, context),
        decision=decision(row, context),
    )


def _message_link(row: RowView, context: RowContext) -> SafeString:
    """A LinkedIn classic chat with the inviter, naming the still-pending invitation."""
    inviter = row.invitation.inviter if row.invitation else None
    if context.account.provider != "LINKEDIN" or not (inviter and inviter.id):
        return NOTHING
    return markup(
        '<a class="inbox-message" href="{}?account={}&amp;recipients={}&amp;invitation_id={}" '
        'aria-label="Message {}">Message</a>',
        context.new_chat_url,
        context.account.pk,
        quote(inviter.id, safe=""),
        quote(row.invitation_id, safe=""),
        row.inviter_name or "this person",
    )


def _headline(row: RowView) -> SafeString:
    if not (headline := row.headline):
        return NOTHING
    return markup('<span class="inbox-headline" data-headline>{}</span>', headline)


def _note(row: RowView) -> SafeString:
    if not (note := row.note):
        return NOTHING
    return markup(
        '<span class="inbox-note" title="{}" data-note>{}</span>', note, _line_breaks(note)
    )


def _line_breaks(text: str) -> SafeString:
    """{{ text|linebreaksbr }}: escaped, each line break a <br>."""
    return SafeString(html.escape(NEWLINES.sub("\n", text)).replace("\n", "<br>"))


def _age(row: RowView, context: RowContext) -> SafeString:
    """The <time> inbox.js rewrites in the reader's timezone; the API's own date string when
    it gave no parsable moment."""
    if (sent_at := row.sent_at) is None:
        date = row.invitation.date if row.invitation else ""
        return markup('<span title="Sent {}">{}</span>', date or "at an unknown time", date or "?")
    moment = sent_at.astimezone(context.timezone)  # the |date filter's conversion
    # |date:'c', then |date:'j M Y, H:i' without the general formatter (a good share of a
    # row's time). Digits, the ISO form's signs, compact_age's words and the month names,
    # escaped once per page: nothing in it to escape.
    when = (
        f"{moment.day} {context.months[moment.month]} {moment.year:04d}, "
        f"{moment.hour:02d}:{moment.minute:02d}"
    )
    return SafeString(
        f'<time datetime="{moment.isoformat()}" title="Sent {when} UTC" data-local-title>'
        f"{compact_age(context.now - sent_at)}</time>"
    )


def inviter_name(row: RowView) -> SafeString:
    """{% partialdef inviter-name %}"""
    name = row.inviter_name or "Someone"
    if profile_url := row.profile_url:
        return markup(
            '<a href="{}" target="_blank" rel="noopener" data-profile>{}</a>', profile_url, name
        )
    return markup("{}", name)


def row_select(row: RowView, context: RowContext, *, oob: bool = False) -> SafeString:
    """{% partialdef row-select %}"""
    if context.can_decide and row.decidable:
        return markup(
            '<div class="inbox-select" id="invitation-{id}-select"{oob}>'
            '<input type="checkbox" name="invitation" value="{id}" form="inbox-bulk" '
            'id="invitation-{id}-check" data-row-select><label class="visually-hidden" '
            'for="invitation-{id}-check">Select the invitation from {name}</label></div>',
            id=row.invitation_id,
            oob=OOB if oob else NOTHING,
            name=row.inviter_name or "this person",
        )
    return markup(
        '<div class="inbox-select" id="invitation-{}-select"{}></div>',
        row.invitation_id,
        OOB if oob else NOTHING,
    )


# The buttons of decide-buttons, by the row's state: "{decline}" is the decline URL.
OPEN_BUTTONS = (
    '<button type="submit" class="primary" data-decide="accept">Accept</button>\n'
    '<button type="submit" class="secondary" data-decide="decline" formaction="{decline}">'
    "Decline</button>\n"
)
ACCEPT_AGAIN_BUTTONS = (
    '<button type="submit" class="secondary" data-retry data-decide="accept">'
    "Try to accept again</button>\n"
    '<button type="submit" class="secondary" data-decide="decline" formaction="{decline}">'
    "Decline instead</button>\n"
)
DECLINE_AGAIN_BUTTONS = (
    '<button type="submit" class="secondary" data-retry data-decide="decline" '
    'formaction="{decline}">Try to decline again</button>\n'
    '<button type="submit" class="secondary" data-decide="accept">'
    "Accept instead</button>\n"
)


def decide_buttons(row: RowView, context: RowContext) -> SafeString:
    """{% partialdef decide-buttons %}: the buttons of a row still to decide. Without
    JavaScript they post the form; inbox.js queues them and swaps the answer into the cell."""
    if row.state == "open":
        buttons = OPEN_BUTTONS
    elif row.action == "accept":
        buttons = ACCEPT_AGAIN_BUTTONS
    else:
        buttons = DECLINE_AGAIN_BUTTONS
    return markup(
        '<form method="post" action="{accept}" class="inbox-buttons">{hidden}'
        + buttons
        + "</form>",
        accept=row.accept_url,
        hidden=context.hidden_fields,
        decline=row.decline_url,
    )


def decision(row: RowView, context: RowContext, *, oob: bool = False) -> SafeString:
    """{% partialdef decision %}: the cell a decision's answer replaces, by its id."""
    return markup(
        '\n<div class="inbox-decision" id="invitation-{}-decision" data-state="{}"{}>\n{}</div>\n',
        row.invitation_id,
        row.state,
        OOB if oob else NOTHING,
        _decision_content(row, context),
    )


def _decision_content(row: RowView, context: RowContext) -> SafeString:
    state = row.state
    if state == "open":
        if context.can_decide:
            return SafeString(f"{decide_buttons(row, context)}\n")
        return markup(
            '<p class="help">{} invitations cannot be accepted or declined from here.</p>\n',
            context.account.get_provider_display(),
        )
    if state == "decided":
        return markup('<p class="inbox-outcome success" data-outcome>{}</p>\n', row.outcome_label)
    record = row.record
    if state == "handled" and record is not None:
        return markup(
            '<p class="inbox-outcome" data-outcome>{} by {} at {}</p>\n',
            PAST_TENSE[Action.ACCEPT] if row.action == "accept" else PAST_TENSE[Action.DECLINE],
            _username(record) or "a former member",
            local_time(record.decided_at, "time"),
        )
    if state == "in_progress" and record is not None:
        return markup(
            '<p class="inbox-outcome" data-outcome>{} is already {} this invitation.</p>\n',
            _username(record) or "Someone",
            PRESENT_PARTICIPLE[Action.ACCEPT]
            if row.action == "accept"
            else PRESENT_PARTICIPLE[Action.DECLINE],
        )
    if state == "refused" and row.outcome is not None:
        return markup('<p class="inbox-outcome error" data-outcome>{}</p>\n', row.outcome.refusal)
    if state in ("failed", "unconfirmed"):
        words = row.outcome.error_message if row.outcome else row.unconfirmed_message
        # Unconfirmed: never repeated by itself; a person who has checked may try again.
        buttons = decide_buttons(row, context) if row.decidable else NOTHING
        return markup('<p class="inbox-outcome error" data-outcome>{}</p>\n{}\n', words, buttons)
    return NOTHING


def _username(record: InvitationDecision) -> str:
    return record.actor.get_username() if record.actor is not None else ""


def decision_result(row: RowView, context: RowContext) -> SafeString:
    """{% partialdef decision-result %}: the answer to one decision, its cell and its select
    box out of band."""
    return markup("{}{}", decision(row, context), row_select(row, context, oob=True))
