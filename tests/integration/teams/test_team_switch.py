"""A user in several teams switches between them from every page."""

from django.contrib.auth.models import User
from django.test import Client

from postpress_dashboard.teams import services
from postpress_dashboard.teams.models import Role, Team


def test_the_current_team_is_shown_with_a_switcher_on_every_page(
    alice_client: Client, team: Team
) -> None:
    page = alice_client.get("/").content.decode()
    assert '<select name="team" id="team-switch">' in page
    assert '<option value="acme" selected>Acme</option>' in page


def test_it_switches_to_another_team_of_the_user(
    alice_client: Client, alice: User, team: Team, other_team: Team
) -> None:
    services.member_add(team=other_team, user=alice, role=Role.MEMBER, actor=None)
    response = alice_client.post(
        "/teams/switch/", {"team": other_team.slug, "next": "/"}, follow=True
    )
    page = response.content.decode()
    assert f'<option value="{other_team.slug}" selected>' in page
    assert "<h1>Globex</h1>" in page
    # A member there: no settings.
    assert alice_client.get("/settings/").status_code == 403


def test_it_refuses_a_team_the_user_is_not_in(
    alice_client: Client, team: Team, other_team: Team
) -> None:
    response = alice_client.post("/teams/switch/", {"team": other_team.slug}, follow=True)
    page = response.content.decode()
    assert "You are not a member of that team." in page
    assert "<h1>Acme</h1>" in page


def test_it_never_redirects_to_another_site_after_switching(
    alice_client: Client, team: Team
) -> None:
    response = alice_client.post("/teams/switch/", {"team": "acme", "next": "https://evil.test/"})
    assert response["Location"] == "/"


def test_switching_from_a_page_about_the_old_team_s_objects_lands_somewhere_valid(
    alice_client: Client, alice: User, team: Team, other_team: Team
) -> None:
    services.member_add(team=other_team, user=alice, role=Role.ADMIN, actor=None)
    from_account_page = alice_client.post(
        "/teams/switch/", {"team": other_team.slug, "next": "/settings/accounts/1/edit/"}
    )
    assert from_account_page["Location"] == "/"
    from_filtered_list = alice_client.post(
        "/teams/switch/", {"team": "acme", "next": "/invitations/sent/?account=99"}
    )
    assert from_filtered_list["Location"] == "/invitations/sent/"
