"""Every page of the project, tried by everyone who must not use it on team A's objects.

The matrix (tests/security/matrix.py) must list every URL pattern; each entry is then tried
anonymously, by charlie (admin of another team), by bob (a member, not an admin), by dave (in
no team) and, as the control that proves the requests could change something, by alice. Pages
that take the account (or another object) in the query string or the POST body are also tried
by charlie with team A's ids there, the control being the same request with his own ids.
"""

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
import responses
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from invitations.models import InvitationDecision
from postpress_dashboard.teams import services
from postpress_dashboard.teams.middleware import SESSION_KEY
from postpress_dashboard.teams.models import Role, Team
from tests.security.matrix import (
    MATRIX,
    OBJECT_KWARGS,
    SHARED_KWARGS,
    Endpoint,
    assert_did_what_it_is_for,
    get_endpoints,
    member_endpoints,
    object_endpoints,
    project_routes,
    request_keywords,
    send,
    smuggling_cases,
    url_for,
    url_mixing_cases,
)
from tests.security.support import (
    ACCOUNT_A_ID,
    ACCOUNT_A_LABEL,
    LISTED_A,
    TEAM_A_MARKERS,
    TEAM_A_NAME,
    TEAM_B_MARKERS,
    TEAM_B_NAME,
    World,
    calls_touching,
    db_snapshot,
    postpress_path,
    stub_postpress,
    team_snapshot,
)

pytestmark = pytest.mark.django_db

METHODS = ("GET", "POST")
NON_OBJECT_ENDPOINTS = sorted(set(MATRIX) - set(object_endpoints()))
ADMIN_ENDPOINTS = sorted(name for name, endpoint in MATRIX.items() if endpoint.admin_only)
TEAM_ENDPOINTS = sorted(name for name, endpoint in MATRIX.items() if endpoint.team_required)
SMUGGLING_ENDPOINTS = sorted({name for name, _, _ in smuggling_cases()})


@pytest.fixture(autouse=True)
def postpress(api: responses.RequestsMock, world: World) -> responses.RequestsMock:
    """postpress answers every call a valid request makes: a refusal is never its doing."""
    stub_postpress(api, world)
    return api


def assert_refused(
    response: HttpResponse, endpoint: Endpoint, method: str, statuses: tuple[int, ...]
) -> None:
    # A view refuses a method it is not for (405) before it looks at anything else.
    if method not in endpoint.methods and response.status_code == 405:
        return
    assert response.status_code in statuses, (method, response.status_code)


# A CSRF token: 64 random letters and digits, in which a short marker ("Acme") turns up about
# once in 100,000 pages. No team's data is such a run (its ids and names hold other characters).
RANDOM_TOKEN = re.compile(r"[A-Za-z0-9]{64}")


def text(response: HttpResponse) -> str:
    """The body, with its random tokens blanked out (they are no team's data)."""
    return RANDOM_TOKEN.sub("<token>", response.content.decode())


def calls_for_team_a(api: responses.RequestsMock, world: World) -> list[str]:
    """postpress calls made for team A's account or with team A's key."""
    return calls_touching(
        api.calls, account_id=ACCOUNT_A_ID, api_key=world.team_a.decrypted_api_key()
    )


def text_and_messages(response: HttpResponse) -> str:
    """The body, and the messages a redirect carries to the next page."""
    queued = [str(message) for message in get_messages(response.wsgi_request)]
    return "\n".join([text(response), response.get("Location", ""), *queued])


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


def test_it_gives_each_team_its_own_object_for_every_url_keyword(world: World) -> None:
    team_a, team_b = world.objects_of(world.team_a), world.objects_of(world.team_b)

    assert OBJECT_KWARGS - set(team_a) == set()
    assert OBJECT_KWARGS - set(team_b) == set()
    for keyword in OBJECT_KWARGS - SHARED_KWARGS:
        assert team_a[keyword] != team_b[keyword], keyword


def test_it_finds_the_objects_that_queries_and_bodies_name() -> None:
    assert request_keywords("invitations:inbox") == ["account_pk"]
    assert request_keywords("invitations:bulk_withdraw") == ["account_pk", "sent_pk"]
    assert request_keywords("invitations:bulk_decide") == ["invitation_id"]
    assert request_keywords("invitations:send", "GET") == ["account_pk"]
    assert request_keywords("invitations:bulk_withdraw", "GET") == []
    assert request_keywords("teams:member_role") == []
    assert {"invitations:send", "invitations:sent", "activity:list"} <= set(SMUGGLING_ENDPOINTS)
    # The inbox names an invitation in the query string of its POST, never in the path (F7),
    # and a URL mixing teams' objects there is tried too.
    assert ("invitations:decide", "POST", "invitation_id") in smuggling_cases()
    assert ("invitations:decide", "invitation_id") in url_mixing_cases()
    assert request_keywords("chats:new") == ["account_pk"]  # not the API or the recipient
    assert request_keywords("chats:fields") == ["account_pk"]
    assert request_keywords("chats:preview") == []
    assert {"chats:new", "chats:fields"} <= set(SMUGGLING_ENDPOINTS)


