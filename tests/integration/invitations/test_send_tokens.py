"""The send form's one-time token is issued by the server and bound to its team and user (F8):
a token chosen by the browser, or replayed from another team or user, finds nothing, sends
nothing, and is refused in words with the text kept."""

import pytest
import responses
from django.contrib.auth.models import User
from django.test import Client

from invitations.forms import STALE_FORM, submission_nonce, submission_token_issue
from invitations.models import SentInvitation, SentStatus
from postpress_dashboard.teams import services
from postpress_dashboard.teams.models import LinkedAccount, Team

SEND = "/invitations/send/"


def their_sent_row(team: Team, user: User, account: LinkedAccount) -> str:
    """A token of theirs, already used for an invitation to their recipient."""
    token = submission_token_issue(team=team, user=user)
    SentInvitation.objects.create(
        account=account,
        recipient_id="ACoTheirSecretRecipient",
        invitation_id="inv_theirs",
        status=SentStatus.PENDING,
        submission=submission_nonce(token, team=team, user=user),
    )
    return token


@pytest.fixture
def other_account(other_team: Team) -> LinkedAccount:
    fields = services.AccountFields("LINKEDIN", "acc_globex", "Globex on LinkedIn", ["classic"])
    return services.account_add(team=other_team, fields=fields, actor=None)


@responses.activate
def test_another_team_s_token_shows_nothing_of_theirs_and_sends_nothing(
    alice_client: Client,
    linkedin_account: LinkedAccount,
    charlie: User,
    other_team: Team,
    other_account: LinkedAccount,
) -> None:
    token = their_sent_row(other_team, charlie, other_account)

    response = alice_client.post(
        SEND, {"account": linkedin_account.pk, "recipient_id": "ACoMine", "submission": token}
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert STALE_FORM in page
    assert 'value="ACoMine"' in page  # kept
    assert "ACoTheirSecretRecipient" not in page
    assert not responses.calls


@pytest.mark.parametrize("token", ["race-1", "0" * 32, "not:a:signed:token"])
@responses.activate
def test_a_token_the_browser_made_up_is_refused_in_words(
    alice_client: Client, linkedin_account: LinkedAccount, token: str
) -> None:
    response = alice_client.post(
        SEND, {"account": linkedin_account.pk, "recipient_id": "ACoMine", "submission": token}
    )

    page = response.content.decode()
    assert STALE_FORM in page
    assert f'value="{token}"' not in page  # a fresh token replaces it
    assert not responses.calls


@responses.activate
def test_a_teammate_s_token_is_not_theirs_to_use(
    linkedin_account: LinkedAccount, alice: User, bob: User, team: Team
) -> None:
    token = their_sent_row(team, alice, linkedin_account)
    bob_client = Client()
    bob_client.force_login(bob)

    page = bob_client.post(
        SEND, {"account": linkedin_account.pk, "recipient_id": "ACoBob", "submission": token}
    ).content.decode()

    assert STALE_FORM in page
    assert "ACoTheirSecretRecipient" not in page
    assert not responses.calls
