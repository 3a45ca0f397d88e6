"""A settings page is for the team it was shown for: posted after switching teams (another
tab), it is refused in words, with what was typed kept, and changes nothing."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from postpress_dashboard.teams import services
from postpress_dashboard.teams.middleware import SESSION_KEY
from postpress_dashboard.teams.models import LinkedAccount, Membership, Role, Team, TeamInvite
from tests.conftest import TEAM_API_KEY

STALE = (
    "This page was for team Acme; you have since switched to Globex. Nothing was saved. "
    "Reload the page to make this change to Globex, or switch back to Acme first."
)


@pytest.fixture
def switched(alice_client: Client, alice: User, team: Team, other_team: Team) -> Client:
    """alice, admin of Acme and of Globex, had Acme's settings open; another tab switched the
    session to Globex."""
    services.member_add(team=other_team, user=alice, role=Role.ADMIN, actor=None)
    session = alice_client.session
    session[SESSION_KEY] = other_team.pk
    session.save()
    return alice_client


def text(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def test_a_stale_tab_cannot_rename_the_team_it_is_no_longer_showing(
    switched: Client, team: Team, other_team: Team
) -> None:
    """F14: the rename posted from Acme's page is refused, and neither team is renamed."""
    response = switched.post(
        "/settings/team/", {"team": "acme", "name": "Renamed", "base_url": team.base_url}
    )

    assert response.status_code == 400
    assert STALE in text(response).replace("&#x27;", "'")
    assert 'value="Renamed"' in text(response)  # what was typed is kept
    assert "<h1>Settings · Globex</h1>" in text(response)
    team.refresh_from_db()
    other_team.refresh_from_db()
    assert (team.name, other_team.name) == ("Acme", "Globex")


def test_the_form_shown_again_is_for_the_current_team(switched: Client, team: Team) -> None:
    """F14: after the refusal the page is Globex's: its hidden field says so."""
    response = switched.post("/settings/team/", {"team": "acme", "name": "Renamed"})

    assert re.findall(r'name="team" value="([^"]+)"', text(response)) == ["globex"] * len(
        re.findall(r'name="team" value="', text(response))
    )


def test_a_stale_tab_cannot_replace_the_api_key_of_the_current_team(
    switched: Client, other_team: Team
) -> None:
    response = switched.post("/settings/api-key/", {"team": "acme", "api_key": "pp_live_new_1234"})

    assert response.status_code == 400
    assert "This page was for team Acme" in text(response)
    other_team.refresh_from_db()
    assert other_team.decrypted_api_key() == "pp_live_globex_9876"


def test_a_stale_tab_cannot_link_an_account_to_the_current_team(
    switched: Client, other_team: Team
) -> None:
    data = {"team": "acme", "provider": "TELEGRAM", "account_id": "acc_typed", "label": "Typed"}
    response = switched.post("/settings/accounts/new/", data)

    assert response.status_code == 400
    assert "This page was for team Acme" in text(response)
    assert 'value="acc_typed"' in text(response)
    assert not LinkedAccount.objects.filter(account_id="acc_typed").exists()


def test_a_stale_account_edit_says_why_instead_of_not_found(
    switched: Client, linkedin_account: LinkedAccount
) -> None:
    response = switched.post(
        f"/settings/accounts/{linkedin_account.pk}/edit/",
        {"team": "acme", "provider": "TELEGRAM", "account_id": "acc_typed", "label": "Typed"},
    )

    assert response.status_code == 400
    assert "This page was for team Acme" in text(response)
    linkedin_account.refresh_from_db()
    assert linkedin_account.label == "Alice on LinkedIn"


@pytest.mark.parametrize("action", ["role", "remove", "active", "test", "invite", "revoke"])
def test_a_stale_tab_s_buttons_change_nothing_and_say_why(
    switched: Client,
    team: Team,
    other_team: Team,
    charlie: User,
    linkedin_account: LinkedAccount,
    action: str,
) -> None:
    """F14: every settings form carries its team, buttons too."""
    charlie_in_globex = Membership.objects.get(team=other_team, user=charlie)
    invite, _ = services.invite_create(team=other_team, role=Role.MEMBER, note="", actor=None)
    url, data = {
        "role": (f"/settings/members/{charlie_in_globex.pk}/role/", {"role": "member"}),
        "remove": (f"/settings/members/{charlie_in_globex.pk}/remove/", {}),
        "active": (f"/settings/accounts/{linkedin_account.pk}/active/", {"active": "0"}),
        "test": (f"/settings/accounts/{linkedin_account.pk}/test/", {}),
        "invite": ("/settings/invites/new/", {"role": "admin"}),
        "revoke": (f"/settings/invites/{invite.pk}/revoke/", {}),
    }[action]
    before = (
        list(Membership.objects.order_by("pk").values()),
        list(LinkedAccount.objects.values()),
        list(TeamInvite.objects.values()),
    )

    response = switched.post(url, {"team": "acme", **data}, follow=True)

    assert "This page was for team Acme; you have since switched to Globex." in text(
        response
    ).replace("&#x27;", "'")
    assert before == (
        list(Membership.objects.order_by("pk").values()),
        list(LinkedAccount.objects.values()),
        list(TeamInvite.objects.values()),
    )


def test_a_page_of_a_team_the_user_left_names_no_team(
    switched: Client, other_team: Team, db: None
) -> None:
    hidden = services.team_create(name="Hidden Co", base_url=other_team.base_url, api_key="")

    response = switched.post("/settings/team/", {"team": hidden.slug, "name": "Renamed"})

    assert response.status_code == 400
    assert "This page was for another team; you have since switched to Globex." in text(
        response
    ).replace("&#x27;", "'")
    assert "Hidden Co" not in text(response)


def test_a_form_without_its_team_changes_nothing(alice_client: Client, team: Team) -> None:
    response = alice_client.post("/settings/team/", {"name": "Renamed", "base_url": team.base_url})

    assert response.status_code == 400
    assert "This page does not say which team it was for" in text(response)
    team.refresh_from_db()
    assert team.name == "Acme"


def test_the_right_team_s_form_still_goes_through(switched: Client, other_team: Team) -> None:
    """F14's control: the same post, for the current team, renames it."""
    response = switched.post(
        "/settings/team/", {"team": "globex", "name": "Globex Two", "base_url": other_team.base_url}
    )

    assert response.status_code == 302
    other_team.refresh_from_db()
    assert other_team.name == "Globex Two"


@pytest.mark.parametrize("page", ["/settings/", "/settings/accounts/new/", "edit"])
def test_every_settings_form_carries_the_team_it_was_shown_for(
    alice_client: Client, linkedin_account: LinkedAccount, page: str
) -> None:
    """F14: each POST form of a settings page (all but the team switcher and log out) has the
    hidden field with the current team."""
    if page == "edit":
        page = f"/settings/accounts/{linkedin_account.pk}/edit/"
    html = text(alice_client.get(page))
    forms = re.findall(r'<form method="post"(.*?)</form>', html, flags=re.S)
    settings_forms = [f for f in forms if "/teams/switch/" not in f and "/logout/" not in f]

    assert settings_forms
    for form in settings_forms:
        assert '<input type="hidden" name="team" value="acme">' in form, form[:200]


def test_the_api_key_is_not_shown_back_after_a_stale_refusal(switched: Client) -> None:
    response = switched.post("/settings/api-key/", {"team": "acme", "api_key": TEAM_API_KEY})

    assert TEAM_API_KEY not in text(response)
