"""The team settings page: team details, API key, linked accounts, members, activity."""

import re

import pytest
import responses
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from activity.models import Entry
from postpress_dashboard.teams import services
from postpress_dashboard.teams.models import LinkedAccount, Membership, Role, Team
from tests.conftest import API_BASE_URL, TEAM_API_KEY

SETTINGS = "/settings/"
LIST_URL = re.compile(re.escape(f"{API_BASE_URL}/users/invite/received") + r"(\?.*)?$")


def test_it_shows_admins_the_settings_link_and_the_last_four_of_the_key(
    alice_client: Client,
) -> None:
    home = alice_client.get("/").content.decode()
    assert f'href="{SETTINGS}">Settings</a>' in home
    page = alice_client.get(SETTINGS).content.decode()
    assert "ends in <strong>1234</strong>" in page
    assert TEAM_API_KEY not in page


def test_members_get_403_and_see_no_settings_controls(bob_client: Client) -> None:
    assert f'href="{SETTINGS}"' not in bob_client.get("/").content.decode()
    response = bob_client.get(SETTINGS)
    assert response.status_code == 403
    assert "Save API key" not in response.content.decode()


def test_it_saves_the_team_name_and_base_url_and_logs_it(alice_client: Client, team: Team) -> None:
    response = alice_client.post(
        "/settings/team/",
        {"team": "acme", "name": "Acme Recruiting", "base_url": "https://api.postpress.ai/v1/"},
    )
    assert response.status_code == 302
    team.refresh_from_db()
    assert (team.name, team.base_url) == ("Acme Recruiting", "https://api.postpress.ai/v1")
    entry = Entry.objects.filter(team=team, action="team.updated").get()
    assert entry.actor is not None and entry.actor.username == "alice"
    assert "Acme Recruiting" in entry.detail


