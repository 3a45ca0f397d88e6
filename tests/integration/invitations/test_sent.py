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

from activity.models import Entry, Kind, Outcome
from invitations.models import SentInvitation, SentStatus
from postpress_dashboard.postpress.catalogue import entry_for, message_for
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
    assert (
        "ACo-old" in page
        and "3\xa0days ago" in page
        and '<td data-label="Sent by">alice</td>' in page
    )
    assert "x" * 79 + "…" in page and "x" * 81 not in page  # an excerpt
    assert '<td data-label="Status">Pending' in page and '<td data-label="Status">Withdrawn' in page
    # The id postpress gave each, for a person talking to support (issue 13).
    assert '<small class="help">postpress id: inv_ACo-old</small>' in page
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
    assert (
        "Withdrew the invitation to ACo1." in page and '<td data-label="Status">Withdrawn' in page
    )
    sent.refresh_from_db()
    assert (sent.status, sent.withdrawn_by) == (SentStatus.WITHDRAWN, bob)
    event = Entry.objects.exclude(kind="settings").get()
    assert (event.kind, event.outcome, event.actor) == (Kind.WITHDRAW, Outcome.OK, bob)


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
    words = message_for("errors/action_already_performed", 422, "withdraw")
    assert f"Not withdrawn (r1): {escape(words)}" in page


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


# --- which id a withdraw sends, per provider (docs: cancel an invitation) ----------------------

IG_USER_ID = "57770543173"


@pytest.fixture
def instagram_account(team: Team) -> LinkedAccount:
    fields = team_services.AccountFields("INSTAGRAM", "acc_ig", "Studio on Instagram", [])
    return team_services.account_add(team=team, fields=fields, actor=None)


def error_answer(status: int, error_type: str) -> dict[str, object]:
    return {"status": status, "json": {"type": error_type, "status": status, "title": "Refused"}}


