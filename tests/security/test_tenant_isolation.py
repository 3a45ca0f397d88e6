"""Every page of the project, tried by everyone who must not use it on team A's objects.

The matrix (tests/security/matrix.py) must list every URL pattern; each entry is then tried
anonymously, by charlie (admin of another team), by bob (a member, not an admin), by dave (in
no team) and, as the control that proves the requests could change something, by alice.
"""

from collections.abc import Callable
from typing import Any

import pytest
import responses
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from postpress_dashboard.teams import services
from postpress_dashboard.teams.middleware import SESSION_KEY
from postpress_dashboard.teams.models import Role, Team
from tests.security.matrix import (
    MATRIX,
    OBJECT_KWARGS,
    Endpoint,
    get_endpoints,
    object_endpoints,
    project_routes,
    url_for,
)
from tests.security.support import (
    ACCOUNT_A_ID,
    ACCOUNT_A_LABEL,
    INVITES_URL,
    TEAM_A_MARKERS,
    TEAM_A_NAME,
    TEAM_B_MARKERS,
    TEAM_B_NAME,
    World,
    db_snapshot,
    team_snapshot,
)

pytestmark = pytest.mark.django_db

METHODS = ("GET", "POST")
NON_OBJECT_ENDPOINTS = sorted(set(MATRIX) - set(object_endpoints()))
ADMIN_ENDPOINTS = sorted(name for name, endpoint in MATRIX.items() if endpoint.admin_only)
TEAM_ENDPOINTS = sorted(name for name, endpoint in MATRIX.items() if endpoint.team_required)


def send(client: Client, method: str, url: str, data: dict[str, Any]) -> HttpResponse:
    if method == "GET":
        return client.get(url)
    return client.post(url, data)


def assert_refused(
    response: HttpResponse, endpoint: Endpoint, method: str, statuses: tuple[int, ...]
) -> None:
    # A view refuses a method it is not for (405) before it looks at anything else.
    if method not in endpoint.methods and response.status_code == 405:
        return
    assert response.status_code in statuses, (method, response.status_code)


def text(response: HttpResponse) -> str:
    return response.content.decode()


def stub_invitations(api: responses.RequestsMock) -> None:
    api.add(responses.GET, INVITES_URL, json={"items": [], "cursor": None})


# --- the matrix is complete ----------------------------------------------------------------


def test_it_lists_every_url_pattern_of_the_project_in_the_matrix() -> None:
    routes = project_routes()
    unnamed = [route.route for route in routes if route.name is None]
    names = {route.name for route in routes}

    assert unnamed == [], "name these patterns and add them to tests/security/matrix.py"
    assert names - set(MATRIX) == set(), "add these pages to tests/security/matrix.py"
    assert set(MATRIX) - names == set(), "these matrix entries no longer exist"


def test_it_knows_which_object_every_url_keyword_names() -> None:
    keywords = {keyword for route in project_routes() for keyword in route.kwargs}

    assert keywords - OBJECT_KWARGS == set(), "teach World.objects_of about these keywords"
    assert object_endpoints(), "the walk found no pattern that takes an object id"


# --- alice, the control: each request of the matrix really does something ------------------


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_it_lets_alice_the_admin_use_every_endpoint(
    name: str, world: World, alice_client: Client, api: responses.RequestsMock
) -> None:
    endpoint = MATRIX[name]
    url = url_for(name, world.objects_of(world.team_a))
    stub_invitations(api)

    if "GET" in endpoint.methods:
        response = alice_client.get(url)
        assert response.status_code == 200
        assert TEAM_A_NAME in text(response)

    if "POST" in endpoint.methods:
        before = db_snapshot()
        response = alice_client.post(url, endpoint.post_data(world))
        assert response.status_code == 302, text(response)
        if endpoint.effect == "db":
            assert db_snapshot() != before
        elif endpoint.effect == "session":
            assert alice_client.session[SESSION_KEY] == world.team_a.pk
        elif endpoint.effect == "api":
            assert len(api.calls) == 1
            assert f"account_id={ACCOUNT_A_ID}" in str(api.calls[0].request.url)


