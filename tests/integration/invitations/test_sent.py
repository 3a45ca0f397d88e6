"""The "Sent invitations" page: per account, paginated, withdrawing one or all shown."""

import re
from datetime import timedelta

import pytest
import responses
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from django.utils.html import escape
from pytest_django import DjangoAssertNumQueries

from invitations.models import EventKind, InvitationEvent, Outcome, SentInvitation, SentStatus
from postpress_dashboard.postpress.catalogue import entry_for
from postpress_dashboard.teams import services as team_services
from postpress_dashboard.teams.models import LinkedAccount, Team
from tests.conftest import API_BASE_URL

SENT = "/invitations/sent/"
BULK = "/invitations/sent/withdraw/"
CANCEL_URL = re.compile(re.escape(f"{API_BASE_URL}/users/invite/sent/") + r"[^/?]+(\?.*)?$")
CANCELED = {"object": "InvitationCanceled"}
HTMX = {"HX-Request": "true"}


def withdraw_url(sent: SentInvitation) -> str:
    return f"/invitations/sent/{sent.pk}/withdraw/"


def cancel_url(invitation_id: str) -> str:
    return f"{API_BASE_URL}/users/invite/sent/{invitation_id}"


def sent_row(
    account: LinkedAccount,
    recipient: str,
    *,
    days_ago: float = 0,
    sent_by: User | None = None,
    message: str = "",
    status: str = SentStatus.PENDING,
) -> SentInvitation:
    row = SentInvitation.objects.create(
        account=account,
        recipient_id=recipient,
        invitation_id=f"inv_{recipient}",
        sent_by=sent_by,
        message=message,
        status=status,
    )
    SentInvitation.objects.filter(pk=row.pk).update(
        sent_at=timezone.now() - timedelta(days=days_ago)
    )
    row.refresh_from_db()
    return row


def row_ids(page: str) -> list[str]:
    return re.findall(r'<tr id="sent-(\d+)">', page)


def test_it_lists_the_account_s_invitations_newest_first_with_sender_age_and_status(
    alice_client: Client, alice: User, linkedin_account: LinkedAccount
) -> None:
    old = sent_row(linkedin_account, "ACo-old", days_ago=3, sent_by=alice, message="x" * 200)
    new = sent_row(linkedin_account, "ACo-new", days_ago=0.01, status=SentStatus.WITHDRAWN)
    page = alice_client.get(SENT, {"account": linkedin_account.pk}).content.decode()
    assert row_ids(page) == [str(new.pk), str(old.pk)]
    assert ">Account</label>" in page
    assert "ACo-old" in page and "3\xa0days ago" in page and "<td>alice</td>" in page
    assert "x" * 79 + "…" in page and "x" * 81 not in page  # an excerpt
    assert "<td>Pending" in page and "<td>Withdrawn" in page
    # Only the pending one can be withdrawn.
    assert page.count(">Withdraw<span") == 1


