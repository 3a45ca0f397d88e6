"""Adding people to a team: an admin creates invite links; nobody is added without accepting."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from activity.models import Entry
from postpress_dashboard.teams import services
from postpress_dashboard.teams.models import Membership, Role, Team, TeamInvite

SETTINGS = "/settings/"
INVITE = "/settings/invites/new/"
LINK = re.compile(r'value="(http://testserver/join/([A-Za-z0-9_-]+)/)"')


def create_invite(client: Client, role: str = "member", note: str = "", **extra: str) -> str:
    """The token of a new invite link, as the admin's page shows it."""
    response = client.post(INVITE, {"team": "acme", "role": role, "note": note, **extra})
    assert response.status_code == 200, response.content.decode()[:300]
    match = LINK.search(response.content.decode())
    assert match is not None
    return match.group(2)


def normalised(page: str) -> str:
    """A page without what differs between any two requests: tokens, links and times."""
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    page = re.sub(r'"x-csrftoken": "[^"]+"', "", page)
    page = re.sub(r"/join/[A-Za-z0-9_-]+/", "/join/TOKEN/", page)
    page = re.sub(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d)?[^\"<]*", "TIME", page)
    return page


def test_an_admin_cannot_add_another_tenants_user_without_their_consent(
    alice_client: Client, team: Team, other_team: Team, charlie: User
) -> None:
    """F13: the old add-member form attached an existing user of any team at once."""
    response = alice_client.post(
        "/settings/members/add/", {"team": "acme", "username": "charlie", "role": "member"}
    )

    assert response.status_code == 404
    assert not Membership.objects.filter(team=team, user=charlie).exists()


@pytest.mark.parametrize("url", ["/settings/members/add/", INVITE])
def test_adding_someone_answers_the_same_whether_or_not_the_username_exists(
    alice_client: Client, team: Team, other_team: Team, charlie: User, url: str
) -> None:
    """F13: an admin cannot tell whether a username exists anywhere in the installation."""
    answers = []
    for username in ("charlie", "nobody-by-this-name"):
        data = {"team": "acme", "username": username, "role": "member", "create": "on"}
        response = alice_client.post(url, data | {"password": "a-Long-unusual-passphrase-91"})
        answers.append((response.status_code, normalised(response.content.decode())))

    assert answers[0] == answers[1]
    assert "charlie" not in answers[0][1]
    assert not Membership.objects.filter(team=team, user=charlie).exists()
    assert not User.objects.filter(username="nobody-by-this-name").exists()


def test_the_settings_page_offers_an_invite_link_and_asks_for_no_username(
    alice_client: Client, team: Team
) -> None:
    """F13: the page adds people only through invite links."""
    page = alice_client.get(SETTINGS).content.decode()

    assert "Create invite link" in page
    assert 'name="username"' not in page
    assert 'name="password"' not in page


def test_an_admin_creates_a_one_time_link_shown_once_and_sees_it_pending(
    alice_client: Client, team: Team
) -> None:
    """F13: the link is shown once; only its hash is kept; the invite is listed as pending."""
    token = create_invite(alice_client, role="admin", note="Dana from sales")

    invite = TeamInvite.objects.get()
    assert (invite.team, invite.role, invite.note) == (team, Role.ADMIN, "Dana from sales")
    assert invite.token_hash == TeamInvite.hash(token)
    assert token not in repr(list(TeamInvite.objects.values()))
    page = alice_client.get(SETTINGS).content.decode()
    assert "Dana from sales" in page
    assert "Revoke the invite for Dana from sales" in page
    assert token not in page  # shown once, when created
    entry = Entry.objects.get(action="invite.created")
    assert entry.detail == "Created an invite link to join as admin (Dana from sales)"


def test_an_admin_revokes_a_pending_invite_and_its_link_stops_working(
    alice_client: Client, team: Team, charlie: User
) -> None:
    """F13: pending invites can be revoked."""
    token = create_invite(alice_client, note="Temp")
    invite = TeamInvite.objects.get()

    response = alice_client.post(
        f"/settings/invites/{invite.pk}/revoke/", {"team": "acme"}, follow=True
    )

    assert "Invite link revoked" in response.content.decode()
    assert "Revoke the invite for Temp" not in response.content.decode()
    invite.refresh_from_db()
    assert invite.revoked_at is not None
    charlie_client = Client()
    charlie_client.force_login(charlie)
    joined = charlie_client.post(f"/join/{token}/")
    assert joined.status_code == 404
    assert not Membership.objects.filter(team=team, user=charlie).exists()


def test_a_revoked_invite_cannot_be_revoked_twice(alice_client: Client, team: Team) -> None:
    create_invite(alice_client)
    invite = TeamInvite.objects.get()
    services.invite_revoke(invite=invite, actor=None)

    response = alice_client.post(f"/settings/invites/{invite.pk}/revoke/", {"team": "acme"})

    assert response.status_code == 404  # no longer among the pending invites


def test_an_invite_with_an_unknown_role_is_refused(alice_client: Client, team: Team) -> None:
    response = alice_client.post(INVITE, {"team": "acme", "role": "owner"})

    assert response.status_code == 400
    assert not TeamInvite.objects.exists()


def test_members_cannot_create_invites(bob_client: Client, team: Team) -> None:
    response = bob_client.post(INVITE, {"team": "acme", "role": "admin"})

    assert response.status_code == 403
    assert not TeamInvite.objects.exists()
