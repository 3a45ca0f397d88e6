"""Joining a team through an invite link: signed in (accept), or signing up through it."""

import io
import logging
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from postpress_dashboard.core.observability import TextFormatter
from postpress_dashboard.teams import services
from postpress_dashboard.teams.middleware import SESSION_KEY
from postpress_dashboard.teams.models import ActivityEntry, Membership, Role, Team, TeamInvite

UNUSABLE = "This invite link cannot be used: it has expired, has been used or was revoked."


@pytest.fixture
def invite(team: Team, alice: User) -> tuple[TeamInvite, str]:
    return services.invite_create(team=team, role=Role.MEMBER, note="For Charlie", actor=alice)


@pytest.fixture
def token(invite: tuple[TeamInvite, str]) -> str:
    return invite[1]


@pytest.fixture
def charlie_client(charlie: User, other_team: Team) -> Client:
    client = Client()
    client.force_login(charlie)
    return client


def test_a_signed_in_user_sees_the_team_and_role_and_joins_when_they_accept(
    charlie_client: Client, charlie: User, team: Team, other_team: Team, token: str
) -> None:
    """F13: joining takes the person's own consent: a POST from them, signed in."""
    page = charlie_client.get(f"/join/{token}/")
    assert page.status_code == 200
    assert "You are invited to join <strong>Acme</strong> as" in page.content.decode()
    assert not Membership.objects.filter(team=team, user=charlie).exists()  # not yet

    response = charlie_client.post(f"/join/{token}/", follow=True)

    membership = Membership.objects.get(team=team, user=charlie)
    assert membership.role == Role.MEMBER
    assert "You joined Acme as member." in response.content.decode()
    assert charlie_client.session[SESSION_KEY] == team.pk  # now working in the team joined
    entry = ActivityEntry.objects.get(action="member.joined")
    assert entry.summary == "charlie joined as member through an invite link (For Charlie)"
    assert entry.actor == charlie


def test_the_link_works_once(charlie_client: Client, team: Team, token: str, db: None) -> None:
    charlie_client.post(f"/join/{token}/")
    dave = User.objects.create_user("dave", password="dave-password-1")
    dave_client = Client()
    dave_client.force_login(dave)

    response = dave_client.post(f"/join/{token}/")

    assert response.status_code == 404
    assert UNUSABLE in response.content.decode()
    assert not Membership.objects.filter(team=team, user=dave).exists()


@pytest.mark.parametrize("state", ["expired", "revoked", "unknown"])
def test_an_expired_revoked_or_unknown_link_says_the_same_and_adds_nobody(
    charlie_client: Client, charlie: User, team: Team, invite: tuple[TeamInvite, str], state: str
) -> None:
    record, token = invite
    if state == "expired":
        TeamInvite.objects.filter(pk=record.pk).update(expires_at=timezone.now() - timedelta(1))
    elif state == "revoked":
        services.invite_revoke(invite=record, actor=None)
    else:
        token = "not-a-token-anyone-was-given"

    page = charlie_client.get(f"/join/{token}/")
    accepted = charlie_client.post(f"/join/{token}/")

    assert (page.status_code, accepted.status_code) == (404, 404)
    assert UNUSABLE in page.content.decode() and UNUSABLE in accepted.content.decode()
    assert "Acme" not in page.content.decode()
    assert not Membership.objects.filter(team=team, user=charlie).exists()


def test_a_member_already_in_the_team_is_told_so_and_the_link_stays_usable(
    alice_client: Client, invite: tuple[TeamInvite, str]
) -> None:
    record, token = invite
    assert (
        "You are already a member of Acme" in alice_client.get(f"/join/{token}/").content.decode()
    )

    response = alice_client.post(f"/join/{token}/")

    assert response.status_code == 400
    assert "You are already a member of Acme" in response.content.decode()
    record.refresh_from_db()
    assert record.accepted_at is None


def test_an_anonymous_visitor_is_offered_to_sign_in_or_sign_up(token: str, db: None) -> None:
    page = Client().get(f"/join/{token}/").content.decode()

    assert f'href="/login/?next=%2Fjoin%2F{token}%2F"' in page
    assert "Create account and join" in page


