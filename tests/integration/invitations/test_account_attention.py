"""401s about the linked account are not about the team's key (issue 13): the inbox says to
reconnect the account, never to check the API key; the account is marked as needing attention
on the home page and in Settings until a call for it succeeds."""

import re

import pytest
import responses
from django.test import Client

from postpress_dashboard.postpress.catalogue import CATALOGUE, FixableBy
from postpress_dashboard.teams.models import LinkedAccount
from tests.integration.invitations.test_inbox import INBOX, LIST_URL, invitation, stub_list

ACCOUNT_401S = sorted(
    error_type
    for error_type, entry in CATALOGUE.items()
    if entry.fixable_by == FixableBy.ACCOUNT
    and error_type
    in {
        "errors/multiple_sessions",
        "errors/invalid_checkpoint_solution",
        "errors/invalid_proxy_credentials",
        "errors/checkpoint_error",
        "errors/expired_credentials",
        "errors/disconnected_account",
        "errors/disconnected_feature",
        "errors/invalid_credentials_but_valid_account_imap",
        "errors/expired_link",
        "errors/wrong_account",
    }
)
KEY_401S = ["errors/missing_credentials", "errors/invalid_credentials"]


def answer_401(error_type: str) -> None:
    body = {"type": error_type, "status": 401, "title": "Unauthorized"}
    responses.get(LIST_URL, status=401, json=body)


def test_the_ten_account_level_401s_are_all_checked() -> None:
    assert len(ACCOUNT_401S) == 10


@pytest.mark.parametrize("error_type", ACCOUNT_401S)
@responses.activate
def test_an_account_level_401_says_to_reconnect_the_account_not_to_check_the_key(
    alice_client: Client, linkedin_account: LinkedAccount, error_type: str
) -> None:
    answer_401(error_type)

    page = alice_client.get(INBOX, {"account": linkedin_account.pk}).content.decode()

    assert f"Reconnect {linkedin_account.label} in postpress" in page
    assert "Check the API key in Settings" not in page
    linkedin_account.refresh_from_db()
    assert linkedin_account.attention == error_type


@pytest.mark.parametrize("error_type", KEY_401S)
@responses.activate
def test_a_401_about_the_team_s_key_points_admins_to_settings(
    alice_client: Client, linkedin_account: LinkedAccount, error_type: str
) -> None:
    answer_401(error_type)

    page = alice_client.get(INBOX, {"account": linkedin_account.pk}).content.decode()

    assert "Check the API key in Settings" in page
    assert "Reconnect" not in re.sub(r"<[^>]+>", "", page.split("could not be loaded")[1])
    linkedin_account.refresh_from_db()
    assert linkedin_account.attention == ""


@responses.activate
def test_the_mark_shows_on_home_and_in_settings_and_clears_when_a_call_succeeds(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    answer_401("errors/disconnected_account")
    alice_client.get(INBOX, {"account": linkedin_account.pk})

    home = alice_client.get("/").content.decode()
    settings_page = alice_client.get("/settings/").content.decode()
    assert "Alice on LinkedIn" in home and "disconnected from the provider" in home
    assert 'href="/settings/"' in home
    assert "Needs attention since" in settings_page

    responses.reset()
    stub_list([invitation(1)])
    alice_client.get(INBOX, {"account": linkedin_account.pk})
    linkedin_account.refresh_from_db()
    assert linkedin_account.attention == ""
    assert "disconnected from the provider" not in alice_client.get("/").content.decode()


@responses.activate
def test_a_member_sees_the_mark_without_a_settings_link(
    bob_client: Client, linkedin_account: LinkedAccount
) -> None:
    LinkedAccount.objects.filter(pk=linkedin_account.pk).update(
        attention="errors/expired_credentials"
    )
    home = bob_client.get("/").content.decode()
    assert "login has expired" in home
    assert 'href="/settings/"' not in home.split("needs attention")[1].split("</div>")[0]


def test_another_team_never_sees_the_mark(
    linkedin_account: LinkedAccount, charlie: object, other_team: object
) -> None:
    LinkedAccount.objects.filter(pk=linkedin_account.pk).update(
        attention="errors/disconnected_account"
    )
    outsider = Client()
    outsider.force_login(charlie)  # type: ignore[arg-type]
    for page in (outsider.get("/").content.decode(), outsider.get("/settings/").content.decode()):
        assert linkedin_account.label not in page
        assert "disconnected from the provider" not in page


@responses.activate
def test_an_unknown_account_on_the_inbox_speaks_of_its_id_in_settings(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    """Review of issue 13: the sandbox, like postpress, answers resource_not_found."""
    body = {"type": "errors/resource_not_found", "status": 404, "title": "No account"}
    responses.get(LIST_URL, status=404, json=body)
    page = alice_client.get(INBOX, {"account": linkedin_account.pk}).content.decode()
    assert "postpress does not know this account. Check its postpress account id" in page
