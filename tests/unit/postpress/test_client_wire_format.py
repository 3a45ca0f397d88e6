"""What the postpress API receives from PostpressClient, field by field, and the typed results.

The contract is the API documentation (one page per endpoint). Every test looks at the request
`responses` recorded (``api.calls[i].request``), never only at what the client returned.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from requests.adapters import HTTPAdapter

from postpress_dashboard.postpress.client import PostpressClient
from postpress_dashboard.postpress.schemas import (
    ChatStarted,
    ClassicOptions,
    FollowUp,
    InvitationAction,
    InvitationCanceled,
    InvitationHandled,
    InvitationPage,
    InvitationSent,
    Inviter,
    NewChat,
    Provider,
    ReceivedInvitation,
    RecruiterOptions,
    SalesNavigatorOptions,
    Upload,
)
from tests.unit.postpress.support import (
    ACCOUNT_ID,
    API_KEY,
    BASE_URL,
    HOST,
    HOST_POLICY,
    INVITATION_ID,
)

INVITATION_LIST = {
    "object": "InvitationList",
    "items": [
        {
            "object": "InvitationReceived",
            "id": INVITATION_ID,
            "invited_user": "Ada Lovelace",
            "invited_user_id": "ACoAACr-1eYBl",
            "invited_user_public_id": "ada-lovelace",
            "invited_user_description": "Founder at postpress",
            "date": "May 12, 2026",
            "parsed_datetime": "2026-05-12T08:14:00.000Z",
            "invitation_text": "Hi, would love to connect.",
            "inviter": {
                "inviter_name": "Jordan Walke",
                "inviter_id": "ACoAABxyz",
                "inviter_public_identifier": "jordan-walke",
                "inviter_description": "Engineer at Acme",
            },
            "specifics": {"provider": "LINKEDIN", "shared_secret": "AQH-secret"},
        }
    ],
    "cursor": "eyJvIjoxMH0",
}
INVITATION_SENT = {"object": "UserInvitationSent", "invitation_id": INVITATION_ID, "usage": 75}
INVITATION_HANDLED = {"object": "UserInvitationHandled", "status": "ACCEPTED"}
INVITATION_CANCELED = {"object": "InvitationCanceled"}
CHAT_STARTED = {
    "object": "ChatStarted",
    "chat_id": "chat_01HXYZ4QK3WJ8FN3M6QH7TZ8GR",
    "message_id": "msg_01HXYZ4QK3WJ8FN3M6QH7TZ8GR",
}


def query_pairs(request: requests.PreparedRequest) -> list[tuple[str, str]]:
    return sorted(parse_qsl(urlsplit(request.url).query, keep_blank_values=True))


def url_without_query(request: requests.PreparedRequest) -> str:
    parts = urlsplit(request.url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def json_sent(request: requests.PreparedRequest) -> Any:
    return json.loads(request.body)


# --- a tiny multipart/form-data parser (keeps file bytes exactly as sent) --------------------


@dataclass(frozen=True)
class Part:
    name: str
    filename: str | None
    content_type: str | None
    data: bytes


_DISPOSITION = re.compile(
    r'^form-data; name="(?P<name>[^"]*)"(?:; filename="(?P<filename>[^"]*)")?$'
)


def multipart_parts(request: requests.PreparedRequest) -> list[Part]:
    content_type = request.headers["Content-Type"]
    match = re.fullmatch(
        r"multipart/form-data; boundary=(?P<boundary>[0-9A-Za-z'()+_,./:=?-]+)", content_type
    )
    assert match, f"not multipart/form-data with a boundary: {content_type!r}"
    delimiter = b"--" + match["boundary"].encode()
    body = request.body
    assert isinstance(body, bytes)
    chunks = body.split(delimiter)
    assert chunks[0] == b"", "nothing may precede the first boundary"
    assert chunks[-1] == b"--\r\n", "the body must end with the closing boundary"
    parts = []
    for chunk in chunks[1:-1]:
        assert chunk.startswith(b"\r\n") and chunk.endswith(b"\r\n")
        head, separator, data = chunk[2:-2].partition(b"\r\n\r\n")
        assert separator, "a part needs a blank line between its headers and its content"
        headers = {}
        for line in head.decode().split("\r\n"):
            key, _, value = line.partition(": ")
            headers[key.lower()] = value
        disposition = _DISPOSITION.match(headers["content-disposition"])
        assert disposition, headers["content-disposition"]
        parts.append(
            Part(
                name=disposition["name"],
                filename=disposition["filename"],
                content_type=headers.get("content-type"),
                data=data,
            )
        )
    return parts


def text_fields(request: requests.PreparedRequest) -> list[tuple[str, str]]:
    """The form fields without a file, in the order they were sent."""
    return [(p.name, p.data.decode()) for p in multipart_parts(request) if p.filename is None]


def file_fields(request: requests.PreparedRequest) -> list[tuple[str, str, str | None, bytes]]:
    return [
        (p.name, p.filename, p.content_type, p.data)
        for p in multipart_parts(request)
        if p.filename is not None
    ]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- every endpoint -----------------------------------------------------------------------

Endpoint = tuple[str, str, int, dict[str, Any], Callable[[PostpressClient], object]]

ENDPOINTS: dict[str, Endpoint] = {
    "list-received": (
        "GET",
        "/users/invite/received",
        200,
        INVITATION_LIST,
        lambda c: c.list_received_invitations(account_id=ACCOUNT_ID),
    ),
    "handle-received": (
        "POST",
        f"/users/invite/received/{INVITATION_ID}",
        200,
        INVITATION_HANDLED,
        lambda c: c.handle_received_invitation(
            invitation_id=INVITATION_ID,
            account_id=ACCOUNT_ID,
            provider=Provider.LINKEDIN,
            action=InvitationAction.ACCEPT,
            shared_secret="AQH-secret",
        ),
    ),
    "send": (
        "POST",
        "/users/invite",
        200,
        INVITATION_SENT,
        lambda c: c.send_invitation(account_id=ACCOUNT_ID, provider_id="ACoAACr-1eYBl"),
    ),
    "cancel": (
        "DELETE",
        f"/users/invite/sent/{INVITATION_ID}",
        200,
        INVITATION_CANCELED,
        lambda c: c.cancel_invitation(invitation_id=INVITATION_ID, account_id=ACCOUNT_ID),
    ),
    "start-chat": (
        "POST",
        "/chats",
        201,
        CHAT_STARTED,
        lambda c: c.start_chat(NewChat(account_id=ACCOUNT_ID, attendees_ids=("ACoAACr-1eYBl",))),
    ),
}


@pytest.mark.parametrize("endpoint", ENDPOINTS.values(), ids=ENDPOINTS.keys())
def test_it_sends_the_api_key_and_accepts_json_on_every_endpoint(api, postpress, endpoint):
    method, path, status, answer, call = endpoint
    api.add(method, re.compile(re.escape(BASE_URL + path)), json=answer, status=status)

    call(postpress)

    assert len(api.calls) == 1
    request = api.calls[0].request
    assert request.method == method
    assert url_without_query(request) == BASE_URL + path
    assert request.headers["X-API-KEY"] == API_KEY
    assert request.headers["accept"] == "application/json"


@pytest.mark.parametrize(
    ("base_url", "prefix"),
    [
        (f"{HOST}/v1", "/v1"),
        (f"{HOST}/api/v1", "/api/v1"),
        (f"{HOST}/v1/", "/v1"),
        (f"{HOST}/api/v1/", "/api/v1"),
    ],
)
@pytest.mark.parametrize("endpoint", ENDPOINTS.values(), ids=ENDPOINTS.keys())
def test_it_puts_each_endpoint_path_under_the_base_url(api, base_url, prefix, endpoint):
    method, path, status, answer, call = endpoint
    api.add(method, re.compile(re.escape(HOST) + ".*"), json=answer, status=status)
    postpress = PostpressClient(
        base_url=base_url, api_key=API_KEY, sleep=lambda _: None, host_policy=HOST_POLICY
    )

    call(postpress)

    assert urlsplit(api.calls[0].request.url).path == prefix + path


@pytest.mark.parametrize(
    ("method", "call", "path"),
    [
        (
            "POST",
            lambda c, invitation_id: c.handle_received_invitation(
                invitation_id=invitation_id,
                account_id=ACCOUNT_ID,
                provider=Provider.INSTAGRAM,
                action=InvitationAction.DECLINE,
            ),
            "/users/invite/received/",
        ),
        (
            "DELETE",
            lambda c, invitation_id: c.cancel_invitation(
                invitation_id=invitation_id, account_id=ACCOUNT_ID
            ),
            "/users/invite/sent/",
        ),
    ],
    ids=["handle-received", "cancel"],
)
def test_it_percent_encodes_the_invitation_id_in_the_path(api, postpress, method, call, path):
    answer = INVITATION_HANDLED if method == "POST" else INVITATION_CANCELED
    api.add(method, re.compile(re.escape(BASE_URL) + ".*"), json=answer)

    call(postpress, "inv/1 2?#x%é")

    request = api.calls[0].request
    assert urlsplit(request.url).path == "/api/v1" + path + "inv%2F1%202%3F%23x%25%C3%A9"
    assert urlsplit(request.url).fragment == ""


# --- list received invitations -------------------------------------------------------------

LIST_URL = re.compile(re.escape(f"{BASE_URL}/users/invite/received") + r"(\?.*)?$")


def test_it_lists_with_the_account_id_limit_and_cursor_as_query_parameters(api, postpress):
    api.add("GET", LIST_URL, json=INVITATION_LIST)

    postpress.list_received_invitations(account_id=ACCOUNT_ID, limit=25, cursor="eyJvIjoxMH0")

    request = api.calls[0].request
    assert query_pairs(request) == [
        ("account_id", ACCOUNT_ID),
        ("cursor", "eyJvIjoxMH0"),
        ("limit", "25"),
    ]
    assert request.body is None


def test_it_leaves_the_cursor_out_of_the_first_page(api, postpress):
    api.add("GET", LIST_URL, json=INVITATION_LIST)

    postpress.list_received_invitations(account_id=ACCOUNT_ID, limit=10, cursor=None)

    assert query_pairs(api.calls[0].request) == [("account_id", ACCOUNT_ID), ("limit", "10")]


def test_it_leaves_out_an_empty_cursor_which_the_api_would_refuse(api, postpress):
    api.add("GET", LIST_URL, json=INVITATION_LIST)

    postpress.list_received_invitations(account_id=ACCOUNT_ID, cursor="")

    assert query_pairs(api.calls[0].request) == [("account_id", ACCOUNT_ID)]


def test_it_leaves_the_limit_out_when_none_so_the_api_default_applies(api, postpress):
    api.add("GET", LIST_URL, json=INVITATION_LIST)

    postpress.list_received_invitations(account_id=ACCOUNT_ID, limit=None, cursor="next")

    assert query_pairs(api.calls[0].request) == [("account_id", ACCOUNT_ID), ("cursor", "next")]


def test_it_sends_only_the_account_id_when_nothing_else_is_given(api, postpress):
    api.add("GET", LIST_URL, json=INVITATION_LIST)

    postpress.list_received_invitations(account_id=ACCOUNT_ID)

    assert urlsplit(api.calls[0].request.url).query == f"account_id={ACCOUNT_ID}"


def test_it_encodes_query_values_so_they_cannot_add_parameters(api, postpress):
    api.add("GET", LIST_URL, json=INVITATION_LIST)

    postpress.list_received_invitations(account_id="acc&limit=100", cursor="a+b/c=")

    assert query_pairs(api.calls[0].request) == [
        ("account_id", "acc&limit=100"),
        ("cursor", "a+b/c="),
    ]


@pytest.mark.parametrize("limit", [1, 100])
def test_it_accepts_the_documented_limit_bounds(api, postpress, limit):
    api.add("GET", LIST_URL, json=INVITATION_LIST)

    postpress.list_received_invitations(account_id=ACCOUNT_ID, limit=limit)

    assert ("limit", str(limit)) in query_pairs(api.calls[0].request)


@pytest.mark.parametrize("limit", [0, 101, -1])
def test_it_refuses_a_limit_outside_1_to_100_before_any_request(api, postpress, limit):
    api.add("GET", LIST_URL, json=INVITATION_LIST)

    with pytest.raises(ValueError, match="limit"):
        postpress.list_received_invitations(account_id=ACCOUNT_ID, limit=limit)

    assert len(api.calls) == 0


# --- send an invitation --------------------------------------------------------------------

SEND_URL = f"{BASE_URL}/users/invite"


def test_it_sends_an_invitation_as_json_with_every_field(api, postpress):
    api.add("POST", SEND_URL, json=INVITATION_SENT)

    postpress.send_invitation(
        account_id=ACCOUNT_ID,
        provider_id="ACoAACr-1eYBl",
        user_email="jordan@example.com",
        message="Hi Jordan, I'd love to connect.",
    )

    request = api.calls[0].request
    assert request.method == "POST"
    assert request.url == SEND_URL
    assert request.headers["Content-Type"] == "application/json"
    assert json_sent(request) == {
        "provider_id": "ACoAACr-1eYBl",
        "account_id": ACCOUNT_ID,
        "user_email": "jordan@example.com",
        "message": "Hi Jordan, I'd love to connect.",
    }


@pytest.mark.parametrize("empty", [None, ""])
def test_it_leaves_out_an_email_and_message_that_are_none_or_empty(api, postpress, empty):
    api.add("POST", SEND_URL, json=INVITATION_SENT)

    postpress.send_invitation(
        account_id=ACCOUNT_ID, provider_id="ACoAACr-1eYBl", user_email=empty, message=empty
    )

    assert json_sent(api.calls[0].request) == {
        "provider_id": "ACoAACr-1eYBl",
        "account_id": ACCOUNT_ID,
    }


def test_it_sends_the_message_without_an_email(api, postpress):
    api.add("POST", SEND_URL, json=INVITATION_SENT)

    postpress.send_invitation(account_id=ACCOUNT_ID, provider_id="ada-lovelace", message="Hello")

    assert json_sent(api.calls[0].request) == {
        "provider_id": "ada-lovelace",
        "account_id": ACCOUNT_ID,
        "message": "Hello",
    }


# --- handle a received invitation ----------------------------------------------------------

HANDLE_URL = f"{BASE_URL}/users/invite/received/{INVITATION_ID}"


@pytest.mark.parametrize("action", [InvitationAction.ACCEPT, InvitationAction.DECLINE])
def test_it_handles_a_linkedin_invitation_with_its_shared_secret(api, postpress, action):
    api.add("POST", HANDLE_URL, json=INVITATION_HANDLED)

    postpress.handle_received_invitation(
        invitation_id=INVITATION_ID,
        account_id=ACCOUNT_ID,
        provider=Provider.LINKEDIN,
        action=action,
        shared_secret="AQH-secret",
    )

    request = api.calls[0].request
    assert request.method == "POST"
    assert request.url == HANDLE_URL
    assert request.headers["Content-Type"] == "application/json"
    assert json_sent(request) == {
        "provider": "LINKEDIN",
        "shared_secret": "AQH-secret",
        "account_id": ACCOUNT_ID,
        "action": action.value,
    }


def test_it_accepts_a_linkedin_invitation_with_exactly_the_documented_body(api, postpress):
    api.add("POST", HANDLE_URL, json=INVITATION_HANDLED)

    postpress.handle_received_invitation(
        invitation_id=INVITATION_ID,
        account_id=ACCOUNT_ID,
        provider=Provider.LINKEDIN,
        action=InvitationAction.ACCEPT,
        shared_secret="AQH...",
    )

    assert json_sent(api.calls[0].request) == {
        "provider": "LINKEDIN",
        "shared_secret": "AQH...",
        "account_id": ACCOUNT_ID,
        "action": "accept",
    }


@pytest.mark.parametrize("shared_secret", [None, "AQH-not-for-instagram"])
def test_it_handles_an_instagram_invitation_without_a_shared_secret_key(
    api, postpress, shared_secret
):
    api.add("POST", HANDLE_URL, json={"object": "UserInvitationHandled", "status": "DECLINED"})

    postpress.handle_received_invitation(
        invitation_id=INVITATION_ID,
        account_id=ACCOUNT_ID,
        provider=Provider.INSTAGRAM,
        action=InvitationAction.DECLINE,
        shared_secret=shared_secret,
    )

    assert json_sent(api.calls[0].request) == {
        "provider": "INSTAGRAM",
        "account_id": ACCOUNT_ID,
        "action": "decline",
    }


@pytest.mark.parametrize("shared_secret", [None, ""])
def test_it_refuses_a_linkedin_invitation_without_a_shared_secret_before_any_request(
    api, postpress, shared_secret
):
    api.add("POST", HANDLE_URL, json=INVITATION_HANDLED)

    with pytest.raises(ValueError, match="shared_secret"):
        postpress.handle_received_invitation(
            invitation_id=INVITATION_ID,
            account_id=ACCOUNT_ID,
            provider=Provider.LINKEDIN,
            action=InvitationAction.ACCEPT,
            shared_secret=shared_secret,
        )

    assert len(api.calls) == 0


@pytest.mark.parametrize("provider", [Provider.WHATSAPP, Provider.TELEGRAM])
def test_it_refuses_to_handle_invitations_of_providers_the_api_has_no_variant_for(
    api, postpress, provider
):
    api.add("POST", HANDLE_URL, json=INVITATION_HANDLED)

    with pytest.raises(ValueError, match=provider.value):
        postpress.handle_received_invitation(
            invitation_id=INVITATION_ID,
            account_id=ACCOUNT_ID,
            provider=provider,
            action=InvitationAction.ACCEPT,
            shared_secret="AQH-secret",
        )

    assert len(api.calls) == 0


# --- cancel an invitation ------------------------------------------------------------------


def test_it_cancels_with_a_delete_carrying_the_account_id(api, postpress):
    api.add(
        "DELETE",
        re.compile(re.escape(f"{BASE_URL}/users/invite/sent/") + ".*"),
        json=INVITATION_CANCELED,
    )

    postpress.cancel_invitation(invitation_id=INVITATION_ID, account_id=ACCOUNT_ID)

    request = api.calls[0].request
    assert request.method == "DELETE"
    assert url_without_query(request) == f"{BASE_URL}/users/invite/sent/{INVITATION_ID}"
    assert query_pairs(request) == [("account_id", ACCOUNT_ID)]
    assert request.body is None
    assert "Content-Type" not in request.headers


# --- start a chat --------------------------------------------------------------------------

CHATS_URL = f"{BASE_URL}/chats"
MINIMAL_FIELDS = [("account_id", ACCOUNT_ID), ("attendees_ids[]", "ACoAACr-1eYBl")]


def start_chat(api, postpress: PostpressClient, chat: NewChat) -> requests.PreparedRequest:
    api.add("POST", CHATS_URL, json=CHAT_STARTED, status=201)
    postpress.start_chat(chat)
    assert len(api.calls) == 1
    return api.calls[0].request


def test_it_starts_a_chat_as_multipart_form_data_with_a_boundary(api, postpress):
    request = start_chat(
        api, postpress, NewChat(account_id=ACCOUNT_ID, attendees_ids=("ACoAACr-1eYBl",))
    )

    assert request.method == "POST"
    assert request.url == CHATS_URL
    content_type = request.headers["Content-Type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    boundary = content_type.partition("boundary=")[2]
    assert boundary
    assert request.body.startswith(b"--" + boundary.encode() + b"\r\n")


def test_it_sends_the_account_and_every_attendee_in_order(api, postpress):
    request = start_chat(
        api,
        postpress,
        NewChat(account_id=ACCOUNT_ID, attendees_ids=("ACoFirst", "ACwSecond", "AEThird")),
    )

    assert text_fields(request) == [
        ("account_id", ACCOUNT_ID),
        ("attendees_ids[]", "ACoFirst"),
        ("attendees_ids[]", "ACwSecond"),
        ("attendees_ids[]", "AEThird"),
    ]


def test_it_leaves_every_optional_field_out_when_none(api, postpress):
    request = start_chat(
        api, postpress, NewChat(account_id=ACCOUNT_ID, attendees_ids=("ACoAACr-1eYBl",))
    )

    assert [(p.name, p.data.decode()) for p in multipart_parts(request)] == MINIMAL_FIELDS


def test_it_leaves_out_a_text_and_subject_that_are_empty(api, postpress):
    request = start_chat(
        api,
        postpress,
        NewChat(account_id=ACCOUNT_ID, attendees_ids=("ACoAACr-1eYBl",), text="", subject=""),
    )

    assert text_fields(request) == MINIMAL_FIELDS


def test_it_sends_the_text_and_subject(api, postpress):
    request = start_chat(
        api,
        postpress,
        NewChat(
            account_id=ACCOUNT_ID,
            attendees_ids=("ACoAACr-1eYBl",),
            text="Hey! Interested in chatting about <strong>your role</strong>?\nÇa va ?",
            subject="Your role",
        ),
    )

    assert text_fields(request) == [
        *MINIMAL_FIELDS,
        ("text", "Hey! Interested in chatting about <strong>your role</strong>?\nÇa va ?"),
        ("subject", "Your role"),
    ]


def test_it_sends_each_attachment_with_its_filename_content_type_and_exact_bytes(
    api, postpress, tmp_path
):
    cv = write(tmp_path, "cv.pdf", b"%PDF-1.7\r\n\x00\xff\xfe binary\r\n--not-a-boundary\r\n")
    photo = write(tmp_path, "photo.jpg", bytes(range(256)))
    request = start_chat(
        api,
        postpress,
        NewChat(
            account_id=ACCOUNT_ID,
            attendees_ids=("ACoAACr-1eYBl",),
            attachments=(
                Upload(cv, filename="cv.pdf", content_type="application/pdf"),
                Upload(photo, filename="photo.jpg", content_type="image/jpeg"),
            ),
        ),
    )

    assert file_fields(request) == [
        ("attachments", "cv.pdf", "application/pdf", cv.read_bytes()),
        ("attachments", "photo.jpg", "image/jpeg", bytes(range(256))),
    ]
    assert text_fields(request) == MINIMAL_FIELDS


def test_it_sends_an_upload_without_a_content_type_as_octet_stream(api, postpress, tmp_path):
    notes = write(tmp_path, "notes", b"plain")
    request = start_chat(
        api,
        postpress,
        NewChat(
            account_id=ACCOUNT_ID,
            attendees_ids=("ACoAACr-1eYBl",),
            attachments=(Upload(notes, filename="notes.bin"),),
        ),
    )

    assert file_fields(request) == [
        ("attachments", "notes.bin", "application/octet-stream", b"plain")
    ]


def test_it_sends_a_voice_message_and_a_video_message(api, postpress, tmp_path):
    voice = write(tmp_path, "voice.m4a", b"\x00\x00\x00\x20ftypM4A voice")
    video = write(tmp_path, "video.mp4", b"\x00\x00\x00\x18ftypmp42 video")
    request = start_chat(
        api,
        postpress,
        NewChat(
            account_id=ACCOUNT_ID,
            attendees_ids=("ACoAACr-1eYBl",),
            voice_message=Upload(voice, filename="voice.m4a", content_type="audio/mp4"),
            video_message=Upload(video, filename="video.mp4", content_type="video/mp4"),
        ),
    )

    assert file_fields(request) == [
        ("voice_message", "voice.m4a", "audio/mp4", voice.read_bytes()),
        ("video_message", "video.mp4", "video/mp4", video.read_bytes()),
    ]


def test_it_sends_classic_options_in_bracket_notation(api, postpress):
    request = start_chat(
        api,
        postpress,
        NewChat(
            account_id=ACCOUNT_ID,
            attendees_ids=("ACoAACr-1eYBl",),
            text="Hello",
            linkedin=ClassicOptions(
                inmail=True,
                topic="request_demo",
                applicant_id="app_123",
                invitation_id="inv_456",
            ),
        ),
    )

    assert text_fields(request) == [
        *MINIMAL_FIELDS,
        ("text", "Hello"),
        ("linkedin[api]", "classic"),
        ("linkedin[inmail]", "true"),
        ("linkedin[topic]", "request_demo"),
        ("linkedin[applicant_id]", "app_123"),
        ("linkedin[invitation_id]", "inv_456"),
    ]


def test_it_leaves_inmail_out_when_false_and_optional_classic_fields_out_when_none(api, postpress):
    request = start_chat(
        api,
        postpress,
        NewChat(
            account_id=ACCOUNT_ID,
            attendees_ids=("ACoAACr-1eYBl",),
            linkedin=ClassicOptions(inmail=False),
        ),
    )

    assert text_fields(request) == [*MINIMAL_FIELDS, ("linkedin[api]", "classic")]


def test_it_sends_only_the_api_for_sales_navigator(api, postpress):
    request = start_chat(
        api,
        postpress,
        NewChat(
            account_id=ACCOUNT_ID,
            attendees_ids=("ACwAACr-1eYBl",),
            linkedin=SalesNavigatorOptions(),
        ),
    )

    assert text_fields(request) == [
        ("account_id", ACCOUNT_ID),
        ("attendees_ids[]", "ACwAACr-1eYBl"),
        ("linkedin[api]", "sales_navigator"),
    ]


def test_it_sends_every_recruiter_field(api, postpress):
    request = start_chat(
        api,
        postpress,
        NewChat(
            account_id=ACCOUNT_ID,
            attendees_ids=("AEAACr-1eYBl",),
            linkedin=RecruiterOptions(
                signature="Jordan, Acme",
                hiring_project_id="proj_1",
                job_posting_id="job_2",
                sourcing_channel="RECRUITER_SEARCH",
                email_address="ada@example.com",
                visibility="PROJECT",
            ),
        ),
    )

    assert text_fields(request) == [
        ("account_id", ACCOUNT_ID),
        ("attendees_ids[]", "AEAACr-1eYBl"),
        ("linkedin[api]", "recruiter"),
        ("linkedin[signature]", "Jordan, Acme"),
        ("linkedin[hiring_project_id]", "proj_1"),
        ("linkedin[job_posting_id]", "job_2"),
        ("linkedin[sourcing_channel]", "RECRUITER_SEARCH"),
        ("linkedin[email_address]", "ada@example.com"),
        ("linkedin[visibility]", "PROJECT"),
    ]


def test_it_sends_only_the_api_for_recruiter_options_left_empty(api, postpress):
    request = start_chat(
        api,
        postpress,
        NewChat(account_id=ACCOUNT_ID, attendees_ids=("AEAACr",), linkedin=RecruiterOptions()),
    )

    assert text_fields(request) == [
        ("account_id", ACCOUNT_ID),
        ("attendees_ids[]", "AEAACr"),
        ("linkedin[api]", "recruiter"),
    ]


def test_it_schedules_a_recruiter_follow_up_in_days_with_its_attachments(api, postpress, tmp_path):
    brochure = write(tmp_path, "brochure.pdf", b"%PDF brochure \x00\x01")
    request = start_chat(
        api,
        postpress,
        NewChat(
            account_id=ACCOUNT_ID,
            attendees_ids=("AEAACr",),
            linkedin=RecruiterOptions(
                follow_up=FollowUp(
                    subject="Following up",
                    text="Any thoughts?",
                    timezone="Europe/Paris",
                    days=3,
                    attachments=(
                        Upload(brochure, filename="brochure.pdf", content_type="application/pdf"),
                    ),
                )
            ),
        ),
    )

    assert text_fields(request) == [
        ("account_id", ACCOUNT_ID),
        ("attendees_ids[]", "AEAACr"),
        ("linkedin[api]", "recruiter"),
        ("linkedin[follow_up][subject]", "Following up"),
        ("linkedin[follow_up][text]", "Any thoughts?"),
        ("linkedin[follow_up][scheduled_time][days]", "3"),
        ("linkedin[follow_up][scheduled_time][timezone]", "Europe/Paris"),
    ]
    assert file_fields(request) == [
        (
            "linkedin[follow_up][attachments]",
            "brochure.pdf",
            "application/pdf",
            b"%PDF brochure \x00\x01",
        )
    ]


def test_it_schedules_a_recruiter_follow_up_in_weeks(api, postpress):
    request = start_chat(
        api,
        postpress,
        NewChat(
            account_id=ACCOUNT_ID,
            attendees_ids=("AEAACr",),
            linkedin=RecruiterOptions(
                follow_up=FollowUp(
                    subject="Following up",
                    text="Any thoughts?",
                    timezone="America/Phoenix",
                    weeks=2,
                )
            ),
        ),
    )

    names = [name for name, _ in text_fields(request)]
    assert ("linkedin[follow_up][scheduled_time][weeks]", "2") in text_fields(request)
    assert ("linkedin[follow_up][scheduled_time][timezone]", "America/Phoenix") in text_fields(
        request
    )
    assert "linkedin[follow_up][scheduled_time][days]" not in names
    assert file_fields(request) == []


@pytest.mark.parametrize(
    "schedule",
    [{}, {"days": 3, "weeks": 1}, {"days": 2}, {"days": 29}, {"weeks": 0}, {"weeks": 5}],
    ids=["neither", "both", "too-few-days", "too-many-days", "too-few-weeks", "too-many-weeks"],
)
def test_it_refuses_a_follow_up_scheduled_outside_the_documented_windows(schedule):
    # The API wants either days (3-28) or weeks (1-4): nothing else can even be built.
    with pytest.raises(ValueError, match="follow-up"):
        FollowUp(subject="Following up", text="Any thoughts?", timezone="UTC", **schedule)


def test_it_sends_the_multipart_body_with_a_content_length_not_chunked(api, postpress, tmp_path):
    big = write(tmp_path, "big.bin", b"x" * 200_000)
    request = start_chat(
        api,
        postpress,
        NewChat(
            account_id=ACCOUNT_ID,
            attendees_ids=("ACoAACr-1eYBl",),
            attachments=(Upload(big, filename="big.bin"),),
        ),
    )

    assert "Transfer-Encoding" not in request.headers
    assert int(request.headers["Content-Length"]) == len(request.body)
    assert file_fields(request)[0][3] == b"x" * 200_000


class RecordingAdapter(HTTPAdapter):
    """Notes the body object requests hands to the transport (responses patches send below)."""

    def __init__(self) -> None:
        super().__init__(max_retries=0)
        self.bodies: list[object] = []

    def send(self, request, *args, **kwargs):
        self.bodies.append(request.body)
        return super().send(request, *args, **kwargs)


def test_it_streams_the_multipart_body_from_disk_rather_than_building_bytes(api, tmp_path):
    adapter = RecordingAdapter()
    session = requests.Session()
    session.mount("https://", adapter)
    postpress = PostpressClient(
        base_url=BASE_URL,
        api_key=API_KEY,
        session=session,
        sleep=lambda _: None,
        host_policy=HOST_POLICY,
    )
    big = write(tmp_path, "big.bin", b"y" * 100_000)
    api.add("POST", CHATS_URL, json=CHAT_STARTED, status=201)

    postpress.start_chat(
        NewChat(
            account_id=ACCOUNT_ID,
            attendees_ids=("ACoAACr-1eYBl",),
            attachments=(Upload(big, filename="big.bin"),),
        )
    )

    [body] = adapter.bodies
    assert not isinstance(body, bytes | str)
    assert hasattr(body, "read")
    assert file_fields(api.calls[0].request) == [
        ("attachments", "big.bin", "application/octet-stream", b"y" * 100_000)
    ]


@dataclass(frozen=True)
class TrackedUpload(Upload):
    opened: list[BinaryIO] | None = None

    def open(self) -> BinaryIO:
        handle = super().open()
        assert self.opened is not None
        self.opened.append(handle)
        return handle


def test_it_closes_every_uploaded_file_after_the_call(api, postpress, tmp_path):
    opened: list[BinaryIO] = []
    attachment = TrackedUpload(write(tmp_path, "a.txt", b"a"), filename="a.txt", opened=opened)
    voice = TrackedUpload(write(tmp_path, "v.m4a", b"v"), filename="v.m4a", opened=opened)

    start_chat(
        api,
        postpress,
        NewChat(
            account_id=ACCOUNT_ID,
            attendees_ids=("ACoAACr-1eYBl",),
            attachments=(attachment,),
            voice_message=voice,
        ),
    )

    assert len(opened) == 2
    assert all(handle.closed for handle in opened)


@pytest.mark.parametrize(
    ("endpoint", "timeout"),
    [
        (ENDPOINTS["list-received"], (3.05, 10.0)),
        (ENDPOINTS["send"], (3.05, 10.0)),
        (ENDPOINTS["handle-received"], (3.05, 10.0)),
        (ENDPOINTS["cancel"], (3.05, 10.0)),
        (ENDPOINTS["start-chat"], (3.05, 120.0)),
    ],
    ids=["list-received", "send", "handle-received", "cancel", "start-chat"],
)
def test_it_sets_a_connect_and_read_timeout_on_every_call(api, postpress, endpoint, timeout):
    method, path, status, answer, call = endpoint
    api.add(method, re.compile(re.escape(BASE_URL + path)), json=answer, status=status)

    call(postpress)

    assert api.calls[0].request.req_kwargs["timeout"] == timeout


# --- typed results -------------------------------------------------------------------------


def test_it_parses_a_page_of_received_invitations(api, postpress):
    api.add("GET", LIST_URL, json=INVITATION_LIST)

    page = postpress.list_received_invitations(account_id=ACCOUNT_ID)

    assert page == InvitationPage(
        items=[
            ReceivedInvitation(
                id=INVITATION_ID,
                invited_user="Ada Lovelace",
                invited_user_id="ACoAACr-1eYBl",
                invited_user_public_id="ada-lovelace",
                invited_user_description="Founder at postpress",
                date="May 12, 2026",
                parsed_datetime="2026-05-12T08:14:00.000Z",
                invitation_text="Hi, would love to connect.",
                inviter=Inviter(
                    name="Jordan Walke",
                    id="ACoAABxyz",
                    public_identifier="jordan-walke",
                    description="Engineer at Acme",
                ),
                provider="LINKEDIN",
                shared_secret="AQH-secret",
            )
        ],
        cursor="eyJvIjoxMH0",
    )


def test_it_reads_a_null_cursor_as_the_last_page(api, postpress):
    api.add("GET", LIST_URL, json={"object": "InvitationList", "items": [], "cursor": None})

    page = postpress.list_received_invitations(account_id=ACCOUNT_ID)

    assert page == InvitationPage(items=[], cursor=None)


def test_it_parses_an_invitation_without_inviter_or_specifics(api, postpress):
    item = {
        "object": "InvitationReceived",
        "id": "inv_ig_1",
        "invited_user": "Grace Hopper",
        "invited_user_id": "178414",
        "invited_user_public_id": "grace",
        "invited_user_description": "",
        "date": "yesterday",
        "parsed_datetime": None,
        "invitation_text": "",
    }
    api.add("GET", LIST_URL, json={"object": "InvitationList", "items": [item], "cursor": None})

    [invitation] = postpress.list_received_invitations(account_id=ACCOUNT_ID).items

    assert invitation.id == "inv_ig_1"
    assert invitation.invited_user == "Grace Hopper"
    assert invitation.inviter is None
    assert invitation.provider is None
    assert invitation.shared_secret is None
    assert invitation.parsed_datetime is None


def test_it_reports_the_usage_of_the_provider_limit_when_present(api, postpress):
    api.add("POST", SEND_URL, json=INVITATION_SENT)

    sent = postpress.send_invitation(account_id=ACCOUNT_ID, provider_id="ACoAACr-1eYBl")

    assert sent == InvitationSent(invitation_id=INVITATION_ID, usage=75)


def test_it_reports_no_usage_when_the_api_leaves_it_out(api, postpress):
    api.add("POST", SEND_URL, json={"object": "UserInvitationSent", "invitation_id": "inv_2"})

    sent = postpress.send_invitation(account_id=ACCOUNT_ID, provider_id="ACoAACr-1eYBl")

    assert sent == InvitationSent(invitation_id="inv_2", usage=None)


@pytest.mark.parametrize("status", ["ACCEPTED", "DECLINED"])
def test_it_returns_the_status_of_a_handled_invitation(api, postpress, status):
    api.add("POST", HANDLE_URL, json={"object": "UserInvitationHandled", "status": status})

    handled = postpress.handle_received_invitation(
        invitation_id=INVITATION_ID,
        account_id=ACCOUNT_ID,
        provider=Provider.INSTAGRAM,
        action=InvitationAction.ACCEPT,
    )

    assert handled == InvitationHandled(status=status)


def test_it_returns_a_canceled_result(api, postpress):
    api.add(
        "DELETE",
        re.compile(re.escape(f"{BASE_URL}/users/invite/sent/") + ".*"),
        json=INVITATION_CANCELED,
    )

    canceled = postpress.cancel_invitation(invitation_id=INVITATION_ID, account_id=ACCOUNT_ID)

    assert isinstance(canceled, InvitationCanceled)


def test_it_returns_the_ids_of_a_started_chat(api, postpress):
    api.add("POST", CHATS_URL, json=CHAT_STARTED, status=201)

    started = postpress.start_chat(NewChat(account_id=ACCOUNT_ID, attendees_ids=("ACoAACr",)))

    assert started == ChatStarted(
        chat_id="chat_01HXYZ4QK3WJ8FN3M6QH7TZ8GR", message_id="msg_01HXYZ4QK3WJ8FN3M6QH7TZ8GR"
    )


def test_it_returns_none_ids_for_a_chat_the_provider_has_not_numbered_yet(api, postpress):
    api.add(
        "POST",
        CHATS_URL,
        json={"object": "ChatStarted", "chat_id": None, "message_id": None},
        status=201,
    )

    started = postpress.start_chat(NewChat(account_id=ACCOUNT_ID, attendees_ids=("ACoAACr",)))

    assert started == ChatStarted(chat_id=None, message_id=None)
