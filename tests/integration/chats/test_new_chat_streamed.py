"""New chat forwarding a large upload while it arrives (CHAT_UPLOAD_STREAM_FROM_BYTES; here 0,
so every post takes that path): the sandbox, served over HTTP, receives the very fields and
bytes; refusals before the request opens are plain ones; a stop after it is unconfirmed, and
the sandbox, whose request ended without its last chunk, started nothing."""

import hashlib
import re
from collections.abc import Iterator
from typing import Any

import pytest
import responses
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.test.utils import override_settings

from activity.models import Entry, Kind, Outcome
from chats import streaming
from chats.models import ChatStatus, ChatSubmission
from chats.streaming import READ_BYTES
from chats.uploads import sniff
from postpress_dashboard.sandbox.server import RunningSandbox
from postpress_dashboard.teams import services as team_services
from postpress_dashboard.teams.models import LinkedAccount, Team

NEW = "/chats/new/"
MIB = 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x01" * 40
MP4_HEAD = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00" + b"\x00" * 40
# Larger than a block read from the browser's body: sent in several pieces.
VIDEO = MP4_HEAD + bytes(range(256)) * (3 * MIB // 256)
UNCONFIRMED = "The chat may have been started: check on the provider before trying again."
STOPPED = "It stopped after the files had begun to go to postpress"

pytestmark = pytest.mark.usefixtures("stream_every_upload")


@pytest.fixture
def stream_every_upload() -> Iterator[None]:
    with override_settings(CHAT_UPLOAD_STREAM_FROM_BYTES=0):
        yield


@pytest.fixture
def sandbox_team(sandbox: RunningSandbox, alice: User) -> Team:
    team = team_services.team_create(
        name="Streamers", base_url=sandbox.base_url, api_key=sandbox.api_key
    )
    team_services.member_add(team=team, user=alice, role="admin", actor=None)
    return team


@pytest.fixture
def account(sandbox_team: Team) -> LinkedAccount:
    fields = team_services.AccountFields(
        provider="LINKEDIN",
        account_id="acc_linkedin_demo",
        label="Sam on LinkedIn",
        linkedin_apis=["classic", "recruiter"],
    )
    return team_services.account_add(team=sandbox_team, fields=fields, actor=None)


@pytest.fixture
def client_in(client: Client, alice: User, sandbox_team: Team) -> Client:
    client.force_login(alice)
    return client


def token(client: Client, account: LinkedAccount) -> str:
    page = client.get(NEW, {"account": account.pk}).content.decode()
    match = re.search(r'name="submission" value="([^"]+)"', page)
    assert match
    return match.group(1)


def upload(name: str, data: bytes) -> Any:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def form(client: Client, account: LinkedAccount, **extra: Any) -> dict[str, Any]:
    return {
        "account": account.pk,
        "recipients": "ACoAAB-jordan",
        "message": "Kept message",
        "linkedin_api": "classic",
        "submission": token(client, account),
        **extra,
    }


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def page_of(response: Any) -> str:
    return response.content.decode()


def assert_unconfirmed(page: str, reason: str) -> None:
    assert reason in page
    assert STOPPED in page and UNCONFIRMED in page
    assert "Kept message</textarea>" in page and "Chat started" not in page
    submission = ChatSubmission.objects.get()
    assert submission.status == ChatStatus.UNCONFIRMED
    entry = Entry.objects.get(kind=Kind.CHAT)
    assert entry.outcome == Outcome.UNCONFIRMED
    assert f"Upload stopped part-way: {reason}" in entry.detail


def test_it_starts_one_chat_with_the_very_fields_and_bytes_the_sandbox_receives(
    client_in: Client, account: LinkedAccount, sandbox: RunningSandbox
) -> None:
    notes = "Grüße, line one\n".encode() * 100_000  # UTF-8 text over several blocks
    data = form(
        client_in,
        account,
        subject="Hello",
        inmail="on",
        topic="support",
        attachments=[upload("photo.png", PNG), upload("notes.txt", notes)],
        video_message=upload("clip.mp4", VIDEO),
    )

    response = client_in.post(NEW, data)

    assert response.status_code == 302
    [chat] = sandbox.state.chats
    assert chat.fields == {
        "account_id": ["acc_linkedin_demo"],
        "attendees_ids[]": ["ACoAAB-jordan"],
        "text": ["Kept message"],
        "subject": ["Hello"],
        "linkedin[api]": ["classic"],
        "linkedin[inmail]": ["true"],
        "linkedin[topic]": ["support"],
    }
    received = [(f.field_name, f.filename, f.content_type, f.size, f.sha256) for f in chat.files]
    assert received == [
        ("attachments", "photo.png", "image/png", len(PNG), sha(PNG)),
        ("attachments", "notes.txt", "text/plain", len(notes), sha(notes)),
        ("video_message", "clip.mp4", "video/mp4", len(VIDEO), sha(VIDEO)),
    ]
    assert ChatSubmission.objects.get().status == ChatStatus.STARTED
    entry = Entry.objects.get(kind=Kind.CHAT)
    assert entry.outcome == Outcome.OK
    assert "photo.png" in entry.detail and "clip.mp4 (3.0 MB)" in entry.detail
    shown = client_in.get(response["Location"]).content.decode()
    assert f"Chat id: {chat.chat_id}" in shown


def test_a_recruiter_chat_sends_its_options_before_the_follow_up_attachments(
    client_in: Client, account: LinkedAccount, sandbox: RunningSandbox
) -> None:
    data = form(
        client_in,
        account,
        recipients="AEmaria",
        linkedin_api="recruiter",
        visibility="PROJECT",
        follow_up_subject="Following up",
        follow_up_message="Any news?",
        follow_up_after="2",
        follow_up_unit="weeks",
        timezone="Europe/Paris",
        attachments=[upload("a.png", PNG)],
        follow_up_attachments=[upload("later.pdf", b"%PDF-1.7\n" + b"x" * 100)],
    )

    assert client_in.post(NEW, data).status_code == 302

    [chat] = sandbox.state.chats
    assert chat.fields["linkedin[follow_up][scheduled_time][weeks]"] == ["2"]
    assert chat.fields["linkedin[visibility]"] == ["PROJECT"]
    assert [(f.field_name, f.filename) for f in chat.files] == [
        ("attachments", "a.png"),
        ("linkedin[follow_up][attachments]", "later.pdf"),
    ]


@override_settings(CHAT_UPLOAD_MAX_FILE_BYTES=2 * MIB)
def test_a_file_passing_its_cap_after_the_request_opened_is_unconfirmed_and_starts_nothing(
    client_in: Client, account: LinkedAccount, sandbox: RunningSandbox
) -> None:
    response = client_in.post(
        NEW, form(client_in, account, video_message=upload("clip.mp4", VIDEO))
    )

    assert_unconfirmed(
        page_of(response), "“clip.mp4” is larger than 2.0 MB, the most one file may be."
    )
    assert sandbox.state.chats == []


def test_a_later_file_of_a_refused_type_is_unconfirmed_and_starts_nothing(
    client_in: Client, account: LinkedAccount, sandbox: RunningSandbox
) -> None:
    data = form(
        client_in,
        account,
        attachments=[upload("photo.png", PNG), upload("blob.bin", b"\x00\x01\x02" * 100)],
    )

    page = page_of(client_in.post(NEW, data))

    assert_unconfirmed(page, "“blob.bin” is not a file type we can recognise by its content")
    assert sandbox.state.chats == []


def test_a_text_file_that_stops_being_utf8_is_unconfirmed_and_starts_nothing(
    client_in: Client, account: LinkedAccount, sandbox: RunningSandbox
) -> None:
    text = b"plain text\n" * (2 * READ_BYTES // 11) + "café".encode("latin-1")
    page = page_of(
        client_in.post(NEW, form(client_in, account, attachments=[upload("notes.txt", text)]))
    )

    assert_unconfirmed(page, "“notes.txt” is not UTF-8 text")
    assert sandbox.state.chats == []


def test_a_browser_body_cut_off_inside_a_file_is_unconfirmed_and_starts_nothing(
    client_in: Client, account: LinkedAccount, sandbox: RunningSandbox
) -> None:
    body = encode_multipart(
        BOUNDARY, form(client_in, account, video_message=upload("c.mp4", VIDEO))
    )
    cut = body[: body.index(MP4_HEAD) + 2 * MIB]  # the tab closed half-way through the video

    page = page_of(client_in.generic("POST", NEW, cut, content_type=MULTIPART_CONTENT))

    assert_unconfirmed(page, "The upload was interrupted before every file arrived.")
    assert sandbox.state.chats == []


def test_the_same_form_sent_again_after_a_stop_says_so_again_and_sends_nothing(
    client_in: Client, account: LinkedAccount, sandbox: RunningSandbox
) -> None:
    data = form(
        client_in, account, attachments=[upload("p.png", PNG), upload("x.bin", b"\x00" * 99)]
    )
    client_in.post(NEW, data)
    data["attachments"] = [upload("p.png", PNG)]

    again = page_of(client_in.post(NEW, data))

    assert UNCONFIRMED in again and "Chat started" not in again
    assert sandbox.state.chats == []
    assert ChatSubmission.objects.get().status == ChatStatus.UNCONFIRMED
    assert Entry.objects.filter(kind=Kind.CHAT).count() == 1


def test_an_api_refusal_after_the_files_went_is_a_refusal_and_the_form_may_try_again(
    client_in: Client, account: LinkedAccount, sandbox: RunningSandbox
) -> None:
    data = form(
        client_in,
        account,
        recipients="ACoAAerr_invalid_recipient",
        video_message=upload("clip.mp4", VIDEO),
    )

    page = page_of(client_in.post(NEW, data))

    assert 'id="id_recipients_error"' in page
    assert UNCONFIRMED not in page
    assert not ChatSubmission.objects.exists()  # refused: the same form may try again
    assert Entry.objects.get(kind=Kind.CHAT).outcome == Outcome.FAILED
    data["recipients"] = "ACoAAB-jordan"
    data["video_message"] = upload("clip.mp4", VIDEO)
    assert client_in.post(NEW, data).status_code == 302
    assert len(sandbox.state.chats) == 1


# --- refused before anything is sent: plain refusals, no request at all ----------------------


@responses.activate
def test_a_text_field_refusal_comes_back_before_any_request(
    client_in: Client, account: LinkedAccount
) -> None:
    data = form(
        client_in, account, recipients="AEnot-classic", video_message=upload("c.mp4", VIDEO)
    )

    response = client_in.post(NEW, data)

    assert response.status_code == 400
    page = page_of(response)
    assert "is a Sales Navigator or Recruiter id, not a Classic one" in page
    assert "Kept message</textarea>" in page
    assert len(responses.calls) == 0
    assert not ChatSubmission.objects.exists()


@responses.activate
def test_a_first_file_of_a_refused_type_comes_back_at_its_field_before_any_request(
    client_in: Client, account: LinkedAccount
) -> None:
    data = form(client_in, account, video_message=upload("c.mp4", PNG))

    response = client_in.post(NEW, data)

    assert response.status_code == 400
    page = page_of(response)
    assert "“c.mp4” is a PNG file. Video message takes video" in page
    assert len(responses.calls) == 0
    assert not ChatSubmission.objects.exists()
    assert not Entry.objects.filter(kind=Kind.CHAT).exists()


@responses.activate
@override_settings(CHAT_UPLOAD_MAX_REQUEST_BYTES=MIB)
def test_a_body_longer_than_the_cap_allows_is_refused_before_any_request(
    client_in: Client, account: LinkedAccount
) -> None:
    response = client_in.post(NEW, form(client_in, account, video_message=upload("c.mp4", VIDEO)))

    page = page_of(response)
    assert "The files together are larger than 1.0 MB, the most one chat may carry." in page
    assert len(responses.calls) == 0
    assert not ChatSubmission.objects.exists()


@responses.activate
def test_a_body_cut_off_before_its_first_file_sends_nothing_and_keeps_the_token(
    client_in: Client, account: LinkedAccount
) -> None:
    body = encode_multipart(
        BOUNDARY, form(client_in, account, video_message=upload("c.mp4", VIDEO))
    )
    cut = body[: body.index(b"Kept message") + 5]

    page = page_of(client_in.generic("POST", NEW, cut, content_type=MULTIPART_CONTENT))

    assert "The upload was interrupted before every file arrived: choose them again." in page
    assert len(responses.calls) == 0
    assert not ChatSubmission.objects.exists()


def test_below_the_threshold_an_upload_is_stored_then_forwarded(
    client_in: Client, account: LinkedAccount, sandbox: RunningSandbox
) -> None:
    data = form(
        client_in, account, attachments=[upload("p.png", PNG), upload("x.bin", b"\x00" * 99)]
    )

    with override_settings(CHAT_UPLOAD_STREAM_FROM_BYTES=10 * MIB):
        response = client_in.post(NEW, data)

    # Stored first, so the refused file is a plain refusal at its field, nothing sent.
    assert response.status_code == 400
    assert 'id="id_attachments_error"' in page_of(response)
    assert UNCONFIRMED not in page_of(response)
    assert not ChatSubmission.objects.exists()
    assert sandbox.state.chats == []


def test_the_refresh_button_posts_to_an_address_that_is_never_streamed(
    client_in: Client, account: LinkedAccount, sandbox: RunningSandbox
) -> None:
    page = client_in.get(NEW, {"account": account.pk}).content.decode()
    assert 'formaction="/chats/new/?refresh=1"' in page
    data = form(client_in, account, linkedin_api="recruiter", video_message=upload("c.mp4", VIDEO))
    data["refresh"] = "1"  # sent last, after the files, as browsers send the button pressed

    response = client_in.post(f"{NEW}?refresh=1", data)

    assert response.status_code == 200
    assert "LinkedIn Recruiter" in page_of(response)  # the chosen API's fields, text kept
    assert "Kept message</textarea>" in page_of(response)
    assert sandbox.state.chats == []


# --- parts that cannot be read, and unexpected errors: words, never a server error -----------


def raw_body(client: Client, account: LinkedAccount, *parts: bytes) -> bytes:
    """The composer's text fields, then `parts` as written, then the closing delimiter."""
    closing = f"--{BOUNDARY}--\r\n".encode()
    fields = bytes(encode_multipart(BOUNDARY, form(client, account)))
    return fields[: -len(closing)] + b"".join(parts) + closing


def raw_part(headers: str, data: bytes) -> bytes:
    return f"--{BOUNDARY}\r\n{headers}\r\n\r\n".encode() + data + b"\r\n"


def png_part(disposition: str = 'form-data; name="attachments"; filename="p.png"') -> bytes:
    return raw_part(f"Content-Disposition: {disposition}\r\nContent-Type: image/png", PNG)


# parse_header_parameters refuses both: an RFC 2231 charset it does not know, a value too long.
UNKNOWN_CHARSET = "form-data; name=\"attachments\"; filename*=bogus''q.png"
TOO_LONG = 'form-data; name="attachments"; filename="' + "a" * 12_000 + '.png"'
# Parsed, but longer than a part's headers may be (MAX_PART_HEADER_BYTES, 8 KiB).
LONGER_THAN_ALLOWED = 'form-data; name="attachments"; filename="' + "a" * 9_000 + '.png"'


def assert_refused_before_any_request(response: Any) -> None:
    assert response.status_code == 400
    page = page_of(response)
    assert "The upload could not be read as the composer&#x27;s form: choose the files again." in (
        page
    )
    assert "Kept message</textarea>" in page and UNCONFIRMED not in page
    assert len(responses.calls) == 0
    assert not ChatSubmission.objects.exists()  # the token is not used up
    assert not Entry.objects.filter(kind=Kind.CHAT).exists()


@responses.activate
def test_a_text_part_whose_disposition_cannot_be_read_is_refused_before_any_request(
    client_in: Client, account: LinkedAccount
) -> None:
    note = raw_part("Content-Disposition: form-data; name=\"note\"; filename*=bogus''x", b"hi")
    body = raw_body(client_in, account, note, png_part())

    response = client_in.generic("POST", NEW, body, content_type=MULTIPART_CONTENT)

    assert_refused_before_any_request(response)


@responses.activate
@pytest.mark.parametrize(
    "disposition",
    [TOO_LONG, LONGER_THAN_ALLOWED, UNKNOWN_CHARSET],
    ids=["too-long-to-parse", "over-8-KiB", "unknown-charset"],
)
def test_a_first_file_whose_headers_cannot_be_read_is_refused_before_any_request(
    client_in: Client, account: LinkedAccount, disposition: str
) -> None:
    body = raw_body(client_in, account, png_part(disposition))

    response = client_in.generic("POST", NEW, body, content_type=MULTIPART_CONTENT)

    assert_refused_before_any_request(response)


@pytest.mark.parametrize(
    "disposition",
    [TOO_LONG, LONGER_THAN_ALLOWED, UNKNOWN_CHARSET],
    ids=["too-long-to-parse", "over-8-KiB", "unknown-charset"],
)
def test_a_later_file_whose_headers_cannot_be_read_is_unconfirmed_and_starts_nothing(
    client_in: Client, account: LinkedAccount, sandbox: RunningSandbox, disposition: str
) -> None:
    body = raw_body(client_in, account, png_part(), png_part(disposition))

    response = client_in.generic("POST", NEW, body, content_type=MULTIPART_CONTENT)

    assert response.status_code == 200
    assert_unconfirmed(page_of(response), "The upload could not be read as the composer")
    assert sandbox.state.chats == []


def test_an_empty_later_file_is_unconfirmed_and_starts_nothing(
    client_in: Client, account: LinkedAccount, sandbox: RunningSandbox
) -> None:
    # The first file already went: an empty one after it can only stop the request part-way.
    data = form(client_in, account, attachments=[upload("p.png", PNG), upload("empty.png", b"")])

    page = page_of(client_in.post(NEW, data))

    assert_unconfirmed(page, "“empty.png”: This file is empty: choose the file you meant to send.")
    assert sandbox.state.chats == []


@responses.activate
def test_an_unexpected_error_checking_the_first_file_is_refused_before_any_request(
    client_in: Client,
    account: LinkedAccount,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(head: bytes) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("chats.streaming.sniff", broken)
    data = form(client_in, account, attachments=[upload("p.png", PNG)])

    assert_refused_before_any_request(client_in.post(NEW, data))


def test_an_unexpected_error_reading_a_later_file_is_unconfirmed_and_starts_nothing(
    client_in: Client,
    account: LinkedAccount,
    sandbox: RunningSandbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[bytes] = []

    def broken_the_second_time(head: bytes) -> Any:
        calls.append(head)
        if len(calls) > 1:
            raise RuntimeError("a bug")
        return sniff(head)

    monkeypatch.setattr("chats.streaming.sniff", broken_the_second_time)
    data = form(client_in, account, attachments=[upload("p.png", PNG), upload("q.png", PNG)])

    response = client_in.post(NEW, data)

    assert response.status_code == 200
    assert_unconfirmed(page_of(response), "Reading the upload failed part-way.")
    assert sandbox.state.chats == []


def test_an_unexpected_error_inside_a_file_being_sent_is_unconfirmed_and_starts_nothing(
    client_in: Client,
    account: LinkedAccount,
    sandbox: RunningSandbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(self: streaming.ChatUpload, *args: Any) -> int:
        raise ValueError("a bug")

    monkeypatch.setattr(streaming.ChatUpload, "_count", broken)
    data = form(client_in, account, video_message=upload("clip.mp4", VIDEO))

    response = client_in.post(NEW, data)

    assert response.status_code == 200
    assert_unconfirmed(page_of(response), "Reading the upload failed part-way.")
    assert sandbox.state.chats == []
