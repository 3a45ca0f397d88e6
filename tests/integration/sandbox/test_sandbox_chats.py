"""The sandbox's start-chat endpoint over HTTP: multipart parsing, recording, LinkedIn options."""

import hashlib
from pathlib import Path
from typing import Any

import pytest
import requests

from postpress_dashboard.postpress.base_url import HostPolicy
from postpress_dashboard.postpress.client import PostpressClient
from postpress_dashboard.postpress.multipart import ArrayStyle
from postpress_dashboard.postpress.schemas import FollowUp as FollowUpOptions
from postpress_dashboard.postpress.schemas import NewChat, RecruiterOptions, Upload
from postpress_dashboard.sandbox.server import RunningSandbox
from tests.integration.sandbox.sandbox_http import SandboxClient, error_of

pytestmark = pytest.mark.sandbox

LINKEDIN = "acc_linkedin_demo"
INSTAGRAM = "acc_instagram_demo"
WHATSAPP = "acc_whatsapp_demo"
# Bigger than Django's 2.5 MB in-memory limit for form fields: files must stream past it.
BIG_FILE = bytes(range(256)) * (3 * 1024 * 1024 // 256)
FollowUp = dict[str, str]


def start_chat(
    api: SandboxClient,
    fields: dict[str, Any] | None = None,
    files: list[tuple[str, tuple[str, bytes, str]]] | None = None,
    account_id: str = LINKEDIN,
) -> requests.Response:
    data = {"account_id": account_id, "attendees_ids[]": ["ACoAA1"], **(fields or {})}
    # A dummy part keeps requests on multipart/form-data even when a test sends no file.
    parts = files or [("attachments", ("hello.txt", b"hello", "text/plain"))]
    return api.post("/chats", data=data, files=parts)


def test_it_starts_a_chat_and_records_every_field_and_file(
    sandbox: RunningSandbox, api: SandboxClient
) -> None:
    fields = {
        "attendees_ids[]": ["ACwAA1", "ACwAA2"],
        "text": "Hi both — <strong>quick</strong> question",
        "subject": "Your application",
        "linkedin[api]": "recruiter",
        "linkedin[visibility]": "PROJECT",
        "linkedin[sourcing_channel]": "REFERRAL",
        "linkedin[follow_up][subject]": "Following up",
        "linkedin[follow_up][text]": "Any news?",
        "linkedin[follow_up][scheduled_time][weeks]": "2",
        "linkedin[follow_up][scheduled_time][timezone]": "America/Phoenix",
    }
    files = [
        ("attachments", ("brochure.pdf", b"%PDF-1.4 tiny", "application/pdf")),
        ("attachments", ("big.bin", BIG_FILE, "application/octet-stream")),
        ("linkedin[follow_up][attachments]", ("ça.txt", b"merci", "text/plain")),
    ]
    response = start_chat(api, fields, files)

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"object", "chat_id", "message_id"}
    assert body["object"] == "ChatStarted"
    [chat] = sandbox.state.chats
    assert chat.chat_id == body["chat_id"]
    assert chat.fields == {"account_id": [LINKEDIN], **{k: _listed(v) for k, v in fields.items()}}
    received = [(f.field_name, f.filename, f.content_type, f.size, f.sha256) for f in chat.files]
    assert received == [
        (name, filename, ctype, len(data), _sha256(data)) for name, (filename, data, ctype) in files
    ]


def test_it_starts_a_classic_chat_with_an_inmail_and_a_topic(
    sandbox: RunningSandbox, api: SandboxClient
) -> None:
    fields = {"linkedin[api]": "classic", "linkedin[inmail]": "true", "linkedin[topic]": "careers"}
    assert start_chat(api, fields).status_code == 201
    assert sandbox.state.chats[0].fields["linkedin[inmail]"] == ["true"]


def test_it_starts_a_whatsapp_chat_with_a_voice_message(
    sandbox: RunningSandbox, api: SandboxClient
) -> None:
    voice = [("voice_message", ("note.m4a", b"\x00\x00\x00\x18ftypM4A ", "audio/mp4"))]
    assert start_chat(api, files=voice, account_id=WHATSAPP).status_code == 201
    assert [f.filename for f in sandbox.state.chats[0].files_in("voice_message")] == ["note.m4a"]


def test_it_refuses_a_body_that_is_not_multipart(api: SandboxClient) -> None:
    response = api.post("/chats", json={"account_id": LINKEDIN, "attendees_ids": ["ACoAA1"]})
    assert error_of(response) == (400, "errors/malformed_request")