# --- the people of a team, the control: each request of the matrix really does something ----


def assert_used(
    name: str, world: World, team: Team, client: Client, api: responses.RequestsMock
) -> None:
    """The member's valid request, on the team's own objects, is answered and does its job."""
    endpoint = MATRIX[name]
    objects = world.objects_of(team)
    url = url_for(name, objects)

    if "GET" in endpoint.methods:
        response = send(client, name, "GET", url, objects)
        assert response.status_code == 200, text(response)
        assert endpoint.shows(world, team) in text(response)
        assert len(api.calls) == (1 if endpoint.reads_api else 0)
        api.calls.reset()

    if "POST" in endpoint.methods:
        before = db_snapshot()
        response = send(client, name, "POST", url, objects)
        assert response.status_code == endpoint.post_status, text(response)
        assert endpoint.post_shows in text(response)
        assert_did_what_it_is_for(
            name, team=team, objects=objects, client=client, api=api, before=before
        )


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_it_lets_alice_the_admin_use_every_endpoint(
    name: str, world: World, alice_client: Client, api: responses.RequestsMock
) -> None:
    assert_used(name, world, world.team_a, alice_client, api)


@pytest.mark.parametrize("name", member_endpoints())
def test_it_lets_bob_the_member_use_every_page_that_is_not_admin_only(
    name: str, world: World, bob_client: Client, api: responses.RequestsMock
) -> None:
    assert_used(name, world, world.team_a, bob_client, api)


def test_it_opens_every_invitation_page_to_members() -> None:
    invitation_pages = {name for name in MATRIX if name.startswith("invitations:")}

    assert invitation_pages
    assert invitation_pages <= set(member_endpoints())


def test_it_opens_every_chat_page_to_members() -> None:
    chat_pages = {name for name in MATRIX if name.startswith("chats:")}

    assert chat_pages == {"chats:new", "chats:fields", "chats:preview"}
    assert chat_pages <= set(member_endpoints())
    assert MATRIX["chats:new"].effect == "api"


@pytest.mark.parametrize("name", SMUGGLING_ENDPOINTS)
def test_it_lets_charlie_use_on_his_own_team_every_page_that_names_objects_in_the_request(
    name: str, world: World, charlie_client: Client, api: responses.RequestsMock
) -> None:
    assert_used(name, world, world.team_b, charlie_client, api)


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
    objects = world.objects_of(world.team_a)
    url = url_for(name, objects)
    before = db_snapshot()

    response = send(login(None), name, method, url, objects)

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
    objects = world.objects_of(world.team_a)
    url = url_for(name, objects)
    before = db_snapshot()

    response = send(charlie_client, name, method, url, objects)

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
    team_a_objects = world.objects_of(world.team_a)
    url = url_for(name, world.objects_of(world.team_b))
    smuggled = {"team": world.team_a.slug, "team_id": str(world.team_a.pk)}
    before = team_snapshot(world.team_a)

    charlie_client.post(url, smuggled | endpoint.post_data(team_a_objects))
    charlie_client.get(url, endpoint.query(team_a_objects), headers=endpoint.headers)

    assert team_snapshot(world.team_a) == before
    assert calls_for_team_a(api, world) == []
    assert charlie_client.session.get(SESSION_KEY) != world.team_a.pk
    home = charlie_client.get(reverse("home"))
    assert home.context["current_team"].pk == world.team_b.pk
    for marker in TEAM_A_MARKERS:
        assert marker not in text(home)


@pytest.mark.parametrize(("name", "method", "keyword"), smuggling_cases())
def test_it_gives_charlie_nothing_of_team_a_for_team_a_ids_in_the_query_or_body(
    name: str,
    keyword: str,
    method: str,
    world: World,
    charlie_client: Client,
    api: responses.RequestsMock,
) -> None:
    """charlie's own request, on his own URL, with one of team A's ids in its fields: a 404 or
    400, or his own team's page; never team A's data, and nothing done to team A's account."""
    team_b_objects = world.objects_of(world.team_b)
    mixed = team_b_objects | {keyword: world.objects_of(world.team_a)[keyword]}
    url = url_for(name, team_b_objects)
    before = team_snapshot(world.team_a)

    response = send(charlie_client, name, method, url, mixed)

    assert response.status_code in (200, 302, 400, 404)
    if response.status_code in (200, 400):  # then it is his own team's page
        assert MATRIX[name].shows(world, world.team_b) in text(response)
    assert team_snapshot(world.team_a) == before
    assert calls_for_team_a(api, world) == []
    assert [
        postpress_path(call.request) for call in api.calls if call.request.method != "GET"
    ] == []
    for marker in TEAM_A_MARKERS:
        assert marker not in text_and_messages(response), marker


