"""Two teams and the people in and around them, made with the teams services.

alice is an admin of team A and bob a member of it; charlie is the admin of team B, with his
own linked account and membership; dave has a login and no team; root is a staff superuser.
Each account has one received invitation an inbox page listed, one sent invitation and one
activity event, as the invitations views would have left them.
"""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses
from django.contrib.auth.models import User
from django.test import Client

from activity.models import Entry, Kind, Outcome
from invitations.models import ListedInvitation, SentInvitation
from postpress_dashboard.postpress.client import PostpressClient
from postpress_dashboard.teams import services
from postpress_dashboard.teams.models import LinkedAccount, Membership, Role, Team
from tests.security.support import (
    ACCOUNT_A_ID,
    ACCOUNT_A_LABEL,
    ACCOUNT_B_ID,
    ACCOUNT_B_LABEL,
    API_BASE_URL,
    CHAT_WITH_A,
    CHAT_WITH_B,
    LISTED_A,
    LISTED_B,
    SENT_A,
    SENT_B,
    TEAM_A_KEY,
    TEAM_A_NAME,
    TEAM_B_KEY,
    TEAM_B_NAME,
    World,
)

# alice, bob and charlie come from tests/conftest.py.


@pytest.fixture
def dave(db: None) -> User:
    return User.objects.create_user("dave", password="dave-password-1")


@pytest.fixture
def root(db: None) -> User:
    return User.objects.create_superuser("root", password="root-password-1")


@pytest.fixture
def team_a_api_key() -> str:
    """The key team A is created with; a module may override it (the canary tests do)."""
    return TEAM_A_KEY


@pytest.fixture
def team_a(alice: User, bob: User, team_a_api_key: str) -> Team:
    team = services.team_create(name=TEAM_A_NAME, base_url=API_BASE_URL, api_key=team_a_api_key)
    services.member_add(team=team, user=alice, role=Role.ADMIN, actor=None)
    services.member_add(team=team, user=bob, role=Role.MEMBER, actor=None)
    return team


@pytest.fixture
def team_b(charlie: User) -> Team:
    team = services.team_create(name=TEAM_B_NAME, base_url=API_BASE_URL, api_key=TEAM_B_KEY)
    services.member_add(team=team, user=charlie, role=Role.ADMIN, actor=None)
    return team


@pytest.fixture
def account_a(team_a: Team, alice: User) -> LinkedAccount:
    fields = services.AccountFields(
        provider="LINKEDIN",
        account_id=ACCOUNT_A_ID,
        label=ACCOUNT_A_LABEL,
        linkedin_apis=["classic", "recruiter"],
    )
    return services.account_add(team=team_a, fields=fields, actor=alice)


@pytest.fixture
def account_b(team_b: Team, charlie: User) -> LinkedAccount:
    fields = services.AccountFields(
        provider="LINKEDIN",
        account_id=ACCOUNT_B_ID,
        label=ACCOUNT_B_LABEL,
        linkedin_apis=["sales_navigator"],
    )
    return services.account_add(team=team_b, fields=fields, actor=charlie)


def unconfirmed_chat_of(account: LinkedAccount, sender: User, recipient: str) -> Entry:
    """A chat whose answer was lost, waiting for a person to resolve it."""
    return Entry.objects.create(
        team=account.team,
        account=account,
        actor=sender,
        kind=Kind.CHAT,
        target=recipient,
        outcome=Outcome.UNCONFIRMED,
    )


def invitations_of(
    account: LinkedAccount, sender: User, listed: dict[str, str], sent: dict[str, Any]
) -> tuple[ListedInvitation, SentInvitation]:
    """The account's listed invitation and sent invitation, and the event of sending it."""
    listed_invitation = ListedInvitation.objects.create(account=account, **listed)
    sent_invitation = SentInvitation.objects.create(account=account, sent_by=sender, **sent)
    Entry.objects.create(
        team=account.team,
        account=account,
        actor=sender,
        kind=Kind.SEND,
        target=sent_invitation.recipient_id,
        outcome=Outcome.OK,
    )
    return listed_invitation, sent_invitation


@pytest.fixture
def world(
    alice: User,
    bob: User,
    charlie: User,
    dave: User,
    team_a: Team,
    team_b: Team,
    account_a: LinkedAccount,
    account_b: LinkedAccount,
) -> World:
    listed_a, sent_a = invitations_of(account_a, alice, LISTED_A, SENT_A)
    listed_b, sent_b = invitations_of(account_b, charlie, LISTED_B, SENT_B)
    invite_a, token_a = services.invite_create(team=team_a, role=Role.MEMBER, note="", actor=alice)
    invite_b, token_b = services.invite_create(
        team=team_b, role=Role.MEMBER, note="", actor=charlie
    )
    return World(
        alice=alice,
        bob=bob,
        charlie=charlie,
        dave=dave,
        team_a=team_a,
        team_b=team_b,
        account_a=account_a,
        account_b=account_b,
        alice_membership=Membership.objects.get(team=team_a, user=alice),
        bob_membership=Membership.objects.get(team=team_a, user=bob),
        charlie_membership=Membership.objects.get(team=team_b, user=charlie),
        listed_a=listed_a,
        listed_b=listed_b,
        sent_a=sent_a,
        sent_b=sent_b,
        unconfirmed_a=unconfirmed_chat_of(account_a, alice, CHAT_WITH_A["chat_recipient"]),
        unconfirmed_b=unconfirmed_chat_of(account_b, charlie, CHAT_WITH_B["chat_recipient"]),
        invite_a=invite_a,
        invite_b=invite_b,
        invite_token_a=token_a,
        invite_token_b=token_b,
    )


@pytest.fixture
def login() -> Callable[[User | None], Client]:
    """A fresh client signed in as the user (anonymous for None)."""

    def make(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def alice_client(world: World, login: Callable[[User | None], Client]) -> Client:
    return login(world.alice)


@pytest.fixture
def bob_client(world: World, login: Callable[[User | None], Client]) -> Client:
    return login(world.bob)


@pytest.fixture
def charlie_client(world: World, login: Callable[[User | None], Client]) -> Client:
    return login(world.charlie)


@pytest.fixture
def dave_client(world: World, login: Callable[[User | None], Client]) -> Client:
    return login(world.dave)


@pytest.fixture
def root_client(world: World, root: User, login: Callable[[User | None], Client]) -> Client:
    return login(root)


@pytest.fixture(autouse=True)
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[responses.RequestsMock]:
    """The postpress API: nothing answers unless a test adds a stub; retries never wait.

    Autouse, so no security test can reach a real host.
    """
    monkeypatch.setattr(PostpressClient, "_backoff", lambda self, attempt: 0.0)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