def test_it_refuses_multipart_without_a_boundary(api: SandboxClient) -> None:
    response = api.post(
        "/chats", data=b"account_id=x", headers={"Content-Type": "multipart/form-data"}
    )
    assert error_of(response) == (400, "errors/malformed_request")


def test_it_requires_at_least_one_attendee(sandbox: RunningSandbox, api: SandboxClient) -> None:
    response = start_chat(api, {"attendees_ids[]": []})
    assert error_of(response) == (400, "errors/missing_parameters")
    assert sandbox.state.chats == []


@pytest.mark.parametrize("attendees", ["attendees_ids", "attendees_ids[]"])
@pytest.mark.parametrize("attachments", ["attachments", "attachments[]"])
@pytest.mark.parametrize(
    "follow_up_attachments",
    ["linkedin[follow_up][attachments]", "linkedin[follow_up][attachments][]"],
)
def test_it_takes_each_array_with_or_without_brackets(
    sandbox: RunningSandbox,
    api: SandboxClient,
    attendees: str,
    attachments: str,
    follow_up_attachments: str,
) -> None:
    # The docs' table says attendees_ids and attachments, their example attendees_ids[]: the
    # client's spelling is a setting (POSTPRESS_MULTIPART_ARRAYS), so the sandbox takes both.
    data = {"account_id": LINKEDIN, attendees: ["AEmaria", "AEjordan"], **_follow_up(days="7")}
    files = [
        (attachments, ("a.pdf", b"%PDF-1.4 a", "application/pdf")),
        (attachments, ("b.pdf", b"%PDF-1.4 b", "application/pdf")),
        (follow_up_attachments, ("c.pdf", b"%PDF-1.4 c", "application/pdf")),
    ]
    response = api.post("/chats", data=data, files=files)

    assert response.status_code == 201
    [chat] = sandbox.state.chats
    assert chat.fields[attendees] == ["AEmaria", "AEjordan"]  # kept as received
    assert [f.filename for f in chat.files_in(attachments)] == ["a.pdf", "b.pdf"]
    assert [f.filename for f in chat.files_in(follow_up_attachments)] == ["c.pdf"]


@pytest.mark.parametrize("style", list(ArrayStyle))
def test_the_client_starts_a_chat_in_every_array_style(
    sandbox: RunningSandbox, tmp_path: Path, style: ArrayStyle
) -> None:
    pdf = tmp_path / "brief.pdf"
    pdf.write_bytes(b"%PDF-1.4 brief")
    upload = Upload(pdf, "brief.pdf", "application/pdf")
    client = PostpressClient(
        base_url=sandbox.base_url,
        api_key=sandbox.api_key,
        host_policy=HostPolicy.of(["127.0.0.1"], allow_loopback_http=True),
        multipart_arrays=style,
    )
    follow_up = FollowUpOptions(
        subject="Following up",
        text="Any news?",
        timezone="Europe/Paris",
        weeks=2,
        attachments=(upload,),
    )
    chat = NewChat(
        account_id=LINKEDIN,
        attendees_ids=("AEmaria", "AEjordan"),
        attachments=(upload, upload),
        linkedin=RecruiterOptions(follow_up=follow_up),
    )

    assert client.start_chat(chat).chat_id
    [received] = sandbox.state.chats
    attendees = style.name_of("attendees_ids", attendees=True)
    assert received.fields[attendees] == ["AEmaria", "AEjordan"]
    assert len(received.files_in(style.name_of("attachments"))) == 2
    assert len(received.files_in(style.name_of("linkedin[follow_up][attachments]"))) == 1


@pytest.mark.parametrize(
    ("data", "files"),
    [
        ({"attendees_ids": ["ACoAA1"], "attendees_ids[]": ["ACoAA2"]}, None),
        (
            {"attendees_ids[]": ["ACoAA1"]},
            [
                ("attachments", ("a.txt", b"a", "text/plain")),
                ("attachments[]", ("b.txt", b"b", "text/plain")),
            ],
        ),
    ],
)
def test_it_refuses_one_array_spelled_both_ways(
    sandbox: RunningSandbox,
    api: SandboxClient,
    data: dict[str, list[str]],
    files: list[tuple[str, tuple[str, bytes, str]]] | None,
) -> None:
    parts = files or [("attachments", ("a.txt", b"a", "text/plain"))]
    response = api.post("/chats", data={"account_id": LINKEDIN, **data}, files=parts)
    assert error_of(response) == (400, "errors/invalid_parameters")
    assert "not both" in response.json()["detail"]
    assert sandbox.state.chats == []


