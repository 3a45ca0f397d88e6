"""Bulk accept, decline and withdraw make a few calls at once (POSTPRESS_BULK_IN_FLIGHT, 4 here)
and stop starting new ones at the first answer that asks to slow down. The database work stays
in the request's thread: these run on the test's own connection (no transaction=True) and would
fail if a pool thread used the ORM, which sees no test data there."""

import json
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import responses
from django.db import connection
from django.db.models.signals import post_save
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django.fixtures import Settings

from activity.models import Entry, Outcome
from invitations import bulk, services
from invitations.models import (
    DecisionState,
    InvitationDecision,
    ListedInvitation,
    SentInvitation,
    SentStatus,
)
from postpress_dashboard.teams.models import LinkedAccount
from tests.conftest import API_BASE_URL

IN_FLIGHT = 4
HTMX = {"HX-Request": "true"}
# Bounded waits for calls meant to be in flight together (never reached when all is well).
WAIT_AT_MOST = 5.0
HANDLE = re.compile(re.escape(f"{API_BASE_URL}/users/invite/received/") + r"(?P<id>[^/?]+)")
CANCEL = re.compile(re.escape(f"{API_BASE_URL}/users/invite/sent/") + r"(?P<id>[^/?]+)")
ACCEPTED = {"object": "UserInvitationHandled", "status": "ACCEPTED"}
CANCELED = {"object": "UserInvitationCanceled"}
RATE_LIMITED = {
    "title": "Too many requests",
    "type": "errors/too_many_requests",
    "status": 429,
}

Answer = tuple[int, dict[str, str], str]


@pytest.fixture(autouse=True)
def in_flight(settings: Settings) -> None:
    settings.POSTPRESS_BULK_IN_FLIGHT = IN_FLIGHT


def _json(body: dict[str, Any], status: int = 200, **headers: str) -> Answer:
    return status, {"content-type": "application/json", **headers}, json.dumps(body)


def _listed(account: LinkedAccount, count: int) -> list[str]:
    ids = [f"inv_{n}" for n in range(count)]
    ListedInvitation.objects.bulk_create(
        ListedInvitation(account=account, invitation_id=i, shared_secret="s", inviter_name=i)
        for i in ids
    )
    return ids


def _pending(account: LinkedAccount, count: int) -> list[SentInvitation]:
    return [
        SentInvitation.objects.create(
            account=account,
            recipient_id=f"ACo{n}",
            invitation_id=f"inv_sent_{n}",
            status=SentStatus.PENDING,
        )
        for n in range(count)
    ]


def _path_id(request: Any, pattern: re.Pattern[str]) -> str:
    match = pattern.match(request.url)
    assert match is not None, request.url
    return match["id"]


class InFlight:
    """A stub's answers, counting the calls it is answering at once and the threads making
    them. The first four calls wait for each other (fewer at once would never meet), and no
    call answers before the bulk run first waits for an answer: by then it has started every
    call it may have in flight."""

    def __init__(self, body: dict[str, Any], waits: "Waits") -> None:
        self.body = body
        self.waits = waits
        self.now = 0
        self.most = 0
        self.calls = 0
        self.threads: set[int] = set()
        self._lock = threading.Lock()
        self._first = threading.Barrier(IN_FLIGHT, timeout=WAIT_AT_MOST)

    def __call__(self, request: Any) -> Answer:
        with self._lock:
            self.now += 1
            self.calls += 1
            self.most = max(self.most, self.now)
            self.threads.add(threading.get_ident())
            number = self.calls
        try:
            if number <= IN_FLIGHT:
                self._first.wait()
            self.waits.waiting.wait(WAIT_AT_MOST)
            return _json(self.body)
        finally:
            with self._lock:
                self.now -= 1


def _bulk_accept(client: Client, account: LinkedAccount, ids: list[str]) -> str:
    response = client.post(
        f"/inbox/{account.pk}/bulk/", {"action": "accept", "invitation": ids}, headers=HTMX
    )
    assert response.status_code == 200
    return response.content.decode()


def _bulk_withdraw(client: Client, account: LinkedAccount, rows: list[SentInvitation]) -> str:
    response = client.post(
        "/invitations/sent/withdraw/",
        {"account": account.pk, "days": "0", "sent": [row.pk for row in rows]},
        follow=True,
    )
    assert response.status_code == 200
    return response.content.decode()


