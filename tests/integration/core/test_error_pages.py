"""Requests Django refuses before any view: 400 and 413 pages in the dashboard's layout."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from postpress_dashboard.teams.models import Team

LAYOUT = '<a class="brand" href="/">postpress</a>'
BARE = "Bad Request (400)"


def page(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_form_over_the_size_limit_gets_the_413_page_in_words(
    alice_client: Client, team: Team
) -> None:
    """F16: a body over DATA_UPLOAD_MAX_MEMORY_SIZE is 413 with words, not a bare 400."""
    response = alice_client.post("/settings/team/", {"name": "x" * 2000, "base_url": "https://x"})

    assert response.status_code == 413
    assert "What you sent is larger than 1000 bytes, the most a form here takes." in page(response)
    assert LAYOUT in page(response)
    assert "Acme" in page(response)  # the signed-in layout: the team switcher
    team.refresh_from_db()
    assert team.name == "Acme"


def test_the_413_page_names_the_limit(alice_client: Client, team: Team) -> None:
    """F16: the default limit, 2.5 MB, in words."""
    response = alice_client.post("/settings/team/", {"name": "x" * (3 * 1024 * 1024)})

    assert response.status_code == 413
    assert "larger than 2.5 MB, the most a form here takes" in page(response)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_file_sent_to_a_page_that_takes_none_is_refused_unread(
    alice_client: Client, team: Team
) -> None:
    """F16: Django would write any file sent to any page to disk; over the form limit: 413."""
    upload = SimpleUploadedFile("big.bin", b"\0" * 5000)
    response = alice_client.post(
        "/settings/team/", {"name": "Renamed", "base_url": "https://x", "file": upload}
    )

    assert response.status_code == 413
    team.refresh_from_db()
    assert team.name == "Acme"


def test_over_a_thousand_fields_get_the_400_page_in_words(alice_client: Client, team: Team) -> None:
    """F16: DATA_UPLOAD_MAX_NUMBER_FIELDS, in words and in the layout."""
    fields = {f"field{number}": "x" for number in range(1001)}

    response = alice_client.post("/settings/team/", fields)

    assert response.status_code == 400
    assert "The form sent more than 1,000 fields, more than the dashboard accepts." in page(
        response
    )
    assert BARE not in page(response)
    assert LAYOUT in page(response)


def test_a_part_header_over_1_kb_gets_the_400_page_in_words(
    alice_client: Client, team: Team
) -> None:
    """F16: the multipart parser's refusal (a part's header over 1 KB) is a page too."""
    body = encode_multipart(BOUNDARY, {"name": "Renamed"}).replace(
        b'name="name"', b'name="name"; filler="' + b"x" * 2000 + b'"'
    )

    response = alice_client.generic("POST", "/settings/team/", body, MULTIPART_CONTENT)

    assert response.status_code == 400
    assert "The form&#x27;s data could not be read" in page(response)
    assert BARE not in page(response)
    assert LAYOUT in page(response)
    team.refresh_from_db()
    assert team.name == "Acme"


@override_settings(CHAT_UPLOAD_MAX_REQUEST_BYTES=4000, DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_chat_over_the_upload_caps_gets_the_413_page_in_its_own_words(
    alice_client: Client, team: Team
) -> None:
    """F16: the chat composer takes files, up to its cap: a body over it is 413, in its words."""
    upload = SimpleUploadedFile("video.mp4", b"\0" * 6000)

    response = alice_client.post("/chats/new/", {"message": "Hi", "attachments": upload})

    assert response.status_code == 413
    assert "The files together are larger than 4 KB, the most one chat may carry." in page(response)
    assert LAYOUT in page(response)


@override_settings(CHAT_UPLOAD_MAX_REQUEST_BYTES=40_000, DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_chat_within_its_cap_is_not_refused_by_the_form_limit(
    alice_client: Client, team: Team
) -> None:
    """F16's control: the composer's files are not held to a form's limit."""
    upload = SimpleUploadedFile("video.mp4", b"\0" * 6000)

    response = alice_client.post("/chats/new/", {"message": "Hi", "attachments": upload})

    # The composer's own answer (its form, with whatever it makes of these fields).
    assert response.status_code in (200, 400)
    assert "larger than" not in page(response)


@pytest.mark.django_db
@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_an_anonymous_oversize_sign_in_gets_the_413_page(client: Client) -> None:
    """F16: before sign-in too, in the layout without the signed-in navigation."""
    response = client.post("/login/", {"username": "x" * 2000, "password": "y"})

    assert response.status_code == 413
    assert "What you sent is larger than" in page(response)
    assert LAYOUT in page(response)
    assert "Log out" not in page(response)
