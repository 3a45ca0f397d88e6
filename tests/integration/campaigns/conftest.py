"""Campaigns against a sandbox over real HTTP, on a fake clock: a week of sends in seconds.

`run_campaign` plays the worker: it moves the clock to the campaign's next step and runs it,
as a worker would when the step's task comes due, until the campaign stops running.
"""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time

import pytest
from django.contrib.auth.models import User
from django.test import Client

from campaigns.models import Campaign, CampaignKind, CampaignState
from campaigns.recipients import recipients_from_csv
from campaigns.services import PacingFields, campaign_create, campaign_start, campaign_step_run
from campaigns.templating import template_parse
from postpress_dashboard.core import clock
from postpress_dashboard.core.clock import FakeClock
from postpress_dashboard.sandbox.server import RunningSandbox
from postpress_dashboard.teams import services as team_services
from postpress_dashboard.teams.models import LinkedAccount, Team

# A Monday, 09:00 UTC.
MONDAY_9 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
def fake_clock() -> Iterator[FakeClock]:
    fake = FakeClock(MONDAY_9)
    with clock.use(fake):
        yield fake


@pytest.fixture
def sandbox_team(sandbox: RunningSandbox, alice: User) -> Team:
    team = team_services.team_create(
        name="Outreach", base_url=sandbox.base_url, api_key=sandbox.api_key
    )
    team_services.member_add(team=team, user=alice, role="admin", actor=None)
    return team


@pytest.fixture
def sandbox_linkedin(sandbox_team: Team) -> LinkedAccount:
    fields = team_services.AccountFields(
        provider="LINKEDIN",
        account_id="acc_linkedin_demo",
        label="Sam on LinkedIn",
        linkedin_apis=["classic"],
    )
    return team_services.account_add(team=sandbox_team, fields=fields, actor=None)


def pacing(**changes: object) -> PacingFields:
    fields = {
        "timezone": "UTC",
        "work_days": "12345",
        "work_start": time(9),
        "work_end": time(17),
        "gap_min_seconds": 60,
        "gap_max_seconds": 180,
        "daily_limit": None,
    } | changes
    return PacingFields(**fields)  # type: ignore[arg-type]


def csv_of(recipient_ids: list[str], column: str = "provider_id") -> bytes:
    lines = [f"{column},first_name"] + [f"{rid},Person {n}" for n, rid in enumerate(recipient_ids)]
    return "\n".join(lines).encode()


MakeCampaign = Callable[..., Campaign]


@pytest.fixture
def make_campaign(sandbox_linkedin: LinkedAccount, alice: User) -> MakeCampaign:
    def make(
        recipient_ids: list[str],
        *,
        account: LinkedAccount | None = None,
        kind: str = CampaignKind.INVITATIONS,
        template: str = "Hi {first_name|there}, glad to connect.",
        start: bool = True,
        **pacing_changes: object,
    ) -> Campaign:
        chosen = account or sandbox_linkedin
        campaign = campaign_create(
            team=chosen.team,
            account=chosen,
            name=f"Campaign {Campaign.objects.count() + 1}",
            kind=kind,
            template=template_parse(template),
            recipients=recipients_from_csv(csv_of(recipient_ids), takes_email=False),
            pacing=pacing(**pacing_changes),
            actor=alice,
        )
        if start:
            campaign_start(campaign=campaign, actor=alice)
        return campaign

    return make


def run_campaign(campaign: Campaign, fake: FakeClock, *, max_steps: int = 20_000) -> int:
    """Run its steps as they come due until it stops running; returns the steps run."""
    for steps in range(max_steps):
        campaign.refresh_from_db()
        if campaign.state != CampaignState.RUNNING:
            return steps
        assert campaign.next_send_at is not None
        fake.set(max(fake(), campaign.next_send_at))
        campaign_step_run(campaign_id=campaign.pk, ticket=campaign.ticket)
    raise AssertionError(f"still running after {max_steps} steps")


def run_due(campaigns: list[Campaign], fake: FakeClock, *, until: datetime) -> None:
    """Several campaigns side by side: always the earliest due step next, up to `until`."""
    while True:
        for campaign in campaigns:
            campaign.refresh_from_db()
        running = [c for c in campaigns if c.state == CampaignState.RUNNING and c.next_send_at]
        if not running:
            return
        nearest = min(running, key=lambda c: c.next_send_at)  # type: ignore[arg-type,return-value]
        if nearest.next_send_at > until:  # type: ignore[operator]
            return
        fake.set(max(fake(), nearest.next_send_at))  # type: ignore[arg-type]
        campaign_step_run(campaign_id=nearest.pk, ticket=nearest.ticket)


@pytest.fixture
def outreach_client(client: Client, alice: User, sandbox_team: Team) -> Client:
    """Alice, signed in, in the sandbox's team only."""
    client.force_login(alice)
    return client
