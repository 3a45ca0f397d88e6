"""`make screenshots`: the main pages, taken with the browser-test helpers, into docs/screenshots/.

Not collected by `make test` (the name does not start with test_); run it by path.
"""

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from campaigns.models import Campaign, CampaignKind, CampaignState, Recipient, RecipientStatus
from invitations.models import SentInvitation
from tests.functional.conftest import Dashboard, sign_in, wait_for_htmx

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 860}
MOBILE = {"width": 390, "height": 844}


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000, f"{name}.png looks empty"


@pytest.fixture
def signed_in(page: Page, dashboard: Dashboard) -> Page:
    page.set_viewport_size(DESKTOP)
    sign_in(page, dashboard)
    return page


def test_inbox(signed_in: Page, dashboard: Dashboard) -> None:
    signed_in.goto(f"{dashboard.url}/inbox/?account={dashboard.linkedin.pk}")
    signed_in.locator("[data-inbox-row]").first.wait_for()
    shoot(signed_in, "inbox")


def test_home(page: Page, dashboard: Dashboard) -> None:
    """Today at a glance: sends against the caps, a usage warning, a campaign running, and
    each inbox's count loaded."""
    for number in range(7):
        usage = 50 if number == 6 else None
        SentInvitation.objects.create(
            account=dashboard.linkedin, recipient_id=f"ACoExample{number}", usage=usage
        )
    campaign = Campaign.objects.create(
        team=dashboard.team,
        account=dashboard.linkedin,
        name="Spring meetups",
        kind=CampaignKind.INVITATIONS,
        template="Hi {first_name}, glad we met at the meetup.",
        state=CampaignState.RUNNING,
        work_start="09:00",
        work_end="17:00",
    )
    Recipient.objects.bulk_create(
        Recipient(
            campaign=campaign,
            row_number=number + 2,
            position=number,
            recipient_id=f"ACoMeetup{number}",
            status=RecipientStatus.SENT if number < 12 else RecipientStatus.QUEUED,
        )
        for number in range(40)
    )
    page.set_viewport_size(DESKTOP)
    sign_in(page, dashboard)
    expect(page.locator("a.home-waiting")).to_have_count(2)
    wait_for_htmx(page)
    shoot(page, "home")


def test_send_invitation(signed_in: Page, dashboard: Dashboard) -> None:
    signed_in.goto(f"{dashboard.url}/invitations/send/?account={dashboard.linkedin.pk}")
    signed_in.get_by_label("Recipient ID").fill("ACoAAExample")
    signed_in.get_by_label("Message").fill("Hi Jordan, I enjoyed your talk on triage. 😀")
    shoot(signed_in, "send-invitation")


def test_chat_composer_with_recruiter_options(signed_in: Page, dashboard: Dashboard) -> None:
    signed_in.goto(f"{dashboard.url}/chats/new/?account={dashboard.linkedin.pk}")
    signed_in.get_by_label("LinkedIn API").select_option("recruiter")
    wait_for_htmx(signed_in)
    signed_in.get_by_label("Recipients").fill("AEAAExampleCandidate")
    signed_in.locator("#id_message").fill("Hello <strong>Ada</strong>, a role for you.")
    wait_for_htmx(signed_in)
    signed_in.set_viewport_size({"width": 1280, "height": 1500})
    shoot(signed_in, "new-chat-recruiter")


def test_settings(signed_in: Page, dashboard: Dashboard) -> None:
    signed_in.goto(f"{dashboard.url}/settings/")
    signed_in.set_viewport_size({"width": 1280, "height": 1200})
    shoot(signed_in, "settings")


def test_an_error_state(signed_in: Page, dashboard: Dashboard) -> None:
    signed_in.goto(f"{dashboard.url}/invitations/send/?account={dashboard.linkedin.pk}")
    signed_in.get_by_label("Recipient ID").fill("err_already_connected")
    signed_in.get_by_label("Message").fill("Hi again!")
    signed_in.get_by_role("button", name="Send invitation").click()
    signed_in.get_by_text("You are already connected with this person.").wait_for()
    shoot(signed_in, "error-state")


def test_inbox_at_mobile_width(page: Page, dashboard: Dashboard, browser: Browser) -> None:
    page.set_viewport_size(MOBILE)
    sign_in(page, dashboard)
    page.goto(f"{dashboard.url}/inbox/?account={dashboard.linkedin.pk}")
    page.locator("[data-inbox-row]").first.wait_for()
    shoot(page, "inbox-mobile")


def test_activity(signed_in: Page, dashboard: Dashboard) -> None:
    """The team's one log: people by name, a failure in words, one to resolve, today's summary."""
    from datetime import timedelta

    from django.utils import timezone

    from activity.models import Entry, Kind, Outcome

    Entry.objects.filter(kind=Kind.SETTINGS).delete()  # the fixture's own, all at once
    now = timezone.now()
    rows = [
        (Kind.ACCEPT, "inv_7Hq2", "Grace Hopper", Outcome.OK, "", "", dashboard.alice),
        (Kind.ACCEPT, "inv_8Kd1", "Ada Lovelace", Outcome.OK, "", "", dashboard.bob),
        (Kind.DECLINE, "inv_2Lp9", "Charles Babbage", Outcome.OK, "", "", dashboard.bob),
        (Kind.SEND, "ACoAAB3x9", "", Outcome.OK, "", "", dashboard.alice),
        (
            Kind.SEND,
            "ACoAAQ7m2",
            "",
            Outcome.FAILED,
            "errors/already_connected",
            "",
            dashboard.alice,
        ),
        (Kind.CHAT, "ACoAAZ4k8", "", Outcome.UNCONFIRMED, "", "", dashboard.bob),
        (Kind.WITHDRAW, "ACoAAP1c5", "", Outcome.OK, "", "", dashboard.alice),
    ]
    for minutes, (kind, target, name, outcome, error_type, detail, actor) in enumerate(rows):
        Entry.objects.create(
            team=dashboard.team,
            account=dashboard.linkedin,
            actor=actor,
            kind=kind,
            target=target,
            target_name=name,
            outcome=outcome,
            error_type=error_type,
            detail=detail,
            created_at=now - timedelta(minutes=5 * (len(rows) - minutes)),
        )
    signed_in.set_viewport_size({"width": 1280, "height": 1000})
    signed_in.goto(f"{dashboard.url}/activity/?when=today")
    expect(signed_in.locator(".activity-summary")).to_contain_text("accepted")
    shoot(signed_in, "activity")
