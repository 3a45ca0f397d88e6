"""The team's Activity page: every accept, decline, send and withdraw, filterable."""

import re

import responses
from django.contrib.auth.models import User
from django.test import Client
from django.utils.html import escape

from invitations.models import EventKind, InvitationEvent, Outcome
from postpress_dashboard.postpress.catalogue import entry_for
from postpress_dashboard.teams import services as team_services
from postpress_dashboard.teams.models import LinkedAccount, Team
from tests.conftest import API_BASE_URL

ACTIVITY = "/activity/"


def event(
    account: LinkedAccount,
    kind: str,
    target: str,
    *,
    actor: User | None = None,
    error_type: str = "",
) -> InvitationEvent:
    return InvitationEvent.objects.create(
        team=account.team,
        account=account,
        actor=actor,
        kind=kind,
        target=target,
        outcome=Outcome.FAILED if error_type else Outcome.OK,
        error_type=error_type,
    )


def targets(page: str) -> list[str]:
    return re.findall(r'<td class="target">([^<]*)</td>', page)


def instagram(team: Team) -> LinkedAccount:
    fields = team_services.AccountFields("INSTAGRAM", "acc_ig", "Ada on Instagram", [])
    return team_services.account_add(team=team, fields=fields, actor=None)


def test_it_lists_events_newest_first_with_the_catalogue_s_words_for_failures(
    bob_client: Client, alice: User, bob: User, linkedin_account: LinkedAccount
) -> None:
    event(linkedin_account, EventKind.ACCEPT, "inv_accepted", actor=alice)
    event(linkedin_account, EventKind.SEND, "ACo-sent", actor=bob)
    event(
        linkedin_account,
        EventKind.WITHDRAW,
        "ACo-restricted",
        actor=bob,
        error_type="errors/account_restricted",
    )
    event(linkedin_account, EventKind.DECLINE, "inv_odd", error_type="errors/brand_new_type")
    page = bob_client.get(ACTIVITY).content.decode()
    assert targets(page) == ["inv_odd", "ACo-restricted", "ACo-sent", "inv_accepted"]
    for heading in ("Time", "Who", "Account", "Action", "Target", "Outcome"):
        assert f'<th scope="col">{heading}</th>' in page
    assert "<td>alice</td>" in page and "<td>Alice on LinkedIn</td>" in page
    assert "<td>Withdraw</td>" in page and "<td>Accept</td>" in page
    assert escape(entry_for("errors/account_restricted", None).message) in page
    # Never the raw type, not even for a type the catalogue does not know.
    assert "errors/" not in page
    assert escape(entry_for("errors/brand_new_type", None).message) in page


def test_it_filters_by_account_and_by_outcome(
    alice_client: Client, team: Team, linkedin_account: LinkedAccount
) -> None:
    ig = instagram(team)
    event(linkedin_account, EventKind.SEND, "li-ok")
    event(linkedin_account, EventKind.SEND, "li-failed", error_type="errors/already_connected")
    event(ig, EventKind.SEND, "ig-ok")
    by_account = alice_client.get(ACTIVITY, {"account": ig.pk}).content.decode()
    assert targets(by_account) == ["ig-ok"]
    failed = alice_client.get(ACTIVITY, {"outcome": "failed"}).content.decode()
    assert targets(failed) == ["li-failed"]
    both = alice_client.get(ACTIVITY, {"account": linkedin_account.pk, "outcome": "ok"})
    assert targets(both.content.decode()) == ["li-ok"]
    assert f'<option value="{linkedin_account.pk}" selected>' in both.content.decode()


def test_it_never_shows_another_team_s_events(
    alice_client: Client, linkedin_account: LinkedAccount, other_team: Team
) -> None:
    fields = team_services.AccountFields("LINKEDIN", "acc_globex", "Globex account", ["classic"])
    theirs = team_services.account_add(team=other_team, fields=fields, actor=None)
    event(theirs, EventKind.SEND, "globex-secret")
    event(linkedin_account, EventKind.SEND, "acme-own")
    page = alice_client.get(ACTIVITY).content.decode()
    assert targets(page) == ["acme-own"]
    assert "Globex account" not in page
    filtered = alice_client.get(ACTIVITY, {"account": theirs.pk})
    assert filtered.status_code == 400
    assert "globex-secret" not in filtered.content.decode()


def test_it_pages_the_activity(alice_client: Client, linkedin_account: LinkedAccount) -> None:
    for number in range(30):
        event(linkedin_account, EventKind.SEND, f"t{number}")
    first = alice_client.get(ACTIVITY, {"outcome": "ok"}).content.decode()
    assert len(targets(first)) == 25 and targets(first)[0] == "t29"
    assert 'href="?outcome=ok&amp;page=2"' in first
    second = alice_client.get(ACTIVITY, {"outcome": "ok", "page": 2}).content.decode()
    assert targets(second) == ["t4", "t3", "t2", "t1", "t0"]


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
