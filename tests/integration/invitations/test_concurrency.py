"""Several requests for one account at the same instant, each in its own thread and database
connection, as several workers would serve them.

The caps and the once-only decision are guarded in the database (a row lock on PostgreSQL, an
IMMEDIATE transaction on SQLite, a unique constraint on both), never in process memory; CI runs
this file on both backends (.ci/run). The API is a real HTTP server counting what reaches it.
"""

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import reverse

from invitations.forms import submission_token_issue
from invitations.models import InvitationDecision, ListedInvitation, SentInvitation, SentStatus
from postpress_dashboard.teams import services
from postpress_dashboard.teams.models import LinkedAccount, Role, Team
from tests.integration.invitations.counting_api import CountingApi

PARALLEL_REQUESTS = 12
DAILY_CAP = 5
API_KEY = "pp_live_concurrency_key"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def api() -> Iterator[CountingApi]:
    with CountingApi() as running:
        yield running


@pytest.fixture
def account(api: CountingApi) -> LinkedAccount:
    team = services.team_create(name="Acme", base_url=api.base_url, api_key=API_KEY)
    fields = services.AccountFields(
        provider="LINKEDIN", account_id="acc_race", label="Race", linkedin_apis=["classic"]
    )
    account = services.account_add(team=team, fields=fields, actor=None)
    account.daily_cap = DAILY_CAP
    account.save(update_fields=["daily_cap"])
    for number in range(PARALLEL_REQUESTS):
        user = User.objects.create_user(f"member{number}")
        services.member_add(team=team, user=user, role=Role.MEMBER, actor=None)
    return account


def _members(team: Team) -> list[User]:
    return list(User.objects.filter(memberships__team=team).order_by("username"))


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


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_parallel_sends_never_pass_the_accounts_daily_cap(
    api: CountingApi, account: LinkedAccount
) -> None:
    def send(user: User, number: int) -> Callable[[], int]:
        client = _signed_in(user)
        data = {
            "account": account.pk,
            "recipient_id": f"ACoRecipient{number}",
            "message": "Hello",
            "submission": submission_token_issue(team=account.team, user=user),
        }
        return lambda: client.post(reverse("invitations:send"), data).status_code

    users = _members(account.team)
    statuses = _all_at_once([send(user, n) for n, user in enumerate(users)])

    sends = [path for path in api.posts if path == "/api/v1/users/invite"]
    assert len(sends) == DAILY_CAP
    assert SentInvitation.objects.filter(account=account, status=SentStatus.PENDING).count() == (
        DAILY_CAP
    )
    assert statuses.count(302) == DAILY_CAP  # sent, and redirected to the sent list
    assert len(statuses) == PARALLEL_REQUESTS


def test_parallel_accepts_of_one_invitation_reach_the_api_once(
    api: CountingApi, account: LinkedAccount
) -> None:
    ListedInvitation.objects.create(
        account=account, invitation_id="inv_shared", shared_secret="secret", inviter_name="Ada"
    )
    url = reverse("invitations:decide", kwargs={"account_pk": account.pk, "action": "accept"})
    url += "?invitation=inv_shared"

    def accept(client: Client) -> Callable[[], int]:
        return lambda: client.post(url).status_code

    clients = [_signed_in(user) for user in _members(account.team)]
    _all_at_once([accept(client) for client in clients])

    assert api.posts == ["/api/v1/users/invite/received/inv_shared"]
    decision = InvitationDecision.objects.get(account=account, invitation_id="inv_shared")
    assert decision.state == "done"