class Waits:
    """How many calls a bulk run had started, and not yet recorded, each time it waited for
    an answer. `waiting` is set at its first wait."""

    def __init__(self) -> None:
        self.waiting = threading.Event()
        self.in_flight: list[int] = []

    def wrap(self, real: Callable[..., Any]) -> Callable[..., Any]:
        def wait(futures: Any, **options: Any) -> Any:
            self.in_flight.append(len(futures))
            self.waiting.set()
            return real(futures, **options)

        return wait


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> Waits:
    waits = Waits()
    monkeypatch.setattr(bulk, "wait", waits.wrap(bulk.wait))
    return waits


def _pool_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("postpress-bulk")]


# --- bounded in flight -----------------------------------------------------------------------


@responses.activate
def test_a_bulk_accept_has_at_most_four_calls_in_flight(
    alice_client: Client, linkedin_account: LinkedAccount, waits: Waits
) -> None:
    ids = _listed(linkedin_account, 12)
    stub = InFlight(ACCEPTED, waits)
    responses.add_callback(responses.POST, HANDLE, callback=stub)

    fragment = _bulk_accept(alice_client, linkedin_account, ids)

    assert stub.calls == 12
    assert stub.most == IN_FLIGHT  # four at once
    assert waits.in_flight[0] == max(waits.in_flight) == IN_FLIGHT  # never more
    assert len(stub.threads) <= IN_FLIGHT  # so at most four pooled connections
    assert _pool_threads() == []  # the pool ended with the request
    assert "Accepted 12 of 12 selected invitations." in fragment
    assert set(InvitationDecision.objects.values_list("state", flat=True)) == {DecisionState.DONE}
    assert Entry.objects.filter(kind="accept", outcome=Outcome.OK).count() == 12


@responses.activate
def test_a_bulk_withdraw_has_at_most_four_calls_in_flight(
    alice_client: Client, linkedin_account: LinkedAccount, waits: Waits
) -> None:
    rows = _pending(linkedin_account, 10)
    stub = InFlight(CANCELED, waits)
    responses.add_callback(responses.DELETE, CANCEL, callback=stub)

    page = _bulk_withdraw(alice_client, linkedin_account, rows)

    assert stub.calls == 10
    assert stub.most == IN_FLIGHT
    assert waits.in_flight[0] == max(waits.in_flight) == IN_FLIGHT
    assert _pool_threads() == []
    assert "Withdrew 10 of 10 invitations." in page
    assert SentInvitation.objects.filter(status=SentStatus.WITHDRAWN).count() == 10


@responses.activate
def test_the_bound_is_a_setting(
    alice_client: Client, linkedin_account: LinkedAccount, settings: Settings
) -> None:
    settings.POSTPRESS_BULK_IN_FLIGHT = 1
    ids = _listed(linkedin_account, 5)
    most = 0
    now = 0
    lock = threading.Lock()

    def answer(request: Any) -> Answer:
        nonlocal most, now
        with lock:
            now += 1
            most = max(most, now)
        with lock:
            now -= 1
        return _json(ACCEPTED)

    responses.add_callback(responses.POST, HANDLE, callback=answer)

    fragment = _bulk_accept(alice_client, linkedin_account, ids)

    assert most == 1
    assert [_path_id(call.request, HANDLE) for call in responses.calls] == ids  # in order
    assert "Accepted 5 of 5 selected invitations." in fragment


# --- a rate limit stops new calls -------------------------------------------------------------


class RateLimitedFourth:
    """The fourth call in flight is answered 429 at once; the three before it answer only
    once that answer has been recorded (its Activity entry saved), so whatever starts after
    the 429 would be counted."""

    def __init__(
        self, success: dict[str, Any], pattern: re.Pattern[str], retry_after: str = "30"
    ) -> None:
        self.success = success
        self.retry_after = retry_after
        self.pattern = pattern
        self.paths: list[str] = []
        self.recorded = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, request: Any) -> Answer:
        with self._lock:
            self.paths.append(_path_id(request, self.pattern))
            number = len(self.paths)
        if number == IN_FLIGHT:
            return _json(RATE_LIMITED, 429, **{"retry-after": self.retry_after})
        self.recorded.wait(WAIT_AT_MOST)
        return _json(self.success)

    def on_entry(self, sender: Any, instance: Entry, created: bool, **kwargs: Any) -> None:
        if created and instance.outcome == Outcome.FAILED:
            self.recorded.set()


@pytest.fixture
def watching() -> Iterator[Callable[[RateLimitedFourth], None]]:
    watched: list[RateLimitedFourth] = []

    def watch(stub: RateLimitedFourth) -> None:
        post_save.connect(stub.on_entry, sender=Entry, weak=False, dispatch_uid="bulk-test")
        watched.append(stub)

    yield watch
    post_save.disconnect(sender=Entry, dispatch_uid="bulk-test")


