"""The inbox: received invitations of one account, accepted or declined one by one or in bulk."""

import json
import re
from datetime import UTC
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import responses
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from invitations.models import DecisionState, InvitationDecision, SentInvitation
from postpress_dashboard.teams import services as team_services
from postpress_dashboard.teams.models import LinkedAccount, Team
from tests.conftest import API_BASE_URL, TEAM_API_KEY

INBOX = "/inbox/"
LIST_URL = re.compile(re.escape(f"{API_BASE_URL}/users/invite/received") + r"(\?.*)?$")
HTMX = {"HX-Request": "true"}


# --- stubs and helpers -----------------------------------------------------------------------


def invitation(number: int, *, provider: str = "LINKEDIN", **fields: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "object": "InvitationReceived",
        "id": f"inv_{number}",
        "invited_user": "Alice Example",
        "invited_user_id": "ACoAlice",
        "invited_user_public_id": "alice-example",
        "invited_user_description": "Recruiter at Acme",
        "date": "May 12, 2026",
        "parsed_datetime": "2026-05-12T08:14:00.000Z",
        "invitation_text": f"Note number {number}",
        "inviter": {
            "inviter_name": f"Inviter {number}",
            "inviter_id": f"ACoInviter{number}",
            "inviter_public_identifier": f"inviter-{number}",
            "inviter_description": f"Headline of inviter {number}",
        },
    }
    if provider == "LINKEDIN":
        item["specifics"] = {"provider": "LINKEDIN", "shared_secret": f"secret-{number}"}
    return item | fields


def stub_list(items: list[dict[str, Any]], cursor: str | None = None) -> None:
    responses.get(LIST_URL, json={"object": "InvitationList", "items": items, "cursor": cursor})


def stub_pages(pages: dict[str | None, tuple[list[dict[str, Any]], str | None]]) -> None:
    """Answers each cursor (None for the first page) with its items and next cursor."""

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        items, cursor = pages[list_query(request).get("cursor")]
        body = {"object": "InvitationList", "items": items, "cursor": cursor}
        return 200, {"content-type": "application/json"}, json.dumps(body)

    responses.add_callback(responses.GET, LIST_URL, callback=answer)


def handle_url(invitation_id: str) -> str:
    return f"{API_BASE_URL}/users/invite/received/{invitation_id}"


def stub_handle(invitation_id: str, status: str = "ACCEPTED") -> None:
    responses.post(
        handle_url(invitation_id), json={"object": "UserInvitationHandled", "status": status}
    )


def stub_handle_error(invitation_id: str, status: int, error_type: str) -> None:
    body = {"type": error_type, "status": status, "title": "Error", "instance": "req_42"}
    responses.post(handle_url(invitation_id), status=status, json=body)


def list_query(request: Any) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(request.url).query).items()}


def list_calls() -> list[dict[str, str]]:
    return [list_query(call.request) for call in responses.calls if call.request.method == "GET"]


def handle_calls() -> list[Any]:
    return [call.request for call in responses.calls if call.request.method == "POST"]


def decide_url(account: LinkedAccount, invitation_id: str, action: str) -> str:
    return f"/inbox/{account.pk}/invitations/{action}/?{urlencode({'invitation': invitation_id})}"


def bulk_url(account: LinkedAccount) -> str:
    return f"/inbox/{account.pk}/bulk/"


def page_link(page: str, rel: str) -> str:
    """The address of the page's Next (rel="next") or Previous (rel="prev") link."""
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', page)
    assert found, f"no {rel} link"
    return found.group(1).replace("&amp;", "&")


def row(page: str, invitation_id: str) -> str:
    """The <li> of one invitation in a page or fragment."""
    found = re.search(rf'<li [^>]*id="invitation-{invitation_id}"[^>]*>.*?</li>', page, re.S)
    assert found, f"no row for {invitation_id}"
    return found.group(0)


def decision_cell(fragment: str, invitation_id: str) -> str:
    """The decision cell of one invitation in a page or fragment."""
    found = re.search(
        rf'<div class="inbox-decision" id="invitation-{invitation_id}-decision".*?</div>',
        fragment,
        re.S,
    )
    assert found, f"no decision cell for {invitation_id}"
    return found.group(0)


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def instagram_account(team: Team) -> LinkedAccount:
    fields = team_services.AccountFields("INSTAGRAM", "acc_instagram_demo", "Acme on Instagram", [])
    return team_services.account_add(team=team, fields=fields, actor=None)


