"""The inbox of issue 15: compact rows, people linked to their profiles in every row state, a
row that keeps its details and both actions after an error, and the account used last."""

import re

import pytest
import responses
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from invitations.models import DecisionState, InvitationDecision
from postpress_dashboard.teams import services as team_services
from postpress_dashboard.teams.models import LinkedAccount, Membership, Team
from tests.integration.invitations.test_inbox import (
    HTMX,
    INBOX,
    decide_url,
    decision_cell,
    invitation,
    list_calls,
    row,
    stub_handle,
    stub_handle_error,
    stub_list,
)


@pytest.fixture
def instagram_account(team: Team) -> LinkedAccount:
    fields = team_services.AccountFields("INSTAGRAM", "acc_instagram_demo", "Acme on Instagram", [])
    return team_services.account_add(team=team, fields=fields, actor=None)


def last_account_pk(user: User, team: Team) -> int | None:
    return Membership.objects.get(user=user, team=team).last_inbox_account_id


# --- one compact line per person ---------------------------------------------------------------


@responses.activate
def test_each_row_is_one_line_with_name_headline_note_and_age_and_the_note_whole(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    long_note = "A long note. " * 20
    stub_list([invitation(1, invitation_text=long_note)])
    first = row(alice_client.get(INBOX).content.decode(), "inv_1")
    line = re.search(r'<p class="inbox-line">(.*?)</p>', first, re.S)
    assert line is not None
    assert "Inviter 1" in line.group(1) and "Headline of inviter 1" in line.group(1)
    # The note whole in the page (CSS cuts it to the line, and shows it all on focus), and as
    # the title the pointer sees.
    assert f'title="{long_note}" data-note>{long_note}</span>' in line.group(1)
    assert re.search(r'<p class="inbox-age"><time [^>]*>\d+ (min|h|d|mo|y)</time></p>', first)


# --- people ------------------------------------------------------------------------------------


@responses.activate
def test_the_name_links_to_the_profile_in_a_new_tab_in_every_row_state(
    alice_client: Client, bob: User, linkedin_account: LinkedAccount
) -> None:
    """Open, handled by a teammate, in progress elsewhere, unconfirmed: the name still links."""
    for number, state in ((2, DecisionState.DONE), (3, DecisionState.IN_PROGRESS)):
        InvitationDecision.objects.create(
            account=linkedin_account,
            invitation_id=f"inv_{number}",
            action="accept",
            state=state,
            actor=bob,
        )
    InvitationDecision.objects.create(
        account=linkedin_account,
        invitation_id="inv_4",
        action="decline",
        state=DecisionState.UNCONFIRMED,
        actor=bob,
    )
    stub_list([invitation(number) for number in range(1, 5)])
    page = alice_client.get(INBOX).content.decode()
    states = {}
    for number in range(1, 5):
        found = row(page, f"inv_{number}")
        assert (
            f'<a href="https://www.linkedin.com/in/inviter-{number}" target="_blank" '
            f'rel="noopener" data-profile>Inviter {number}</a>'
        ) in found
        states[number] = re.search(r'data-state="(\w+)"', found).group(1)  # type: ignore[union-attr]
    assert states == {1: "open", 2: "handled", 3: "in_progress", 4: "unconfirmed"}


@responses.activate
def test_an_instagram_name_links_to_the_profile_by_username(
    alice_client: Client, instagram_account: LinkedAccount
) -> None:
    stub_list([invitation(7, provider="INSTAGRAM")])
    page = alice_client.get(INBOX, {"account": instagram_account.pk}).content.decode()
    assert (
        '<a href="https://www.instagram.com/inviter-7/" target="_blank" rel="noopener" '
        "data-profile>Inviter 7</a>"
    ) in row(page, "inv_7")


# --- after an error ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "retry", "other"),
    [("accept", "accept", "decline"), ("decline", "decline", "accept")],
)
@responses.activate
def test_a_failed_decision_keeps_the_row_s_details_and_offers_try_again_and_the_other_action(
    alice_client: Client, linkedin_account: LinkedAccount, action: str, retry: str, other: str
) -> None:
    stub_list([invitation(1)])
    stub_handle_error("inv_1", 503, "errors/service_unavailable")
    page = alice_client.get(INBOX).content.decode()
    # The answer replaces only the decision cell, by its id: the name, headline and note are
    # outside it, so they stay in the page.
    listed = row(page, "inv_1")
    cell = decision_cell(listed, "inv_1")
    assert "Inviter 1" not in cell and "Headline of inviter 1" not in cell
    assert "Note number 1" in listed

    fragment = alice_client.post(decide_url(linkedin_account, "inv_1", action), headers=HTMX)
    answer = fragment.content.decode()

    failed = decision_cell(answer, "inv_1")
    assert 'data-state="failed"' in failed
    assert "postpress is temporarily unavailable. Try again later." in failed
    retry_url = re.escape(decide_url(linkedin_account, "inv_1", retry))
    other_url = re.escape(decide_url(linkedin_account, "inv_1", other))
    form = re.search(r'<form method="post" action="([^"]+)"', failed)
    assert form is not None
    buttons = re.findall(r"<button [^>]*>[^<]*</button>", failed)
    assert len(buttons) == 2
    retry_button, other_button = buttons
    assert f">Try to {retry} again<" in retry_button and "data-retry" in retry_button
    assert f'data-decide="{other}"' in other_button
    assert f">{other.capitalize()} instead<" in other_button
    # Each button posts to its own action's URL (a formaction, or the form's action).
    for button, url in ((retry_button, retry_url), (other_button, other_url)):
        target = re.search(r'formaction="([^"]+)"', button)
        assert re.fullmatch(
            url, (target.group(1) if target else form.group(1)).replace("&amp;", "&")
        )
    # The row can be selected again for a bulk decision.
    assert 'id="invitation-inv_1-select" hx-swap-oob="true"><input type="checkbox"' in answer
    assert len(answer) < 2048


