"""Uploads leave in large send blocks: the sessions transport.py builds read a streamed body
SEND_BLOCK_BYTES at a time, not urllib3's 16 KiB (docs/benchmarks.md, "Uploads"), and the
file arrives whole."""

import hashlib
import socket
from pathlib import Path

import pytest
from requests_toolbelt.multipart.encoder import MultipartEncoder

from postpress_dashboard.postpress import transport
from postpress_dashboard.postpress.client import PostpressClient
from postpress_dashboard.postpress.schemas import ClassicOptions, NewChat, Upload
from postpress_dashboard.sandbox.seed import LINKEDIN_ACCOUNT_ID
from postpress_dashboard.sandbox.server import running_sandbox
from tests.unit.postpress.support import HOST_POLICY

MIB = 1024 * 1024


def test_an_upload_is_read_from_its_encoder_in_send_blocks_and_arrives_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * (3 * MIB // 256))
    asked: list[int] = []
    read = MultipartEncoder.read
    handed: list[int] = []  # bytes per sendall on the client's sockets
    sendall = socket.socket.sendall

    def counting_sendall(self: socket.socket, data: bytes, *args: int) -> None:
        handed.append(len(data))
        sendall(self, data, *args)

    monkeypatch.setattr(socket.socket, "sendall", counting_sendall)

    def counting_read(self: MultipartEncoder, size: int = -1) -> bytes:
        asked.append(size)
        return read(self, size)

    monkeypatch.setattr(MultipartEncoder, "read", counting_read)
    chat = NewChat(
        account_id=LINKEDIN_ACCOUNT_ID,
        attendees_ids=("ACoAAB-jordan",),
        video_message=Upload(video, "clip.mp4", "video/mp4"),
        linkedin=ClassicOptions(),
    )

    with running_sandbox(api_key="pp_test_secret_key") as sandbox:
        client = PostpressClient(
            base_url=sandbox.base_url,
            api_key=sandbox.api_key,
            session=transport.pooled_session(),
            host_policy=HOST_POLICY,
        )
        client.start_chat(chat)
        [received] = sandbox.state.chats

    assert set(asked) == {transport.SEND_BLOCK_BYTES}
    assert transport.SEND_BLOCK_BYTES >= MIB
    # ...and go to the socket in slices: while a body is sent, the socket's timeout (the
    # connect timeout) bounds each sendall, which a 1 MiB block would miss on a slow link.
    assert max(handed) == transport.SOCKET_SLICE_BYTES
    assert sum(handed) > 3 * MIB
    [file] = received.files_in("video_message")
    assert file.sha256 == hashlib.sha256(video.read_bytes()).hexdigest()
