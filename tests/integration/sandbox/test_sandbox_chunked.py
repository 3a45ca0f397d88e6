"""Request bodies sent chunked (RFC 9112 §7.1: every HTTP/1.1 recipient must parse them): the
sandbox decodes them under the same limits as bodies with a Content-Length, and a body cut off
before its last chunk (or before its Content-Length) is no request: nothing starts, no answer."""

import hashlib
import json
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from postpress_dashboard.postpress.base_url import HostPolicy
from postpress_dashboard.postpress.client import PostpressClient
from postpress_dashboard.postpress.multipart import StreamedFile, streamed_new_chat_body
from postpress_dashboard.postpress.schemas import ClassicOptions, NewChat
from postpress_dashboard.sandbox.request import MAX_JSON_BODY_BYTES
from postpress_dashboard.sandbox.server import RunningSandbox

pytestmark = pytest.mark.sandbox

LINKEDIN = "acc_linkedin_demo"
CHAT = NewChat(account_id=LINKEDIN, attendees_ids=("ACoAA1",), text="Hi", linkedin=ClassicOptions())
VIDEO = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 12_000  # about 3 MB


def chunked(blocks: list[bytes]) -> bytes:
    return b"".join(b"%x\r\n%b\r\n" % (len(block), block) for block in blocks if block)


def multipart_blocks(boundary: str = "b0undary") -> tuple[str, list[bytes]]:
    files = [StreamedFile("video_message", "clip.mp4", "video/mp4", [VIDEO[:1000], VIDEO[1000:]])]
    content_type, body = streamed_new_chat_body(CHAT, files, boundary=boundary)
    return content_type, list(body)


@pytest.fixture
def raw(sandbox: RunningSandbox) -> Iterator[socket.socket]:
    address = urlsplit(sandbox.base_url)
    connection = socket.create_connection((address.hostname, address.port), timeout=10)
    yield connection
    connection.close()


def head(sandbox: RunningSandbox, content_type: str, path: str = "/api/v1/chats") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: sandbox\r\nX-API-KEY: {sandbox.api_key}\r\n"
        f"Content-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()


def answer_of(connection: socket.socket) -> bytes:
    """Everything the sandbox sends until it closes the connection (b"" for no answer)."""
    received = b""
    while data := connection.recv(65536):
        received += data
    return received


