"""What the inbox keeps of the API's answers stays bounded (F21): listed copies are forgotten
after a while, and the session keeps only sane cursors, pages and lists."""

from datetime import timedelta

import responses
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from invitations.models import ListedInvitation
from invitations.services import LISTED_KEPT_FOR, listed_prune_key
from invitations.views import CURSORS_SESSION_KEY, MAX_CURSOR_LENGTH, MAX_LISTS_REMEMBERED
from postpress_dashboard.teams import services as team_services
from postpress_dashboard.teams.models import LinkedAccount
from tests.integration.invitations.test_inbox import INBOX, invitation, stub_list


@responses.activate
def test_listed_copies_no_page_has_shown_for_a_while_are_forgotten(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    old = ListedInvitation.objects.create(account=linkedin_account, invitation_id="inv_old")
    ListedInvitation.objects.filter(pk=old.pk).update(
        listed_at=timezone.now() - LISTED_KEPT_FOR - timedelta(minutes=1)
    )
    recent = ListedInvitation.objects.create(account=linkedin_account, invitation_id="inv_recent")
    stub_list([invitation(1)])
    cache.delete(listed_prune_key(linkedin_account))  # its hourly forgetting is due

    alice_client.get(INBOX, {"account": linkedin_account.pk})

    kept = set(ListedInvitation.objects.values_list("invitation_id", flat=True))
    assert kept == {recent.invitation_id, "inv_1"}


@responses.activate
def test_listed_copies_are_forgotten_at_most_once_an_hour_per_account(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_list([invitation(1)])
    cache.delete(listed_prune_key(linkedin_account))
    alice_client.get(INBOX, {"account": linkedin_account.pk})
    old = ListedInvitation.objects.create(account=linkedin_account, invitation_id="inv_old")
    ListedInvitation.objects.filter(pk=old.pk).update(
        listed_at=timezone.now() - LISTED_KEPT_FOR - timedelta(minutes=1)
    )

    alice_client.get(INBOX, {"account": linkedin_account.pk})

    assert ListedInvitation.objects.filter(pk=old.pk).exists()  # the next hour's work


@responses.activate
def test_a_cursor_longer_than_any_sane_one_is_not_kept_and_offers_no_next_page(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_list([invitation(1)], cursor="c" * (MAX_CURSOR_LENGTH + 1))

    page = alice_client.get(INBOX, {"account": linkedin_account.pk}).content.decode()

    assert "Next page" not in page
    stored = alice_client.session.get(CURSORS_SESSION_KEY, {})
    assert all(len(cursor or "") <= MAX_CURSOR_LENGTH for c in stored.values() for cursor in c)


@responses.activate
def test_the_session_keeps_the_cursors_of_a_bounded_number_of_lists(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    accounts = [linkedin_account] + [
        team_services.account_add(
            team=linkedin_account.team,
            fields=team_services.AccountFields("LINKEDIN", f"acc_{n}", f"LinkedIn {n}", []),
            actor=None,
        )
        for n in range(MAX_LISTS_REMEMBERED)
    ]
    stub_list([invitation(1)], cursor="next")

    for account in accounts:
        alice_client.get(INBOX, {"account": account.pk})

    stored = alice_client.session[CURSORS_SESSION_KEY]
    assert len(stored) == MAX_LISTS_REMEMBERED
    assert f"{accounts[0].pk}:25" not in stored  # the oldest went first
    assert f"{accounts[-1].pk}:25" in stored
