"""A start-chat body built while its files arrive has the very bytes of the one streamed from
disk: the same parts, names and order (new_chat_fields), whatever the array style."""

from contextlib import ExitStack
from pathlib import Path

import pytest
from requests_toolbelt.multipart.encoder import MultipartEncoder

from postpress_dashboard.postpress import multipart
from postpress_dashboard.postpress.multipart import ArrayStyle, StreamedFile
from postpress_dashboard.postpress.schemas import (
    ClassicOptions,
    FollowUp,
    NewChat,
    RecruiterOptions,
    Upload,
)

ROLES = {
    "attachments": "attachments",
    "attachments[]": "attachments",
    "voice_message": "voice_message",
    "video_message": "video_message",
    "linkedin[follow_up][attachments]": "follow_up_attachments",
    "linkedin[follow_up][attachments][]": "follow_up_attachments",
}


def upload(folder: Path, name: str, data: bytes, content_type: str) -> Upload:
    path = folder / name
    path.write_bytes(data)
    return Upload(path, name, content_type)


def chats(folder: Path) -> list[NewChat]:
    png = upload(folder, "a.png", b"\x89PNG" + b"x" * 3000, "image/png")
    text = upload(folder, "b.txt", "héllo".encode(), "text/plain")
    mp3 = upload(folder, "v.mp3", b"ID3" + b"y" * 100, "audio/mpeg")
    pdf = upload(folder, 'f "q".pdf', b"%PDF-" + b"z" * 10, "application/pdf")
    empty = upload(folder, "e.txt", b"", "text/plain")
    follow_up = FollowUp(
        subject="S", text="T <b>", timezone="Europe/Paris", days=3, attachments=(pdf, empty)
    )
    return [
        NewChat(
            account_id="acc",
            attendees_ids=("AE1", "AE2"),
            text="hi",
            subject="sub",
            attachments=(png, text),
            voice_message=mp3,
            linkedin=RecruiterOptions(signature="sig", follow_up=follow_up),
        ),
        NewChat(
            account_id="acc",
            attendees_ids=("ACo1",),
            video_message=mp3,
            linkedin=ClassicOptions(inmail=True, topic="support"),
        ),
        NewChat(account_id="acc", attendees_ids=("x@s.whatsapp.net",), text="only text"),
    ]


@pytest.mark.parametrize("arrays", list(ArrayStyle))
def test_the_streamed_body_is_byte_for_byte_the_one_streamed_from_disk(
    tmp_path: Path, arrays: ArrayStyle
) -> None:
    for chat in chats(tmp_path):
        fields = multipart.new_chat_fields(chat, arrays)
        with ExitStack() as files:
            values = [(name, multipart._encoder_value(v, files)) for name, v in fields]
            expected = MultipartEncoder(fields=values, boundary="BOUNDARY").to_string()
        streamed = [
            StreamedFile(ROLES[name], value.filename, value.content_type, split(value.path))
            for name, value in fields
            if isinstance(value, Upload)
        ]
        content_type, blocks = multipart.streamed_new_chat_body(
            chat, streamed, arrays, boundary="BOUNDARY"
        )
        assert content_type == "multipart/form-data; boundary=BOUNDARY"
        assert b"".join(blocks) == expected


def split(path: Path) -> list[bytes]:
    data = path.read_bytes()
    return [data[:7], b"", data[7:]] if data else []
