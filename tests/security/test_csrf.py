"""CSRF: a POST without a token is refused and changes nothing; a GET never changes anything.

alice's client enforces CSRF checks, as a browser on another site would meet them. Each refusal
is paired with the same request carrying the token, which must get through: the 403 comes from
the missing token, not from something else. Every POST of the matrix is tried, the invitation
ones (accept, decline, send, withdraw, in bulk too) with the body that makes postpress act.
"""

import pytest
import responses
from django.test import Client
from django.urls import reverse

from postpress_dashboard.teams.middleware import SESSION_KEY
from tests.security.matrix import (
    MATRIX,
    assert_did_what_it_is_for,
    get_endpoints,
    post_endpoints,
    send,
    url_for,
)
from tests.security.support import (
    World,
    db_snapshot,
    postpress_path,
    stub_postpress,
    without_listing_times,
)

pytestmark = pytest.mark.django_db

POST_ONLY = sorted(name for name, endpoint in MATRIX.items() if endpoint.methods == {"POST"})


@pytest.fixture
def csrf_client(world: World) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.alice)
    return client


@pytest.fixture
def stubbed_api(api: responses.RequestsMock, world: World) -> responses.RequestsMock:
    stub_postpress(api, world)
    return api


def csrf_token(client: Client) -> str:
    client.get(reverse("home"))  # any page with a form sets the cookie
    return client.cookies["csrftoken"].value


def test_it_tries_every_invitation_post_of_the_matrix() -> None:
    invitation_posts = {name for name in post_endpoints() if name.startswith("invitations:")}

    assert invitation_posts == {
        "invitations:decide",
        "invitations:bulk_decide",
        "invitations:send",
        "invitations:withdraw",
        "invitations:bulk_withdraw",
    }
    assert all(MATRIX[name].effect == "api" for name in invitation_posts)


def test_it_tries_every_activity_post_of_the_matrix() -> None:
    activity_posts = {name for name in post_endpoints() if name.startswith("activity:")}

    assert activity_posts == {"activity:resolve"}
    assert MATRIX["activity:resolve"].effect == "db"


def test_it_tries_every_chat_post_of_the_matrix() -> None:
    """chats:new reads its body through its own upload handler, so it is csrf_exempt and checks
    the token itself: the matrix must try it."""
    assert {name for name in post_endpoints() if name.startswith("chats:")} == {
        "chats:new",
        "chats:preview",
    }
    assert MATRIX["chats:new"].effect == "api"


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_it_refuses_a_post_without_a_csrf_token_and_changes_nothing(
    name: str, world: World, csrf_client: Client, stubbed_api: responses.RequestsMock
) -> None:
    endpoint = MATRIX[name]
    objects = world.objects_of(world.team_a)
    url = url_for(name, objects)
    data = endpoint.post_data(objects)
    before = db_snapshot()

    refused = csrf_client.post(url, data)
    refused_with_a_wrong_token = csrf_client.post(url, data, headers={"X-CSRFToken": "x" * 32})

    assert refused.status_code == 403
    assert refused_with_a_wrong_token.status_code == 403
    assert db_snapshot() == before
    assert SESSION_KEY not in csrf_client.session
    assert len(stubbed_api.calls) == 0

    # The control: the same request with the token gets through to the view.
    accepted = csrf_client.post(url, data, headers={"X-CSRFToken": csrf_token(csrf_client)})
    assert accepted.status_code != 403
    if "POST" in endpoint.methods:
        assert accepted.status_code == endpoint.post_status, accepted.content.decode()
        assert endpoint.post_shows in accepted.content.decode()
        assert_did_what_it_is_for(
            name,
            team=world.team_a,
            objects=objects,
            client=csrf_client,
            api=stubbed_api,
            before=before,
        )
    else:  # a page to read: a POST there gets through the CSRF check to change nothing
        assert without_listing_times(db_snapshot()) == without_listing_times(before)