# --- anonymous visitors --------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_it_sends_anonymous_visitors_to_login_and_changes_nothing(
    name: str,
    method: str,
    world: World,
    login: Callable[[User | None], Client],
    api: responses.RequestsMock,
) -> None:
    endpoint = MATRIX[name]
    url = url_for(name, world.objects_of(world.team_a))
    before = db_snapshot()

    response = send(login(None), method, url, endpoint.post_data(world))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")
    assert db_snapshot() == before
    assert len(api.calls) == 0


# --- charlie, admin of team B --------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", object_endpoints())
def test_it_refuses_team_a_objects_to_charlie_from_another_team(
    name: str, method: str, world: World, charlie_client: Client, api: responses.RequestsMock
) -> None:
    endpoint = MATRIX[name]
    url = url_for(name, world.objects_of(world.team_a))
    stub_invitations(api)
    before = db_snapshot()

    response = send(charlie_client, method, url, endpoint.post_data(world))

    assert_refused(response, endpoint, method, (403, 404))
    assert db_snapshot() == before
    assert len(api.calls) == 0
    for marker in TEAM_A_MARKERS:
        assert marker not in text(response)


@pytest.mark.parametrize("name", NON_OBJECT_ENDPOINTS)
def test_it_keeps_team_a_unchanged_whatever_charlie_posts_to_his_own_pages(
    name: str, world: World, charlie_client: Client, api: responses.RequestsMock
) -> None:
    endpoint = MATRIX[name]
    url = url_for(name, world.objects_of(world.team_b))
    smuggled = {"team": world.team_a.slug, "team_id": str(world.team_a.pk)}
    stub_invitations(api)
    before = team_snapshot(world.team_a)

    charlie_client.post(url, smuggled | endpoint.post_data(world))
    charlie_client.get(url)

    assert team_snapshot(world.team_a) == before
    assert charlie_client.session.get(SESSION_KEY) != world.team_a.pk
    home = charlie_client.get(reverse("home"))
    assert home.context["current_team"].pk == world.team_b.pk
    for marker in TEAM_A_MARKERS:
        assert marker not in text(home)


# --- alice against team B's objects --------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", object_endpoints())
def test_it_refuses_team_b_objects_to_alice(
    name: str, method: str, world: World, alice_client: Client, api: responses.RequestsMock
) -> None:
    endpoint = MATRIX[name]
    url = url_for(name, world.objects_of(world.team_b))
    stub_invitations(api)
    before = db_snapshot()

    response = send(alice_client, method, url, endpoint.post_data(world))

    assert_refused(response, endpoint, method, (403, 404))
    assert db_snapshot() == before
    assert len(api.calls) == 0
    for marker in TEAM_B_MARKERS:
        assert marker not in text(response)


# --- bob, a member who is not an admin -----------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", ADMIN_ENDPOINTS)
def test_it_refuses_admin_pages_to_bob_who_is_only_a_member(
    name: str, method: str, world: World, bob_client: Client, api: responses.RequestsMock
) -> None:
    endpoint = MATRIX[name]
    url = url_for(name, world.objects_of(world.team_a))
    stub_invitations(api)
    before = db_snapshot()

    response = send(bob_client, method, url, endpoint.post_data(world))

    assert_refused(response, endpoint, method, (403,))
    assert db_snapshot() == before
    assert len(api.calls) == 0
    assert ">Settings<" not in text(response)


def admin_controls(world: World) -> list[str]:
    """Every admin-only page as a link, a form or an htmx control would point to it."""
    objects = world.objects_of(world.team_a)
    return [
        f'{attribute}="{url_for(name, objects)}"'
        for name in ADMIN_ENDPOINTS
        for attribute in ("href", "action", "hx-get", "hx-post")
    ]