# --- alice against team B's objects --------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", object_endpoints())
def test_it_refuses_team_b_objects_to_alice(
    name: str, method: str, world: World, alice_client: Client, api: responses.RequestsMock
) -> None:
    endpoint = MATRIX[name]
    objects = world.objects_of(world.team_b)
    url = url_for(name, objects)
    before = db_snapshot()

    response = send(alice_client, name, method, url, objects)

    assert_refused(response, endpoint, method, (403, 404))
    assert db_snapshot() == before
    assert len(api.calls) == 0
    for marker in TEAM_B_MARKERS:
        assert marker not in text(response)


@pytest.mark.parametrize(("name", "keyword"), url_mixing_cases())
def test_it_refuses_alice_a_url_that_mixes_in_one_object_of_team_b(
    name: str, keyword: str, world: World, alice_client: Client, api: responses.RequestsMock
) -> None:
    """Her own account with team B's listed invitation, and the other way round."""
    endpoint = MATRIX[name]
    mixed = world.objects_of(world.team_a) | {keyword: world.objects_of(world.team_b)[keyword]}
    url = url_for(name, mixed)
    before = db_snapshot()

    response = send(alice_client, name, "POST", url, mixed)

    assert_refused(response, endpoint, "POST", (302, 403, 404))
    assert db_snapshot() == before
    assert len(api.calls) == 0
    for marker in TEAM_B_MARKERS:
        assert marker not in text_and_messages(response), marker


# --- the inbox decides with the server's copy of what it listed ----------------------------


@pytest.mark.parametrize("name", ["invitations:decide", "invitations:bulk_decide"])
def test_it_sends_postpress_the_listed_shared_secret_never_one_from_the_browser(
    name: str, world: World, alice_client: Client, api: responses.RequestsMock
) -> None:
    objects = world.objects_of(world.team_a)
    forged = {"shared_secret": "secret-forged-by-the-browser", "specifics": "forged"}

    response = alice_client.post(url_for(name, objects), MATRIX[name].post_data(objects) | forged)

    assert response.status_code == 302
    [call] = api.calls
    assert postpress_path(call.request) == f"/users/invite/received/{LISTED_A['invitation_id']}"
    assert json.loads(call.request.body)["shared_secret"] == LISTED_A["shared_secret"]
    assert b"forged" not in call.request.body


@pytest.mark.parametrize("name", ["invitations:decide", "invitations:bulk_decide"])
def test_it_decides_no_invitation_that_no_inbox_page_listed_for_the_account(
    name: str, world: World, alice_client: Client, api: responses.RequestsMock
) -> None:
    unlisted = world.objects_of(world.team_a) | {"invitation_id": "inv_never_listed"}
    url = url_for(name, unlisted)
    before = db_snapshot()

    response = send(alice_client, name, "POST", url, unlisted)

    assert response.status_code == 302
    assert "Reload the inbox" in text_and_messages(response)
    assert len(api.calls) == 0
    assert db_snapshot() == before
    assert not InvitationDecision.objects.exists()


def test_it_never_shows_the_shared_secret_of_a_listed_invitation(
    world: World, alice_client: Client, api: responses.RequestsMock
) -> None:
    objects = world.objects_of(world.team_a)
    page = send(
        alice_client, "invitations:inbox", "GET", url_for("invitations:inbox", objects), objects
    )

    assert LISTED_A["inviter_name"] in text(page)  # the control: the invitation is listed
    assert LISTED_A["shared_secret"] not in text(page)


# --- bob, a member who is not an admin -----------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", ADMIN_ENDPOINTS)
def test_it_refuses_admin_pages_to_bob_who_is_only_a_member(
    name: str, method: str, world: World, bob_client: Client, api: responses.RequestsMock
) -> None:
    endpoint = MATRIX[name]
    objects = world.objects_of(world.team_a)
    url = url_for(name, objects)
    before = db_snapshot()

    response = send(bob_client, name, method, url, objects)

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
    objects = world.objects_of(world.team_a)
    url = url_for(name, objects)
    before = db_snapshot()

    response = send(dave_client, name, method, url, objects)

    assert_refused(response, endpoint, method, (403,))
    if response.status_code == 403:
        assert "You are not in a team yet" in text(response)
    assert db_snapshot() == before
    assert len(api.calls) == 0
    for marker in (*TEAM_A_MARKERS, *TEAM_B_MARKERS):
        assert marker not in text(response).replace("dave", "")


