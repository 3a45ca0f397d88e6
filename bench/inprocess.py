"""Measures taken inside one process, the way one worker thread serves requests: Django's test
client drives the dashboard (middleware, view, template, database, API call; no HTTP server in
front), against the sandbox API in its own process. The bare API calls run in the same process
and the same loop, interleaved with the page views, so both see the same machine."""

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import requests
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.stats import counting_the_wire, median
from postpress_dashboard.postpress.base_url import HostPolicy
from postpress_dashboard.postpress.client import PostpressClient
from postpress_dashboard.postpress.schemas import InvitationAction, Provider, ReceivedInvitation
from postpress_dashboard.teams.models import LinkedAccount

WARMUP = 5
RUNS = 40
HTMX = {"HTTP_HX_REQUEST": "true"}
# The sandbox's seeded rows that fail on purpose when handled.
ERROR_ROW = re.compile(r"^inv_err_")


@dataclass(frozen=True)
class Sample:
    seconds: float
    queries: int
    api_requests: int
    body_bytes: int


def _measured(view: Callable[[], bytes]) -> Sample:
    with counting_the_wire() as wire, CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        body = view()
        seconds = time.perf_counter() - started
    return Sample(seconds, len(queries), wire.requests, len(body))


def _timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def bare_client(base_url: str, api_key: str) -> PostpressClient:
    """A client of its own (own pooled session), as a script calling the API would use."""
    return PostpressClient(
        base_url=base_url,
        api_key=api_key,
        session=requests.Session(),
        host_policy=HostPolicy.of(["127.0.0.1", "localhost"], allow_loopback_http=True),
    )


@dataclass(frozen=True)
class InboxResult:
    size: int
    page: list[Sample]
    bare: list[float]
    first_views: list[Sample]  # pages 2, 3 and 4 reached by their Next links, once each

    @property
    def added(self) -> float:
        return median([s.seconds for s in self.page]) - median(self.bare)


def inbox_views(
    client: Client, bare: PostpressClient, account: LinkedAccount, size: int
) -> InboxResult:
    """The inbox page with `size` invitations against the list call it makes, interleaved."""
    url = f"{reverse('invitations:inbox')}?account={account.pk}&size={size}"

    def page() -> bytes:
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        assert response.content.count(b'class="inbox-row') == size
        return response.content

    def list_call() -> object:
        return bare.list_received_invitations(account_id=account.account_id, limit=size)

    for _ in range(WARMUP):
        page()
        list_call()
    pages, bares = [], []
    for _ in range(RUNS):
        bares.append(_timed(list_call))
        pages.append(_measured(page))
    return InboxResult(size, pages, bares, _first_views(client, url, size, 3))


NEXT_LINK = re.compile(rb'<a href="([^"]+)" rel="next">')


def _first_views(client: Client, url: str, size: int, count: int) -> list[Sample]:
    """Views of pages never shown before, each reached by the previous page's Next link."""
    content = [client.get(url).content]
    samples = []
    for _ in range(count):
        found = NEXT_LINK.search(content[0])
        assert found, "no Next page link"
        following = found.group(1).decode().replace("&amp;", "&")

        def view(following: str = following) -> bytes:
            response = client.get(following)
            assert response.status_code == 200, response.status_code
            assert response.content.count(b'class="inbox-row') == size
            content[0] = response.content
            return response.content

        samples.append(_measured(view))
    return samples


@dataclass(frozen=True)
class DecideResult:
    decide: list[Sample]
    bare: list[float]

    @property
    def added(self) -> float:
        return median([s.seconds for s in self.decide]) - median(self.bare)


def _open_ids(
    bare: PostpressClient, account: LinkedAccount, count: int, cursor: str | None
) -> tuple[list[ReceivedInvitation], str | None]:
    page = bare.list_received_invitations(account_id=account.account_id, limit=100, cursor=cursor)
    usable = [item for item in page.items if not ERROR_ROW.match(item.id)]
    return usable[:count], page.cursor


def decisions(client: Client, bare: PostpressClient, account: LinkedAccount) -> DecideResult:
    """Accept through htmx (the row fragment) against the bare accept call, interleaved.

    The dashboard decides the invitations its inbox page listed (page 1, 100 rows); the bare
    calls decide others (page 2), each with the shared secret its listing gave.
    """
    count = WARMUP + RUNS
    inbox = client.get(f"{reverse('invitations:inbox')}?account={account.pk}&size=100")
    assert inbox.status_code == 200
    listed, cursor = _open_ids(bare, account, count, None)
    others, _ = _open_ids(bare, account, count, cursor)

    def decide(invitation_id: str) -> bytes:
        url = reverse("invitations:decide", args=[account.pk, "accept"])
        url += f"?{urlencode({'invitation': invitation_id})}"
        response = client.post(url, **HTMX)  # type: ignore[arg-type]
        assert response.status_code == 200, response.status_code
        assert b"inbox-outcome success" in response.content, response.content[:800]
        return response.content

    def bare_accept(invitation: ReceivedInvitation) -> Callable[[], object]:
        return lambda: bare.handle_received_invitation(
            invitation_id=invitation.id,
            account_id=account.account_id,
            provider=Provider.LINKEDIN,
            action=InvitationAction.ACCEPT,
            shared_secret=invitation.shared_secret,
        )

    decides, bares = [], []
    for number, (mine, theirs) in enumerate(zip(listed, others, strict=True)):
        bare_seconds = _timed(bare_accept(theirs))
        sample = _measured(lambda mine=mine: decide(mine.id))
        if number >= WARMUP:
            bares.append(bare_seconds)
            decides.append(sample)
    return DecideResult(decides, bares)


def connections_over_page_views(client: Client, account: LinkedAccount, views: int) -> int:
    """TCP connections the dashboard opens to the API over consecutive page views served by
    one fresh thread (a worker thread starts with no pooled connection)."""
    url = f"{reverse('invitations:inbox')}?account={account.pk}&size=25"
    opened: list[int] = []

    def serve() -> None:
        with counting_the_wire() as wire:
            for _ in range(views):
                assert client.get(url).status_code == 200
            opened.append(wire.connections)

    worker = threading.Thread(target=serve)
    worker.start()
    worker.join()
    return opened[0]