def test_the_withdraw_button_and_the_page_warn_about_linkedin_s_three_week_block(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    sent = sent_row(linkedin_account, "ACo1")
    page = alice_client.get(SENT, {"account": linkedin_account.pk}).content.decode()
    warning = "LinkedIn may block re-inviting the same person for up to 3 weeks."
    assert (
        f'hx-confirm="Withdraw the invitation to ACo1? Withdrawing cannot be undone, and {warning}"'
        in page
    )
    assert f'<p class="withdraw-warning">Withdrawing cannot be undone, and {warning}</p>' in page
    assert f'<form method="post" action="{withdraw_url(sent)}"' in page


def test_it_pages_by_25_newest_first(alice_client: Client, linkedin_account: LinkedAccount) -> None:
    rows = [sent_row(linkedin_account, f"r{n}", days_ago=30 - n) for n in range(30)]
    first = alice_client.get(SENT, {"account": linkedin_account.pk}).content.decode()
    assert row_ids(first) == [str(row.pk) for row in reversed(rows[5:])]
    assert f'href="?account={linkedin_account.pk}&amp;page=2"' in first
    second = alice_client.get(SENT, {"account": linkedin_account.pk, "page": 2}).content.decode()
    assert row_ids(second) == [str(row.pk) for row in reversed(rows[:5])]


@responses.activate
def test_withdrawing_with_htmx_cancels_with_the_account_id_and_swaps_the_row(
    bob_client: Client, bob: User, linkedin_account: LinkedAccount
) -> None:
    sent = sent_row(linkedin_account, "ACo1")
    responses.delete(CANCEL_URL, json=CANCELED)
    response = bob_client.post(withdraw_url(sent), headers=HTMX)
    request = responses.calls[0].request
    assert request.method == "DELETE"
    assert request.url == f"{cancel_url('inv_ACo1')}?account_id=acc_linkedin_demo"
    page = response.content.decode()
    assert response.status_code == 200 and "HX-Request" in response["Vary"]
    assert page.strip().startswith(f'<tr id="sent-{sent.pk}">') and "<html" not in page
    assert "Withdrew the invitation to ACo1." in page and "<td>Withdrawn" in page
    sent.refresh_from_db()
    assert (sent.status, sent.withdrawn_by) == (SentStatus.WITHDRAWN, bob)
    event = InvitationEvent.objects.get()
    assert (event.kind, event.outcome, event.actor) == (EventKind.WITHDRAW, Outcome.OK, bob)


@responses.activate
def test_withdrawing_without_javascript_redirects_back_with_a_message(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    sent = sent_row(linkedin_account, "ACo1")
    responses.delete(CANCEL_URL, json=CANCELED)
    back = f"{SENT}?account={linkedin_account.pk}&page=1"
    response = alice_client.post(withdraw_url(sent), {"next": back})
    assert response.status_code == 302 and response["Location"] == back
    assert "Withdrew the invitation to ACo1." in alice_client.get(back).content.decode()
    sent.refresh_from_db()
    assert sent.status == SentStatus.WITHDRAWN


@responses.activate
def test_a_redirect_elsewhere_is_not_followed(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    sent = sent_row(linkedin_account, "ACo1")
    responses.delete(CANCEL_URL, json=CANCELED)
    response = alice_client.post(withdraw_url(sent), {"next": "https://evil.example/"})
    assert response["Location"] == f"{SENT}?account={linkedin_account.pk}"


@responses.activate
def test_withdrawing_twice_makes_one_api_call(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    sent = sent_row(linkedin_account, "ACo1")
    responses.delete(CANCEL_URL, json=CANCELED)
    alice_client.post(withdraw_url(sent), headers=HTMX)
    again = alice_client.post(withdraw_url(sent), headers=HTMX).content.decode()
    assert len(responses.calls) == 1
    assert "The invitation to ACo1 was already withdrawn." in again


@responses.activate
def test_a_withdraw_error_comes_back_in_the_row_in_the_catalogue_s_words(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    sent = sent_row(linkedin_account, "ACo1")
    responses.delete(
        CANCEL_URL,
        status=403,
        json={"type": "errors/account_restricted", "status": 403, "title": "Restricted"},
    )
    response = alice_client.post(withdraw_url(sent), headers=HTMX)
    page = response.content.decode()
    assert response.status_code == 200  # htmx 2 swaps only 2xx answers
    assert escape(entry_for("errors/account_restricted", 403).message) in page
    assert "errors/account_restricted" not in page
    assert '<p class="row-outcome error" role="status">' in page
    assert ">Withdraw<span" in page  # still pending: it can be tried again
    sent.refresh_from_db()
    assert sent.status == SentStatus.PENDING


@responses.activate
def test_a_404_on_withdraw_says_the_invitation_is_gone(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    sent = sent_row(linkedin_account, "ACo1")
    responses.delete(
        CANCEL_URL,
        status=404,
        json={"type": "errors/resource_not_found", "status": 404, "title": "Not found"},
    )
    page = alice_client.post(withdraw_url(sent), follow=True).content.decode()
    assert "This invitation is gone from the provider" in page
    assert len(responses.calls) == 1


@responses.activate
def test_the_filter_shows_only_what_is_pending_longer_than_n_days(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    old = sent_row(linkedin_account, "ACo-old", days_ago=30)
    recent = sent_row(linkedin_account, "ACo-recent", days_ago=2)
    sent_row(linkedin_account, "ACo-gone", days_ago=40, status=SentStatus.WITHDRAWN)
    unfiltered = alice_client.get(SENT, {"account": linkedin_account.pk}).content.decode()
    assert len(row_ids(unfiltered)) == 3
    assert 'name="days" value="21"' in unfiltered  # the default N
    assert "Withdraw all shown" not in unfiltered
    default = alice_client.get(SENT, {"account": linkedin_account.pk, "days": 21})
    assert row_ids(default.content.decode()) == [str(old.pk)]
    one = alice_client.get(SENT, {"account": linkedin_account.pk, "days": 1}).content.decode()
    assert row_ids(one) == [str(recent.pk), str(old.pk)]
    assert "Withdraw all shown" in one
    assert f'<input type="hidden" name="sent" value="{old.pk}">' in one
    invalid = alice_client.get(SENT, {"account": linkedin_account.pk, "days": "-3"})
    assert invalid.status_code == 400
    assert not responses.calls


@responses.activate
def test_withdrawing_all_shown_goes_on_after_a_failure_and_sums_up(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    rows = [sent_row(linkedin_account, f"r{n}", days_ago=30) for n in range(3)]
    responses.delete(cancel_url("inv_r0"), json=CANCELED)
    responses.delete(
        cancel_url("inv_r1"),
        status=422,
        json={"type": "errors/action_already_performed", "status": 422, "title": "Done"},
    )
    responses.delete(cancel_url("inv_r2"), json=CANCELED)
    response = alice_client.post(
        BULK,
        {"account": linkedin_account.pk, "days": 21, "sent": [row.pk for row in rows]},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{SENT}?account={linkedin_account.pk}&days=21"
    assert len(responses.calls) == 3
    statuses = dict(SentInvitation.objects.values_list("recipient_id", "status"))
    assert statuses == {"r0": "withdrawn", "r1": "pending", "r2": "withdrawn"}
    page = alice_client.get(response["Location"]).content.decode()
    assert "Withdrew 2 of 3 invitations." in page
    assert "Not withdrawn (r1): This was already done: there is nothing more to do." in page


@responses.activate
def test_withdrawing_all_shown_with_htmx_sends_the_browser_back_to_the_list(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    row = sent_row(linkedin_account, "r0", days_ago=30)
    responses.delete(CANCEL_URL, json=CANCELED)
    response = alice_client.post(
        BULK, {"account": linkedin_account.pk, "days": 21, "sent": [row.pk]}, headers=HTMX
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{SENT}?account={linkedin_account.pk}&days=21"


@responses.activate
def test_withdrawing_all_shown_leaves_alone_what_no_longer_matches_the_filter(
    alice_client: Client, team: Team, linkedin_account: LinkedAccount
) -> None:
    recent = sent_row(linkedin_account, "recent", days_ago=2)
    fields = team_services.AccountFields("INSTAGRAM", "acc_ig", "Instagram", [])
    instagram = team_services.account_add(team=team, fields=fields, actor=None)
    elsewhere = sent_row(instagram, "elsewhere", days_ago=30)
    response = alice_client.post(
        BULK,
        {"account": linkedin_account.pk, "days": 21, "sent": [recent.pk, elsewhere.pk]},
        follow=True,
    )
    assert not responses.calls
    assert "Withdrew 0 of 2 invitations." in response.content.decode()
    assert not SentInvitation.objects.filter(status=SentStatus.WITHDRAWN).exists()


@responses.activate
def test_another_team_s_account_and_invitations_are_not_found(
    alice_client: Client, other_team: Team
) -> None:
    fields = team_services.AccountFields("LINKEDIN", "acc_globex", "Globex", ["classic"])
    theirs = team_services.account_add(team=other_team, fields=fields, actor=None)
    their_sent = sent_row(theirs, "ACo-globex", days_ago=30)
    assert alice_client.get(SENT, {"account": theirs.pk}).status_code == 404
    assert alice_client.post(withdraw_url(their_sent)).status_code == 404
    assert alice_client.post(withdraw_url(their_sent), headers=HTMX).status_code == 404
    bulk = alice_client.post(BULK, {"account": theirs.pk, "days": 21, "sent": [their_sent.pk]})
    assert bulk.status_code == 404
    assert not responses.calls
    their_sent.refresh_from_db()
    assert their_sent.status == SentStatus.PENDING


@pytest.mark.parametrize("rows", [1, 25])
def test_the_sent_list_runs_a_constant_number_of_queries(
    alice_client: Client,
    alice: User,
    bob: User,
    linkedin_account: LinkedAccount,
    rows: int,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    for number in range(rows):
        row = sent_row(linkedin_account, f"r{number}", days_ago=number, sent_by=alice)
        if number % 2:
            SentInvitation.objects.filter(pk=row.pk).update(
                status=SentStatus.WITHDRAWN, withdrawn_by=bob, withdrawn_at=timezone.now()
            )
    with django_assert_max_num_queries(10):  # the sweep of abandoned writes is two
        response = alice_client.get(SENT, {"account": linkedin_account.pk})
    assert len(row_ids(response.content.decode())) == rows


@pytest.mark.parametrize(
    "url", ["/invitations/sent/?account=%C2%B2", "/invitations/send/?account=%C2%B2"]
)
def test_an_account_written_in_non_ascii_digits_is_not_found_not_a_crash(
    alice_client: Client, url: str
) -> None:
    assert alice_client.get(url).status_code == 404


def test_a_bulk_withdraw_for_an_account_in_non_ascii_digits_is_not_found(
    alice_client: Client,
) -> None:
    assert alice_client.post("/invitations/sent/withdraw/", {"account": "²"}).status_code == 404
