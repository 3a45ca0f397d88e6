"""Bulk requests racing each other and single decisions over the same rows, each request in its
own thread and database connection as several workers would serve them, with the bulk's own
calls in flight a few at a time: each invitation still reaches the API at most once.

The once-only guards are in the database (a decision's unique row, a sent invitation's
WITHDRAWING status), taken in the request's thread; CI runs this file on SQLite and
PostgreSQL. The API is a real HTTP server counting what reaches it.
"""

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from invitations.models import (
    DecisionState,
    InvitationDecision,
    ListedInvitation,
    SentInvitation,
    SentStatus,
)
from postpress_dashboard.teams import services
from postpress_dashboard.teams.models import LinkedAccount, Role
from tests.integration.invitations.counting_api import CountingApi

ROWS = 24
API_KEY = "pp_live_bulk_race_key"
HTMX = {"HX-Request": "true"}

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def api(settings: Settings) -> Iterator[CountingApi]:
    settings.POSTPRESS_BULK_IN_FLIGHT = 4
    with CountingApi() as running:
        yield running


@pytest.fixture
def account(api: CountingApi) -> LinkedAccount:
    team = services.team_create(name="Acme", base_url=api.base_url, api_key=API_KEY)
    fields = services.AccountFields(
        provider="LINKEDIN", account_id="acc_race", label="Race", linkedin_apis=["classic"]
    )
    account = services.account_add(team=team, fields=fields, actor=None)
    account.daily_cap = account.weekly_cap = 1000
    account.save(update_fields=["daily_cap", "weekly_cap"])
    return account


def _signed_in(account: LinkedAccount, name: str) -> Client:
    user = User.objects.create_user(name)
    services.member_add(team=account.team, user=user, role=Role.MEMBER, actor=None)
    client = Client()
    client.force_login(user)
    return client


def _all_at_once(requests: list[Callable[[], int]]) -> list[int]:
    """Runs each request in its own thread, released together; returns the status codes."""
    start = threading.Barrier(len(requests))

    def run(request: Callable[[], int]) -> int:
        start.wait()
        try:
            return request()
        finally:
            connection.close()  # each thread had its own connection: give it back

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(run, requests))


def _listed(account: LinkedAccount) -> list[str]:
    ids = [f"inv_race_{n}" for n in range(ROWS)]
    for invitation_id in ids:
        ListedInvitation.objects.create(
            account=account, invitation_id=invitation_id, shared_secret="secret"
        )
    return ids


def _bulk_accept(client: Client, account: LinkedAccount, ids: list[str]) -> Callable[[], int]:
    url = reverse("invitations:bulk_decide", kwargs={"account_pk": account.pk})
    return lambda: (
        client.post(url, {"action": "accept", "invitation": ids}, headers=HTMX).status_code
    )


def test_two_bulk_accepts_of_the_same_rows_send_each_invitation_once(
    api: CountingApi, account: LinkedAccount
) -> None:
    ids = _listed(account)
    alice, bob = _signed_in(account, "alice"), _signed_in(account, "bob")

    statuses = _all_at_once(
        [_bulk_accept(alice, account, ids), _bulk_accept(bob, account, list(reversed(ids)))]
    )

    assert statuses == [200, 200]
    assert Counter(api.writes) == {f"POST /api/v1/users/invite/received/{i}": 1 for i in ids}
    assert api.most <= 2 * 4  # two requests, four calls each at the most
    assert api.connections <= 2 * 4  # one pooled connection per call in flight, reused
    states = InvitationDecision.objects.filter(account=account).values_list("state", flat=True)
    assert list(states) == [DecisionState.DONE] * ROWS


def test_a_bulk_accept_racing_single_decisions_sends_each_invitation_once(
    api: CountingApi, account: LinkedAccount
) -> None:
    ids = _listed(account)
    bulk = _signed_in(account, "alice")
    single = _signed_in(account, "bob")

    def decide(invitation_id: str, action: str) -> Callable[[], int]:
        url = reverse("invitations:decide", kwargs={"account_pk": account.pk, "action": action})
        return lambda: single.post(f"{url}?invitation={invitation_id}", headers=HTMX).status_code

    # Bob declines every third one on its own while Alice accepts them all in bulk.
    singles = [decide(i, "decline") for i in ids[::3]]
    statuses = _all_at_once([_bulk_accept(bulk, account, ids), *singles])

    assert set(statuses) == {200}
    assert Counter(api.writes) == {f"POST /api/v1/users/invite/received/{i}": 1 for i in ids}
    decisions = InvitationDecision.objects.filter(account=account)
    assert decisions.count() == ROWS
    assert set(decisions.values_list("state", flat=True)) == {DecisionState.DONE}


def test_two_bulk_withdraws_of_the_same_rows_withdraw_each_once(
    api: CountingApi, account: LinkedAccount
) -> None:
    rows = [
        SentInvitation.objects.create(
            account=account,
            recipient_id=f"ACoRace{n}",
            invitation_id=f"inv_sent_{n}",
            status=SentStatus.PENDING,
        )
        for n in range(ROWS)
    ]
    alice, bob = _signed_in(account, "alice"), _signed_in(account, "bob")
    data = {"account": account.pk, "days": "0", "sent": [row.pk for row in rows]}
    url = reverse("invitations:bulk_withdraw")

    statuses = _all_at_once(
        [lambda: alice.post(url, data).status_code, lambda: bob.post(url, data).status_code]
    )

    assert statuses == [302, 302]
    expected = {f"DELETE /api/v1/users/invite/sent/{row.invitation_id}": 1 for row in rows}
    assert Counter(api.writes) == expected
    assert SentInvitation.objects.filter(status=SentStatus.WITHDRAWN).count() == ROWS