# --- what the pages show -------------------------------------------------------------------

INVALID_SUBMISSIONS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "teams:team_update": lambda o: {"team": o["team_slug"], "name": "", "base_url": "not a url"},
    "teams:api_key_update": lambda o: {"team": o["team_slug"], "api_key": "short"},
    "teams:account_create": lambda o: {
        "team": o["team_slug"],
        "provider": "LINKEDIN",
        "account_id": "",
        "label": "",
    },
    "teams:account_edit": lambda o: {
        "team": o["team_slug"],
        "provider": "LINKEDIN",
        "account_id": "",
        "label": "",
    },
    "teams:invite_create": lambda o: {"team": o["team_slug"], "role": "owner"},
    "invitations:send": lambda o: {"account": o["account_pk"], "recipient_id": ""},
    "chats:new": lambda o: {"account": o["account_pk"], "recipients": "", "message": ""},
}


def test_it_never_shows_team_b_on_any_page_alice_can_reach(
    world: World, alice_client: Client
) -> None:
    team_a_objects = world.objects_of(world.team_a)
    pages = {
        name: (send(alice_client, name, "GET", url_for(name, team_a_objects), team_a_objects), name)
        for name in get_endpoints()
    }
    pages |= {
        f"{name} (invalid)": (
            alice_client.post(url_for(name, team_a_objects), data(team_a_objects)),
            name,
        )
        for name, data in INVALID_SUBMISSIONS.items()
    }
    pages["404"] = (
        alice_client.get(url_for("teams:account_edit", world.objects_of(world.team_b))),
        "home",
    )

    assert ACCOUNT_A_LABEL in text(pages["teams:settings"][0])
    assert LISTED_A["inviter_name"] in text(pages["invitations:inbox"][0])
    assert world.sent_a.recipient_id in text(pages["invitations:sent"][0])
    assert world.sent_a.recipient_id in text(pages["activity:list"][0])
    assert pages["404"][0].status_code == 404
    for where, (response, name) in pages.items():
        assert response.status_code in (200, 400, 404), where
        assert MATRIX[name].shows(world, world.team_a) in text(response), where
        for marker in TEAM_B_MARKERS:
            assert marker not in text(response), (where, marker)


def test_it_never_shows_team_a_on_any_page_charlie_can_reach(
    world: World, charlie_client: Client
) -> None:
    team_b_objects = world.objects_of(world.team_b)
    for name in get_endpoints():
        response = send(charlie_client, name, "GET", url_for(name, team_b_objects), team_b_objects)
        assert response.status_code == 200
        assert MATRIX[name].shows(world, world.team_b) in text(response)
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


NEXT_HONORING_POSTS = ["invitations:decide", "invitations:bulk_decide", "invitations:withdraw"]


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "/\\evil.test"])
@pytest.mark.parametrize("name", NEXT_HONORING_POSTS)
def test_it_does_not_redirect_invitation_posts_off_site(
    name: str, next_url: str, world: World, alice_client: Client, api: responses.RequestsMock
) -> None:
    objects = world.objects_of(world.team_a)
    data = MATRIX[name].post_data(objects) | {"next": next_url}

    response = alice_client.post(url_for(name, objects), data)

    assert response.status_code == 302
    assert len(api.calls) == 1  # the control: the post itself went through
    location = response["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    assert "evil" not in location


@pytest.mark.parametrize("name", NEXT_HONORING_POSTS)
def test_it_redirects_invitation_posts_back_to_the_page_of_ours_they_came_from(
    name: str, world: World, alice_client: Client
) -> None:
    objects = world.objects_of(world.team_a)
    back = f"{reverse('invitations:sent')}?account={world.account_a.pk}&page=1"

    response = alice_client.post(
        url_for(name, objects), MATRIX[name].post_data(objects) | {"next": back}
    )

    assert response.status_code == 302
    assert response["Location"] == back


# --- the Django admin is for staff only ----------------------------------------------------


def admin_urls(world: World) -> list[str]:
    return [
        reverse("admin:index"),
        reverse("admin:teams_team_changelist"),
        reverse("admin:teams_team_change", args=[world.team_a.pk]),
        reverse("admin:teams_linkedaccount_changelist"),
        reverse("admin:teams_linkedaccount_change", args=[world.account_a.pk]),
        reverse("admin:activity_entry_changelist"),
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
