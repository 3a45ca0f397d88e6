"""invitations/presenters.py builds the inbox's rows without the template engine: for every row
state it must give exactly the HTML of the partials in templates/invitations/inbox.html, which
stay there as the reference."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy

from invitations import presenters
from invitations.models import DecisionState, InvitationDecision
from invitations.presenters import DecideUrls, RowContext, RowView
from invitations.selectors import InboxRow
from invitations.services import Decision
from postpress_dashboard.postpress.errors import PostpressError
from postpress_dashboard.postpress.schemas import Inviter, ReceivedInvitation
from postpress_dashboard.teams.models import LinkedAccount

TEMPLATE = "invitations/inbox.html"
CSRF = "csrf-token-value"
NOW = timezone.now()
HOSTILE = "<b>\"Q\" & 'A'</b>"


def account(provider: str = "LINKEDIN") -> LinkedAccount:
    return LinkedAccount(pk=42, provider=provider, account_id="acc_1", label="Acme")


def listed_invitation(invitation_id: str = "inv_1", **fields: Any) -> ReceivedInvitation:
    inviter = fields.pop(
        "inviter",
        Inviter(name="Ada Lovelace", id="ACoAda", public_identifier="ada", description="Maths"),
    )
    values: dict[str, Any] = {
        "id": invitation_id,
        "invited_user": "Alice",
        "invited_user_id": "ACoAlice",
        "invited_user_public_id": "alice",
        "invited_user_description": "",
        "date": "May 12, 2026",
        "parsed_datetime": "2026-05-12T08:14:00.000Z",
        "invitation_text": "Hello",
        "inviter": inviter,
        "provider": "LINKEDIN",
        "shared_secret": "secret",
    }
    return ReceivedInvitation(**(values | fields))


def record(state: str, action: str = "accept", **fields: Any) -> InvitationDecision:
    values = {"actor": User(pk=7, username="bob"), "decided_at": NOW - timedelta(minutes=1)}
    return InvitationDecision(
        invitation_id="inv_1", action=action, state=state, **(values | fields)
    )


def listed(
    invitation: ReceivedInvitation | None = None,
    decision: InvitationDecision | None = None,
    provider: str = "LINKEDIN",
) -> RowView:
    urls = DecideUrls(account(provider))
    return RowView.listed(InboxRow(invitation or listed_invitation(), decision), urls)


def decided(decision: Decision, name: str = "Ada Lovelace") -> RowView:
    return RowView.decided(decision, name, DecideUrls(account()))


RETRYABLE = PostpressError(error_type="errors/provider_unreachable", status=503)
FINAL = PostpressError(error_type="errors/recipient_rejected", status=422)
UNCONFIRMED = PostpressError(error_type="errors/request_timeout", status=504, instance="req_9")
ACCEPTED = record(DecisionState.DONE)

ROWS = {
    "open": listed(),
    "open, hostile text everywhere": listed(
        listed_invitation(
            HOSTILE,
            invitation_text=f"line 1\r\nline 2\rline 3\n{HOSTILE}",
            inviter=Inviter(
                name=HOSTILE, id=HOSTILE, public_identifier=HOSTILE, description=HOSTILE
            ),
            date=HOSTILE,
        )
    ),
    "open, no inviter, the API's date only": listed(
        listed_invitation(inviter=None, parsed_datetime=None, invitation_text="")
    ),
    "open, no date at all": listed(listed_invitation(parsed_datetime=None, date="")),
    "open, a date that is not one": listed(
        listed_invitation(parsed_datetime="2026-13-45T00:00:00")
    ),
    "open, an offset and microseconds": listed(
        listed_invitation(parsed_datetime="2025-12-31T23:59:59.123456+02:00")
    ),
    "open, an hour ago": listed(
        listed_invitation(parsed_datetime=(NOW - timedelta(minutes=90)).isoformat())
    ),
    "open, no profile identifier": listed(
        listed_invitation(inviter=Inviter(name="", id="", public_identifier="..", description=""))
    ),
    "open on Instagram": listed(provider="INSTAGRAM"),
    "open after a failed attempt": listed(decision=record(DecisionState.FAILED)),
    "handled by a teammate": listed(decision=ACCEPTED),
    "declined by a former member, days ago": listed(
        decision=record(
            DecisionState.DONE, "decline", actor=None, decided_at=datetime(2026, 1, 2, tzinfo=UTC)
        )
    ),
    # Claimed "now" however late in the suite this runs: NOW is taken at import, and a claim
    # older than STALE_CLAIM_AFTER reads as abandoned (unconfirmed), another state.
    "in progress elsewhere": listed(
        decision=record(DecisionState.IN_PROGRESS, "decline", decided_at=NOW + timedelta(days=1))
    ),
    "abandoned mid-call": listed(
        decision=record(DecisionState.IN_PROGRESS, decided_at=NOW - timedelta(hours=1))
    ),
    "unconfirmed, declining": listed(decision=record(DecisionState.UNCONFIRMED, "decline")),
    "decided now": decided(Decision("inv_1", "accept", ACCEPTED, handled_status="ACCEPTED")),
    "decided, postpress says otherwise": decided(
        Decision("inv_1", "decline", ACCEPTED, handled_status="ACCEPTED")
    ),
    "decided, no status": decided(Decision("inv_1", "decline", ACCEPTED), name=""),
    "already handled": decided(Decision("inv_1", "decline", ACCEPTED, already_handled=True)),
    "failed, may try again": decided(
        Decision("inv_1", "accept", record(DecisionState.FAILED), error=RETRYABLE)
    ),
    "failed for good": decided(
        Decision("inv_1", "decline", record(DecisionState.FAILED), error=FINAL), name=HOSTILE
    ),
    "unconfirmed now": decided(
        Decision("inv_1", "decline", record(DecisionState.UNCONFIRMED), error=UNCONFIRMED)
    ),
    "refused": decided(Decision("inv_1", "accept", None, refusal=f"Reload. {HOSTILE}")),
}


def context(row: RowView, **overrides: Any) -> tuple[RowContext, dict[str, Any]]:
    """The presenter's context and the template's, alike."""
    provider = row.provider or "LINKEDIN"
    shared = {
        "account": account(provider),
        "can_decide": provider != "FACEBOOK",
        "current_url": '/inbox/?account=42&size=25&page=2&trail=a"b',
        "new_chat_url": "/chats/new/",
    } | overrides
    return RowContext(**shared, csrf_token=CSRF, now=NOW), shared | {
        "row": row,
        "csrf_token": CSRF,
    }


@pytest.fixture(autouse=True)
def clock_at_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """The template reads the clock (a row's age, a claim gone stale) where the presenter is
    given NOW: both read NOW, however long after the import a test runs."""
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def template(partial: str, values: dict[str, Any]) -> str:
    return render_to_string(f"{TEMPLATE}#{partial}", values)


@pytest.mark.parametrize("name", ROWS)
@pytest.mark.parametrize("can_decide", [True, False])
def test_a_row_is_the_template_s_row(name: str, can_decide: bool) -> None:
    row = ROWS[name]
    ours, theirs = context(row, can_decide=can_decide)
    assert presenters.invitation_row(row, ours) == template("invitation-row", theirs)


@pytest.mark.parametrize("name", ROWS)
@pytest.mark.parametrize("oob", [True, False])
def test_a_decision_cell_and_select_box_are_the_template_s(name: str, oob: bool) -> None:
    row = ROWS[name]
    ours, theirs = context(row)
    if oob:
        theirs["oob"] = True
    assert presenters.decision(row, ours, oob=oob) == template("decision", theirs)
    assert presenters.row_select(row, ours, oob=oob) == template("row-select", theirs)


@pytest.mark.parametrize("name", ROWS)
def test_the_answer_to_one_decision_is_the_template_s(name: str) -> None:
    row = ROWS[name]
    ours, theirs = context(row)
    assert presenters.decision_result(row, ours) == template("decision-result", theirs)


def test_every_state_is_compared() -> None:
    states = {row.state for row in ROWS.values()}
    assert states == {
        "open",
        "decided",
        "handled",
        "in_progress",
        "failed",
        "refused",
        "unconfirmed",
    }
    assert {row.decidable for row in ROWS.values()} == {True, False}


def test_what_the_api_sent_is_escaped_everywhere() -> None:
    row = ROWS["open, hostile text everywhere"]
    html = presenters.invitation_row(row, context(row)[0])
    assert "<b>" not in html
    assert "&lt;b&gt;&quot;Q&quot; &amp; &#x27;A&#x27;&lt;/b&gt;" in html
    assert "line 1<br>line 2<br>line 3<br>" in html


def test_rows_are_joined_as_the_page_s_loop_joins_them() -> None:
    rows = [ROWS["open"], replace(ROWS["open"], invitation_id="inv_2")]
    ours, theirs = context(rows[0])
    expected = "".join(template("invitation-row", theirs | {"row": row}) for row in rows)
    assert presenters.invitation_rows(rows, ours) == expected.encode()


@pytest.mark.parametrize(
    "value",
    [HOSTILE, "plain", "", 42, None, SafeString("<b>kept</b>"), gettext_lazy("Decline")],
)
def test_markup_escapes_as_format_html_does(value: object) -> None:
    template = '<a title="{}">{named}</a>'
    assert presenters.markup(template, value, named=value) == format_html(
        template, value, named=value
    )
    assert isinstance(presenters.markup(template, value, named=value), SafeString)
