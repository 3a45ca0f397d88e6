"""F9 and F17: how much of an answer the client reads, and for how long.

F9: an answer's body is read in chunks up to ``max_response_bytes`` and a list answer may hold
no more items than were asked for. F17: reading the body counts against the call's total
budget; an answer trickling in byte by byte fails with client/timeout at the deadline. No test
sleeps: a fake clock moves on with every byte read.
"""

import io
import json
import re
import socket
import threading
from collections.abc import Iterator

import pytest
import requests

from postpress_dashboard.postpress.catalogue import CLIENT_FAILURES
from postpress_dashboard.postpress.client import MAX_PAGE_SIZE, PostpressClient, Timeouts
from postpress_dashboard.postpress.errors import (
    PostpressConnectionError,
    PostpressError,
    ProtocolError,
)
from postpress_dashboard.postpress.schemas import NewChat, Upload
from tests.unit.postpress.support import ACCOUNT_ID, API_KEY, BASE_URL, HOST_POLICY

LIST_URL = re.compile(re.escape(f"{BASE_URL}/users/invite/received") + r"(\?.*)?$")
SEND_URL = f"{BASE_URL}/users/invite"
CHATS_URL = f"{BASE_URL}/chats"


def failure(call) -> PostpressError:
    with pytest.raises(PostpressError) as caught:
        call()
    return caught.value


def items(count: int) -> list[dict[str, str]]:
    return [{"id": f"inv_{number}", "invited_user": "Ada"} for number in range(count)]


def client(**kwargs) -> PostpressClient:
    return PostpressClient(
        base_url=BASE_URL, api_key=API_KEY, host_policy=HOST_POLICY, sleep=lambda _: None, **kwargs
    )


# --- F9: size -------------------------------------------------------------------------------


class CountingBody(io.RawIOBase):
    """An endless body that counts the bytes handed out."""

    def __init__(self) -> None:
        self.handed_out = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def, override]
        size = len(buffer)
        buffer[:size] = b" " * size
        self.handed_out += size
        return size


def test_f9_an_answer_larger_than_the_bound_is_refused_after_reading_just_past_it(api):
    body = CountingBody()
    api.add("GET", LIST_URL, body=io.BufferedReader(body), content_type="application/json")
    postpress = client(max_response_bytes=1_000_000)

    error = failure(lambda: postpress.list_received_invitations(account_id=ACCOUNT_ID))

    assert type(error) is ProtocolError
    assert error.error_type == "client/response_too_large"
    assert error.status == 200
    assert error.user_message == CLIENT_FAILURES["client/response_too_large"].message
    assert body.handed_out < 1_000_000 + 256 * 1024  # stopped within a chunk or so of the bound
    assert len(api.calls) == 1  # an answer that arrived is not asked again


def test_f9_a_declared_length_over_the_bound_is_refused_before_reading(api):
    body = CountingBody()
    api.add(
        "POST",
        SEND_URL,
        body=io.BufferedReader(body),
        headers={"Content-Length": str(300 * 1024 * 1024)},
        content_type="application/json",
    )

    error = failure(
        lambda: client(max_response_bytes=5_000_000).send_invitation(
            account_id=ACCOUNT_ID, provider_id="ACo1"
        )
    )

    assert error.error_type == "client/response_too_large"
    assert body.handed_out == 0


def test_f9_an_error_answer_is_bounded_too(api):
    api.add("GET", LIST_URL, body="x" * 2000, status=503, content_type="text/plain")

    error = failure(
        lambda: client(max_response_bytes=1000).list_received_invitations(account_id=ACCOUNT_ID)
    )

    assert error.error_type == "client/response_too_large"
    assert error.status == 503


def test_f9_an_answer_within_the_bound_is_read_whole(api):
    answer = {"object": "InvitationList", "items": items(10), "cursor": None}
    size = len(json.dumps(answer))
    api.add("GET", LIST_URL, json=answer)

    page = client(max_response_bytes=size).list_received_invitations(account_id=ACCOUNT_ID)

    assert len(page.items) == 10


# --- F9: items ------------------------------------------------------------------------------


@pytest.mark.parametrize(("limit", "answered"), [(10, 10_000), (10, 11), (1, 2), (None, 101)])
def test_f9_a_list_with_more_items_than_asked_for_is_refused(api, limit, answered):
    answer = {"object": "InvitationList", "items": items(answered), "cursor": None}
    api.add("GET", LIST_URL, json=answer)

    error = failure(lambda: client().list_received_invitations(account_id=ACCOUNT_ID, limit=limit))

    assert type(error) is ProtocolError
    assert error.error_type == "client/too_many_items"
    assert error.user_message == CLIENT_FAILURES["client/too_many_items"].message


@pytest.mark.parametrize(("limit", "answered"), [(10, 10), (1, 1), (None, MAX_PAGE_SIZE)])
def test_f9_a_list_with_at_most_the_items_asked_for_is_read(api, limit, answered):
    answer = {"object": "InvitationList", "items": items(answered), "cursor": None}
    api.add("GET", LIST_URL, json=answer)

    page = client().list_received_invitations(account_id=ACCOUNT_ID, limit=limit)

    assert len(page.items) == answered


# --- F17: time -------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class TricklingBody(io.RawIOBase):
    """A body that arrives one byte per (fake) second, as the audit's slow answer did."""

    def __init__(self, data: bytes, clock: FakeClock) -> None:
        self.data = data
        self.clock = clock
        self.position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def, override]
        if self.position >= len(self.data) or not len(buffer):
            return 0
        self.clock.now += 1.0
        buffer[0] = self.data[self.position]
        self.position += 1
        return 1


