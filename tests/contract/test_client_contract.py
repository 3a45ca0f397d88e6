"""The same expectations hold against the sandbox (real HTTP) and against `responses` stubs.

The stubs match the exact request the docs describe (headers, query, JSON body), so a client
that drifted from the wire format fails here as well as in the wire-format tests; the sandbox
proves it is a faithful fake by passing the very same tests.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import pytest

from postpress_dashboard.postpress.client import PostpressClient
from postpress_dashboard.postpress.errors import (
    AuthenticationError,
    InvalidRequestError,
    NotFoundError,
    UnprocessableError,
)
from postpress_dashboard.postpress.schemas import (
    ClassicOptions,
    InvitationAction,
    InvitationCanceled,
    NewChat,
    Provider,
    Upload,
)
from tests.contract.live import LiveSandbox
from tests.contract.stubs import StubbedApi

LINKEDIN = "acc_linkedin_demo"
INSTAGRAM = "acc_instagram_demo"


class Backend(Protocol):
    def client(self, *, api_key: str | None = None) -> PostpressClient: ...


@pytest.fixture(params=["sandbox", "stubs"])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "sandbox":
        with LiveSandbox.started() as live:
            yield live
    else:
        with StubbedApi.started() as stubs:
            yield stubs


def test_it_pages_through_received_invitations_with_the_cursor(backend: Backend) -> None:
    client = backend.client()
    first = client.list_received_invitations(account_id=LINKEDIN, limit=2)
    assert len(first.items) == 2
    assert first.cursor
    second = client.list_received_invitations(account_id=LINKEDIN, limit=2, cursor=first.cursor)
    assert {item.id for item in first.items}.isdisjoint(item.id for item in second.items)
    assert all(item.provider == "LINKEDIN" and item.shared_secret for item in first.items)
    assert all(item.inviter and item.inviter.name for item in first.items)


def test_it_accepts_a_linkedin_invitation_with_its_shared_secret(backend: Backend) -> None:
    client = backend.client()
    invitation = client.list_received_invitations(account_id=LINKEDIN, limit=1).items[0]
    handled = client.handle_received_invitation(
        invitation_id=invitation.id,
        account_id=LINKEDIN,
        provider=Provider.LINKEDIN,
        action=InvitationAction.ACCEPT,
        shared_secret=invitation.shared_secret,
    )
    assert handled.status == "ACCEPTED"


def test_it_declines_an_instagram_invitation_without_a_secret(backend: Backend) -> None:
    client = backend.client()
    invitation = client.list_received_invitations(account_id=INSTAGRAM, limit=1).items[0]
    assert invitation.shared_secret is None
    handled = client.handle_received_invitation(
        invitation_id=invitation.id,
        account_id=INSTAGRAM,
        provider=Provider.INSTAGRAM,
        action=InvitationAction.DECLINE,
    )
    assert handled.status == "DECLINED"


def test_a_linkedin_invitation_with_a_wrong_secret_is_refused(backend: Backend) -> None:
    client = backend.client()
    invitation = client.list_received_invitations(account_id=LINKEDIN, limit=1).items[0]
    with pytest.raises(InvalidRequestError) as raised:
        client.handle_received_invitation(
            invitation_id=invitation.id,
            account_id=LINKEDIN,
            provider=Provider.LINKEDIN,
            action=InvitationAction.ACCEPT,
            shared_secret="not-the-listed-secret",
        )
    assert raised.value.status == 400


def test_handling_an_unknown_invitation_is_not_found(backend: Backend) -> None:
    with pytest.raises(NotFoundError) as raised:
        backend.client().handle_received_invitation(
            invitation_id="inv_does_not_exist",
            account_id=INSTAGRAM,
            provider=Provider.INSTAGRAM,
            action=InvitationAction.ACCEPT,
        )
    assert raised.value.error_type == "errors/resource_not_found"


def test_it_sends_an_invitation_and_withdraws_it(backend: Backend) -> None:
    client = backend.client()
    sent = client.send_invitation(
        account_id=LINKEDIN, provider_id="ACoContract1", message="Hi, let's connect."
    )
    assert sent.invitation_id
    client.cancel_invitation(invitation_id=sent.invitation_id, account_id=LINKEDIN)


def test_it_withdraws_an_instagram_invitation_by_the_users_provider_id(backend: Backend) -> None:
    client = backend.client()
    client.send_invitation(account_id=INSTAGRAM, provider_id="57770543173")
    canceled = client.cancel_invitation(invitation_id="57770543173", account_id=INSTAGRAM)
    assert isinstance(canceled, InvitationCanceled)


def test_the_invitation_id_does_not_withdraw_an_instagram_invitation(backend: Backend) -> None:
    client = backend.client()
    sent = client.send_invitation(account_id=INSTAGRAM, provider_id="48151623420")
    with pytest.raises(NotFoundError) as raised:
        client.cancel_invitation(invitation_id=sent.invitation_id, account_id=INSTAGRAM)
    assert raised.value.error_type == "errors/invalid_resource_identifier"


def test_the_users_provider_id_does_not_withdraw_a_linkedin_invitation(backend: Backend) -> None:
    client = backend.client()
    client.send_invitation(account_id=LINKEDIN, provider_id="ACoContract3")
    with pytest.raises(NotFoundError) as raised:
        client.cancel_invitation(invitation_id="ACoContract3", account_id=LINKEDIN)
    assert raised.value.error_type == "errors/invalid_resource_identifier"


def test_a_message_over_300_characters_is_refused(backend: Backend) -> None:
    with pytest.raises(InvalidRequestError) as raised:
        backend.client().send_invitation(
            account_id=LINKEDIN, provider_id="ACoContract2", message="x" * 301
        )
    assert raised.value.error_type == "errors/too_many_characters"


def test_a_trigger_recipient_answers_with_its_error_type(backend: Backend) -> None:
    with pytest.raises(UnprocessableError) as raised:
        backend.client().send_invitation(account_id=LINKEDIN, provider_id="err_limit_exceeded")
    assert raised.value.error_type == "errors/limit_exceeded"
    assert raised.value.instance


def test_a_wrong_api_key_is_an_authentication_error(backend: Backend) -> None:
    with pytest.raises(AuthenticationError) as raised:
        backend.client(api_key="pp_wrong_key").list_received_invitations(account_id=LINKEDIN)
    assert raised.value.error_type == "errors/invalid_credentials"


def test_it_starts_a_chat_with_an_attachment(backend: Backend, tmp_path: Path) -> None:
    attachment = tmp_path / "brochure.pdf"
    attachment.write_bytes(b"%PDF-1.4 contract test")
    started = backend.client().start_chat(
        NewChat(
            account_id=LINKEDIN,
            attendees_ids=("ACoContract3",),
            text="Hello from the contract test",
            attachments=(Upload(attachment, "brochure.pdf", "application/pdf"),),
            linkedin=ClassicOptions(inmail=True),
        )
    )
    assert started.chat_id
