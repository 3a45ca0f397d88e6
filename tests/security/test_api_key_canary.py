"""A canary API key, stored every way a key can be, must never come back out.

Not in a page (every GET page of the matrix, the invitation pages and the inbox with postpress
answering, the Django admin, 403 and 404 pages, failed forms, Test connection and the inbox
when postpress refuses the key and echoes it), not in a log record at DEBUG, not in the
activity log and not in the database, read with raw SQL. The only trace allowed is its last
four characters.
"""

import logging
import uuid
from collections.abc import Iterator

import pytest
import requests
import responses
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from activity.models import Entry
from postpress_dashboard.teams import services
from tests.security.matrix import MATRIX, get_endpoints, send, url_for
from tests.security.support import (
    API_BASE_URL,
    CHATS_URL,
    INVITES_URL,
    LISTED_A,
    TEAM_A_KEY,
    World,
    log_record_text,
    raw_database_text,
    response_text,
    stub_postpress,
)

pytestmark = pytest.mark.django_db

STORAGE_PATHS = ["team_create", "team_set_api_key", "settings_form"]
INVALID_CREDENTIALS = escape(
    "postpress did not accept the team's API key. Ask a team admin to check it in Settings."
)


@pytest.fixture(autouse=True)
def capture_everything(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every logger at DEBUG, SQL included, from before the first key is stored."""
    for name in (None, "django", "django.db.backends", "django.request", "urllib3"):
        caplog.set_level(logging.DEBUG, logger=name)
    forced = connection.force_debug_cursor
    connection.force_debug_cursor = True
    yield
    connection.force_debug_cursor = forced


@pytest.fixture
def canary() -> str:
    # Its end is no digit nor hex: a page's last five characters checked must not turn up by
    # chance in a time's microseconds or a token.
    return f"pp_live_CANARY_{uuid.uuid4().hex}_QXZW"


@pytest.fixture
def stored_via() -> str:
    return "team_set_api_key"


@pytest.fixture
def team_a_api_key(stored_via: str, canary: str) -> str:
    return canary if stored_via == "team_create" else TEAM_A_KEY


@pytest.fixture
def stored_canary(stored_via: str, canary: str, world: World, alice_client: Client) -> str:
    if stored_via == "team_set_api_key":
        services.team_set_api_key(team=world.team_a, api_key=canary, actor=world.alice)
    elif stored_via == "settings_form":
        response = alice_client.post(
            reverse("teams:api_key_update"), {"team": world.team_a.slug, "api_key": canary}
        )
        assert response.status_code == 302
    world.team_a.refresh_from_db()
    assert world.team_a.decrypted_api_key() == canary
    return canary


class Haystacks:
    """Everywhere the canary is looked for, by where it came from."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, where: str, text: str) -> None:
        self.items.append((where, text))

    def places_of(self, needle: str) -> list[str]:
        return [where for where, text in self.items if needle in text]


def test_it_finds_a_needle_in_the_haystacks_so_a_leak_would_show() -> None:
    haystacks = Haystacks()
    haystacks.add("page", "... pp_live_CANARY_x ...")
    haystacks.add("log", "nothing")

    assert haystacks.places_of("pp_live_CANARY_x") == ["page"]


def collect_everything_else(
    haystacks: Haystacks, caplog: pytest.LogCaptureFixture, client: Client
) -> None:
    for record in caplog.records:
        haystacks.add(f"log {record.name} {record.levelname}", log_record_text(record))
    for action, summary in Entry.objects.values_list("action", "detail"):
        haystacks.add(f"activity {action}", summary)
    with connection.cursor() as cursor:
        cursor.execute("SELECT api_key_ciphertext FROM teams_team")
        for (ciphertext,) in cursor.fetchall():
            haystacks.add("teams_team.api_key_ciphertext", ciphertext)
    for table, row in raw_database_text():
        haystacks.add(f"table {table}", row)
    haystacks.add("client cookies", client.cookies.output())


@pytest.mark.parametrize("stored_via", STORAGE_PATHS)
def test_it_never_reveals_the_api_key_in_pages_logs_activity_or_the_database(
    stored_via: str,
    stored_canary: str,
    world: World,
    alice_client: Client,
    bob_client: Client,
    dave_client: Client,
    root_client: Client,
    api: responses.RequestsMock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    canary = stored_canary
    haystacks = Haystacks()
    objects = world.objects_of(world.team_a)

    # Every page alice can open (the inbox listing what postpress answers), and the error pages.
    stubs = stub_postpress(api, world)
    pages = {
        name: send(alice_client, name, "GET", url_for(name, objects), objects)
        for name in get_endpoints()
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        haystacks.add(name, response_text(response))
    assert LISTED_A["inviter_name"] in pages["invitations:inbox"].content.decode()
    assert {
        "invitations:inbox",
        "invitations:send",
        "invitations:sent",
        "activity:list",
        "chats:new",
        "chats:fields",
    } <= set(pages)
    for stub in stubs:
        api.remove(stub)
    not_found = alice_client.get(url_for("teams:account_edit", world.objects_of(world.team_b)))
    forbidden = bob_client.get(reverse("teams:settings"))
    no_team = dave_client.get(reverse("teams:settings"))
    assert (not_found.status_code, forbidden.status_code, no_team.status_code) == (404, 403, 403)
    for where, response in (("404", not_found), ("403", forbidden), ("no team", no_team)):
        haystacks.add(where, response_text(response))

    # The Django admin, as a staff superuser.
    admin_pages = [
        reverse("admin:index"),
        reverse("admin:teams_team_changelist"),
        reverse("admin:teams_team_change", args=[world.team_a.pk]),
        reverse("admin:teams_team_history", args=[world.team_a.pk]),
        reverse("admin:teams_team_delete", args=[world.team_a.pk]),
        reverse("admin:teams_linkedaccount_changelist"),
        reverse("admin:activity_entry_changelist"),
    ]
    admin_pages += [
        reverse("admin:activity_entry_change", args=[pk])
        for pk in Entry.objects.values_list("pk", flat=True)
    ]
    for url in admin_pages:
        response = root_client.get(url)
        assert response.status_code == 200, url
        haystacks.add(f"admin {url}", response_text(response))
    team_admin_page = root_client.get(admin_pages[2]).content.decode()
    assert f"set, ending in {canary[-4:]}" in team_admin_page

    # Test connection: postpress refuses the key (and echoes it), then cannot be reached.
    test_url = url_for("teams:account_test", objects)
    api.add(
        responses.GET,
        INVITES_URL,
        status=401,
        json={
            "type": "errors/invalid_credentials",
            "status": 401,
            "title": "Invalid credentials",
            "detail": f"The API key {canary} is not valid.",
        },
    )
    htmx = alice_client.post(test_url, {"team": world.team_a.slug}, headers={"HX-Request": "true"})
    plain = alice_client.post(test_url, {"team": world.team_a.slug}, follow=True)
    inbox = alice_client.get(url_for("invitations:inbox", objects), {"account": world.account_a.pk})
    assert INVALID_CREDENTIALS in htmx.content.decode()
    assert INVALID_CREDENTIALS in plain.content.decode()
    assert INVALID_CREDENTIALS in inbox.content.decode()
    haystacks.add("test connection 401 (htmx)", response_text(htmx))
    haystacks.add("test connection 401", response_text(plain))
    haystacks.add("inbox 401", response_text(inbox))

    api.replace(
        responses.GET, INVITES_URL, body=requests.ConnectionError("Connection refused by peer")
    )
    htmx = alice_client.post(test_url, {"team": world.team_a.slug}, headers={"HX-Request": "true"})
    plain = alice_client.post(test_url, {"team": world.team_a.slug}, follow=True)
    assert htmx.status_code == plain.status_code == 200
    assert '<span class="error">' in htmx.content.decode()
    haystacks.add("test connection unreachable (htmx)", response_text(htmx))
    haystacks.add("test connection unreachable", response_text(plain))

    # The control: the key postpress received was the canary, so it was in play all along.
    assert len(api.calls) >= 6
    assert {call.request.headers["X-API-KEY"] for call in api.calls} == {canary}
    assert any("retrying" in record.getMessage() for record in caplog.records)
    assert any(record.name == "django.db.backends" for record in caplog.records)

    collect_everything_else(haystacks, caplog, alice_client)
    assert haystacks.places_of(canary) == []
    assert haystacks.places_of(canary.removeprefix("pp_live_CANARY_")) == []


@pytest.mark.parametrize("stored_via", STORAGE_PATHS)
def test_it_shows_only_the_last_four_characters_after_saving(
    stored_via: str, stored_canary: str, alice_client: Client
) -> None:
    canary = stored_canary

    page = alice_client.get(reverse("teams:settings")).content.decode()

    assert f"ends in <strong>{canary[-4:]}</strong>" in page
    assert canary[-5:] not in page
    assert canary[:-4] not in page


def test_it_confirms_a_saved_key_by_its_last_four_characters_only(
    canary: str, world: World, alice_client: Client
) -> None:
    response = alice_client.post(
        reverse("teams:api_key_update"),
        {"team": world.team_a.slug, "api_key": canary},
        follow=True,
    )
    page = response.content.decode()

    assert f"API key saved: it ends in {canary[-4:]}." in page
    assert canary[-5:] not in page


@pytest.mark.parametrize(
    "submitted",
    [
        pytest.param("pp_live_CANARY_{hex} with spaces", id="spaces"),
        pytest.param("pp_live_CANARY_{hex}\nsecond-line", id="newline"),
        pytest.param("pp_live_CANARY_{hex}" + "x" * 500, id="too-long"),
        pytest.param("pp_CNRY", id="too-short"),
    ],
)
def test_it_does_not_echo_a_rejected_api_key(
    submitted: str,
    world: World,
    alice_client: Client,
    caplog: pytest.LogCaptureFixture,
) -> None:
    rejected = submitted.format(hex=uuid.uuid4().hex)
    before = world.team_a.api_key_ciphertext

    response = alice_client.post(
        reverse("teams:api_key_update"), {"team": world.team_a.slug, "api_key": rejected}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_api_key_error"' in page  # the control: the form did reject it
    haystacks = Haystacks()
    haystacks.add("response", response_text(response))
    collect_everything_else(haystacks, caplog, alice_client)
    for needle in {rejected, rejected.split()[0], rejected[:20]}:
        assert haystacks.places_of(needle) == []
    world.team_a.refresh_from_db()
    assert world.team_a.api_key_ciphertext == before


def test_it_never_reveals_the_api_key_when_postpress_refuses_a_new_chat_and_echoes_it(
    stored_canary: str,
    world: World,
    alice_client: Client,
    api: responses.RequestsMock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    canary = stored_canary
    api.add(
        responses.POST,
        CHATS_URL,
        status=401,
        json={
            "type": "errors/invalid_credentials",
            "status": 401,
            "title": "Invalid credentials",
            "detail": f"The API key {canary} is not valid.",
        },
    )
    objects = world.objects_of(world.team_a)
    url = url_for("chats:new", objects)
    data = MATRIX["chats:new"].post_data(objects)

    plain = alice_client.post(url, data)
    htmx = alice_client.post(url, data, headers={"HX-Request": "true"})

    for response in (plain, htmx):
        assert INVALID_CREDENTIALS in response.content.decode()
    # The control: postpress was asked with the canary, twice, and refused it.
    assert [call.request.headers["X-API-KEY"] for call in api.calls] == [canary, canary]
    haystacks = Haystacks()
    haystacks.add("new chat 401", response_text(plain))
    haystacks.add("new chat 401 (htmx)", response_text(htmx))
    collect_everything_else(haystacks, caplog, alice_client)
    assert haystacks.places_of(canary) == []
    assert haystacks.places_of(canary.removeprefix("pp_live_CANARY_")) == []


def test_it_does_not_send_the_stored_key_to_a_host_the_base_url_was_changed_to(
    stored_canary: str, world: World, alice_client: Client, api: responses.RequestsMock
) -> None:
    """The key is write-only: an admin (or whoever holds an admin's session) must not be able
    to read it back by pointing the team at a server of their own and testing the connection."""
    canary = stored_canary
    collector = "https://collector.attacker.test/api/v1"
    api.add(responses.GET, INVITES_URL, json={"items": [], "cursor": None})
    api.add(responses.GET, f"{collector}/users/invite/received", json={"items": []})

    alice_client.post(
        reverse("teams:team_update"),
        {"team": world.team_a.slug, "name": world.team_a.name, "base_url": collector},
    )
    alice_client.post(
        url_for("teams:account_test", world.objects_of(world.team_a)), {"team": world.team_a.slug}
    )

    leaked = [
        call.request.url
        for call in api.calls
        if call.request.headers.get("X-API-KEY") == canary
        and not str(call.request.url).startswith(API_BASE_URL)
    ]
    assert leaked == [], "the stored API key was sent to the new base URL's host"