@responses.activate
def test_a_linkedin_withdraw_sends_the_invitation_id_the_send_returned_and_nothing_else(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    sent = sent_row(linkedin_account, "ACoAAJordan")
    responses.delete(CANCEL_URL, json=CANCELED)
    alice_client.post(withdraw_url(sent), {"provider_id": "ACoAAJordan"}, headers=HTMX)
    [call] = responses.calls
    assert call.request.method == "DELETE" and not call.request.body
    assert call.request.url == f"{cancel_url('inv_ACoAAJordan')}?account_id=acc_linkedin_demo"


@responses.activate
def test_an_instagram_withdraw_sends_the_users_provider_id_not_the_invitation_id(
    bob_client: Client, bob: User, instagram_account: LinkedAccount
) -> None:
    sent = sent_row(instagram_account, IG_USER_ID)
    responses.delete(CANCEL_URL, json=CANCELED)
    page = bob_client.post(
        withdraw_url(sent), {"provider_id": f" {IG_USER_ID} "}, headers=HTMX
    ).content.decode()
    [call] = responses.calls
    assert call.request.method == "DELETE" and not call.request.body
    assert call.request.url == f"{cancel_url(IG_USER_ID)}?account_id=acc_ig"
    assert f"Withdrew the invitation to {IG_USER_ID}." in page
    sent.refresh_from_db()
    assert (sent.status, sent.withdrawn_by) == (SentStatus.WITHDRAWN, bob)
    event = Entry.objects.exclude(kind="settings").get()
    assert (event.outcome, event.detail) == (Outcome.OK, f"provider_id {IG_USER_ID}")


@responses.activate
def test_an_instagram_invitation_sent_by_username_says_what_is_needed_and_calls_nothing(
    alice_client: Client, instagram_account: LinkedAccount
) -> None:
    sent = sent_row(instagram_account, "marta.builds")
    page = alice_client.post(withdraw_url(sent), headers=HTMX).content.decode()
    assert not responses.calls
    assert (
        "Instagram withdraws an invitation by the user&#x27;s provider_id, from their profile in "
        "postpress, not by their username or provider_messaging_id. Enter it in the "
        "invitation&#x27;s row to withdraw it." in page
    )
    assert 'name="provider_id" value="marta.builds" required' in page  # asked again
    sent.refresh_from_db()
    assert sent.status == SentStatus.PENDING
    assert not Entry.objects.exclude(kind="settings").exists()


@responses.activate
def test_a_username_typed_where_the_provider_id_goes_is_refused_without_a_call(
    alice_client: Client, instagram_account: LinkedAccount
) -> None:
    sent = sent_row(instagram_account, "marta.builds")
    response = alice_client.post(withdraw_url(sent), {"provider_id": "@marta.builds"}, follow=True)
    assert not responses.calls
    assert "@marta.builds is a username: Instagram withdraws by the user&#x27;s provider_id" in (
        response.content.decode()
    )


@responses.activate
def test_an_instagram_invitation_sent_by_username_is_withdrawn_with_the_provider_id_given(
    alice_client: Client, instagram_account: LinkedAccount
) -> None:
    sent = sent_row(instagram_account, "marta.builds")
    responses.delete(CANCEL_URL, json=CANCELED)
    alice_client.post(withdraw_url(sent), {"provider_id": IG_USER_ID})
    assert responses.calls[0].request.url == f"{cancel_url(IG_USER_ID)}?account_id=acc_ig"
    sent.refresh_from_db()
    assert sent.status == SentStatus.WITHDRAWN


def test_an_instagram_row_asks_for_the_provider_id_and_the_page_offers_no_bulk_withdraw(
    alice_client: Client, instagram_account: LinkedAccount
) -> None:
    sent = sent_row(instagram_account, "marta.builds", days_ago=30)
    page = alice_client.get(SENT, {"account": instagram_account.pk, "days": 21}).content.decode()
    assert f'<label for="withdraw-id-{sent.pk}">Their provider_id</label>' in page
    assert (
        f'id="withdraw-id-{sent.pk}" name="provider_id" value="{sent.recipient_id}" required'
        in page
    )
    assert "On Instagram this also unfollows the user with that provider_id." in page
    assert "Withdraw all shown" not in page
    assert "Instagram invitations are withdrawn one at a time" in page


def test_a_linkedin_row_asks_for_no_id(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    sent_row(linkedin_account, "ACo1")
    page = alice_client.get(SENT, {"account": linkedin_account.pk}).content.decode()
    assert 'name="provider_id"' not in page and ">Withdraw<span" in page


@responses.activate
@pytest.mark.parametrize(
    ("error_type", "words"),
    [
        ("errors/resource_not_found", "postpress knows no pending invitation from this account"),
        ("errors/invalid_resource_identifier", "postpress did not take that as an Instagram"),
    ],
)
def test_a_404_for_a_typed_instagram_provider_id_leaves_the_invitation_pending(
    alice_client: Client, instagram_account: LinkedAccount, error_type: str, words: str
) -> None:
    sent = sent_row(instagram_account, "marta.builds")
    responses.delete(CANCEL_URL, **error_answer(404, error_type))
    page = alice_client.post(
        withdraw_url(sent), {"provider_id": "12345"}, headers=HTMX
    ).content.decode()
    assert words in page and "This invitation is gone" not in page
    assert 'name="provider_id" value="marta.builds" required' in page  # tried again
    sent.refresh_from_db()
    assert sent.status == SentStatus.PENDING
    assert len(responses.calls) == 1


@responses.activate
def test_an_invalid_identifier_does_not_mark_a_linkedin_invitation_gone(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    sent = sent_row(linkedin_account, "ACo1")
    responses.delete(CANCEL_URL, **error_answer(404, "errors/invalid_resource_identifier"))
    alice_client.post(withdraw_url(sent), headers=HTMX)
    sent.refresh_from_db()
    assert sent.status == SentStatus.PENDING


@responses.activate
def test_an_instagram_withdraw_whose_answer_is_lost_is_unconfirmed(
    alice_client: Client, instagram_account: LinkedAccount
) -> None:
    sent = sent_row(instagram_account, IG_USER_ID)
    responses.delete(CANCEL_URL, status=502, body="<html>Bad gateway</html>")
    page = alice_client.post(
        withdraw_url(sent), {"provider_id": IG_USER_ID}, headers=HTMX
    ).content.decode()
    assert "may have been withdrawn: check on the provider" in page
    sent.refresh_from_db()
    assert sent.status == SentStatus.WITHDRAW_UNCONFIRMED
    # DELETE is retried as the client retries it (at most twice), each with the provider_id.
    assert len(responses.calls) == 3
    assert {call.request.url for call in responses.calls} == {
        f"{cancel_url(IG_USER_ID)}?account_id=acc_ig"
    }
    event = Entry.objects.exclude(kind="settings").get()
    assert (event.outcome, event.detail) == (Outcome.UNCONFIRMED, f"provider_id {IG_USER_ID}")
    # Not tried again by itself: a second post finds it unconfirmed.
    alice_client.post(withdraw_url(sent), {"provider_id": IG_USER_ID}, headers=HTMX)
    assert len(responses.calls) == 3


@responses.activate
def test_an_instagram_invitation_marked_sent_without_an_id_can_still_be_withdrawn(
    alice_client: Client, instagram_account: LinkedAccount
) -> None:
    # An unconfirmed send a person marked as sent has no invitation id: Instagram needs none.
    sent = SentInvitation.objects.create(account=instagram_account, recipient_id=IG_USER_ID)
    responses.delete(CANCEL_URL, json=CANCELED)
    alice_client.post(withdraw_url(sent), {"provider_id": IG_USER_ID}, headers=HTMX)
    assert responses.calls[0].request.url == f"{cancel_url(IG_USER_ID)}?account_id=acc_ig"


@responses.activate
def test_a_bulk_withdraw_of_instagram_invitations_calls_nothing_and_says_why(
    alice_client: Client, instagram_account: LinkedAccount
) -> None:
    rows = [sent_row(instagram_account, name, days_ago=30) for name in ("ig.one", "ig.two")]
    response = alice_client.post(
        BULK,
        {"account": instagram_account.pk, "days": 21, "sent": [row.pk for row in rows]},
        follow=True,
    )
    assert not responses.calls
    page = response.content.decode()
    assert "Withdrew 0 of 2 invitations." in page
    assert (
        "Not withdrawn (ig.two, ig.one): Instagram withdraws an invitation by the user&#x27;s"
        in (page)
    )
    assert not SentInvitation.objects.exclude(status=SentStatus.PENDING).exists()


@responses.activate
def test_an_instagram_withdraw_refuses_the_id_of_another_invitation_s_recipient(
    alice_client: Client, instagram_account: LinkedAccount
) -> None:
    """Review of issue 13: the call also unfollows whoever the id names, so an id that is the
    recipient of another of the account's invitations is a slip, refused before any call."""
    sent = sent_row(instagram_account, "11111111111")
    other = sent_row(instagram_account, "99999999999")

    page = alice_client.post(
        withdraw_url(sent), {"provider_id": "99999999999"}, headers=HTMX
    ).content.decode()

    assert not responses.calls
    assert "99999999999 is the recipient of another invitation from this account" in page
    for row in (sent, other):
        row.refresh_from_db()
        assert row.status == SentStatus.PENDING


@responses.activate
def test_an_instagram_withdraw_refused_shows_the_same_words_in_its_row_and_in_activity(
    alice_client: Client, instagram_account: LinkedAccount
) -> None:
    sent = sent_row(instagram_account, IG_USER_ID)
    responses.delete(CANCEL_URL, **error_answer(404, "errors/resource_not_found"))

    row = alice_client.post(
        withdraw_url(sent), {"provider_id": IG_USER_ID}, headers=HTMX
    ).content.decode()
    activity = alice_client.get("/activity/").content.decode()

    words = escape(message_for("errors/resource_not_found", 404, "withdraw_by_provider_id"))
    assert words in row and words in activity
    assert "gone from the provider" not in activity  # the row stays pending