def test_an_invalid_base_url_is_refused_and_keeps_what_was_typed(
    alice_client: Client, team: Team
) -> None:
    response = alice_client.post(
        "/settings/team/", {"team": "acme", "name": "Renamed", "base_url": "not a url"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert 'value="not a url"' in page and 'value="Renamed"' in page
    team.refresh_from_db()
    assert team.name == "Acme"


def test_it_replaces_the_api_key_and_shows_only_its_last_four(
    alice_client: Client, team: Team
) -> None:
    response = alice_client.post(
        "/settings/api-key/", {"team": "acme", "api_key": "pp_live_brand_new_key_9876"}, follow=True
    )
    page = response.content.decode()
    assert "ends in 9876" in page
    assert "pp_live_brand_new_key_9876" not in page
    team.refresh_from_db()
    assert team.decrypted_api_key() == "pp_live_brand_new_key_9876"
    assert "pp_live_brand_new_key" not in team.api_key_ciphertext


def test_it_links_an_account_with_provider_default_caps(alice_client: Client, team: Team) -> None:
    response = alice_client.post(
        "/settings/accounts/new/",
        {
            "team": "acme",
            "provider": "LINKEDIN",
            "account_id": "acc_new",
            "label": "Recruiting",
            "linkedin_apis": ["classic", "sales_navigator"],
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    account = LinkedAccount.objects.get(team=team, account_id="acc_new")
    assert (account.daily_cap, account.weekly_cap) == (80, 200)
    assert account.linkedin_apis == ["classic", "sales_navigator"]
    page = alice_client.get("/settings/").content.decode()
    assert "Classic, Sales Navigator" in page
    assert "sales_navigator" not in page.replace('value="sales_navigator"', "")


def test_a_linkedin_account_needs_at_least_one_api(alice_client: Client, team: Team) -> None:
    response = alice_client.post(
        "/settings/accounts/new/",
        {
            "team": "acme",
            "provider": "LINKEDIN",
            "account_id": "acc_x",
            "label": "No API",
            "is_active": "on",
        },
    )
    assert response.status_code == 400
    assert "Choose at least one LinkedIn API" in response.content.decode()
    assert not LinkedAccount.objects.filter(account_id="acc_x").exists()


def test_a_duplicate_account_id_is_refused_with_the_input_kept(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    response = alice_client.post(
        "/settings/accounts/new/",
        {
            "team": "acme",
            "provider": "INSTAGRAM",
            "account_id": linkedin_account.account_id,
            "label": "Again",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "already linked to this team" in page
    assert 'value="Again"' in page


def test_it_edits_and_deactivates_an_account(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    edit_url = f"/settings/accounts/{linkedin_account.pk}/edit/"
    assert 'value="Alice on LinkedIn"' in alice_client.get(edit_url).content.decode()
    alice_client.post(
        edit_url,
        {
            "team": "acme",
            "provider": "LINKEDIN",
            "account_id": "acc_linkedin_demo",
            "label": "Renamed account",
            "linkedin_apis": ["recruiter"],
            "daily_cap": "20",
            "weekly_cap": "100",
            "is_active": "on",
        },
    )
    alice_client.post(
        f"/settings/accounts/{linkedin_account.pk}/active/", {"team": "acme", "active": "0"}
    )
    linkedin_account.refresh_from_db()
    assert linkedin_account.label == "Renamed account"
    assert (linkedin_account.daily_cap, linkedin_account.weekly_cap) == (20, 100)
    assert not linkedin_account.is_active


@responses.activate
def test_test_connection_lists_one_invitation_and_reports_success(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    responses.get(LIST_URL, json={"object": "InvitationList", "items": [], "cursor": None})
    response = alice_client.post(
        f"/settings/accounts/{linkedin_account.pk}/test/",
        {"team": "acme"},
        headers={"HX-Request": "true"},
    )
    request = responses.calls[0].request
    assert "limit=1" in request.url and "account_id=acc_linkedin_demo" in request.url
    assert request.headers["X-API-KEY"] == TEAM_API_KEY
    page = response.content.decode()
    assert "Connected" in page
    assert "<html" not in page  # only the fragment


@responses.activate
def test_test_connection_reports_an_api_error_in_the_catalogue_s_words(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    responses.get(
        LIST_URL,
        status=401,
        json={"type": "errors/expired_credentials", "status": 401, "title": "Expired"},
    )
    response = alice_client.post(
        f"/settings/accounts/{linkedin_account.pk}/test/", {"team": "acme"}, follow=True
    )
    page = response.content.decode()
    assert "The account&#x27;s login has expired" in page
    assert "errors/expired_credentials" not in page


def test_the_last_admin_cannot_be_demoted_or_removed(alice_client: Client, team: Team) -> None:
    alice_membership = Membership.objects.get(team=team, user__username="alice")
    demote = alice_client.post(
        f"/settings/members/{alice_membership.pk}/role/",
        {"team": "acme", "role": "member"},
        follow=True,
    )
    assert "cannot demote the last admin" in demote.content.decode()
    remove = alice_client.post(
        f"/settings/members/{alice_membership.pk}/remove/", {"team": "acme"}, follow=True
    )
    assert "cannot remove the last admin" in remove.content.decode()
    alice_membership.refresh_from_db()
    assert alice_membership.role == Role.ADMIN


def test_an_admin_can_change_a_role_and_remove_a_member(alice_client: Client, team: Team) -> None:
    bob_membership = Membership.objects.get(team=team, user__username="bob")
    alice_client.post(
        f"/settings/members/{bob_membership.pk}/role/", {"team": "acme", "role": "admin"}
    )
    bob_membership.refresh_from_db()
    assert bob_membership.role == Role.ADMIN
    alice_client.post(f"/settings/members/{bob_membership.pk}/remove/", {"team": "acme"})
    assert not Membership.objects.filter(pk=bob_membership.pk).exists()


def test_the_activity_log_shows_who_changed_what(alice_client: Client, team: Team) -> None:
    alice_client.post("/settings/api-key/", {"team": "acme", "api_key": "pp_live_rotated_key_5555"})
    page = alice_client.get(SETTINGS).content.decode()
    assert "alice · API key replaced (ending in 5555)" in page
    assert "command line · Added bob as member" in page


def test_an_unreadable_key_asks_for_it_again_instead_of_failing(
    alice_client: Client, team: Team
) -> None:
    Team.objects.filter(pk=team.pk).update(api_key_ciphertext="gAAAA-not-a-valid-token")
    home = alice_client.get("/")
    assert home.status_code == 200
    assert "must be re-entered" in home.content.decode()
    assert "Re-enter the API key" in alice_client.get(SETTINGS).content.decode()


@pytest.mark.parametrize("accounts", [1, 6])
def test_the_settings_page_runs_a_constant_number_of_queries(
    alice_client: Client,
    team: Team,
    accounts: int,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    for number in range(accounts):
        fields = services.AccountFields("INSTAGRAM", f"acc_{number}", f"Account {number}", [])
        services.account_add(team=team, fields=fields, actor=None)
    with django_assert_max_num_queries(8):
        assert alice_client.get(SETTINGS).status_code == 200


@pytest.mark.parametrize(
    ("base_url", "reason"),
    [
        ("https://collector.attacker.test/api/v1", "allowed host"),
        ("http://api.postpress.ai/api/v1", "Use https"),
    ],
    ids=["unlisted-host", "plain-http"],
)
def test_a_base_url_the_key_should_not_travel_to_is_refused(
    alice_client: Client, team: Team, base_url: str, reason: str
) -> None:
    response = alice_client.post(
        "/settings/team/", {"team": "acme", "name": "Acme", "base_url": base_url}
    )
    assert response.status_code == 400
    assert reason in response.content.decode()
    team.refresh_from_db()
    assert team.base_url == API_BASE_URL


def test_a_new_base_url_clears_the_key_so_it_is_entered_again_knowingly(
    alice_client: Client, team: Team
) -> None:
    response = alice_client.post(
        "/settings/team/",
        {"team": "acme", "name": "Acme", "base_url": "https://api.postpress.ai/api/v1"},
        follow=True,
    )
    assert "the API key was cleared: enter it again" in response.content.decode()
    team.refresh_from_db()
    assert (team.api_key_ciphertext, team.api_key_last4) == ("", "")
    assert "API key cleared" in Entry.objects.get(team=team, action="team.updated").detail