@pytest.mark.parametrize("name", ["attendee_ids[]", "attendees_ids[0]"])
def test_it_still_refuses_attendee_names_the_docs_never_use(api: SandboxClient, name: str) -> None:
    response = start_chat(api, {name: ["ACoAA2"]})
    assert error_of(response) == (400, "errors/invalid_parameters")


def test_it_still_refuses_attachment_names_the_docs_never_use(api: SandboxClient) -> None:
    response = start_chat(api, files=[("attachments[0]", ("a.txt", b"a", "text/plain"))])
    assert error_of(response) == (400, "errors/invalid_parameters")


def test_it_refuses_follow_up_attachments_in_brackets_outside_recruiter(
    api: SandboxClient,
) -> None:
    files = [("linkedin[follow_up][attachments][]", ("a.txt", b"a", "text/plain"))]
    response = start_chat(api, {"linkedin[api]": "classic"}, files)
    assert error_of(response) == (400, "errors/invalid_parameters")


@pytest.mark.parametrize(
    "fields",
    [
        {"linkedin[api]": "recruiter", "linkedin[inmail]": "true"},
        {"linkedin[api]": "sales_navigator", "linkedin[topic]": "support"},
        {"linkedin[signature]": "Ada"},  # classic by default
        {"linkedin[api]": "premium"},
        {"linkedin[inmail]": "yes"},
        {"linkedin[topic]": "sales"},
        {"linkedin[api]": "recruiter", "linkedin[visibility]": "SECRET"},
        {"linkedin[api]": "recruiter", "linkedin[sourcing_channel]": "COLD_EMAIL"},
    ],
)
def test_it_refuses_linkedin_options_that_do_not_fit_the_chosen_api(
    api: SandboxClient, fields: dict[str, str]
) -> None:
    assert error_of(start_chat(api, fields)) == (400, "errors/invalid_parameters")


def test_it_refuses_linkedin_options_on_another_provider(api: SandboxClient) -> None:
    response = start_chat(api, {"linkedin[api]": "classic"}, account_id=WHATSAPP)
    assert error_of(response) == (400, "errors/invalid_parameters")


@pytest.mark.parametrize(
    ("field_name", "account_id"),
    [("voice_message", INSTAGRAM), ("video_message", WHATSAPP)],
)
def test_it_refuses_voice_and_video_messages_where_the_provider_has_none(
    api: SandboxClient, field_name: str, account_id: str
) -> None:
    media = [(field_name, ("clip.mp4", b"\x00" * 64, "video/mp4"))]
    response = start_chat(api, files=media, account_id=account_id)
    assert error_of(response) == (400, "errors/invalid_parameters")


def _follow_up(**schedule: str) -> FollowUp:
    fields = {
        "linkedin[api]": "recruiter",
        "linkedin[follow_up][subject]": "Following up",
        "linkedin[follow_up][text]": "Any news?",
        "linkedin[follow_up][scheduled_time][timezone]": "Europe/Paris",
    }
    for unit, value in schedule.items():
        key = f"linkedin[follow_up][scheduled_time][{unit}]"
        if value:
            fields[key] = value
        else:
            fields.pop(key)
    return fields


@pytest.mark.parametrize(
    "schedule", [{"days": "3"}, {"days": "28"}, {"weeks": "1"}, {"weeks": "4"}]
)
def test_it_accepts_a_follow_up_within_the_documented_windows(
    api: SandboxClient, schedule: dict[str, str]
) -> None:
    assert start_chat(api, _follow_up(**schedule)).status_code == 201


@pytest.mark.parametrize(
    ("fields", "error_type"),
    [
        (_follow_up(days="2"), "errors/invalid_parameters"),
        (_follow_up(days="29"), "errors/invalid_parameters"),
        (_follow_up(weeks="5"), "errors/invalid_parameters"),
        (_follow_up(weeks="1.5"), "errors/invalid_parameters"),
        (_follow_up(days="7", weeks="1"), "errors/invalid_parameters"),
        (_follow_up(days="7", timezone="Mars/Olympus_Mons"), "errors/invalid_parameters"),
        (_follow_up(days="7", timezone=""), "errors/missing_parameters"),
        (_follow_up(), "errors/missing_parameters"),
    ],
)
def test_it_refuses_a_follow_up_outside_the_documented_schedule(
    api: SandboxClient, fields: FollowUp, error_type: str
) -> None:
    assert error_of(start_chat(api, fields)) == (400, error_type)


def _listed(value: str | list[str]) -> list[str]:
    return value if isinstance(value, list) else [value]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