@responses.activate
def test_a_bulk_accept_starts_no_call_after_a_rate_limit_answer(
    alice_client: Client,
    linkedin_account: LinkedAccount,
    watching: Callable[[RateLimitedFourth], None],
) -> None:
    ids = _listed(linkedin_account, 10)
    stub = RateLimitedFourth(ACCEPTED, HANDLE)
    watching(stub)
    responses.add_callback(responses.POST, HANDLE, callback=stub)

    fragment = _bulk_accept(alice_client, linkedin_account, ids)

    assert sorted(stub.paths) == ids[:IN_FLIGHT]  # the four in flight, and nothing after
    assert "Accepted 3 of 10 selected invitations. 1 could not be accepted." in fragment
    assert (
        "6 were not tried: postpress asked to slow down, so no more were sent. Wait a moment, "
        "then try them again."
    ) in fragment
    assert "The provider is limiting requests from this account." in fragment  # its row
    assert "errors/" not in fragment
    # The rows not tried were never claimed: they keep their buttons.
    assert not InvitationDecision.objects.filter(invitation_id__in=ids[IN_FLIGHT:]).exists()
    assert 'id="invitation-inv_4-decision"' not in fragment


@responses.activate
def test_a_bulk_withdraw_starts_no_call_after_a_rate_limit_answer(
    alice_client: Client,
    linkedin_account: LinkedAccount,
    watching: Callable[[RateLimitedFourth], None],
) -> None:
    rows = _pending(linkedin_account, 9)
    # A wait short enough that a single withdraw would wait it out and try again.
    stub = RateLimitedFourth(CANCELED, CANCEL, retry_after="2")
    watching(stub)
    responses.add_callback(responses.DELETE, CANCEL, callback=stub)

    page = _bulk_withdraw(alice_client, linkedin_account, rows)

    # Not even the rate-limited DELETE is repeated: the bulk does not wait out the limit.
    assert len(stub.paths) == IN_FLIGHT
    assert "Withdrew 3 of 9 invitations." in page
    assert "5 not tried: postpress asked to slow down, so no more were sent." in page
    assert "The provider is limiting requests from this account." in page
    assert "You can try again in 2 seconds." in page
    statuses = Counter(SentInvitation.objects.values_list("status", flat=True))
    assert statuses == {SentStatus.WITHDRAWN: 3, SentStatus.PENDING: 6}


# --- unconfirmed: recorded, never sent again ---------------------------------------------------


