"""The home page: today at a glance, per linked account (sends against the caps, the usage
warning, the inbox's waiting invitations loaded by htmx, campaigns running) and what needs a
person, with a way to fix it. No API call, and the same number of queries however many
accounts the team has."""

import re
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import responses
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activity.models import Entry, Outcome
from campaigns.models import Campaign, CampaignKind, CampaignState, Recipient, RecipientStatus
from invitations.models import SentInvitation, SentStatus
from invitations.services import account_caps_usage
from postpress_dashboard.core import clock
from postpress_dashboard.core.clock import FakeClock
from postpress_dashboard.core.selectors import team_glance
from postpress_dashboard.teams import services as team_services
from postpress_dashboard.teams.models import LinkedAccount, Team

HOME = "/"
SETTINGS = reverse("teams:settings")
UNCONFIRMED_ACTIVITY = f"{reverse('activity:list')}?outcome=unconfirmed"


@pytest.fixture
def now() -> Iterator[datetime]:
    """The caps' clock, standing still: a send exactly a window ago can be placed there."""
    moment = timezone.now().replace(microsecond=0)
    with clock.use(FakeClock(moment)):
        yield moment


def add_account(team: Team, label: str, *, daily: int = 20, weekly: int = 80) -> LinkedAccount:
    fields = team_services.AccountFields(
        provider="LINKEDIN",
        account_id=f"acc_{label.lower().replace(' ', '_')}",
        label=label,
        linkedin_apis=["classic"],
        daily_cap=daily,
        weekly_cap=weekly,
    )
    return team_services.account_add(team=team, fields=fields, actor=None)


def sent(
    account: LinkedAccount,
    at: datetime,
    *,
    status: str = SentStatus.PENDING,
    usage: int | None = None,
) -> SentInvitation:
    row = SentInvitation.objects.create(
        account=account, recipient_id="ACoSomeone", status=status, usage=usage
    )
    SentInvitation.objects.filter(pk=row.pk).update(sent_at=at)
    return row


def running_campaign(account: LinkedAccount, name: str, statuses: list[str]) -> Campaign:
    campaign = Campaign.objects.create(
        team=account.team,
        account=account,
        name=name,
        kind=CampaignKind.INVITATIONS,
        template="Hello",
        state=CampaignState.RUNNING,
        work_start="09:00",
        work_end="17:00",
    )
    Recipient.objects.bulk_create(
        Recipient(
            campaign=campaign,
            row_number=i + 2,
            position=i,
            recipient_id=f"ACo{i}",
            status=status,
        )
        for i, status in enumerate(statuses)
    )
    return campaign


def unconfirmed_entry(account: LinkedAccount) -> Entry:
    return Entry.objects.create(
        team=account.team,
        account=account,
        kind="send",
        target="ACoSomeone",
        outcome=Outcome.UNCONFIRMED,
    )


def page(client: Client) -> str:
    response = client.get(HOME)
    assert response.status_code == 200
    return response.content.decode()


def account_card(html: str, account: LinkedAccount) -> str:
    """The account's own card on the home page."""
    match = re.search(
        rf'<article class="card home-account" aria-labelledby="home-account-{account.pk}">'
        r"(.*?)</article>",
        html,
        re.S,
    )
    assert match, f"no card for {account.label}"
    return match.group(1)


def attention_section(html: str) -> str:
    match = re.search(r'<section class="card home-attention".*?</section>', html, re.S)
    return match.group(0) if match else ""


# --- sends against the caps ---------------------------------------------------------------


