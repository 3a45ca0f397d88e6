"""Inbox rows: links built without reverse() per row (they must be reverse()'s own), the
time element, and which rows get buttons."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import timezone

from invitations.models import DecisionState, InvitationDecision
from invitations.services import Decision
from invitations.views import DecideUrls, RowView

IDS = [
    "inv_01HZX",
    "with space",
    "slash/inside",
    "//leading",
    "per%cent",
    "ünïcødé-😀",
    "q?uery#frag",
    "sub-delims!$&'()*+,;=:@~",
    "../../2/invitations/inv_9",
    "..",
    "%2e%2e",
    "./.",
]


@pytest.mark.parametrize("invitation_id", IDS)
@pytest.mark.parametrize("action", ["accept", "decline"])
def test_an_id_from_the_api_never_changes_the_url_acted_on(invitation_id: str, action: str) -> None:
    """F7: resolved as a browser resolves it, the URL keeps the decide path of its account and
    action, and names exactly the invitation in its query."""
    account = SimpleNamespace(pk=42, provider="LINKEDIN")
    url = DecideUrls(account)(invitation_id, action)  # type: ignore[arg-type]
    resolved = urlsplit(urljoin("https://dashboard.example/inbox/?account=42", url))
    assert resolved.path == reverse("invitations:decide", args=[42, action])
    assert parse_qs(resolved.query) == {"invitation": [invitation_id]}


def render(when: datetime, precision: str) -> str:
    template = engines["django"].from_string("{% load local_time %}{% local_time when precision %}")
    return template.render({"when": when, "precision": precision})


def test_a_moment_of_today_shows_its_time_only_when_asked() -> None:
    now = timezone.now().replace(microsecond=0)
    assert render(now, "time") == (
        f'<time datetime="{now.astimezone(UTC).isoformat()}" data-local-time="time">'
        f"{now:%H:%M} UTC</time>"
    )
    assert f"{now.day} {now:%b %Y, %H:%M} UTC</time>" in render(now, "datetime")


def test_another_day_shows_the_date() -> None:
    moment = datetime(2026, 5, 12, 8, 14, tzinfo=UTC)
    assert render(moment, "time") == (
        '<time datetime="2026-05-12T08:14:00+00:00" data-local-time="time">'
        "12 May 2026, 08:14 UTC</time>"
    )
    yesterday = timezone.now() - timedelta(days=1)
    assert f"{yesterday:%H:%M} UTC" in render(yesterday, "time")
    assert f">{yesterday:%H:%M} UTC" not in render(yesterday, "time")


def test_a_row_whose_other_attempt_failed_meanwhile_gets_its_buttons_back() -> None:
    # Another request held the invitation, and its attempt failed before this one looked.
    record = InvitationDecision(invitation_id="inv_7", action="accept", state=DecisionState.FAILED)
    decision = Decision("inv_7", "accept", record, already_handled=True)
    row = RowView.decided(decision, "Ada", DecideUrls(SimpleNamespace(pk=42, provider="LINKEDIN")))  # type: ignore[arg-type]
    assert row.state == "open"
    assert (
        row.accept_url == reverse("invitations:decide", args=[42, "accept"]) + "?invitation=inv_7"
    )
    assert (
        row.decline_url == reverse("invitations:decide", args=[42, "decline"]) + "?invitation=inv_7"
    )
