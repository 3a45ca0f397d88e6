"""Invitations are offered only where the API sends them: LinkedIn and Instagram (issue 13).
WhatsApp and Telegram accounts are never offered, refused in words when posted, and reached by
starting a chat instead."""

import pytest
import responses
from django.test import Client

from invitations import services
from invitations.rules import NOT_INVITING
from postpress_dashboard.teams import services as team_services
from postpress_dashboard.teams.models import LinkedAccount, Team

SEND = "/invitations/send/"


@pytest.fixture
def whatsapp_account(team: Team) -> LinkedAccount:
    fields = team_services.AccountFields("WHATSAPP", "acc_wa", "Sales WhatsApp", [])
    return team_services.account_add(team=team, fields=fields, actor=None)


def test_the_form_offers_no_whatsapp_or_telegram_account(
    alice_client: Client, linkedin_account: LinkedAccount, whatsapp_account: LinkedAccount
) -> None:
    page = alice_client.get(SEND).content.decode()
    assert f'<option value="{linkedin_account.pk}"' in page
    assert f'<option value="{whatsapp_account.pk}"' not in page


def test_asking_for_a_whatsapp_account_says_why_and_shows_an_inviting_one(
    alice_client: Client, linkedin_account: LinkedAccount, whatsapp_account: LinkedAccount
) -> None:
    page = alice_client.get(SEND, {"account": whatsapp_account.pk}).content.decode()
    assert f"Sales WhatsApp: {NOT_INVITING}" in page
    assert f'<option value="{linkedin_account.pk}" selected' in page


@responses.activate
def test_a_posted_whatsapp_account_is_refused_in_words_without_a_call(
    alice_client: Client, linkedin_account: LinkedAccount, whatsapp_account: LinkedAccount
) -> None:
    response = alice_client.post(
        SEND, {"account": whatsapp_account.pk, "recipient_id": "4915112345678"}
    )
    assert response.status_code == 400
    assert NOT_INVITING in response.content.decode()
    assert not responses.calls


def test_a_team_with_only_chat_providers_is_pointed_to_chats(
    alice_client: Client, whatsapp_account: LinkedAccount
) -> None:
    page = alice_client.get(SEND).content.decode()
    assert "no active LinkedIn or Instagram account to send invitations from" in page
    assert 'href="/chats/new/"' in page


@responses.activate
def test_the_service_refuses_a_provider_the_api_sends_no_invitations_for(
    whatsapp_account: LinkedAccount,
) -> None:
    with pytest.raises(services.InvitationRefused, match="LinkedIn and Instagram"):
        services.invitation_send(
            account=whatsapp_account, recipient_id="x", email="", message="", actor=None
        )
    assert not responses.calls