def test_it_shows_each_account_s_sends_against_its_caps_counted_strictly_inside_their_windows(
    alice_client: Client, team: Team, now: datetime
) -> None:
    first = add_account(team, "First", daily=5, weekly=30)
    second = add_account(team, "Second", daily=2, weekly=10)
    for minutes in (1, 60, 23 * 60 + 59):
        sent(first, now - timedelta(minutes=minutes))
    sent(first, now - timedelta(days=1))  # exactly a day ago: left the daily window
    sent(first, now - timedelta(days=6, hours=23))
    sent(first, now - timedelta(days=7))  # exactly a week ago: left both
    sent(first, now - timedelta(minutes=5), status=SentStatus.NOT_SENT)  # gave its slot back
    sent(first, now - timedelta(minutes=6), status=SentStatus.UNCONFIRMED)  # may have gone out
    sent(second, now - timedelta(hours=2))
    sent(second, now - timedelta(hours=3))

    html = page(alice_client)

    card = account_card(html, first)
    assert "4 of 5</span>" in card
    assert "6 of 30</span>" in card
    assert 'max="5"' in card and 'value="4"' in card
    assert 'max="30"' in card and 'value="6"' in card
    second_card = account_card(html, second)
    assert "2 of 2, cap reached</span>" in second_card
    assert "2 of 10</span>" in second_card


def test_its_figures_are_the_send_form_s_for_every_account(team: Team, now: datetime) -> None:
    accounts = [add_account(team, f"Account {n}", daily=3 + n, weekly=9 + n) for n in range(3)]
    for n, account in enumerate(accounts):
        for hours in (1, 23, 24, 25, 100, 167, 168, 169)[n:]:
            sent(account, now - timedelta(hours=hours))
        sent(account, now - timedelta(hours=2), status=SentStatus.NOT_SENT)
        sent(account, now - timedelta(hours=3), status=SentStatus.WITHDRAWN)

    glance = team_glance(team)

    assert [item.account.pk for item in glance.accounts] == [a.pk for a in accounts]
    for item, account in zip(glance.accounts, accounts, strict=True):
        assert item.caps == account_caps_usage(account)
    assert [item.caps.sent_today for item in glance.accounts] == [3, 2, 1]


def test_its_cap_bars_have_accessible_names_and_say_the_same_in_words(
    alice_client: Client, linkedin_account: LinkedAccount, now: datetime
) -> None:
    sent(linkedin_account, now - timedelta(hours=1))

    card = account_card(page(alice_client), linkedin_account)

    for window in ("day", "week"):
        labelled = f'aria-labelledby="home-{window}-{linkedin_account.pk}-label '
        assert labelled in card
        assert f'id="home-{window}-{linkedin_account.pk}-label"' in card
        assert f'id="home-{window}-{linkedin_account.pk}-text"' in card
    assert "Sent in the last 24 hours" in card
    assert "Sent in the last 7 days" in card


# --- usage warnings -------------------------------------------------------------------------


def test_it_shows_each_account_s_latest_usage_warning_with_its_time(
    alice_client: Client, team: Team, settings: object
) -> None:
    settings.POSTPRESS_USAGE_WINDOW_HOURS = 24  # type: ignore[attr-defined]
    warned = add_account(team, "Warned")
    reset = add_account(team, "Reset")
    quiet = add_account(team, "Quiet")
    real_now = timezone.now()
    sent(warned, real_now - timedelta(hours=3), usage=50)
    latest = sent(warned, real_now - timedelta(hours=1), usage=75)
    sent(warned, real_now - timedelta(minutes=30))  # no figure: the 75 still stands
    sent(reset, real_now - timedelta(hours=25), usage=95)  # the provider's window has passed
    sent(quiet, real_now - timedelta(minutes=10))

    html = page(alice_client)

    warned_card = account_card(html, warned)
    assert "<strong>75%</strong> of the provider's invitation limit, as of <time" in warned_card
    latest.refresh_from_db()
    assert f'<time datetime="{timezone.localtime(latest.sent_at).isoformat()}"' in warned_card
    assert "50%" not in warned_card
    assert "None from postpress" in account_card(html, reset)
    assert "95%" not in html
    assert "None from postpress" in account_card(html, quiet)


# --- the inbox, loaded by htmx --------------------------------------------------------------