@pytest.mark.parametrize("name", get_endpoints())
def test_it_changes_nothing_on_get(
    name: str, world: World, csrf_client: Client, stubbed_api: responses.RequestsMock
) -> None:
    endpoint = MATRIX[name]
    objects = world.objects_of(world.team_a)
    url = url_for(name, objects)
    before = db_snapshot()

    # The form's fields in the query string too: a GET must not act on them.
    response = csrf_client.get(
        url, endpoint.query(objects) | endpoint.post_data(objects), headers=endpoint.headers
    )

    assert response.status_code == 200
    assert without_listing_times(db_snapshot()) == without_listing_times(before)
    assert SESSION_KEY not in csrf_client.session
    # At most the one read a page is for: the inbox lists the account's invitations.
    calls = [f"{call.request.method} {postpress_path(call.request)}" for call in stubbed_api.calls]
    assert calls == (["GET /users/invite/received"] if endpoint.reads_api else [])


def test_it_lists_the_inbox_again_without_changing_what_it_listed(
    world: World, csrf_client: Client, stubbed_api: responses.RequestsMock
) -> None:
    """The allowance above is only the time of listing: the control for the snapshot."""
    objects = world.objects_of(world.team_a)
    before = db_snapshot()

    response = send(
        csrf_client, "invitations:inbox", "GET", url_for("invitations:inbox", objects), objects
    )

    assert world.listed_a.inviter_name in response.content.decode()
    assert db_snapshot() != before
    assert without_listing_times(db_snapshot()) == without_listing_times(before)


@pytest.mark.parametrize("name", POST_ONLY)
def test_it_answers_get_with_405_on_post_only_endpoints(
    name: str, world: World, csrf_client: Client, stubbed_api: responses.RequestsMock
) -> None:
    endpoint = MATRIX[name]
    objects = world.objects_of(world.team_a)
    url = url_for(name, objects)
    before = db_snapshot()

    response = csrf_client.get(url, endpoint.post_data(objects))

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert db_snapshot() == before
    assert SESSION_KEY not in csrf_client.session
    assert len(stubbed_api.calls) == 0


def test_it_checks_the_token_of_htmx_requests_too(
    world: World, csrf_client: Client, stubbed_api: responses.RequestsMock
) -> None:
    client = csrf_client
    url = url_for("teams:account_test", world.objects_of(world.team_a))

    shown_for = {"team": world.team_a.slug}
    refused = client.post(url, shown_for, headers={"HX-Request": "true"})
    accepted = client.post(
        url, shown_for, headers={"HX-Request": "true", "X-CSRFToken": csrf_token(client)}
    )

    assert refused.status_code == 403
    assert accepted.status_code == 200
    assert len(stubbed_api.calls) == 1


@pytest.mark.parametrize("name", ["invitations:decide", "invitations:withdraw"])
def test_it_checks_the_token_of_htmx_invitation_posts_too(
    name: str, world: World, csrf_client: Client, stubbed_api: responses.RequestsMock
) -> None:
    client = csrf_client
    url = url_for(name, world.objects_of(world.team_a))
    before = db_snapshot()

    refused = client.post(url, headers={"HX-Request": "true"})
    assert refused.status_code == 403
    assert db_snapshot() == before
    assert len(stubbed_api.calls) == 0

    accepted = client.post(url, headers={"HX-Request": "true", "X-CSRFToken": csrf_token(client)})
    assert accepted.status_code == 200
    assert len(stubbed_api.calls) == 1


@pytest.mark.parametrize("name", ["chats:new", "chats:preview"])
def test_it_checks_the_token_of_htmx_chat_posts_too(
    name: str, world: World, csrf_client: Client, stubbed_api: responses.RequestsMock
) -> None:
    client = csrf_client
    objects = world.objects_of(world.team_a)
    url = url_for(name, objects)
    data = MATRIX[name].post_data(objects)
    before = db_snapshot()

    refused = client.post(url, data, headers={"HX-Request": "true"})
    assert refused.status_code == 403
    assert db_snapshot() == before
    assert len(stubbed_api.calls) == 0

    token = csrf_token(client)
    accepted = client.post(url, data, headers={"HX-Request": "true", "X-CSRFToken": token})
    assert accepted.status_code == 200  # htmx: a redirect header, or the preview fragment
    calls = [f"{call.request.method} {postpress_path(call.request)}" for call in stubbed_api.calls]
    assert calls == (["POST /chats"] if MATRIX[name].effect == "api" else [])