# --- the page --------------------------------------------------------------------------------


@responses.activate
def test_it_shows_each_invitation_with_its_inviter_headline_note_time_and_provider(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_list([invitation(1), invitation(2, invitation_text="")])
    page = alice_client.get(INBOX).content.decode()
    first = row(page, "inv_1")
    assert "Inviter 1" in first and "Headline of inviter 1" in first
    assert "Note number 1" in first
    # One compact line: the age, with the moment in full as its title (inbox.js localises it).
    assert re.search(
        r'<time datetime="2026-05-12T08:14:00\+00:00" title="Sent 12 May 2026, 08:14 UTC" '
        r"data-local-title>\d+ (min|h|d|mo|y)</time>",
        first,
    )
    assert '<span class="badge provider-linkedin">LinkedIn</span>' in page  # once, above
    assert "data-note" in first and "data-note" not in row(page, "inv_2")
    assert "secret-1" not in page  # the shared secret stays on the server


@responses.activate
def test_without_a_parsed_time_it_shows_the_date_as_the_api_wrote_it(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_list([invitation(1, parsed_datetime=None, date="3 days ago")])
    first = row(alice_client.get(INBOX).content.decode(), "inv_1")
    assert "Sent 3 days ago" in first
    assert "<time" not in first


@responses.activate
def test_it_lists_25_invitations_of_the_first_account_with_the_team_s_key(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_list([])
    alice_client.get(INBOX)
    (request,) = [call.request for call in responses.calls]
    assert request.headers["X-API-KEY"] == TEAM_API_KEY
    assert list_query(request) == {"account_id": "acc_linkedin_demo", "limit": "25"}


@responses.activate
def test_the_account_selector_lists_only_the_team_s_active_accounts(
    alice_client: Client, linkedin_account: LinkedAccount, instagram_account: LinkedAccount
) -> None:
    LinkedAccount.objects.filter(pk=linkedin_account.pk).update(is_active=False)
    stub_list([])
    page = alice_client.get(INBOX).content.decode()
    assert '<label for="inbox-account">Account</label>' in page
    assert f'<option value="{instagram_account.pk}" selected>' in page
    # Not among the account options (the page-size options' values may equal its id).
    account_options = page.split('id="inbox-account"')[1].split("</select>")[0]
    assert f'<option value="{instagram_account.pk}" selected>' in account_options
    assert f'<option value="{linkedin_account.pk}"' not in account_options
    assert list_calls()[0]["account_id"] == "acc_instagram_demo"


@responses.activate
def test_next_page_sends_the_cursor_of_the_previous_answer(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_pages({None: ([invitation(1)], "cursor_2"), "cursor_2": ([invitation(2)], None)})
    first = alice_client.get(INBOX).content.decode()
    next_url = page_link(first, "next")
    assert next_url.startswith(f"/inbox/?account={linkedin_account.pk}&size=25&page=2&trail=")
    assert 'rel="next">Next page</a>' in first
    second = alice_client.get(next_url).content.decode()
    assert list_calls()[1] == {
        "account_id": "acc_linkedin_demo",
        "limit": "25",
        "cursor": "cursor_2",
    }
    assert "Inviter 2" in second
    assert "Next page" not in second  # the API gave no cursor: the last page
    assert 'rel="prev">Previous page</a>' in second


@responses.activate
def test_previous_page_reuses_the_cursor_that_led_to_it_and_page_one_sends_none(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_pages(
        {
            None: ([invitation(1)], "cursor_2"),
            "cursor_2": ([invitation(2)], "cursor_3"),
            "cursor_3": ([invitation(3)], None),
        }
    )
    page = alice_client.get(INBOX).content.decode()
    for rel in ("next", "next", "prev", "prev"):
        page = alice_client.get(page_link(page, rel)).content.decode()
        assert "Inviter" in page
    cursors = [call.get("cursor") for call in list_calls()]
    assert cursors == [None, "cursor_2", "cursor_3", "cursor_2", None]
    assert "Previous page" not in page  # page 1 again


@responses.activate
def test_the_page_links_carry_the_cursors_so_no_view_writes_the_session(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_pages({None: ([invitation(1)], "cursor_2"), "cursor_2": ([invitation(2)], None)})
    session_before = dict(alice_client.session.items())
    second = alice_client.get(page_link(alice_client.get(INBOX).content.decode(), "next"))
    assert list_calls()[-1]["cursor"] == "cursor_2"
    assert dict(alice_client.session.items()) == session_before
    assert settings.SESSION_COOKIE_NAME not in second.cookies  # nothing new to store


@responses.activate
def test_an_altered_trail_or_one_from_another_list_leads_to_page_one(
    alice_client: Client, team: Team, linkedin_account: LinkedAccount
) -> None:
    other = team_services.account_add(
        team=team,
        fields=team_services.AccountFields("LINKEDIN", "acc_other", "Other", []),
        actor=None,
    )
    stub_pages({None: ([invitation(1)], "cursor_2"), "cursor_2": ([invitation(2)], None)})
    next_url = page_link(alice_client.get(INBOX).content.decode(), "next")
    query = parse_qs(urlsplit(next_url).query)
    trail = query["trail"][0]
    altered = trail[:-1] + ("A" if trail[-1] != "A" else "B")
    for changed in (
        {"trail": altered},
        {"size": "10"},  # the same trail for another page size
        {"account": str(other.pk)},  # or another account
        {"page": "3"},  # or a page it does not lead to
    ):
        fields = {key: values[0] for key, values in query.items()} | changed
        page = alice_client.get(INBOX, fields).content.decode()
        assert "cursor" not in list_calls()[-1]
        assert "<span>Page 1</span>" in page


@responses.activate
def test_a_page_number_never_reached_falls_back_to_page_one(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_list([invitation(1)], cursor="cursor_2")
    page = alice_client.get(f"/inbox/?account={linkedin_account.pk}&page=7").content.decode()
    assert "cursor" not in list_calls()[0]
    assert "Previous page" not in page
    assert f"account={linkedin_account.pk}&amp;size=25&amp;page=2" in page  # next from page 1


@responses.activate
def test_the_chosen_page_size_is_the_limit_asked_for_and_a_wrong_one_means_25(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_list([])
    alice_client.get(f"/inbox/?account={linkedin_account.pk}&size=100")
    alice_client.get(f"/inbox/?account={linkedin_account.pk}&size=7")
    assert [call["limit"] for call in list_calls()] == ["100", "25"]


@responses.activate
def test_an_empty_inbox_says_there_is_nothing_to_triage(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_list([])
    page = alice_client.get(INBOX).content.decode()
    assert "Nothing to triage" in page
    assert "Accept selected" not in page


def test_a_team_without_accounts_points_admins_to_settings(
    alice_client: Client, bob: User, team: Team
) -> None:
    page = alice_client.get(INBOX).content.decode()
    assert "No account linked yet" in page
    assert 'in <a href="/settings/">Settings</a>' in page
    member_page = login(bob).get(INBOX).content.decode()
    assert "No account linked yet" in member_page
    assert 'href="/settings/"' not in member_page


@responses.activate
def test_an_unreadable_api_key_is_explained_and_admins_get_a_settings_link(
    alice_client: Client, bob: User, team: Team, linkedin_account: LinkedAccount
) -> None:
    Team.objects.filter(pk=team.pk).update(api_key_ciphertext="gAAAA-garbage")
    page = alice_client.get(INBOX).content.decode()
    assert "The team&#x27;s API key can no longer be read" in page
    assert "Enter the API key in Settings" in page
    member_page = login(bob).get(INBOX).content.decode()
    assert "can no longer be read" in member_page
    assert "Enter the API key in Settings" not in member_page
    assert len(responses.calls) == 0


@responses.activate
def test_a_refused_api_key_says_so_and_admins_get_a_settings_link(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    responses.get(LIST_URL, status=401, json={"type": "errors/invalid_credentials", "status": 401})
    page = alice_client.get(INBOX).content.decode()
    assert "postpress did not accept the team&#x27;s API key" in page
    assert "Check the API key in Settings" in page
    assert "errors/invalid_credentials" not in page


@responses.activate
def test_a_rate_limited_inbox_says_how_long_to_wait(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    responses.get(
        LIST_URL,
        status=429,
        headers={"Retry-After": "30"},
        json={"type": "errors/too_many_requests", "status": 429},
    )
    page = alice_client.get(INBOX).content.decode()
    assert "The provider is limiting requests" in page
    assert "You can try again in 30 seconds." in page
    assert len(responses.calls) == 1  # a wait that long fails at once rather than holding the page


@responses.activate
def test_a_failing_service_shows_the_catalogue_message_and_a_try_again_link(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    responses.get(LIST_URL, status=500, json={"type": "errors/unexpected_error", "status": 500})
    page = alice_client.get(f"/inbox/?account={linkedin_account.pk}&size=10").content.decode()
    assert "Something went wrong at postpress." in page
    try_again = f"/inbox/?account={linkedin_account.pk}&amp;size=10&amp;page=1"
    assert f'<a class="button" href="{try_again}">Try again</a>' in page
    assert "errors/unexpected_error" not in page


@responses.activate
def test_it_warns_when_the_account_nears_its_provider_limit(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    SentInvitation.objects.create(account=linkedin_account, recipient_id="x", usage=90)
    stub_list([])
    page = alice_client.get(INBOX).content.decode()
    assert "postpress reports this account at 90% of the provider's invitation limit" in page
    assert ", as of <time datetime=" in page


@responses.activate
def test_rows_already_decided_show_their_outcome_instead_of_buttons(
    alice_client: Client, bob: User, linkedin_account: LinkedAccount
) -> None:
    InvitationDecision.objects.create(
        account=linkedin_account,
        invitation_id="inv_1",
        action="decline",
        state=DecisionState.DONE,
        actor=bob,
    )
    stub_list([invitation(1), invitation(2)])
    page = alice_client.get(INBOX).content.decode()
    assert "Declined by bob at <time" in row(page, "inv_1")
    assert "data-decide" not in row(page, "inv_1")
    assert 'data-decide="accept"' in row(page, "inv_2")


@responses.activate
def test_the_page_has_no_inline_script_or_style_and_loads_inbox_js(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_list([invitation(1)])
    page = alice_client.get(INBOX).content.decode()
    assert '<script src="/static/js/inbox.js" defer></script>' in page
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert " style=" not in page and "<style" not in page and "hx-on" not in page


# --- one invitation at a time ----------------------------------------------------------------


@responses.activate
def test_accepting_with_htmx_returns_only_the_row_and_sends_the_listed_shared_secret(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_list([invitation(1)])
    stub_handle("inv_1")
    alice_client.get(INBOX)
    response = alice_client.post(
        decide_url(linkedin_account, "inv_1", "accept"),
        {"shared_secret": "forged-by-the-browser"},  # ignored: the server's copy is used
        headers=HTMX,
    )
    fragment = response.content.decode().strip()
    assert response.status_code == 200
    # Only the row's decision cell, and its select box (now empty) out of band: the person's
    # details stay in the page.
    assert fragment.startswith('<div class="inbox-decision" id="invitation-inv_1-decision"')
    assert '<p class="inbox-outcome success" data-outcome>Accepted</p>' in fragment
    assert fragment.endswith(
        '<div class="inbox-select" id="invitation-inv_1-select" hx-swap-oob="true"></div>'
    )
    assert "<li" not in fragment and "Note number 1" not in fragment
    (request,) = handle_calls()
    assert request.headers["X-API-KEY"] == TEAM_API_KEY
    assert json.loads(request.body) == {
        "provider": "LINKEDIN",
        "shared_secret": "secret-1",
        "account_id": "acc_linkedin_demo",
        "action": "accept",
    }


@responses.activate
def test_declining_an_instagram_invitation_sends_the_instagram_variant(
    alice_client: Client, instagram_account: LinkedAccount
) -> None:
    stub_list([invitation(5, provider="INSTAGRAM")])
    stub_handle("inv_5", status="DECLINED")
    page = alice_client.get(f"/inbox/?account={instagram_account.pk}").content.decode()
    assert '<span class="badge provider-instagram">Instagram</span>' in page
    fragment = alice_client.post(
        decide_url(instagram_account, "inv_5", "decline"), headers=HTMX
    ).content.decode()
    assert "Declined" in fragment
    (request,) = handle_calls()
    assert json.loads(request.body) == {
        "provider": "INSTAGRAM",
        "account_id": "acc_instagram_demo",
        "action": "decline",
    }


@responses.activate
def test_a_second_accept_calls_the_api_once_and_says_who_handled_it(
    alice_client: Client, bob: User, linkedin_account: LinkedAccount
) -> None:
    stub_list([invitation(1)])
    stub_handle("inv_1")
    alice_client.get(INBOX)
    url = decide_url(linkedin_account, "inv_1", "accept")
    alice_client.post(url, headers=HTMX)
    fragment = login(bob).post(url, headers=HTMX).content.decode()
    decided_at = InvitationDecision.objects.get(invitation_id="inv_1").decided_at
    assert re.search(
        rf'Accepted by alice at <time datetime="[^"]+" data-local-time="time">'
        rf"{decided_at.astimezone(UTC):%H:%M} UTC</time>",
        fragment,
    )
    assert len(handle_calls()) == 1


@responses.activate
def test_an_api_error_shows_the_catalogue_message_and_a_retry_that_works(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_list([invitation(1)])
    stub_handle_error("inv_1", 503, "errors/service_unavailable")
    stub_handle("inv_1")
    alice_client.get(INBOX)
    url = decide_url(linkedin_account, "inv_1", "accept")
    failed = alice_client.post(url, headers=HTMX)
    fragment = failed.content.decode()
    assert failed.status_code == 200  # htmx 2 would not swap a 503
    assert "postpress is temporarily unavailable. Try again later." in fragment
    assert "errors/service_unavailable" not in fragment
    # Both a retry and the other action, in the row's form (the no-JavaScript path too).
    assert f'<form method="post" action="{url}" class="inbox-buttons">' in fragment
    assert re.search(r'<button type="submit" [^>]*data-retry data-decide="accept">Try to', fragment)
    decline = re.escape(decide_url(linkedin_account, "inv_1", "decline"))
    assert re.search(rf'data-decide="decline" formaction="{decline}">Decline instead<', fragment)
    assert "data-row-select" in fragment  # it can be selected again
    retried = alice_client.post(url, headers=HTMX).content.decode()
    assert '<p class="inbox-outcome success" data-outcome>Accepted</p>' in retried
    assert len(handle_calls()) == 2


@responses.activate
def test_an_error_retrying_cannot_fix_offers_no_retry(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_list([invitation(1)])
    stub_handle_error("inv_1", 404, "errors/resource_not_found")
    alice_client.get(INBOX)
    fragment = alice_client.post(
        decide_url(linkedin_account, "inv_1", "decline"), headers=HTMX
    ).content.decode()
    assert "It was not found: it may have been handled or withdrawn already" in fragment
    assert "data-retry" not in fragment


@responses.activate
def test_an_invitation_never_listed_cannot_be_accepted(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    fragment = alice_client.post(
        decide_url(linkedin_account, "inv_never_listed", "accept"), headers=HTMX
    ).content.decode()
    assert "This invitation is not on a page the dashboard listed. Reload the inbox." in fragment
    assert len(responses.calls) == 0
    assert not InvitationDecision.objects.exists()


@responses.activate
def test_without_javascript_a_decision_redirects_back_to_the_same_page_with_a_message(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_pages({None: ([invitation(1)], "cursor_2"), "cursor_2": ([invitation(2)], None)})
    stub_handle("inv_2")
    page_two = page_link(alice_client.get(INBOX).content.decode(), "next")
    page = alice_client.get(page_two).content.decode()
    assert f'<input type="hidden" name="next" value="{page_two.replace("&", "&amp;")}">' in page
    response = alice_client.post(
        decide_url(linkedin_account, "inv_2", "accept"), {"next": page_two}
    )
    assert response.status_code == 302
    assert response["Location"] == page_two
    followed = alice_client.get(page_two).content.decode()
    assert "Accepted the invitation from Inviter 2." in followed
    assert list_calls()[-1]["cursor"] == "cursor_2"


@responses.activate
def test_a_form_posted_twice_calls_the_api_once_and_the_second_says_it_was_done(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_list([invitation(1)])
    stub_handle("inv_1")
    alice_client.get(INBOX)
    url = decide_url(linkedin_account, "inv_1", "accept")
    alice_client.post(url)
    second = alice_client.post(url, follow=True).content.decode()
    decided_at = InvitationDecision.objects.get(invitation_id="inv_1").decided_at
    assert f"Accepted by alice at {decided_at.astimezone(UTC):%H:%M} UTC." in second
    assert len(handle_calls()) == 1


@responses.activate
def test_a_next_address_on_another_site_is_not_followed(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_list([invitation(1)])
    stub_handle("inv_1")
    alice_client.get(INBOX)
    response = alice_client.post(
        decide_url(linkedin_account, "inv_1", "accept"), {"next": "https://evil.example/"}
    )
    assert response["Location"] == f"/inbox/?account={linkedin_account.pk}"


@responses.activate
def test_accounts_whose_provider_has_no_invitation_api_refuse_without_calling_it(
    alice_client: Client, team: Team
) -> None:
    fields = team_services.AccountFields("WHATSAPP", "acc_whatsapp", "Support line", [])
    account = team_services.account_add(team=team, fields=fields, actor=None)
    fragment = alice_client.post(
        decide_url(account, "inv_1", "accept"), headers=HTMX
    ).content.decode()
    assert "WhatsApp invitations cannot be handled from here." in fragment
    assert len(responses.calls) == 0
    assert not InvitationDecision.objects.exists()


# --- in bulk ---------------------------------------------------------------------------------


@responses.activate
def test_bulk_accept_goes_on_after_a_failure_and_each_row_shows_its_own_outcome(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_list([invitation(1), invitation(2), invitation(3)])
    stub_handle("inv_1")
    stub_handle_error("inv_2", 422, "errors/limit_exceeded")
    stub_handle("inv_3")
    alice_client.get(INBOX)
    response = alice_client.post(
        bulk_url(linkedin_account),
        {"invitation": ["inv_1", "inv_2", "inv_3"], "action": "accept"},
        headers=HTMX,
    )
    fragment = response.content.decode()
    assert response.status_code == 200
    assert [request.url.rsplit("/", 1)[1] for request in handle_calls()] == [
        "inv_1",
        "inv_2",
        "inv_3",
    ]
    for invitation_id in ("inv_1", "inv_3"):
        swapped = decision_cell(fragment, invitation_id)
        assert 'hx-swap-oob="true"' in swapped
        assert "data-outcome>Accepted</p>" in swapped
    failed = decision_cell(fragment, "inv_2")
    assert "The provider&#x27;s limit for this account has been reached" in failed
    assert "Accepted 2 of 3 selected invitations. 1 could not be accepted." in fragment


@responses.activate
def test_bulk_without_javascript_redirects_back_with_a_summary(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_list([invitation(1), invitation(2)])
    stub_handle("inv_1", status="DECLINED")
    stub_handle("inv_2", status="DECLINED")
    alice_client.get(INBOX)
    back = f"/inbox/?account={linkedin_account.pk}&size=25&page=1"
    response = alice_client.post(
        bulk_url(linkedin_account),
        {"invitation": ["inv_1", "inv_2", "inv_1"], "action": "decline", "next": back},
    )
    assert response["Location"] == back
    assert "Declined 2 of 2 selected invitations." in alice_client.get(back).content.decode()
    assert len(handle_calls()) == 2


def test_bulk_with_nothing_selected_calls_nothing_and_says_what_to_do(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    with responses.RequestsMock() as mock:
        response = alice_client.post(bulk_url(linkedin_account), {"action": "accept"}, headers=HTMX)
        assert len(mock.calls) == 0
    assert "Select at least one invitation" in response.content.decode()


# --- access ----------------------------------------------------------------------------------


@responses.activate
def test_another_team_s_account_is_404_everywhere(
    alice_client: Client, other_team: Team, linkedin_account: LinkedAccount
) -> None:
    fields = team_services.AccountFields("INSTAGRAM", "acc_globex", "Globex", [])
    theirs = team_services.account_add(team=other_team, fields=fields, actor=None)
    assert alice_client.get(f"/inbox/?account={theirs.pk}").status_code == 404
    assert alice_client.post(decide_url(theirs, "inv_1", "accept")).status_code == 404
    bulk = alice_client.post(bulk_url(theirs), {"invitation": ["inv_1"], "action": "accept"})
    assert bulk.status_code == 404
    assert len(responses.calls) == 0


@responses.activate
def test_an_inactive_account_is_404(alice_client: Client, linkedin_account: LinkedAccount) -> None:
    LinkedAccount.objects.filter(pk=linkedin_account.pk).update(is_active=False)
    assert alice_client.get(f"/inbox/?account={linkedin_account.pk}").status_code == 404
    decide = alice_client.post(decide_url(linkedin_account, "inv_1", "accept"), headers=HTMX)
    assert decide.status_code == 404
    assert len(responses.calls) == 0


def test_an_action_other_than_accept_or_decline_is_404(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    assert alice_client.post(decide_url(linkedin_account, "inv_1", "withdraw")).status_code == 404
    assert not InvitationDecision.objects.exists()


def test_the_inbox_is_for_signed_in_team_members_only(client: Client, charlie: User) -> None:
    assert client.get(INBOX).status_code == 302  # to the login page
    assert login(charlie).get(INBOX).status_code == 403  # charlie is in no team here


# --- performance -----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [10, 100])
@responses.activate
def test_a_page_runs_one_api_call_and_the_same_queries_whatever_its_size(
    alice_client: Client,
    bob: User,
    linkedin_account: LinkedAccount,
    size: int,
) -> None:
    for number in range(3):  # some rows show a teammate's decision
        InvitationDecision.objects.create(
            account=linkedin_account,
            invitation_id=f"inv_{number}",
            action="accept",
            state=DecisionState.DONE,
            actor=bob,
        )
    first_page = [invitation(number) for number in range(size)]
    second_page = [invitation(number + 1000) for number in range(size)]
    stub_pages({None: (first_page, "cursor_2"), "cursor_2": (second_page, None)})
    url = f"/inbox/?account={linkedin_account.pk}&size={size}"
    # The account becomes the one remembered; old listed copies are forgotten (hourly).
    second = page_link(alice_client.get(url).content.decode(), "next")
    responses.calls.reset()
    # A first view of a page writes no session (its links carry the cursors): the session read
    # (none when the sessions live in the cache, as in CI's second pass), user, membership and
    # team, accounts with their usage, the listed rows (one statement), the earlier decisions.
    # The same page seen again unchanged skips the listed rows (the cache says they are stored).
    counts, session_reads = [], []
    for address in (second, second, url):
        with CaptureQueriesContext(connection) as queries:
            page = alice_client.get(address).content.decode()
        reads = sum("django_session" in query["sql"] for query in queries)
        counts.append(len(queries) - reads)
        session_reads.append(reads)
        assert page.count('class="inbox-row') == size
    assert counts == [5, 4, 4], counts
    assert session_reads in ([1, 1, 1], [0, 0, 0]), session_reads
    assert len(responses.calls) == 3  # one per view


@responses.activate
def test_the_inviter_s_name_links_to_their_profile_in_a_new_tab(
    alice_client: Client, linkedin_account: LinkedAccount, instagram_account: LinkedAccount
) -> None:
    """Issue 13: inviter_public_identifier was parsed and thrown away."""
    stub_list([invitation(1), invitation(2, inviter={"inviter_name": "No id"})])
    page = alice_client.get(INBOX, {"account": linkedin_account.pk}).content.decode()
    assert (
        '<a href="https://www.linkedin.com/in/inviter-1" target="_blank" rel="noopener" '
        "data-profile>Inviter 1</a>"
    ) in page
    assert page.count("data-profile") == 1  # no identifier, no link

    responses.reset()
    stub_list(
        [
            invitation(
                5,
                provider="INSTAGRAM",
                inviter={
                    "inviter_name": "Ig",
                    "inviter_id": "1",
                    "inviter_public_identifier": "ig.person/../x",
                    "inviter_description": "",
                },
            )
        ]
    )
    page = alice_client.get(INBOX, {"account": instagram_account.pk}).content.decode()
    assert 'href="https://www.instagram.com/ig.person%2F..%2Fx/"' in page


@responses.activate
def test_a_decided_row_says_what_postpress_reported(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    """Issue 13: the accept/decline answer's status was parsed and thrown away."""
    stub_list([invitation(1)])
    alice_client.get(INBOX)
    stub_handle("inv_1", status="DECLINED")

    fragment = alice_client.post(
        decide_url(linkedin_account, "inv_1", "accept"), headers=HTMX
    ).content.decode()

    assert '<p class="inbox-outcome success" data-outcome>Declined</p>' in fragment
    activity = alice_client.get("/activity/").content.decode()
    assert "postpress reports it declined" in activity
