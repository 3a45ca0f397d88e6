"""The home page's count of invitations waiting in an account's inbox: a fragment htmx loads,
from one list call for the account's first page (25): "12 waiting", "25+ waiting", "None
waiting", or why it could not be read, in words."""

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from invitations.models import ListedInvitation
from postpress_dashboard.teams import services as team_services
from postpress_dashboard.teams.models import LinkedAccount, Team
from tests.conftest import API_BASE_URL, TEAM_API_KEY

LIST_URL = re.compile(re.escape(f"{API_BASE_URL}/users/invite/received") + r"(\?.*)?$")
HTMX = {"HX-Request": "true"}
SETTINGS = reverse("teams:settings")


def received(number: int) -> dict[str, Any]:
    return {
        "object": "InvitationReceived",
        "id": f"inv_{number}",
        "invited_user": "Alice Example",
        "invited_user_id": "ACoAlice",
        "date": "May 12, 2026",
        "parsed_datetime": "2026-05-12T08:14:00.000Z",
        "invitation_text": f"Note number {number}",
        "inviter": {"inviter_name": f"Inviter {number}", "inviter_id": f"ACoInviter{number}"},
        "specifics": {"provider": "LINKEDIN", "shared_secret": f"secret-{number}"},
    }


def stub_list(count: int, cursor: str | None = None) -> None:
    items = [received(n) for n in range(count)]
    responses.get(LIST_URL, json={"object": "InvitationList", "items": items, "cursor": cursor})


def stub_error(status: int, error_type: str) -> None:
    body = {"type": error_type, "status": status, "title": "Refused", "instance": "req_7"}
    responses.get(LIST_URL, status=status, json=body)


def waiting_url(account: LinkedAccount) -> str:
    return reverse("home_inbox_waiting", args=[account.pk])


def fragment(client: Client, account: LinkedAccount) -> str:
    response = client.get(waiting_url(account), headers=HTMX)
    assert response.status_code == 200
    return response.content.decode()


def inbox_link(account: LinkedAccount) -> str:
    return f'href="{reverse("invitations:inbox")}?account={account.pk}"'


@pytest.mark.parametrize(
    ("count", "cursor", "shown"),
    [
        (12, None, "12 waiting"),
        (1, None, "1 waiting"),
        (25, "cur_2", "25+ waiting"),
        (25, None, "25 waiting"),
        (0, None, "None waiting"),
    ],
)
@responses.activate
def test_it_counts_the_first_page_of_the_inbox_with_one_call(
    alice_client: Client,
    linkedin_account: LinkedAccount,
    count: int,
    cursor: str | None,
    shown: str,
) -> None:
    stub_list(count, cursor)

    html = fragment(alice_client, linkedin_account)

    assert html == f'<a class="home-waiting" {inbox_link(linkedin_account)}>{shown}</a>'
    assert len(responses.calls) == 1
    request = responses.calls[0].request
    assert request.method == "GET"
    assert parse_qs(urlsplit(request.url).query) == {
        "account_id": ["acc_linkedin_demo"],
        "limit": ["25"],
    }
    assert request.headers["X-API-KEY"] == TEAM_API_KEY


@responses.activate
def test_it_keeps_none_of_the_listed_invitations(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_list(3)

    fragment(alice_client, linkedin_account)

    assert not ListedInvitation.objects.exists()


@pytest.mark.parametrize(
    ("status", "error_type", "words"),
    [
        (429, "errors/too_many_requests", "The provider is limiting requests from this account."),
        (
            401,
            "errors/disconnected_account",
            "This account is disconnected from the provider. Reconnect Alice on LinkedIn in "
            "postpress",
        ),
        (404, "errors/resource_not_found", "postpress does not know this account."),
    ],
)
@responses.activate
def test_an_api_error_is_said_in_the_catalogue_s_words(
    alice_client: Client,
    linkedin_account: LinkedAccount,
    status: int,
    error_type: str,
    words: str,
) -> None:
    stub_error(status, error_type)

    html = fragment(alice_client, linkedin_account)

    assert words in html
    assert "errors/" not in html and "Refused" not in html and "{" not in html
    assert " waiting</" not in html
    assert f"<a {inbox_link(linkedin_account)}>Open the inbox</a>" in html


@responses.activate
def test_an_account_level_refusal_marks_the_account_and_a_success_clears_it(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_error(401, "errors/disconnected_account")
    fragment(alice_client, linkedin_account)
    linkedin_account.refresh_from_db()
    assert linkedin_account.attention == "errors/disconnected_account"

    responses.reset()
    stub_list(2)
    assert ">2 waiting</a>" in fragment(alice_client, linkedin_account)
    linkedin_account.refresh_from_db()
    assert linkedin_account.attention == ""


@responses.activate
def test_a_refused_key_points_admins_to_settings_and_members_to_an_admin(
    alice_client: Client, bob: Any, linkedin_account: LinkedAccount
) -> None:
    stub_error(401, "errors/invalid_credentials")

    admin_html = fragment(alice_client, linkedin_account)
    member = Client()
    member.force_login(bob)
    member_html = fragment(member, linkedin_account)

    assert "postpress did not accept the team&#x27;s API key." in admin_html
    assert f'<a href="{SETTINGS}">Check the API key in Settings</a>' in admin_html
    assert "postpress did not accept the team&#x27;s API key." in member_html
    assert "Ask a team admin" in member_html
    assert SETTINGS not in member_html


@responses.activate
def test_without_a_usable_key_it_calls_nothing_and_says_so(
    alice_client: Client, team: Team, linkedin_account: LinkedAccount
) -> None:
    team.api_key_ciphertext = ""
    team.save(update_fields=["api_key_ciphertext"])

    html = fragment(alice_client, linkedin_account)

    assert "The team has no postpress API key yet." in html
    assert len(responses.calls) == 0


@responses.activate
def test_it_refuses_another_team_s_account_without_calling_postpress(
    alice_client: Client, other_team: Team
) -> None:
    fields = team_services.AccountFields(
        provider="LINKEDIN", account_id="acc_globex", label="Globex", linkedin_apis=["classic"]
    )
    theirs = team_services.account_add(team=other_team, fields=fields, actor=None)
    stub_list(3)

    response = alice_client.get(waiting_url(theirs), headers=HTMX)

    assert response.status_code == 404
    assert "Globex" not in response.content.decode()
    assert len(responses.calls) == 0


@responses.activate
def test_it_refuses_a_switched_off_account(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    LinkedAccount.objects.filter(pk=linkedin_account.pk).update(is_active=False)
    stub_list(3)

    response = alice_client.get(waiting_url(linkedin_account), headers=HTMX)

    assert response.status_code == 404
    assert len(responses.calls) == 0


@responses.activate
def test_it_reads_a_constant_few_rows(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_list(25, "cur_2")
    fragment(alice_client, linkedin_account)  # the session's first write is not the count's

    with CaptureQueriesContext(connection) as queries:
        fragment(alice_client, linkedin_account)

    assert len(queries) <= 4
    assert not any(query["sql"].startswith(("INSERT", "UPDATE")) for query in queries)


def test_it_is_for_signed_in_members_only(client: Client, linkedin_account: LinkedAccount) -> None:
    response = client.get(waiting_url(linkedin_account), headers=HTMX)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