def test_it_shows_bob_no_settings_link_or_controls(
    world: World, alice_client: Client, bob_client: Client
) -> None:
    alice_home = text(alice_client.get(reverse("home")))
    assert ">Settings<" in alice_home  # the control: an admin does see the link
    assert f'href="{reverse("teams:settings")}"' in alice_home

    for url in (reverse("home"), reverse("teams:settings")):
        page = text(bob_client.get(url))
        assert TEAM_A_NAME in page
        assert ">Settings<" not in page
        for control in admin_controls(world):
            assert control not in page, (url, control)


# --- dave, in no team ----------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", TEAM_ENDPOINTS)
def test_it_refuses_team_pages_to_dave_who_is_in_no_team(
    name: str, method: str, world: World, dave_client: Client, api: responses.RequestsMock
) -> None:
    endpoint = MATRIX[name]
    url = url_for(name, world.objects_of(world.team_a))
    stub_invitations(api)
    before = db_snapshot()

    response = send(dave_client, method, url, endpoint.post_data(world))

    assert_refused(response, endpoint, method, (403,))
    if response.status_code == 403:
        assert "You are not in a team yet" in text(response)
    assert db_snapshot() == before
    assert len(api.calls) == 0
    for marker in (*TEAM_A_MARKERS, *TEAM_B_MARKERS):
        assert marker not in text(response).replace("dave", "")


# --- what the pages show -------------------------------------------------------------------

INVALID_SUBMISSIONS = {
    "teams:team_update": {"name": "", "base_url": "not a url"},
    "teams:api_key_update": {"api_key": "short"},
    "teams:account_create": {"provider": "LINKEDIN", "account_id": "", "label": ""},
    "teams:account_edit": {"provider": "LINKEDIN", "account_id": "", "label": ""},
    "teams:member_add": {"username": "nobody-by-this-name", "role": "member"},
}


def test_it_never_shows_team_b_on_any_page_alice_can_reach(
    world: World, alice_client: Client
) -> None:
    team_a_objects = world.objects_of(world.team_a)
    pages = {name: alice_client.get(url_for(name, team_a_objects)) for name in get_endpoints()}
    pages |= {
        f"{name} (invalid)": alice_client.post(url_for(name, team_a_objects), data)
        for name, data in INVALID_SUBMISSIONS.items()
    }
    pages["404"] = alice_client.get(url_for("teams:account_edit", world.objects_of(world.team_b)))

    assert ACCOUNT_A_LABEL in text(pages["teams:settings"])
    assert pages["404"].status_code == 404
    for where, response in pages.items():
        assert response.status_code in (200, 400, 404), where
        assert TEAM_A_NAME in text(response), where
        for marker in TEAM_B_MARKERS:
            assert marker not in text(response), (where, marker)


def test_it_never_shows_team_a_on_any_page_charlie_can_reach(
    world: World, charlie_client: Client
) -> None:
    team_b_objects = world.objects_of(world.team_b)
    for name in get_endpoints():
        response = charlie_client.get(url_for(name, team_b_objects))
        assert response.status_code == 200
        assert TEAM_B_NAME in text(response)
        for marker in TEAM_A_MARKERS:
            assert marker not in text(response), (name, marker)


# --- the team switcher ---------------------------------------------------------------------


def test_it_refuses_to_switch_to_a_team_the_user_is_not_in(
    world: World, alice_client: Client
) -> None:
    switch = reverse("teams:team_switch")
    alice_client.post(switch, {"team": world.team_a.slug})
    assert alice_client.session[SESSION_KEY] == world.team_a.pk

    for slug in (world.team_b.slug, "no-such-team"):
        response = alice_client.post(switch, {"team": slug, "next": "/"}, follow=True)

        assert alice_client.session[SESSION_KEY] == world.team_a.pk
        assert "You are not a member of that team." in text(response)
        assert TEAM_A_NAME in text(response)
        for marker in TEAM_B_MARKERS:
            assert marker not in text(response)
        assert ">Settings<" in text(alice_client.get(reverse("home")))


