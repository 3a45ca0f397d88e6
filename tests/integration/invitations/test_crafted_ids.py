"""Crafted ids never give a 500 (F11): a 404 or a form error. Django answers an id beyond a
column in a path or a query with "not found" by itself; these keep it that way."""

import pytest
from django.test import Client

from postpress_dashboard.teams.models import LinkedAccount

HUGE = "99999999999999999999"
HTMX = {"HX-Request": "true"}


@pytest.mark.parametrize(
    "path",
    [
        f"/invitations/sent/{HUGE}/withdraw/",
        f"/activity/entries/{HUGE}/resolve/",
        f"/inbox/{HUGE}/bulk/",
        f"/settings/accounts/{HUGE}/test/",
        f"/settings/members/{HUGE}/remove/",
    ],
)
def test_an_id_beyond_any_row_in_a_path_is_not_found(alice_client: Client, path: str) -> None:
    # Settings pages send a post without their form back to Settings first (the stale-tab rule).
    assert alice_client.post(path).status_code in (302, 404)


@pytest.mark.parametrize(
    "query",
    [
        {"account": HUGE},
        {"account": HUGE, "days": "3"},
        {"account": "9" * 5000},  # more digits than int() takes
    ],
)
def test_an_account_id_beyond_any_row_in_a_query_is_not_found(
    alice_client: Client, linkedin_account: LinkedAccount, query: dict[str, str]
) -> None:
    assert alice_client.get("/invitations/sent/", query).status_code == 404


@pytest.mark.parametrize("path", ["/invitations/send/", "/activity/", "/chats/new/", "/inbox/"])
def test_an_account_id_beyond_any_row_on_a_page_is_refused_in_words(
    alice_client: Client, linkedin_account: LinkedAccount, path: str
) -> None:
    response = alice_client.get(path, {"account": HUGE})
    assert response.status_code in (200, 400, 404)


def test_a_send_naming_an_account_beyond_any_row_is_not_found(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    response = alice_client.post("/invitations/send/", {"account": HUGE, "recipient_id": "ACo1"})
    assert response.status_code == 404


def test_a_bulk_withdraw_of_ids_beyond_any_row_is_refused_in_words(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    data = {"account": linkedin_account.pk, "days": "0", "sent": [HUGE]}
    response = alice_client.post("/invitations/sent/withdraw/", data, follow=True)
    assert response.status_code == 200
    assert "Nothing was withdrawn: the list was not understood" in response.content.decode()


@pytest.mark.parametrize("invitation_id", ["x" * 201, "inv\x00one", "inv\nline", ""])
def test_a_crafted_invitation_id_is_not_found(
    alice_client: Client, linkedin_account: LinkedAccount, invitation_id: str
) -> None:
    url = f"/inbox/{linkedin_account.pk}/invitations/accept/"
    response = alice_client.post(url, QUERY_STRING=f"invitation={invitation_id}", headers=HTMX)
    assert response.status_code == 404