@responses.activate
def test_a_lost_answer_in_a_bulk_is_unconfirmed_and_never_sent_again(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    ids = _listed(linkedin_account, 5)

    def answer(request: Any) -> Answer:
        if _path_id(request, HANDLE) == "inv_2":
            raise requests.ConnectionError("connection reset by peer")
        return _json(ACCEPTED)

    responses.add_callback(responses.POST, HANDLE, callback=answer)

    first = _bulk_accept(alice_client, linkedin_account, ids)
    again = _bulk_accept(alice_client, linkedin_account, ids)

    posted = Counter(_path_id(call.request, HANDLE) for call in responses.calls)
    assert posted == dict.fromkeys(ids, 1)  # a POST is never replayed, nor sent by the retry
    assert "Accepted 4 of 5 selected invitations. 1 may have been accepted: see its row." in first
    assert (
        "1 may have gone through on an earlier attempt and was not sent again: check its row."
    ) in again
    # Its row says so, and keeps its buttons for a person who has checked.
    assert "may have been accepted: check on the provider before trying again." in again
    assert "Try to accept again" in again
    decision = InvitationDecision.objects.get(invitation_id="inv_2")
    assert decision.state == DecisionState.UNCONFIRMED
    entry = Entry.objects.get(target="inv_2")
    assert entry.outcome == Outcome.UNCONFIRMED
    assert entry.resolution == ""  # still waiting for a person: not superseded by the bulk


@responses.activate
def test_a_lost_withdraw_answer_in_a_bulk_is_unconfirmed_and_never_sent_again(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    rows = _pending(linkedin_account, 4)
    lost = rows[1]

    def answer(request: Any) -> Answer:
        if _path_id(request, CANCEL) == lost.invitation_id:
            raise requests.ConnectionError("connection reset by peer")
        return _json(CANCELED)

    responses.add_callback(responses.DELETE, CANCEL, callback=answer)

    first = _bulk_withdraw(alice_client, linkedin_account, rows)
    calls_for_it = sum(lost.invitation_id in call.request.url for call in responses.calls)
    _bulk_withdraw(alice_client, linkedin_account, rows)

    assert "Withdrew 3 of 4 invitations." in first
    lost.refresh_from_db()
    assert lost.status == SentStatus.WITHDRAW_UNCONFIRMED
    assert sum(lost.invitation_id in call.request.url for call in responses.calls) == calls_for_it
    assert Entry.objects.get(sent=lost).outcome == Outcome.UNCONFIRMED


# --- the database work per row is constant -----------------------------------------------------


@responses.activate
def test_a_bulk_accept_costs_the_same_queries_for_each_row(
    alice: Any, linkedin_account: LinkedAccount
) -> None:
    responses.add(responses.POST, HANDLE, json=ACCEPTED)
    ids = _listed(linkedin_account, 14)

    def queries(chosen: list[str]) -> int:
        with CaptureQueriesContext(connection) as captured:
            bulk = services.invitations_bulk_decide(
                account=linkedin_account, invitation_ids=chosen, action="accept", actor=alice
            )
        assert all(decision.ok for decision in bulk.decisions)
        return len(captured)

    linkedin_account.team  # noqa: B018 - loaded once, as a view's account would have it
    two, four, eight = queries(ids[:2]), queries(ids[2:6]), queries(ids[6:14])
    per_row = (four - two) // 2
    assert four - two == 2 * per_row
    assert eight - four == 4 * per_row
    # The claim (savepoint, insert, release) and the outcome with its Activity entry in one
    # transaction (savepoint, update, insert, release).
    assert per_row <= 7, per_row


@responses.activate
def test_a_bulk_withdraw_costs_the_same_queries_for_each_row(
    alice: Any, linkedin_account: LinkedAccount
) -> None:
    responses.add(responses.DELETE, CANCEL, json=CANCELED)
    rows = _pending(linkedin_account, 14)
    for row in rows:
        row.account = linkedin_account  # as the view's select_related gives them

    def queries(chosen: list[SentInvitation]) -> int:
        with CaptureQueriesContext(connection) as captured:
            tried, not_tried, _ = services.invitations_bulk_withdraw(
                invitations=chosen, actor=alice
            )
        assert [withdrawal.withdrawn for withdrawal in tried] == [True] * len(chosen)
        assert not_tried == 0
        return len(captured)

    linkedin_account.team  # noqa: B018 - loaded once, as the view's select_related has it
    two, four, eight = queries(rows[:2]), queries(rows[2:6]), queries(rows[6:14])
    per_row = (four - two) // 2
    assert four - two == 2 * per_row
    assert eight - four == 4 * per_row
    assert per_row <= 6


@responses.activate
def test_a_claim_whose_request_died_mid_call_is_not_sent_again_by_a_bulk(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    ids = _listed(linkedin_account, 3)
    abandoned = InvitationDecision.objects.create(
        account=linkedin_account,
        invitation_id="inv_1",
        action="accept",
        state=DecisionState.IN_PROGRESS,
    )
    long_ago = abandoned.decided_at - services.STALE_CLAIM_AFTER * 2
    InvitationDecision.objects.filter(pk=abandoned.pk).update(decided_at=long_ago)
    responses.add(responses.POST, HANDLE, json=ACCEPTED)

    page = _bulk_accept(alice_client, linkedin_account, ids)

    posted = Counter(_path_id(call.request, HANDLE) for call in responses.calls)
    assert posted == {"inv_0": 1, "inv_2": 1}  # the one that may have gone through: not sent
    assert "may have gone through on an earlier attempt and was not sent again" in page


@responses.activate
def test_a_bug_in_one_call_leaves_that_row_unconfirmed_and_the_others_decided(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    ids = _listed(linkedin_account, 3)

    def answer(request: Any) -> Answer:
        if _path_id(request, HANDLE) == "inv_1":
            raise KeyError("a bug, not an answer")
        return _json(ACCEPTED)

    responses.add_callback(responses.POST, HANDLE, callback=answer)

    page = _bulk_accept(alice_client, linkedin_account, ids)  # an answer, not a 500

    assert "may have been accepted: check on the provider before trying again." in page
    states = dict(InvitationDecision.objects.values_list("invitation_id", "state"))
    assert states == {
        "inv_0": DecisionState.DONE,
        "inv_1": DecisionState.UNCONFIRMED,
        "inv_2": DecisionState.DONE,
    }
    assert Entry.objects.get(target="inv_1").outcome == Outcome.UNCONFIRMED