def test_it_switches_between_teams_the_user_is_in(
    world: World, login: Callable[[User | None], Client]
) -> None:
    erin = User.objects.create_user("erin", password="erin-password-1")
    services.member_add(team=world.team_a, user=erin, role=Role.MEMBER, actor=None)
    services.member_add(team=world.team_b, user=erin, role=Role.MEMBER, actor=None)
    client = login(erin)

    response = client.post(reverse("teams:team_switch"), {"team": world.team_b.slug}, follow=True)

    assert client.session[SESSION_KEY] == world.team_b.pk
    assert f"<h1>{TEAM_B_NAME}</h1>" in text(response)


def put_in_session(client: Client, team: Team) -> None:
    session = client.session
    session[SESSION_KEY] = team.pk
    session.save()


def test_it_ignores_a_session_team_the_user_is_not_in(
    world: World, alice_client: Client, bob_client: Client
) -> None:
    put_in_session(alice_client, world.team_b)
    put_in_session(bob_client, world.team_b)

    home = text(alice_client.get(reverse("home")))
    assert f"<h1>{TEAM_A_NAME}</h1>" in home
    for marker in TEAM_B_MARKERS:
        assert marker not in home
    assert bob_client.get(reverse("teams:settings")).status_code == 403
    edit_b = url_for("teams:account_edit", world.objects_of(world.team_b))
    assert alice_client.get(edit_b).status_code == 404


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "/\\evil.test"])
def test_it_does_not_redirect_the_team_switcher_off_site(
    next_url: str, world: World, alice_client: Client
) -> None:
    response = alice_client.post(
        reverse("teams:team_switch"), {"team": world.team_a.slug, "next": next_url}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


# --- the Django admin is for staff only ----------------------------------------------------


def admin_urls(world: World) -> list[str]:
    return [
        reverse("admin:index"),
        reverse("admin:teams_team_changelist"),
        reverse("admin:teams_team_change", args=[world.team_a.pk]),
        reverse("admin:teams_linkedaccount_changelist"),
        reverse("admin:teams_linkedaccount_change", args=[world.account_a.pk]),
        reverse("admin:teams_activityentry_changelist"),
    ]


def team_change_form(world: World) -> dict[str, str]:
    return {
        "name": "Hijacked",
        "slug": "hijacked",
        "base_url": "https://collector.attacker.test/api/v1",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "accounts-TOTAL_FORMS": "0",
        "accounts-INITIAL_FORMS": "0",
    }


@pytest.mark.parametrize("who", ["anonymous", "alice", "bob", "charlie", "dave"])
def test_it_keeps_the_django_admin_from_everyone_but_staff(
    who: str, world: World, login: Callable[[User | None], Client]
) -> None:
    client = login(None if who == "anonymous" else getattr(world, who))
    before = db_snapshot()

    for url in admin_urls(world):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(("/admin/login/", "/login/")), url
    change = reverse("admin:teams_team_change", args=[world.team_a.pk])
    response = client.post(change, team_change_form(world))

    assert response.status_code == 302
    assert db_snapshot() == before


def test_it_refuses_the_admin_to_staff_without_permissions(
    world: World, login: Callable[[User | None], Client]
) -> None:
    staffer = User.objects.create_user("staffer", password="staffer-password-1", is_staff=True)
    client = login(staffer)
    before = db_snapshot()
    change = reverse("admin:teams_team_change", args=[world.team_a.pk])

    assert client.get(change).status_code == 403
    assert client.post(change, team_change_form(world)).status_code == 403
    assert db_snapshot() == before


def test_it_opens_the_admin_to_a_staff_superuser(world: World, root_client: Client) -> None:
    for url in admin_urls(world):
        assert root_client.get(url).status_code == 200, url
    change = reverse("admin:teams_team_change", args=[world.team_a.pk])

    response = root_client.post(change, team_change_form(world))

    assert response.status_code == 302, text(response)
    world.team_a.refresh_from_db()
    assert world.team_a.name == "Hijacked"  # the control: the same form does change a team