def answer_of_one(connection: socket.socket) -> bytes:
    """One answer on a connection kept open: its head and its Content-Length's body."""
    received = b""
    while b"\r\n\r\n" not in received:
        received += connection.recv(65536)
    head, _, body = received.partition(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
    while len(body) < length:
        body += connection.recv(65536)
    return head + b"\r\n\r\n" + body


def test_the_client_starts_a_chat_whose_file_is_sent_chunked(sandbox: RunningSandbox) -> None:
    client = PostpressClient(
        base_url=sandbox.base_url,
        api_key=sandbox.api_key,
        host_policy=HostPolicy.of(["127.0.0.1"], allow_loopback_http=True),
    )
    blocks = [VIDEO[i : i + 65536] for i in range(0, len(VIDEO), 65536)]
    files = [StreamedFile("video_message", "clip.mp4", "video/mp4", iter(blocks))]

    started = client.start_chat_streamed(CHAT, files)

    [chat] = sandbox.state.chats
    assert chat.chat_id == started.chat_id
    assert chat.fields == {
        "account_id": [LINKEDIN],
        "attendees_ids[]": ["ACoAA1"],
        "text": ["Hi"],
        "linkedin[api]": ["classic"],
    }
    [video] = chat.files
    assert (video.field_name, video.filename, video.content_type) == (
        "video_message",
        "clip.mp4",
        "video/mp4",
    )
    assert (video.size, video.sha256) == (len(VIDEO), hashlib.sha256(VIDEO).hexdigest())


def test_a_chunked_body_with_extensions_and_trailers_is_read_and_the_connection_kept(
    sandbox: RunningSandbox, raw: socket.socket
) -> None:
    content_type, blocks = multipart_blocks()
    body = b"".join(blocks)
    framed = b"".join(
        b"%x;name=value\r\n%b\r\n" % (len(piece), piece)
        for piece in (body[:10], body[10:70_000], body[70_000:])
    )
    raw.sendall(head(sandbox, content_type) + framed + b"0\r\nX-Trailer: yes\r\n\r\n")
    status = raw.recv(65536)
    assert status.startswith(b"HTTP/1.1 201")
    assert b"Connection: close" not in status
    assert len(sandbox.state.chats) == 1


@pytest.mark.parametrize(
    "cut",
    ["inside the file", "after the closing boundary, before the last chunk", "inside a size"],
)
def test_a_chunked_body_cut_before_its_last_chunk_starts_nothing_and_gets_no_answer(
    sandbox: RunningSandbox, raw: socket.socket, cut: str
) -> None:
    content_type, blocks = multipart_blocks()
    whole = chunked(blocks)
    sent = {
        "inside the file": whole[: len(whole) // 2],
        "after the closing boundary, before the last chunk": whole,
        "inside a size": whole + b"1",
    }[cut]
    raw.sendall(head(sandbox, content_type) + sent)
    raw.shutdown(socket.SHUT_WR)  # the client goes away

    assert answer_of(raw) == b""
    assert sandbox.state.chats == []


def test_a_body_shorter_than_its_content_length_starts_nothing_and_gets_no_answer(
    sandbox: RunningSandbox, raw: socket.socket
) -> None:
    content_type, blocks = multipart_blocks()
    body = b"".join(blocks)
    request = (
        f"POST /api/v1/chats HTTP/1.1\r\nHost: sandbox\r\nX-API-KEY: {sandbox.api_key}\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {len(body) + 10}\r\n\r\n"
    ).encode()
    raw.sendall(request + body)  # whole multipart, 10 bytes short of its length
    raw.shutdown(socket.SHUT_WR)

    assert answer_of(raw) == b""
    assert sandbox.state.chats == []


def test_a_malformed_chunk_size_is_refused_as_malformed(
    sandbox: RunningSandbox, raw: socket.socket
) -> None:
    content_type, _ = multipart_blocks()
    raw.sendall(head(sandbox, content_type) + b"zz\r\nhello\r\n0\r\n\r\n")

    answer = answer_of(raw)
    assert answer.startswith(b"HTTP/1.1 400")
    assert b"Connection: close" in answer
    assert b"errors/malformed_request" in answer
    assert sandbox.state.chats == []


def test_a_transfer_coding_other_than_chunked_is_not_understood(
    sandbox: RunningSandbox, raw: socket.socket
) -> None:
    request = head(sandbox, "application/json").replace(b"chunked", b"gzip, chunked")
    raw.sendall(request + b"0\r\n\r\n")
    assert answer_of(raw).startswith(b"HTTP/1.1 501")


def test_a_chunked_json_body_is_bounded_as_one_with_a_length(
    sandbox: RunningSandbox, raw: socket.socket
) -> None:
    big = json.dumps({"account_id": LINKEDIN, "provider_id": "x" * MAX_JSON_BODY_BYTES})
    raw.sendall(head(sandbox, "application/json", "/api/v1/users/invite") + chunked([big.encode()]))
    raw.sendall(b"0\r\n\r\n")
    assert b"errors/content_too_large" in answer_of_one(raw)


def test_a_small_chunked_json_body_is_taken(sandbox: RunningSandbox, raw: socket.socket) -> None:
    body = json.dumps({"account_id": LINKEDIN, "provider_id": "ACoAAChunked"}).encode()
    raw.sendall(
        head(sandbox, "application/json", "/api/v1/users/invite")
        + chunked([body[:5], body[5:]])
        + b"0\r\n\r\n"
    )
    assert answer_of_one(raw).startswith(b"HTTP/1.1 200")


class Stopped(Exception):
    pass


def test_a_streamed_upload_stopped_by_its_file_ends_without_a_last_chunk_and_starts_nothing(
    sandbox: RunningSandbox,
) -> None:
    client = PostpressClient(
        base_url=sandbox.base_url,
        api_key=sandbox.api_key,
        host_policy=HostPolicy.of(["127.0.0.1"], allow_loopback_http=True),
    )

    def blocks() -> Iterator[bytes]:
        yield VIDEO[:100_000]
        raise Stopped  # e.g. a cap passed while the upload arrived

    files = [StreamedFile("video_message", "clip.mp4", "video/mp4", blocks())]
    with pytest.raises(Stopped):
        client.start_chat_streamed(CHAT, files)
    # The sandbox saw the connection close before the last chunk: no chat, and it still serves.
    assert sandbox.state.chats == []
    assert client.start_chat_streamed(
        CHAT, [StreamedFile("video_message", "c.mp4", "video/mp4", [VIDEO])]
    )
    assert len(sandbox.state.chats) == 1