def trickling(api, method: str, url, data: bytes, clock: FakeClock, status: int = 200):
    body = TricklingBody(data, clock)
    api.add(
        method, url, body=io.BufferedReader(body), status=status, content_type="application/json"
    )
    return body


def test_f17_a_trickling_answer_fails_at_the_total_budget_with_client_timeout(api):
    clock = FakeClock()
    data = json.dumps({"object": "InvitationList", "items": items(3), "cursor": None}).encode()
    assert len(data) > 69  # the audit's page took 69 s
    body = trickling(api, "GET", LIST_URL, data, clock)
    postpress = client(timeouts=Timeouts(total=25.0), clock=clock)
    started = clock.now

    error = failure(lambda: postpress.list_received_invitations(account_id=ACCOUNT_ID))

    assert type(error) is PostpressConnectionError
    assert error.error_type == "client/timeout"
    assert clock.now - started <= 25.0 + 1.0  # the byte in flight at the deadline, no more
    assert body.position < len(data)
    assert len(api.calls) == 1  # no retry starts past the budget


def test_f17_a_trickling_answer_to_a_post_is_a_timeout_that_may_have_arrived(api):
    clock = FakeClock()
    data = json.dumps({"object": "UserInvitationSent", "invitation_id": "inv_" + "1" * 60}).encode()
    trickling(api, "POST", SEND_URL, data, clock)
    postpress = client(timeouts=Timeouts(total=25.0), clock=clock)

    error = failure(lambda: postpress.send_invitation(account_id=ACCOUNT_ID, provider_id="ACo1"))

    assert type(error) is PostpressConnectionError
    assert error.error_type == "client/timeout"
    assert error.unconfirmed is True  # the request arrived: it may have been done
    assert len(api.calls) == 1  # a POST is never sent twice


def test_f17_an_answer_that_arrives_within_the_budget_is_read(api):
    clock = FakeClock()
    data = json.dumps({"object": "UserInvitationSent", "invitation_id": "inv_1"}).encode()
    trickling(api, "POST", SEND_URL, data, clock)
    postpress = client(timeouts=Timeouts(total=len(data) + 5.0), clock=clock)

    assert postpress.send_invitation(account_id=ACCOUNT_ID, provider_id="ACo1").invitation_id == (
        "inv_1"
    )


@pytest.fixture
def chat(tmp_path) -> NewChat:
    upload = tmp_path / "video.mp4"
    upload.write_bytes(b"\x00" * 1024)
    return NewChat(ACCOUNT_ID, ("ACo1",), attachments=(Upload(upload, "video.mp4"),))


def sent_for_a_minute(clock: FakeClock, body: bytes, *, trickle: bool):
    """An upload whose sending outlasts the whole budget, then answers."""

    def answer(request):
        clock.now += 60.0
        return 201, {}, io.BufferedReader(TricklingBody(body, clock)) if trickle else body

    return answer


def test_f17_an_uploads_answer_is_read_after_a_send_that_outlasted_the_budget(api, chat):
    clock = FakeClock()
    body = b'{"chat_id": "c1", "message_id": "m1"}'
    api.add_callback("POST", CHATS_URL, callback=sent_for_a_minute(clock, body, trickle=False))
    postpress = client(timeouts=Timeouts(read=10.0, total=25.0), clock=clock)

    assert postpress.start_chat(chat).chat_id == "c1"


def test_f17_an_uploads_trickling_answer_fails_a_read_timeout_after_its_headers(api, chat):
    clock = FakeClock()
    body = b'{"chat_id": "c1", "message_id": "m1", "padding": "' + b"x" * 40 + b'"}'
    api.add_callback("POST", CHATS_URL, callback=sent_for_a_minute(clock, body, trickle=True))
    postpress = client(timeouts=Timeouts(read=10.0, total=25.0), clock=clock)
    started = clock.now

    error = failure(lambda: postpress.start_chat(chat))

    assert type(error) is PostpressConnectionError
    assert error.error_type == "client/timeout"
    assert clock.now - started <= 60.0 + 10.0 + 1.0  # headers at 60 s, then 10 s to read
    assert len(api.calls) == 1


# --- F17 over a real socket: read1 returns what has arrived ----------------------------------


@pytest.fixture
def stalling_server() -> Iterator[tuple[int, threading.Event, FakeClock]]:
    """Sends headers and a few bytes of a longer body, moves the fake clock past the budget,
    then holds the rest until released (never sleeping)."""
    clock = FakeClock()
    release = threading.Event()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
            )
            clock.now += 100.0  # before the bytes, so whoever reads them sees the late time
            connection.sendall(b'{"object"')
            release.wait(timeout=30)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], release, clock
    finally:
        release.set()
        thread.join(timeout=30)
        listener.close()


def test_f17_a_stalled_body_over_a_real_socket_fails_at_the_deadline_not_the_read_timeout(
    stalling_server,
):
    port, release, clock = stalling_server
    session = requests.Session()
    session.trust_env = False
    postpress = PostpressClient(
        base_url=f"http://127.0.0.1:{port}/api/v1",
        api_key=API_KEY,
        session=session,
        host_policy=HOST_POLICY,
        timeouts=Timeouts(read=60.0, total=25.0),
        sleep=lambda _: None,
        clock=clock,
    )

    error = failure(lambda: postpress.list_received_invitations(account_id=ACCOUNT_ID))

    # Had the client waited for a full chunk, it would have sat until the server gave up.
    assert not release.is_set()
    assert error.error_type == "client/timeout"
