"""Shared fixtures: a team with an admin (alice) and a member (bob), and an outsider (charlie)."""

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from postpress_dashboard.teams import services
from postpress_dashboard.teams.models import LinkedAccount, Role, Team

API_BASE_URL = "https://api.example.test/api/v1"
TEAM_API_KEY = "pp_live_team_a_key_1234"


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Each test starts with an empty cache, as its database starts empty: what one test
    cached (a page's listed copies stored, a login count) never answers for another."""
    cache.clear()
    yield


@pytest.fixture
def alice(db: None) -> User:
    return User.objects.create_user("alice", password="alice-password-1")


@pytest.fixture
def bob(db: None) -> User:
    return User.objects.create_user("bob", password="bob-password-1")


@pytest.fixture
def charlie(db: None) -> User:
    return User.objects.create_user("charlie", password="charlie-password-1")


@pytest.fixture
def team(alice: User, bob: User) -> Team:
    team = services.team_create(name="Acme", base_url=API_BASE_URL, api_key=TEAM_API_KEY)
    services.member_add(team=team, user=alice, role=Role.ADMIN, actor=None)
    services.member_add(team=team, user=bob, role=Role.MEMBER, actor=None)
    return team


@pytest.fixture
def other_team(charlie: User) -> Team:
    other = services.team_create(
        name="Globex", base_url=API_BASE_URL, api_key="pp_live_globex_9876"
    )
    services.member_add(team=other, user=charlie, role=Role.ADMIN, actor=None)
    return other


@pytest.fixture
def linkedin_account(team: Team) -> LinkedAccount:
    fields = services.AccountFields(
        provider="LINKEDIN",
        account_id="acc_linkedin_demo",
        label="Alice on LinkedIn",
        linkedin_apis=["classic", "recruiter"],
    )
    return services.account_add(team=team, fields=fields, actor=None)


@pytest.fixture
def alice_client(client: Client, alice: User, team: Team) -> Client:
    client.force_login(alice)
    return client


@pytest.fixture
def bob_client(client: Client, bob: User, team: Team) -> Client:
    client.force_login(bob)
    return client
