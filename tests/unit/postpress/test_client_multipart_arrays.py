"""How the start-chat form spells its arrays: the docs leave it open (their table says
`attendees_ids` and `attachments`, their example sends `attendees_ids[]`), so it is a setting,
POSTPRESS_MULTIPART_ARRAYS, passed to the client as `multipart_arrays`. Each style's exact wire
format, as `responses` recorded it."""

from pathlib import Path

import pytest
import requests

from postpress_dashboard.postpress.client import PostpressClient
from postpress_dashboard.postpress.multipart import ArrayStyle
from postpress_dashboard.postpress.schemas import FollowUp, NewChat, RecruiterOptions, Upload
from tests.unit.postpress.support import ACCOUNT_ID, API_KEY, BASE_URL, HOST_POLICY
from tests.unit.postpress.test_client_wire_format import (
    CHAT_STARTED,
    CHATS_URL,
    file_fields,
    text_fields,
)

FOLLOW_UP = "linkedin[follow_up]"


def recruiter_chat(tmp_path: Path) -> NewChat:
    def upload(name: str) -> Upload:
        path = tmp_path / name
        path.write_bytes(b"%PDF-1.7 " + name.encode())
        return Upload(path, filename=name, content_type="application/pdf")

    return NewChat(
        account_id=ACCOUNT_ID,
        attendees_ids=("AEmaria", "AEjordan"),
        text="Hello",
        attachments=(upload("a.pdf"), upload("b.pdf")),
        linkedin=RecruiterOptions(
            follow_up=FollowUp(
                subject="Following up",
                text="Any news?",
                timezone="Europe/Paris",
                days=7,
                attachments=(upload("c.pdf"),),
            )
        ),
    )


def sent(api, tmp_path: Path, **client_options: ArrayStyle) -> requests.PreparedRequest:
    client = PostpressClient(
        base_url=BASE_URL, api_key=API_KEY, host_policy=HOST_POLICY, **client_options
    )
    api.add("POST", CHATS_URL, json=CHAT_STARTED, status=201)
    client.start_chat(recruiter_chat(tmp_path))
    return api.calls[0].request


def array_names(request: requests.PreparedRequest) -> tuple[list[str], list[str]]:
    """(the attendee fields' names, the file fields' names), in the order sent."""
    attendees = [name for name, _ in text_fields(request) if name.startswith("attendees")]
    return attendees, [name for name, *_ in file_fields(request)]


def test_by_default_attendees_go_in_brackets_and_attachments_repeat_their_name(api, tmp_path):
    request = sent(api, tmp_path)

    assert array_names(request) == (
        ["attendees_ids[]", "attendees_ids[]"],
        ["attachments", "attachments", f"{FOLLOW_UP}[attachments]"],
    )


@pytest.mark.parametrize(
    ("style", "attendees", "attachments", "follow_up_attachments"),
    [
        ("brackets-for-attendees", "attendees_ids[]", "attachments", f"{FOLLOW_UP}[attachments]"),
        ("brackets", "attendees_ids[]", "attachments[]", f"{FOLLOW_UP}[attachments][]"),
        ("repeated", "attendees_ids", "attachments", f"{FOLLOW_UP}[attachments]"),
    ],
)
def test_each_array_style_spells_every_array_as_it_says(
    api, tmp_path, style, attendees, attachments, follow_up_attachments
):
    request = sent(api, tmp_path, multipart_arrays=ArrayStyle(style))

    assert text_fields(request) == [
        ("account_id", ACCOUNT_ID),
        (attendees, "AEmaria"),
        (attendees, "AEjordan"),
        ("text", "Hello"),
        ("linkedin[api]", "recruiter"),
        (f"{FOLLOW_UP}[subject]", "Following up"),
        (f"{FOLLOW_UP}[text]", "Any news?"),
        (f"{FOLLOW_UP}[scheduled_time][days]", "7"),
        (f"{FOLLOW_UP}[scheduled_time][timezone]", "Europe/Paris"),
    ]
    assert [(name, filename) for name, filename, *_ in file_fields(request)] == [
        (attachments, "a.pdf"),
        (attachments, "b.pdf"),
        (follow_up_attachments, "c.pdf"),
    ]


def test_a_style_given_as_its_setting_value_is_taken(api, tmp_path):
    client = PostpressClient(
        base_url=BASE_URL, api_key=API_KEY, host_policy=HOST_POLICY, multipart_arrays="brackets"
    )
    assert client.multipart_arrays is ArrayStyle.BRACKETS


def test_an_unknown_style_is_refused_when_the_client_is_built():
    with pytest.raises(ValueError):
        PostpressClient(base_url=BASE_URL, api_key=API_KEY, multipart_arrays="square")
