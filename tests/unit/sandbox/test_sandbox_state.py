"""The seeded sandbox data and its reset."""

import re

from postpress_dashboard.sandbox.models import ReceivedChat
from postpress_dashboard.sandbox.state import SandboxState
from postpress_dashboard.sandbox.triggers import find_trigger

LINKEDIN = "acc_linkedin_demo"


def test_it_seeds_the_same_data_every_time() -> None:
    assert SandboxState().accounts == SandboxState().accounts


def test_it_seeds_four_accounts_one_per_provider() -> None:
    accounts = SandboxState().accounts
    assert {account_id: account.provider for account_id, account in accounts.items()} == {
        "acc_linkedin_demo": "LINKEDIN",
        "acc_instagram_demo": "INSTAGRAM",
        "acc_whatsapp_demo": "WHATSAPP",
        "acc_telegram_demo": "TELEGRAM",
    }
    assert accounts["acc_whatsapp_demo"].received == []
    assert accounts["acc_telegram_demo"].received == []


def test_it_seeds_125_linkedin_invitations_newest_first_each_with_its_own_secret() -> None:
    received = SandboxState().accounts[LINKEDIN].received
    assert len(received) == 125
    assert [inv.sent_at for inv in received] == sorted(
        (inv.sent_at for inv in received), reverse=True
    )
    secrets = [inv.shared_secret for inv in received]
    assert all(secrets)
    assert len(set(secrets)) == 125
    assert any(inv.note == "" for inv in received)
    assert any(inv.note for inv in received)


def test_it_seeds_instagram_invitations_without_shared_secrets() -> None:
    received = SandboxState().accounts["acc_instagram_demo"].received
    assert len(received) == 15
    assert all(inv.shared_secret is None for inv in received)


def test_only_the_two_error_rows_carry_a_trigger() -> None:
    accounts = SandboxState().accounts
    identifiers = [
        identifier
        for account in accounts.values()
        for inv in account.received
        for identifier in (inv.id, inv.sender.provider_id)
    ] + list(accounts)
    triggering = [identifier for identifier in identifiers if find_trigger(identifier)]
    assert len(triggering) == 2
    assert all(re.match(r"inv_err_(provider_error|too_many_requests)_", i) for i in triggering)


def test_it_places_the_error_rows_on_the_first_page() -> None:
    first_page = SandboxState().accounts[LINKEDIN].received[:10]
    assert sum(1 for inv in first_page if inv.id.startswith("inv_err_")) == 2


def test_reset_restores_the_seed_and_forgets_chats_and_sends() -> None:
    state = SandboxState()
    seeded = list(state.accounts[LINKEDIN].received)
    account = state.accounts[LINKEDIN]
    account.received.pop(0)
    account.sent_count = 7
    state.chats.append(ReceivedChat("chat_1", "msg_1", LINKEDIN, {}, []))
    state.reset()
    assert state.accounts[LINKEDIN].received == seeded
    assert state.accounts[LINKEDIN].sent_count == 0
    assert state.chats == []


def test_reset_can_override_the_invitation_limit_until_the_next_reset() -> None:
    state = SandboxState(invitation_limit=50)
    state.reset(invitation_limit=3)
    assert state.accounts[LINKEDIN].invitation_limit == 3
    state.reset()
    assert state.accounts[LINKEDIN].invitation_limit == 50
