"""Bulk accept with the API 100 ms away: the whole request, as a person waits for it, for 25
and 100 selected invitations, a few calls in flight at once (POSTPRESS_BULK_IN_FLIGHT) and,
for comparison, one after another as before issue 16.

Measured in this process through Django's test client (middleware, view, claims and outcomes
in the database, the calls' pool, the fragment), against a sandbox in its own process that
answers every call 100 ms late. Each run decides invitations no run decided before, listed
beforehand with their shared secrets as the inbox page would have listed them.
"""

import time
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from bench import inprocess, stack
from bench.plan import QUICK, Plan, Row
from bench.stats import counting_the_wire, median
from invitations.models import InvitationDecision, ListedInvitation
from postpress_dashboard.postpress.client import PostpressClient
from postpress_dashboard.teams.models import LinkedAccount, Team

LATENCY_MS = 100
# (selected, goal in seconds)
SIZES = ((25, 1.0), (100, 3.5))
RUNS, QUICK_RUNS = 5, 2
HTMX = {"HTTP_HX_REQUEST": "true"}


@dataclass(frozen=True)
class BulkSample:
    seconds: float
    api_requests: int
    connections: int


def _fresh_ids(bare: PostpressClient, account: LinkedAccount, count: int) -> Iterator[str]:
    """Invitations from the sandbox's list, remembered as a listed page would remember them."""
    cursor: str | None = None
    while count > 0:
        page = bare.list_received_invitations(
            account_id=account.account_id, limit=100, cursor=cursor
        )
        usable = [item for item in page.items if not inprocess.ERROR_ROW.match(item.id)][:count]
        ListedInvitation.objects.bulk_create(
            [
                ListedInvitation(
                    account=account,
                    invitation_id=item.id,
                    shared_secret=item.shared_secret or "",
                    inviter_name=item.inviter.name if item.inviter else "",
                )
                for item in usable
            ],
            # A sandbox seeded afresh may list the same ids with other secrets.
            update_conflicts=True,
            unique_fields=["account", "invitation_id"],
            update_fields=["shared_secret", "inviter_name", "listed_at"],
        )
        yield from (item.id for item in usable)
        count -= len(usable)
        cursor = page.cursor
        if not cursor:
            raise RuntimeError("the sandbox ran out of invitations")


def _bulk_accept(client: Client, account: LinkedAccount, ids: list[str]) -> BulkSample:
    url = reverse("invitations:bulk_decide", args=[account.pk])
    with counting_the_wire() as wire:
        started = time.perf_counter()
        response = client.post(url, {"action": "accept", "invitation": ids}, **HTMX)  # type: ignore[arg-type]
        seconds = time.perf_counter() - started
    assert response.status_code == 200, response.status_code
    done = f"Accepted {len(ids)} of {len(ids)} selected invitations."
    assert done.encode() in response.content, response.content[-600:]
    return BulkSample(seconds, wire.requests, wire.connections)


def bulk_rows(
    space: stack.Workspace, team: Team, account: LinkedAccount, admin: User, plan: Plan
) -> list[Row]:
    runs = QUICK_RUNS if plan is QUICK else RUNS
    client = Client()
    client.force_login(admin)
    with stack.sandbox(space, latency_ms=LATENCY_MS) as slow_api:
        # A freshly seeded sandbox has the same invitation ids again: forget earlier decisions.
        Team.objects.filter(pk=team.pk).update(base_url=slow_api.base_url)
        InvitationDecision.objects.all().delete()
        bare = inprocess.bare_client(slow_api.base_url, stack.API_KEY)
        needed = sum(size for size, _ in SIZES) * (runs + 2) + 25
        ids = _fresh_ids(bare, account, needed)

        def take(count: int) -> list[str]:
            return [next(ids) for _ in range(count)]

        _bulk_accept(client, account, take(25))  # warm-up: the view, the pool, the sandbox
        parallel = {
            size: [_bulk_accept(client, account, take(size)) for _ in range(runs)]
            for size, _ in SIZES
        }
        with override_settings(POSTPRESS_BULK_IN_FLIGHT=1):
            serial = {size: _bulk_accept(client, account, take(size)) for size, _ in SIZES}
    in_flight = _in_flight()
    rows = []
    for size, goal in SIZES:
        samples = parallel[size]
        seconds = median([s.seconds for s in samples])
        calls = sorted({s.api_requests for s in samples})
        connections = max(s.connections for s in samples)
        rows.append(
            Row(
                f"Bulk accept of {size}, API +{LATENCY_MS} ms, {in_flight} calls in flight "
                f"(median of {runs})",
                f"{seconds:.2f} s (one after another: {serial[size].seconds:.2f} s); "
                f"{' or '.join(map(str, calls))} API calls, at most {connections} connections",
                f"< {goal:g} s",
                seconds < goal,
            )
        )
    return rows


def _in_flight() -> int:
    from django.conf import settings

    return int(settings.POSTPRESS_BULK_IN_FLIGHT)
