"""Bulk work has one overall deadline (F10): a hanging postpress cannot hold a bulk request for
a minute; the rows not tried in time come back "not tried, try again".

Calls run a few at a time (POSTPRESS_BULK_IN_FLIGHT, 4 here): the first four start together and
the fake clock passes the deadline while they are in flight, so no fifth one starts."""

import json
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import responses
from django.test import Client
from pytest_django.fixtures import Settings

from invitations.models import (
    InvitationDecision,
    ListedInvitation,
    SentInvitation,
    SentStatus,
)
from postpress_dashboard.core import api
from postpress_dashboard.teams.models import LinkedAccount
from tests.conftest import API_BASE_URL

SECONDS_IN_FLIGHT = 30.0  # what the first calls of a slow postpress take, on the fake clock
IN_FLIGHT = 4
HTMX = {"HX-Request": "true"}
# A bounded wait for the calls in flight to meet: a fifth call, which must not start, would
# find no one to meet and fail the test after it.
MEET_WITHIN = 5.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Iterator[FakeClock]:
    settings.POSTPRESS_BULK_BUDGET = 25.0
    settings.POSTPRESS_BULK_IN_FLIGHT = IN_FLIGHT
    fake = FakeClock()
    monkeypatch.setattr(api, "now", fake)
    yield fake


def slow(clock: FakeClock, body: dict[str, Any]) -> Any:
    """Each call waits for the others in flight; once all four are, 30 s have passed."""

    def thirty_seconds_later() -> None:
        clock.now += SECONDS_IN_FLIGHT

    in_flight = threading.Barrier(IN_FLIGHT, action=thirty_seconds_later, timeout=MEET_WITHIN)

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        in_flight.wait()
        return 200, {"content-type": "application/json"}, json.dumps(body)

    return answer


@responses.activate
def test_a_bulk_accept_stops_starting_calls_at_its_deadline(
    clock: FakeClock, alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    ids = [f"inv_{n}" for n in range(6)]
    for invitation_id in ids:
        ListedInvitation.objects.create(
            account=linkedin_account, invitation_id=invitation_id, shared_secret="s"
        )
    responses.add_callback(
        responses.POST,
        re.compile(re.escape(f"{API_BASE_URL}/users/invite/received/") + ".*"),
        callback=slow(clock, {"object": "UserInvitationHandled", "status": "ACCEPTED"}),
    )

    fragment = alice_client.post(
        f"/inbox/{linkedin_account.pk}/bulk/",
        {"action": "accept", "invitation": ids},
        headers=HTMX,
    ).content.decode()

    # 25 s: four calls start at 0 s; they answer at 30 s, and nothing more starts.
    assert len(responses.calls) == IN_FLIGHT
    assert "Accepted 4 of 6 selected invitations." in fragment
    assert "2 were not tried in time: try them again." in fragment
    assert 'id="invitation-inv_3-decision"' in fragment
    assert 'id="invitation-inv_4-decision"' not in fragment  # its row keeps its buttons
    assert not InvitationDecision.objects.filter(invitation_id__in=["inv_4", "inv_5"]).exists()


@responses.activate
def test_a_bulk_withdraw_stops_starting_calls_at_its_deadline(
    clock: FakeClock, alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    rows = [
        SentInvitation.objects.create(
            account=linkedin_account,
            recipient_id=f"ACo{n}",
            invitation_id=f"inv_{n}",
            status=SentStatus.PENDING,
        )
        for n in range(6)
    ]
    responses.add_callback(
        responses.DELETE,
        re.compile(re.escape(f"{API_BASE_URL}/users/invite/sent/") + ".*"),
        callback=slow(clock, {"object": "InvitationCanceled"}),
    )

    response = alice_client.post(
        "/invitations/sent/withdraw/",
        {"account": linkedin_account.pk, "days": "0", "sent": [row.pk for row in rows]},
        follow=True,
    )

    page = response.content.decode()
    assert len(responses.calls) == IN_FLIGHT
    assert "Withdrew 4 of 6 invitations." in page
    assert "2 not tried in time: they are still pending." in page
    assert SentInvitation.objects.filter(status=SentStatus.PENDING).count() == 2


def test_a_call_in_bulk_work_gets_no_more_time_than_the_deadline_leaves(
    clock: FakeClock, settings: Settings
) -> None:
    settings.POSTPRESS_TOTAL_BUDGET = 25.0
    deadline = api.Deadline(25.0)
    clock.now += 21.0
    client = api.build_client(
        base_url=f"{API_BASE_URL}", api_key="pp_live_team_a_key_1234", within=deadline
    )
    assert client.timeouts.total == pytest.approx(4.0)
    assert client.timeouts.read <= 4.0