@responses.activate
def test_it_makes_no_api_call_and_loads_each_inbox_count_by_htmx_with_a_link_to_fall_back_on(
    alice_client: Client, team: Team
) -> None:
    accounts = [add_account(team, f"Account {n}") for n in range(3)]

    html = page(alice_client)

    assert len(responses.calls) == 0
    for account in accounts:
        card = account_card(html, account)
        fragment = reverse("home_inbox_waiting", args=[account.pk])
        assert f'hx-get="{fragment}"' in card
        assert 'hx-trigger="load"' in card
        assert f'href="{reverse("invitations:inbox")}?account={account.pk}"' in card
        assert ">Open the inbox</a>" in card


@pytest.mark.parametrize("state", ["missing", "unreadable"])
def test_without_a_usable_key_it_loads_no_count_and_only_links_to_the_inbox(
    alice_client: Client, team: Team, linkedin_account: LinkedAccount, state: str
) -> None:
    team.api_key_ciphertext = "" if state == "missing" else "not-a-fernet-token"
    team.save(update_fields=["api_key_ciphertext"])

    html = page(alice_client)

    card = account_card(html, linkedin_account)
    assert "hx-get" not in card
    assert ">Open the inbox</a>" in card
    assert "ask a team admin" not in attention_section(html)
    assert f'<a href="{SETTINGS}">Settings</a>' in attention_section(html)


# --- campaigns -----------------------------------------------------------------------------


def test_it_shows_running_campaigns_under_their_account_with_their_progress(
    alice_client: Client, team: Team
) -> None:
    first = add_account(team, "First")
    second = add_account(team, "Second")
    running = running_campaign(
        first,
        "Spring outreach",
        [
            RecipientStatus.SENT,
            RecipientStatus.SENT,
            RecipientStatus.SKIPPED,
            RecipientStatus.QUEUED,
        ],
    )
    paused = running_campaign(second, "Paused one", [RecipientStatus.QUEUED])
    Campaign.objects.filter(pk=paused.pk).update(state=CampaignState.PAUSED)

    html = page(alice_client)

    card = account_card(html, first)
    assert f'<a href="{reverse("campaigns:detail", args=[running.pk])}">Spring outreach</a>' in card
    assert '<progress max="4" value="3" aria-label="Spring outreach: 3 of 4 done">' in card
    assert "2 sent of 4" in card
    assert "Paused one" not in html
    assert "Spring outreach" not in account_card(html, second)


# --- what needs a person --------------------------------------------------------------------


def needing_attention(team: Team, account: LinkedAccount) -> None:
    LinkedAccount.objects.filter(pk=account.pk).update(attention="errors/disconnected_account")
    unconfirmed_entry(account)
    unconfirmed_entry(account)
    stopped = running_campaign(account, "Halted", [RecipientStatus.QUEUED])
    Campaign.objects.filter(pk=stopped.pk).update(
        state=CampaignState.STOPPED, stop_reason="postpress refused the account."
    )


def test_it_lists_what_needs_attention_with_a_link_to_fix_each_for_an_admin(
    alice_client: Client, team: Team, linkedin_account: LinkedAccount
) -> None:
    needing_attention(team, linkedin_account)

    section = attention_section(page(alice_client))

    assert "Needs attention" in section
    assert "<strong>Alice on LinkedIn</strong> (LinkedIn)" in section
    assert "disconnected from the provider" in section
    assert f'<a href="{SETTINGS}">Settings</a>' in section
    assert "2 actions may or may not have gone through" in section
    assert f'<a href="{UNCONFIRMED_ACTIVITY}">Check and resolve them in Activity</a>' in section
    assert "Halted</a> stopped by itself: postpress refused the account." in section


def test_a_member_sees_the_same_attention_items_without_settings_links(
    bob_client: Client, team: Team, linkedin_account: LinkedAccount
) -> None:
    needing_attention(team, linkedin_account)
    team.api_key_ciphertext = ""
    team.save(update_fields=["api_key_ciphertext"])

    html = page(bob_client)
    section = attention_section(html)

    assert "disconnected from the provider" in section
    assert "The team has no postpress API key yet: ask a team admin." in section
    assert f'<a href="{UNCONFIRMED_ACTIVITY}">Check and resolve them in Activity</a>' in section
    assert "Halted</a> stopped by itself" in section
    assert SETTINGS not in html
    assert "/settings/accounts/" not in html