def test_an_anonymous_accept_is_sent_to_sign_in_and_adds_nobody(
    token: str, team: Team, db: None
) -> None:
    response = Client().post(f"/join/{token}/")

    assert response.status_code == 302
    assert response["Location"] == f"/login/?next=%2Fjoin%2F{token}%2F"
    assert Membership.objects.filter(team=team).count() == 2


def test_signing_in_through_the_link_comes_back_to_accept(
    charlie: User, team: Team, token: str
) -> None:
    client = Client()
    next_url = f"/join/{token}/"
    signed_in = client.post(
        f"/login/?next={next_url}",
        {"username": "charlie", "password": "charlie-password-1", "next": next_url},
    )
    assert signed_in["Location"] == next_url

    client.post(next_url)

    assert Membership.objects.filter(team=team, user=charlie).exists()


def test_someone_without_an_account_signs_up_through_the_link_and_joins(
    team: Team, token: str
) -> None:
    """F13: a person with no account creates one through the link, joins and is signed in."""
    client = Client()

    response = client.post(
        f"/join/{token}/sign-up/",
        {
            "username": "dana",
            "password1": "a-Long-unusual-passphrase-91",
            "password2": "a-Long-unusual-passphrase-91",
        },
        follow=True,
    )

    dana = User.objects.get(username="dana")
    assert Membership.objects.get(team=team, user=dana).role == Role.MEMBER
    assert "You joined Acme as member." in response.content.decode()
    assert client.session["_auth_user_id"] == str(dana.pk)
    assert Client().login(username="dana", password="a-Long-unusual-passphrase-91")


@pytest.mark.parametrize("typed", ["charlie", "Charlie", "\uff43harlie"])
def test_signing_up_with_a_taken_username_is_refused_and_the_link_stays_usable(
    team: Team, charlie: User, invite: tuple[TeamInvite, str], typed: str
) -> None:
    """Only the link's holder learns a username is taken, as any sign-up page would say."""
    record, token = invite
    response = Client().post(
        f"/join/{token}/sign-up/",
        {
            "username": typed,
            "password1": "a-Long-unusual-passphrase-91",
            "password2": "a-Long-unusual-passphrase-91",
        },
    )

    assert response.status_code == 400
    assert "This username is taken: choose another." in response.content.decode()
    assert User.objects.filter(username__iexact="charlie").count() == 1
    record.refresh_from_db()
    assert record.accepted_at is None


def test_a_weak_or_mismatched_password_is_refused(team: Team, token: str) -> None:
    weak = Client().post(
        f"/join/{token}/sign-up/", {"username": "dana", "password1": "123", "password2": "123"}
    )
    differ = Client().post(
        f"/join/{token}/sign-up/",
        {"username": "dana", "password1": "a-Long-unusual-passphrase-91", "password2": "other"},
    )

    assert (weak.status_code, differ.status_code) == (400, 400)
    assert "The two passwords differ." in differ.content.decode()
    assert not User.objects.filter(username="dana").exists()


def test_a_signed_in_user_cannot_sign_up_again_through_the_link(
    charlie_client: Client, token: str
) -> None:
    response = charlie_client.post(
        f"/join/{token}/sign-up/", {"username": "x", "password1": "y", "password2": "y"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/join/{token}/"
    assert not User.objects.filter(username="x").exists()


def test_joining_needs_the_csrf_token(charlie: User, team: Team, token: str) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(charlie)

    refused = client.post(f"/join/{token}/")
    sign_up = Client(enforce_csrf_checks=True).post(
        f"/join/{token}/sign-up/",
        {
            "username": "dana",
            "password1": "a-Long-unusual-passphrase-91",
            "password2": "a-Long-unusual-passphrase-91",
        },
    )

    assert (refused.status_code, sign_up.status_code) == (403, 403)
    assert not Membership.objects.filter(team=team, user=charlie).exists()
    assert not User.objects.filter(username="dana").exists()


def test_the_link_s_token_never_reaches_the_request_log(charlie_client: Client, token: str) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(TextFormatter("%(message)s"))
    logger = logging.getLogger("postpress_dashboard.request")
    logger.addHandler(handler)
    try:
        charlie_client.get(f"/join/{token}/")
    finally:
        logger.removeHandler(handler)

    assert stream.getvalue().strip() == "GET /join/[token]/ 200"
