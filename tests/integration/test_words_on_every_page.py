"""Every documented error type, answered on every endpoint whose docs list it, through the page
a person uses (issue 13): the catalogue's words for that action are on the page, no raw type
is, and a 401 about the linked account never sends anyone to check the API key in Settings."""

import re

import pytest
import responses
from django.test import Client
from django.utils.html import escape
from pytest_django.fixtures import Settings

from invitations.models import ListedInvitation, SentInvitation
from postpress_dashboard.postpress.catalogue import (
    CATALOGUE,
    RECONNECT_THE_ACCOUNT,
    FixableBy,
    message_for,
    unconfirmed_message,
)
from postpress_dashboard.postpress.documented_errors import (
    DOCUMENTED_ERROR_STATUSES,
    DOCUMENTED_ERRORS_BY_ACTION,
)
from postpress_dashboard.postpress.errors import OUTCOME_UNKNOWN_TYPES
from postpress_dashboard.teams.models import LinkedAccount
from tests.conftest import API_BASE_URL

HTMX = {"HX-Request": "true"}
CASES = [
    (action, error_type)
    for action, types in sorted(DOCUMENTED_ERRORS_BY_ACTION.items())
    for error_type in sorted(types)
]
ACCOUNT_401S = {
    error_type
    for error_type, status in DOCUMENTED_ERROR_STATUSES.items()
    if status == 401 and CATALOGUE[error_type].fixable_by == FixableBy.ACCOUNT
}
# The word unconfirmed writes use for each action.
WRITE_OF_ACTION = {"decide": "accept", "send": "send", "withdraw": "withdraw", "chat": "chat"}


def refuse(method: str, url: str, error_type: str) -> None:
    status = DOCUMENTED_ERROR_STATUSES[error_type]
    body = {"type": error_type, "status": status, "title": "Refused"}
    responses.add(method, re.compile(re.escape(url) + r".*"), status=status, json=body)


def visit(action: str, client: Client, account: LinkedAccount, error_type: str) -> str:
    """The page (or fragment) a person sees after doing `action` when postpress refuses."""
    if action == "list":
        refuse("GET", f"{API_BASE_URL}/users/invite/received", error_type)
        return client.get("/inbox/", {"account": account.pk}).content.decode()
    if action == "decide":
        ListedInvitation.objects.create(account=account, invitation_id="inv_1", shared_secret="s")
        refuse("POST", f"{API_BASE_URL}/users/invite/received/inv_1", error_type)
        url = f"/inbox/{account.pk}/invitations/accept/?invitation=inv_1"
        return client.post(url, headers=HTMX).content.decode()
    if action == "send":
        refuse("POST", f"{API_BASE_URL}/users/invite", error_type)
        data = {"account": account.pk, "recipient_id": "ACo1"}
        return client.post("/invitations/send/", data).content.decode()
    if action == "withdraw":
        sent = SentInvitation.objects.create(
            account=account, recipient_id="ACo1", invitation_id="inv_sent"
        )
        refuse("DELETE", f"{API_BASE_URL}/users/invite/sent/inv_sent", error_type)
        return client.post(f"/invitations/sent/{sent.pk}/withdraw/", headers=HTMX).content.decode()
    refuse("POST", f"{API_BASE_URL}/chats", error_type)
    data = {
        "account": account.pk,
        "recipients": "ACo1",
        "message": "Hello",
        "linkedin_api": "classic",
    }
    return client.post("/chats/new/", data).content.decode()


def expected_words(action: str, error_type: str, account: LinkedAccount) -> str:
    if action != "list" and error_type in OUTCOME_UNKNOWN_TYPES:
        return unconfirmed_message(WRITE_OF_ACTION[action], error_type)
    words = message_for(error_type, DOCUMENTED_ERROR_STATUSES[error_type], action)
    if action != "decide":  # pages that know the account name it where it must be reconnected
        words = words.replace(RECONNECT_THE_ACCOUNT, f"Reconnect {account.label} in postpress")
    return words


@pytest.fixture(autouse=True)
def no_retries(settings: Settings) -> None:
    # Idempotent calls are retried within the budget: a budget too short for any retry keeps
    # each case to one answer.
    settings.POSTPRESS_TOTAL_BUDGET = 0.1


@pytest.mark.parametrize(("action", "error_type"), CASES)
@responses.activate
def test_every_documented_type_reads_in_the_words_of_its_action_on_its_page(
    action: str, error_type: str, alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    page = visit(action, alice_client, linkedin_account, error_type)

    assert escape(expected_words(action, error_type, linkedin_account)) in page, page[-3000:]
    assert error_type not in page
    if error_type in ACCOUNT_401S:
        assert "Check the API key in Settings" not in page


def test_it_walks_all_79_types_on_the_five_pages() -> None:
    assert {error_type for _, error_type in CASES} == set(DOCUMENTED_ERROR_STATUSES)
    assert len(CASES) == sum(len(types) for types in DOCUMENTED_ERRORS_BY_ACTION.values())