def test_nothing_needs_attention_on_a_quiet_day(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    html = page(alice_client)

    assert attention_section(html) == ""
    assert "Needs attention" not in html


def test_a_resolved_unconfirmed_action_no_longer_needs_attention(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    entry = unconfirmed_entry(linkedin_account)
    assert "1 action may or may not have gone through" in attention_section(page(alice_client))

    Entry.objects.filter(pk=entry.pk).update(resolution="went_through")

    assert "may or may not have gone through" not in page(alice_client)


# --- teams, and queries ---------------------------------------------------------------------


def test_it_shows_only_the_current_team_s_accounts_and_figures(
    alice_client: Client,
    team: Team,
    other_team: Team,
    charlie: User,
    linkedin_account: LinkedAccount,
    now: datetime,
) -> None:
    theirs = add_account(other_team, "Globex sales", daily=7, weekly=77)
    sent(theirs, now - timedelta(hours=1), usage=90)
    needing_attention(other_team, theirs)

    html = page(alice_client)

    assert "Globex sales" not in html
    assert f"/home/accounts/{theirs.pk}/" not in html
    assert "of 77" not in html and "90%" not in html
    assert attention_section(html) == ""
    assert 'value="0"' in account_card(html, linkedin_account)

    outsider = Client()
    outsider.force_login(charlie)
    theirs_html = page(outsider)
    assert "Alice on LinkedIn" not in theirs_html
    assert "1 of 7</span>" in account_card(theirs_html, theirs)


def test_switched_off_accounts_are_left_out(alice_client: Client, team: Team) -> None:
    on = add_account(team, "Switched on")
    off = add_account(team, "Switched off")
    LinkedAccount.objects.filter(pk=off.pk).update(is_active=False)

    html = page(alice_client)

    assert account_card(html, on)
    assert "Switched off" not in html


def test_an_empty_team_is_told_how_to_add_an_account(alice: User, bob: User, team: Team) -> None:
    admin, member = Client(), Client()
    admin.force_login(alice)
    member.force_login(bob)

    assert f'Add one in <a href="{SETTINGS}">Settings</a>' in page(admin)
    member_page = page(member)
    assert "A team admin can add one." in member_page
    assert SETTINGS not in member_page


def test_a_user_in_no_team_is_told_to_ask_for_one(client: Client, charlie: User) -> None:
    client.force_login(charlie)

    html = page(client)

    assert "You are not in a team yet." in html
    assert "home-account" not in html


def fill(team: Team, count: int, now: datetime, *, first: int = 0) -> None:
    """Accounts with everything the home shows: sends, a usage warning, a running campaign,
    an attention mark and an unconfirmed action."""
    for n in range(first, first + count):
        account = add_account(team, f"Busy {n}")
        sent(account, now - timedelta(hours=1), usage=50)
        sent(account, now - timedelta(days=3))
        running_campaign(account, f"Campaign {n}", [RecipientStatus.SENT, RecipientStatus.QUEUED])
        LinkedAccount.objects.filter(pk=account.pk).update(attention="errors/disconnected_account")
        unconfirmed_entry(account)


def queries_for_home(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        page(client)
    return len(queries)


def test_its_queries_stay_the_same_however_many_accounts_and_campaigns_the_team_has(
    alice_client: Client, team: Team, now: datetime
) -> None:
    fill(team, 1, now)
    page(alice_client)  # the session's first write is not the home's
    with_one = queries_for_home(alice_client)

    fill(team, 7, now, first=1)
    with_eight = queries_for_home(alice_client)

    assert with_eight == with_one
    assert with_one <= 12
    assert page(alice_client).count('class="card home-account"') == 8