@responses.activate
def test_a_decided_row_s_answer_is_small_and_names_no_one_else(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_list([invitation(1), invitation(2)])
    stub_handle("inv_1")
    alice_client.get(INBOX)
    answer = alice_client.post(
        decide_url(linkedin_account, "inv_1", "accept"), headers=HTMX
    ).content.decode()
    assert len(answer.encode()) < 400
    assert "inv_2" not in answer


# --- the account used last ---------------------------------------------------------------------


@responses.activate
def test_the_inbox_opens_on_the_account_the_member_used_last(
    alice_client: Client,
    alice: User,
    bob: User,
    team: Team,
    linkedin_account: LinkedAccount,
    instagram_account: LinkedAccount,
) -> None:
    stub_list([])
    alice_client.get(INBOX)  # no choice yet: the alphabetically first ("Acme on Instagram")
    assert list_calls()[-1]["account_id"] == "acc_instagram_demo"
    assert last_account_pk(alice, team) is None  # nothing asked for, nothing remembered

    alice_client.get(INBOX, {"account": linkedin_account.pk})
    assert last_account_pk(alice, team) == linkedin_account.pk
    alice_client.get(INBOX)
    assert list_calls()[-1]["account_id"] == "acc_linkedin_demo"
    # Per member: bob has chosen nothing.
    assert last_account_pk(bob, team) is None


@responses.activate
def test_opening_the_account_already_remembered_writes_nothing(
    alice_client: Client,
    alice: User,
    team: Team,
    instagram_account: LinkedAccount,
) -> None:
    stub_list([invitation(1, provider="INSTAGRAM")])
    url = f"{INBOX}?account={instagram_account.pk}&size=25"
    alice_client.get(url)
    alice_client.get(url)  # the session and the listing settled
    # 6 with database sessions, 5 with sessions in the cache (CI's PostgreSQL pass).
    with CaptureQueriesContext(connection) as same:
        alice_client.get(url)
    assert len(same) <= 6
    assert not any(query["sql"].startswith("UPDATE") for query in same.captured_queries)
    Membership.objects.filter(user=alice, team=team).update(last_inbox_account=None)
    with CaptureQueriesContext(connection) as changed:
        alice_client.get(url)
    assert len(changed) == len(same) + 1
    updates = [q["sql"] for q in changed.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1 and "teams_membership" in updates[0]


@pytest.mark.parametrize("gone", ["deactivated", "deleted", "another team's"])
@responses.activate
def test_a_remembered_account_no_longer_usable_falls_back_to_the_first_active_one(
    alice_client: Client,
    alice: User,
    team: Team,
    linkedin_account: LinkedAccount,
    instagram_account: LinkedAccount,
    gone: str,
) -> None:
    Membership.objects.filter(user=alice, team=team).update(last_inbox_account=instagram_account)
    if gone == "deactivated":
        LinkedAccount.objects.filter(pk=instagram_account.pk).update(is_active=False)
    elif gone == "deleted":
        instagram_account.delete()
    else:
        other = Team.objects.create(name="Other", slug="other")
        LinkedAccount.objects.filter(pk=instagram_account.pk).update(team=other)
    stub_list([])
    response = alice_client.get(INBOX)
    assert response.status_code == 200
    assert list_calls()[-1]["account_id"] == "acc_linkedin_demo"
