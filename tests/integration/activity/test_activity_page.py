"""The team's Activity page: every entry of the one log, named by people, filterable, summed
up, paged by a cursor."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import responses
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from activity.models import Entry, Kind, Outcome, Resolution
from campaigns.models import Campaign, CampaignKind
from postpress_dashboard.postpress.catalogue import entry_for
from postpress_dashboard.teams import services as team_services
from postpress_dashboard.teams.models import LinkedAccount, Team
from tests.conftest import API_BASE_URL
from tests.integration.activity.support import entry, instagram, targets

ACTIVITY = "/activity/"


def campaign_of(account: LinkedAccount, name: str) -> Campaign:
    return Campaign.objects.create(
        team=account.team,
        account=account,
        name=name,
        kind=CampaignKind.INVITATIONS,
        template="Hi",
        work_start=time(9),
        work_end=time(17),
    )


@pytest.fixture
def clean_log(team: Team, linkedin_account: LinkedAccount) -> None:
    """Without the settings changes the fixtures made."""
    Entry.objects.filter(kind=Kind.SETTINGS).delete()


# --- what a row says -------------------------------------------------------------------------


@pytest.mark.usefixtures("clean_log")
def test_it_lists_entries_newest_first_with_the_catalogue_s_words_for_failures(
    bob_client: Client, alice: User, bob: User, linkedin_account: LinkedAccount
) -> None:
    entry(linkedin_account, Kind.ACCEPT, "inv_accepted", actor=alice)
    entry(linkedin_account, Kind.SEND, "ACo-sent", actor=bob)
    entry(
        linkedin_account,
        Kind.WITHDRAW,
        "ACo-restricted",
        actor=bob,
        error_type="errors/account_restricted",
    )
    entry(linkedin_account, Kind.DECLINE, "inv_odd", error_type="errors/brand_new_type")
    page = bob_client.get(ACTIVITY).content.decode()
    assert targets(page) == ["inv_odd", "ACo-restricted", "ACo-sent", "inv_accepted"]
    for heading in ("Time", "Member", "Account", "Action", "Who or what", "Outcome"):
        assert f'<th scope="col">{heading}</th>' in page
    assert '<td data-label="Member">alice</td>' in page
    assert '<td data-label="Account">Alice on LinkedIn</td>' in page
    assert (
        '<td data-label="Action">Withdrawn' in page and '<td data-label="Action">Accepted' in page
    )
    assert escape(entry_for("errors/account_restricted", None).message) in page
    # Never the raw type, not even for a type the catalogue does not know.
    assert "errors/" not in page
    assert escape(entry_for("errors/brand_new_type", None).message) in page


@pytest.mark.usefixtures("clean_log")
def test_a_row_names_the_person_and_keeps_the_id_beside_the_name(
    alice_client: Client, alice: User, linkedin_account: LinkedAccount
) -> None:
    entry(linkedin_account, Kind.ACCEPT, "inv_42", actor=alice, target_name="Ada Lovelace")
    page = alice_client.get(ACTIVITY).content.decode()
    assert targets(page) == ["Ada Lovelace"]
    assert '<small class="help">inv_42</small>' in page


@pytest.mark.usefixtures("clean_log")
def test_the_time_is_marked_for_the_reader_s_timezone(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    at = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    entry(linkedin_account, Kind.SEND, "ACo1", at=at)
    page = alice_client.get(ACTIVITY).content.decode()
    # app.js rewrites it in the reader's zone; without JavaScript it says UTC.
    assert (
        '<time datetime="2026-03-01T09:30:00+00:00" data-local-time>2026-03-01 09:30 UTC</time>'
        in page
    )


@responses.activate
def test_an_accept_names_the_inviter_the_inbox_listed(
    alice_client: Client, alice: User, linkedin_account: LinkedAccount
) -> None:
    from invitations.models import ListedInvitation
    from invitations.services import invitation_decide

    ListedInvitation.objects.create(
        account=linkedin_account,
        invitation_id="inv_7",
        shared_secret="s",
        inviter_name="Grace Hopper",
    )
    responses.post(
        f"{API_BASE_URL}/users/invite/received/inv_7",
        json={"object": "UserInvitationHandled", "status": "ACCEPTED"},
    )
    invitation_decide(account=linkedin_account, invitation_id="inv_7", action="accept", actor=alice)
    recorded = Entry.objects.get(kind=Kind.ACCEPT)
    assert (recorded.target, recorded.target_name) == ("inv_7", "Grace Hopper")
    page = alice_client.get(ACTIVITY, {"kind": "accept"}).content.decode()
    assert targets(page) == ["Grace Hopper"]


def test_settings_changes_are_in_the_same_log_in_words(
    alice_client: Client, alice: User, team: Team
) -> None:
    team_services.team_update(team=team, name="Acme Recruiting", base_url=API_BASE_URL, actor=alice)
    page = alice_client.get(ACTIVITY, {"kind": "settings"}).content.decode()
    assert targets(page)[0] == "Name changed from Acme to Acme Recruiting"
    assert '<td data-label="Member">alice</td>' in page
    assert '<td data-label="Action">Settings' in page


# --- filters ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("clean_log")
def test_it_filters_by_account_and_by_outcome(
    alice_client: Client, team: Team, linkedin_account: LinkedAccount
) -> None:
    ig = instagram(team)
    Entry.objects.filter(kind=Kind.SETTINGS).delete()
    entry(linkedin_account, Kind.SEND, "li-ok")
    entry(linkedin_account, Kind.SEND, "li-failed", error_type="errors/already_connected")
    entry(ig, Kind.SEND, "ig-ok")
    by_account = alice_client.get(ACTIVITY, {"account": ig.pk}).content.decode()
    assert targets(by_account) == ["ig-ok"]
    failed = alice_client.get(ACTIVITY, {"outcome": "failed"}).content.decode()
    assert targets(failed) == ["li-failed"]
    both = alice_client.get(ACTIVITY, {"account": linkedin_account.pk, "outcome": "ok"})
    assert targets(both.content.decode()) == ["li-ok"]
    assert f'<option value="{linkedin_account.pk}" selected>' in both.content.decode()


@pytest.mark.usefixtures("clean_log")
def test_it_filters_by_member_action_and_campaign(
    alice_client: Client, alice: User, bob: User, linkedin_account: LinkedAccount
) -> None:
    spring = campaign_of(linkedin_account, "Spring")
    autumn = campaign_of(linkedin_account, "Autumn")
    entry(linkedin_account, Kind.SEND, "by-alice", actor=alice)
    entry(linkedin_account, Kind.SEND, "spring-1", actor=bob, campaign=spring)
    entry(linkedin_account, Kind.CHAT, "autumn-1", actor=bob, campaign=autumn)
    entry(linkedin_account, Kind.ACCEPT, "inv_bob", actor=bob)
    assert targets(alice_client.get(ACTIVITY, {"member": alice.pk}).content.decode()) == [
        "by-alice"
    ]
    assert targets(
        alice_client.get(ACTIVITY, {"kind": "send", "member": bob.pk}).content.decode()
    ) == ["spring-1"]
    by_campaign = alice_client.get(ACTIVITY, {"campaign": spring.pk}).content.decode()
    assert targets(by_campaign) == ["spring-1"]
    assert "Campaign: <a" in by_campaign and ">Spring</a>" in by_campaign
    assert targets(alice_client.get(ACTIVITY, {"kind": "chat"}).content.decode()) == ["autumn-1"]


@pytest.mark.usefixtures("clean_log")
def test_today_and_yesterday_are_the_reader_s_days(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    zone = ZoneInfo("Pacific/Auckland")  # far from UTC: its day starts the day before in UTC
    today = timezone.now().astimezone(zone).date()
    midnight = datetime.combine(today, time.min, tzinfo=zone)
    entry(linkedin_account, Kind.SEND, "just-after-midnight", at=midnight + timedelta(minutes=1))
    entry(linkedin_account, Kind.SEND, "just-before-midnight", at=midnight - timedelta(minutes=1))
    entry(linkedin_account, Kind.SEND, "eight-days-ago", at=midnight - timedelta(days=8))
    tz = "Pacific/Auckland"
    assert targets(alice_client.get(ACTIVITY, {"when": "today", "tz": tz}).content.decode()) == [
        "just-after-midnight"
    ]
    yesterday = alice_client.get(ACTIVITY, {"when": "yesterday", "tz": tz}).content.decode()
    assert targets(yesterday) == ["just-before-midnight"]
    week = alice_client.get(ACTIVITY, {"when": "7d", "tz": tz}).content.decode()
    assert targets(week) == ["just-after-midnight", "just-before-midnight"]


@pytest.mark.usefixtures("clean_log")
def test_a_custom_range_takes_whole_days_and_dates_alone_choose_it(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    for day in (1, 2, 3, 4):
        entry(
            linkedin_account, Kind.SEND, f"march-{day}", at=datetime(2026, 3, day, 12, tzinfo=UTC)
        )
    custom = {"when": "custom", "since": "2026-03-02", "until": "2026-03-03"}
    assert targets(alice_client.get(ACTIVITY, custom).content.decode()) == ["march-3", "march-2"]
    # Without JavaScript nobody chooses "From and to dates": the dates say it.
    dates_only = {"since": "2026-03-03"}
    assert targets(alice_client.get(ACTIVITY, dates_only).content.decode()) == [
        "march-4",
        "march-3",
    ]


@pytest.mark.usefixtures("clean_log")
def test_a_backwards_range_is_refused_in_words(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    response = alice_client.get(ACTIVITY, {"since": "2026-03-05", "until": "2026-03-01"})
    assert response.status_code == 400
    assert "The end date comes before the start date." in response.content.decode()


@pytest.mark.usefixtures("clean_log")
def test_through_htmx_a_refused_filter_comes_back_as_200_to_be_swapped(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    query = {"since": "2026-03-05", "until": "2026-03-01"}
    response = alice_client.get(ACTIVITY, query, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "The end date comes before the start date." in response.content.decode()
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize(
    "tz", ["Mars/Olympus", "America", "a" * 300, "../../etc/passwd", "/etc/localtime"]
)
@pytest.mark.parametrize("path", [ACTIVITY, "/activity/export.csv"])
def test_an_unknown_timezone_falls_back_to_utc(
    alice_client: Client, linkedin_account: LinkedAccount, tz: str, path: str
) -> None:
    response = alice_client.get(path, {"when": "today", "tz": tz})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        {"when": "custom", "until": "9999-12-31"},
        {"when": "custom", "since": "0001-01-01", "tz": "Pacific/Auckland"},
        {"since": "1999-12-31"},
    ],
)
def test_a_date_out_of_range_is_refused_in_words(
    alice_client: Client, linkedin_account: LinkedAccount, query: dict[str, str]
) -> None:
    response = alice_client.get(ACTIVITY, query)
    assert response.status_code == 400
    assert "Choose a date between 2000 and 9998." in response.content.decode()


# --- the summary line ------------------------------------------------------------------------


@pytest.mark.usefixtures("clean_log")
def test_the_summary_counts_the_filter_in_words(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    for number in range(3):
        entry(linkedin_account, Kind.ACCEPT, f"inv_a{number}")
    entry(linkedin_account, Kind.DECLINE, "inv_d")
    entry(linkedin_account, Kind.SEND, "ACo1")
    entry(linkedin_account, Kind.SEND, "ACo2")
    entry(linkedin_account, Kind.CHAT, "ACo3")
    entry(linkedin_account, Kind.SEND, "ACo4", error_type="errors/already_connected")
    entry(linkedin_account, Kind.CHAT, "ACo5", outcome=Outcome.UNCONFIRMED)
    entry(linkedin_account, Kind.SEND, "old", at=timezone.now() - timedelta(days=3))
    page = alice_client.get(ACTIVITY, {"when": "today", "tz": "UTC"}).content.decode()
    assert (
        "<strong>Today:</strong> 3 accepted, 1 declined, 2 invitations sent, 1 chat; "
        "1 failed, 1 may have gone through." in page
    )
    # All time lists everything but counts today: a bounded count, never the whole log.
    every = alice_client.get(ACTIVITY).content.decode()
    assert "<strong>Today:</strong> 3 accepted, 1 declined" in every and "old" in targets(every)
    narrowed = alice_client.get(ACTIVITY, {"when": "7d", "kind": "send"}).content.decode()
    assert (
        "<strong>Last 7 days, for this filter:</strong> 3 invitations sent; 1 failed." in narrowed
    )


@pytest.mark.usefixtures("clean_log")
def test_a_resolved_write_counts_as_what_the_person_found(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    found = [Resolution.WENT_THROUGH, Resolution.DID_NOT, Resolution.TRIED_AGAIN, ""]
    for number, resolution in enumerate(found):
        written = entry(linkedin_account, Kind.SEND, f"ACo{number}", outcome=Outcome.UNCONFIRMED)
        Entry.objects.filter(pk=written.pk).update(resolution=resolution)
    entry(linkedin_account, Kind.SEND, "ACo-again")  # the attempt that was tried again
    page = alice_client.get(ACTIVITY, {"when": "today", "tz": "UTC"}).content.decode()
    assert "<strong>Today:</strong> 2 invitations sent; 1 failed, 1 may have gone through." in page


def test_members_see_no_settings_changes_on_the_page_nor_in_the_export(
    bob_client: Client, alice: User, team: Team, linkedin_account: LinkedAccount
) -> None:
    team_services.team_set_api_key(team=team, api_key="sk_live_abcd~W~Z", actor=None)
    # Its last four cannot turn up by chance: not in a time (…17.999876), nor in a token.
    entry(linkedin_account, Kind.ACCEPT, "inv_seen")
    for query in ({}, {"kind": "settings"}):
        page = bob_client.get(ACTIVITY, query).content.decode()
        assert "inv_seen" in targets(page) or query
        assert "~W~Z" not in page and "API key" not in page
    export = b"".join(bob_client.get("/activity/export.csv").streaming_content).decode()
    assert "inv_seen" in export and "~W~Z" not in export
    assert 'value="settings"' not in bob_client.get(ACTIVITY).content.decode()
    # An admin sees them, on the page and in the export.
    alice_client = Client()
    alice_client.force_login(alice)
    assert "~W~Z" in alice_client.get(ACTIVITY, {"kind": "settings"}).content.decode()
    admin_export = alice_client.get("/activity/export.csv").streaming_content
    assert "~W~Z" in b"".join(admin_export).decode()


@pytest.mark.usefixtures("clean_log")
def test_the_summary_is_one_query_and_the_page_a_constant_number(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            alice_client.get(ACTIVITY, {"when": "7d"})
        return len(captured)

    entry(linkedin_account, Kind.SEND, "first")
    few = queries()
    for number in range(40):
        entry(linkedin_account, Kind.SEND, f"ACo{number}", error_type="errors/already_connected")
    assert queries() == few
    with CaptureQueriesContext(connection) as captured:
        alice_client.get(ACTIVITY, {"when": "today"})
    aggregates = [
        q["sql"] for q in captured if "COUNT(" in q["sql"] and "activity_entry" in q["sql"]
    ]
    assert len(aggregates) == 1


# --- pages -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("clean_log")
def test_it_pages_by_a_cursor_without_counting_the_team_s_rows(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    same_moment = timezone.now()
    for number in range(30):
        # Ten share one moment: the cursor tells them apart by id.
        at = same_moment if number < 10 else same_moment + timedelta(seconds=number)
        entry(linkedin_account, Kind.SEND, f"t{number}", at=at)
    with CaptureQueriesContext(connection) as captured:
        first = alice_client.get(ACTIVITY, {"outcome": "ok"}).content.decode()
    entry_queries = [q["sql"] for q in captured if "activity_entry" in q["sql"]]
    # The only count is the summary's, of today's rows: never one over the team's rows.
    counts = [sql for sql in entry_queries if "COUNT(" in sql]
    assert len(counts) == 1 and '"activity_entry"."created_at" >=' in counts[0]
    assert not [sql for sql in entry_queries if "OFFSET" in sql]
    assert len(targets(first)) == 25 and targets(first)[0] == "t29"
    older = first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    assert older.startswith("?outcome=ok&after=")
    second = alice_client.get(ACTIVITY + older).content.decode()
    assert targets(second) == ["t4", "t3", "t2", "t1", "t0"]
    assert 'rel="next"' not in second
    assert '<a href="?outcome=ok" hx-get="?outcome=ok">Newest</a>' in second


def test_a_cursor_not_made_by_the_page_starts_at_the_top(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    for after in ("nonsense", "1.x", "9" * 40 + ".1", ""):
        assert alice_client.get(ACTIVITY, {"after": after}).status_code == 200


# --- teams -----------------------------------------------------------------------------------


def test_it_never_shows_another_team_s_entries(
    alice_client: Client, linkedin_account: LinkedAccount, other_team: Team
) -> None:
    fields = team_services.AccountFields("LINKEDIN", "acc_globex", "Globex account", ["classic"])
    theirs = team_services.account_add(team=other_team, fields=fields, actor=None)
    entry(theirs, Kind.SEND, "globex-secret")
    entry(linkedin_account, Kind.SEND, "acme-own")
    page = alice_client.get(ACTIVITY).content.decode()
    assert "acme-own" in targets(page) and "globex-secret" not in page
    assert "Globex" not in page
    for name, value in (("account", theirs.pk), ("campaign", campaign_of(theirs, "Theirs").pk)):
        filtered = alice_client.get(ACTIVITY, {name: value})
        assert filtered.status_code == 400
        assert "globex-secret" not in filtered.content.decode()


@responses.activate
def test_a_send_that_failed_at_the_api_shows_up_as_a_failure(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    responses.post(
        f"{API_BASE_URL}/users/invite",
        status=422,
        json={"type": "errors/already_invited_recently", "status": 422, "title": "Recently"},
    )
    alice_client.post(
        "/invitations/send/", {"account": linkedin_account.pk, "recipient_id": "ACo-again"}
    )
    page = alice_client.get(ACTIVITY, {"outcome": "failed"}).content.decode()
    assert targets(page) == ["ACo-again"]
    assert "This person was already invited recently." in page


def test_the_old_events_resolve_address_is_gone(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    # The move to one log renumbered the entries: an old page's form must not resolve another.
    unconfirmed = entry(linkedin_account, Kind.SEND, "ACo1", outcome=Outcome.UNCONFIRMED)
    old = alice_client.post(f"/activity/{unconfirmed.pk}/resolve/", {"resolution": "did_not"})
    assert old.status_code == 404
    unconfirmed.refresh_from_db()
    assert unconfirmed.resolution == ""
