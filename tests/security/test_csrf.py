"""CSRF: a POST without a token is refused and changes nothing; a GET never changes anything.

alice's client enforces CSRF checks, as a browser on another site would meet them. Each refusal
is paired with the same request carrying the token, which must get through: the 403 comes from
the missing token, not from something else.
"""

import pytest
import responses
from django.test import Client
from django.urls import reverse

from postpress_dashboard.teams.middleware import SESSION_KEY
from tests.security.matrix import MATRIX, get_endpoints, url_for
from tests.security.support import INVITES_URL, World, db_snapshot

pytestmark = pytest.mark.django_db

POST_ONLY = sorted(name for name, endpoint in MATRIX.items() if endpoint.methods == {"POST"})


@pytest.fixture
def csrf_client(world: World) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.alice)
    return client


@pytest.fixture
def stubbed_api(api: responses.RequestsMock) -> responses.RequestsMock:
    api.add(responses.GET, INVITES_URL, json={"items": [], "cursor": None})
    return api


def csrf_token(client: Client) -> str:
    client.get(reverse("home"))  # any page with a form sets the cookie
    return client.cookies["csrftoken"].value


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_it_refuses_a_post_without_a_csrf_token_and_changes_nothing(
    name: str, world: World, csrf_client: Client, stubbed_api: responses.RequestsMock
) -> None:
    endpoint = MATRIX[name]
    url = url_for(name, world.objects_of(world.team_a))
    data = endpoint.post_data(world)
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
    if endpoint.effect == "db":
        assert db_snapshot() != before
    elif endpoint.effect == "session":
        assert csrf_client.session[SESSION_KEY] == world.team_a.pk
    elif endpoint.effect == "api":
        assert len(stubbed_api.calls) == 1


@pytest.mark.parametrize("name", get_endpoints())
def test_it_changes_nothing_on_get(
    name: str, world: World, csrf_client: Client, stubbed_api: responses.RequestsMock
) -> None:
    endpoint = MATRIX[name]
    url = url_for(name, world.objects_of(world.team_a))
    before = db_snapshot()

    # The form's fields in the query string too: a GET must not act on them.
    response = csrf_client.get(url, endpoint.post_data(world))

    assert response.status_code == 200
    assert db_snapshot() == before
    assert SESSION_KEY not in csrf_client.session
    assert len(stubbed_api.calls) == 0


@pytest.mark.parametrize("name", POST_ONLY)
def test_it_answers_get_with_405_on_post_only_endpoints(
    name: str, world: World, csrf_client: Client, stubbed_api: responses.RequestsMock
) -> None:
    endpoint = MATRIX[name]
    url = url_for(name, world.objects_of(world.team_a))
    before = db_snapshot()

    response = csrf_client.get(url, endpoint.post_data(world))

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

    refused = client.post(url, headers={"HX-Request": "true"})
    accepted = client.post(url, headers={"HX-Request": "true", "X-CSRFToken": csrf_token(client)})

    assert refused.status_code == 403
    assert accepted.status_code == 200
    assert len(stubbed_api.calls) == 1
