"""F17, the rest of the answer: its status line and headers arrive within the call's budget too.

A server sending one header byte just inside the read timeout held a call past its budget:
http.client reads the headers under per-receive timeouts only. The sessions transport.py builds
(thread_session's) read every answer by the attempt's deadline. These tests speak to a local
server over real sockets, plain and TLS. No test times the client. Most replace the socket
deadline's clock (``transport.monotonic``) by ``SocketClock``, which the client reads before
each receive; the server sends its next byte only then, moving the clock on a tick per byte.
Two let real time run (about a second between them): a header byte every tenth of a second
against a half-second budget, and an answer stalling past a 0.3 s read timeout. Their servers
pace themselves by waiting for the test's end; the tests assert the outcome, and that the
server was still sending when the client gave up.
"""

import contextlib
import datetime
import ipaddress
import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from postpress_dashboard.postpress import transport
from postpress_dashboard.postpress.client import PostpressClient, Timeouts, thread_session
from postpress_dashboard.postpress.errors import PostpressConnectionError, PostpressError
from postpress_dashboard.postpress.schemas import NewChat, Upload
from tests.unit.postpress.support import ACCOUNT_ID, API_KEY, HOST_POLICY

# How long the server waits for a client that has stopped reading before it goes on (only a
# client that ignores the deadline makes it wait that long).
PATIENCE = 5.0
PADDING = 300  # header bytes a trickling answer would send before its end

INVITATION_PAGE = json.dumps({"object": "InvitationList", "items": [], "cursor": None}).encode()
INVITATION_SENT = json.dumps({"object": "UserInvitationSent", "invitation_id": "inv_1"}).encode()
CHAT_STARTED = json.dumps({"chat_id": "c1", "message_id": "m1"}).encode()


class SocketClock:
    """Stands in for transport.monotonic. The client reads it before each receive, so a read
    tells the server the client is waiting for more."""

    def __init__(self) -> None:
        self.now = 0.0
        self.reads = 0
        self._changed = threading.Condition()

    def __call__(self) -> float:
        with self._changed:
            self.reads += 1
            self._changed.notify_all()
            return self.now

    def wait_for_a_read_after(self, reads: int, stop: threading.Event) -> bool:
        with self._changed:
            return (
                self._changed.wait_for(
                    lambda: self.reads > reads or stop.is_set(), timeout=PATIENCE
                )
                and not stop.is_set()
            )

    def wake(self) -> None:
        with self._changed:
            self._changed.notify_all()


@dataclass
class LocalApi:
    """An HTTP/1.1 server on 127.0.0.1 (keep-alive, a thread per connection), answering each
    request with the next of ``answers`` (the last one repeats)."""

    answers: list[Callable[[socket.socket, "LocalApi"], None]]
    tls: ssl.SSLContext | None = None
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)
    trickled: int = 0  # header bytes sent one at a time
    finished: threading.Event = field(default_factory=threading.Event)  # a slow answer ended
    stop: threading.Event = field(default_factory=threading.Event)  # the test is over
    on_close: list[Callable[[], None]] = field(default_factory=list)
    open: list[socket.socket] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.threads = [threading.Thread(target=self._serve, daemon=True)]
        self.threads[0].start()

    @property
    def base_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}/api/v1"

    def close(self) -> None:
        self.stop.set()
        for wake in self.on_close:
            wake()
        socket.create_connection(("127.0.0.1", self.port)).close()  # wakes accept()
        for connection in self.open:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)  # ends a wait for the next request
        for thread in list(self.threads):
            thread.join(timeout=PATIENCE * 2)
        self.listener.close()

    def _serve(self) -> None:
        while True:
            connection, _ = self.listener.accept()
            if self.stop.is_set():
                connection.close()
                return
            self.connections += 1
            self.open.append(connection)
            thread = threading.Thread(target=self._connection, args=(connection,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _connection(self, connection: socket.socket) -> None:
        try:
            if self.tls:
                connection = self.tls.wrap_socket(connection, server_side=True)
            with connection:
                self._converse(connection)
        except OSError:
            pass  # the client hung up

    def _converse(self, connection: socket.socket) -> None:
        reader = connection.makefile("rb")
        while not self.stop.is_set():
            head = b""
            while not head.endswith(b"\r\n\r\n"):
                line = reader.readline()
                if not line:
                    return  # the client closed the connection
                head += line
            length = next(
                (
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                0,
            )
            with self._lock:
                self.requests.append(head + reader.read(length))
                answer = self.answers[min(len(self.requests), len(self.answers)) - 1]
            answer(connection, self)


def answering(body: bytes, status: str = "200 OK") -> Callable[[socket.socket, LocalApi], None]:
    def answer(connection: socket.socket, api: LocalApi) -> None:
        connection.sendall(
            f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )

    return answer


def trickling_headers(
    clock: SocketClock, body: bytes, *, tick: float = 1.0, before: float = 0.0
) -> Callable[[socket.socket, LocalApi], None]:
    """Moves the clock ``before`` on, sends the status line, then a header one byte per tick,
    each once the client has asked for more (so no tick passes before the client awaits the
    answer); then the rest of the answer."""

    def answer(connection: socket.socket, api: LocalApi) -> None:
        api.on_close.append(clock.wake)
        clock.now += before
        reads = clock.reads
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: ")
        for _ in range(PADDING):
            if not clock.wait_for_a_read_after(reads, api.stop):
                if api.stop.is_set():
                    return
                break  # the client reads without asking the clock: stop trickling
            reads = clock.reads
            clock.now += tick
            connection.sendall(b"x")
            api.trickled += 1
        api.finished.set()
        connection.sendall(f"\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)

    return answer


def stalling_after_the_status_line(connection: socket.socket, api: LocalApi) -> None:
    connection.sendall(b"HTTP/1.1 200 OK\r\n")
    if not api.stop.wait(timeout=PATIENCE):
        api.finished.set()
        connection.sendall(
            b"Content-Length: %d\r\n\r\n%s" % (len(INVITATION_PAGE), INVITATION_PAGE)
        )


def trickling_in_real_time(connection: socket.socket, api: LocalApi) -> None:
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: ")
    for _ in range(100):
        if api.stop.wait(timeout=0.1):
            return
        connection.sendall(b"x")
        api.trickled += 1
    api.finished.set()
    body = INVITATION_PAGE
    connection.sendall(b"\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> SocketClock:
    clock = SocketClock()
    monkeypatch.setattr(transport, "monotonic", clock)
    return clock


@pytest.fixture
def serve() -> Iterator[Callable[..., LocalApi]]:
    servers: list[LocalApi] = []

    def start(*answers: Callable[[socket.socket, LocalApi], None], **kwargs) -> LocalApi:  # type: ignore[no-untyped-def]
        server = LocalApi(list(answers), **kwargs)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def client_for(
    server: LocalApi,
    timeouts: Timeouts,
    *,
    clock: SocketClock | None = None,
    session: requests.Session | None = None,
) -> PostpressClient:
    """A client of the local server; given the socket clock, its own clock is that one too (in
    production both are the real monotonic clock)."""
    if session is None:
        session = transport.pooled_session()  # what thread_session() gives each thread
        session.trust_env = False
    return PostpressClient(
        base_url=server.base_url,
        api_key=API_KEY,
        session=session,
        host_policy=HOST_POLICY,
        timeouts=timeouts,
        sleep=lambda _: None,
        clock=clock or transport.monotonic,
    )


def failure(call: Callable[[], object]) -> PostpressError:
    with pytest.raises(PostpressError) as caught:
        call()
    return caught.value


PRODUCTION = Timeouts(connect=3.05, read=10.0, upload_read=120.0, total=25.0)


# --- headers trickling in ------------------------------------------------------------------


def test_headers_trickling_in_fail_with_client_timeout_at_the_deadline(clock, serve):
    server = serve(trickling_headers(clock, INVITATION_PAGE))
    postpress = client_for(server, PRODUCTION, clock=clock)

    error = failure(lambda: postpress.list_received_invitations(account_id=ACCOUNT_ID))

    assert type(error) is PostpressConnectionError
    assert error.error_type == "client/timeout"
    assert not server.finished.is_set()  # the server was still sending its headers
    assert server.trickled <= 25 + 1  # a byte a second: the budget's worth, and the one in flight
    assert len(server.requests) == 1  # no retry starts past the budget


def test_headers_trickling_in_to_a_post_are_a_timeout_that_may_have_arrived(clock, serve):
    server = serve(trickling_headers(clock, INVITATION_SENT))
    postpress = client_for(server, PRODUCTION, clock=clock)

    error = failure(lambda: postpress.send_invitation(account_id=ACCOUNT_ID, provider_id="ACo1"))

    assert type(error) is PostpressConnectionError
    assert error.error_type == "client/timeout"
    assert error.unconfirmed is True
    assert not server.finished.is_set()
    assert len(server.requests) == 1  # a POST is never sent twice


def test_a_connection_that_ran_out_of_time_is_not_used_again(clock, serve):
    server = serve(trickling_headers(clock, INVITATION_PAGE), answering(INVITATION_PAGE))
    postpress = client_for(server, PRODUCTION, clock=clock)
    failure(lambda: postpress.list_received_invitations(account_id=ACCOUNT_ID))

    page = postpress.list_received_invitations(account_id=ACCOUNT_ID)  # a new call, a new budget

    assert page.items == []
    assert server.connections == 2


def test_headers_trickling_in_over_tls_fail_at_the_deadline(clock, serve, tls):
    server_context, ca_file = tls
    server = serve(trickling_headers(clock, INVITATION_PAGE), tls=server_context)
    session = transport.pooled_session()
    session.trust_env = False
    session.verify = str(ca_file)
    postpress = client_for(server, PRODUCTION, clock=clock, session=session)

    error = failure(lambda: postpress.list_received_invitations(account_id=ACCOUNT_ID))

    assert error.error_type == "client/timeout"
    assert not server.finished.is_set()
    assert server.trickled <= 25 + 1


def test_headers_that_arrive_within_the_budget_are_read(clock, serve, tls):
    server_context, ca_file = tls
    server = serve(trickling_headers(clock, INVITATION_SENT, tick=0.01), tls=server_context)
    session = transport.pooled_session()
    session.trust_env = False
    session.verify = str(ca_file)

    sent = client_for(server, PRODUCTION, clock=clock, session=session).send_invitation(
        account_id=ACCOUNT_ID, provider_id="ACo1"
    )

    assert sent.invitation_id == "inv_1"
    assert server.finished.is_set()


def test_headers_trickling_in_real_time_are_given_up_on_at_the_deadline(serve):
    # Real time, the clock left alone: a header byte every tenth of a second, well within the
    # read timeout of each receive, for up to 10 s against a half-second budget.
    server = serve(trickling_in_real_time)
    postpress = client_for(server, Timeouts(read=60.0, total=0.5))

    error = failure(lambda: postpress.list_received_invitations(account_id=ACCOUNT_ID))

    assert error.error_type == "client/timeout"
    assert not server.finished.is_set()  # the server was still sending its headers
    assert len(server.requests) == 1


def test_a_get_whose_answer_stalls_past_its_read_timeout_is_retried_within_the_budget(serve):
    # Real time: each receive still waits at most the read timeout, and a GET is asked again.
    server = serve(stalling_after_the_status_line, answering(INVITATION_PAGE))
    postpress = client_for(server, Timeouts(read=1.0, total=10.0))  # the stall lasts PATIENCE

    page = postpress.list_received_invitations(account_id=ACCOUNT_ID)

    assert page.items == []
    assert len(server.requests) == 2
    assert not server.finished.is_set()  # the first answer was given up on, not waited for


# --- uploads: the documented rule ------------------------------------------------------------


@pytest.fixture
def chat(tmp_path: Path) -> NewChat:
    upload = tmp_path / "video.mp4"
    upload.write_bytes(b"\x00" * 1024)
    return NewChat(ACCOUNT_ID, ("ACo1",), attachments=(Upload(upload, "video.mp4"),))


def test_an_uploads_answer_may_come_after_the_budget_within_the_upload_read_timeout(
    clock, serve, chat
):
    # The server takes a minute over the files (the budget is 25 s), then answers.
    server = serve(trickling_headers(clock, CHAT_STARTED, tick=0.01, before=60.0))

    assert client_for(server, PRODUCTION, clock=clock).start_chat(chat).chat_id == "c1"


def test_an_uploads_trickling_headers_fail_an_upload_read_timeout_after_the_sending(
    clock, serve, chat
):
    server = serve(trickling_headers(clock, CHAT_STARTED, tick=5.0))

    error = failure(lambda: client_for(server, PRODUCTION, clock=clock).start_chat(chat))

    assert type(error) is PostpressConnectionError
    assert error.error_type == "client/timeout"
    assert error.unconfirmed is True
    assert not server.finished.is_set()
    assert server.trickled <= 120 / 5 + 1  # the upload read timeout, not the budget, and no more
    assert server.trickled > 25 / 5 + 1
    assert len(server.requests) == 1


# --- connections -----------------------------------------------------------------------------


def test_calls_on_one_session_share_one_connection(serve):
    server = serve(answering(INVITATION_PAGE), answering(INVITATION_SENT))
    postpress = client_for(server, PRODUCTION)

    postpress.list_received_invitations(account_id=ACCOUNT_ID)
    postpress.send_invitation(account_id=ACCOUNT_ID, provider_id="ACo1")
    postpress.send_invitation(account_id=ACCOUNT_ID, provider_id="ACo2")

    assert len(server.requests) == 3
    assert server.connections == 1


def test_thread_session_reads_answers_by_the_deadline():
    session = thread_session()

    for prefix in ("https://", "http://"):
        adapter = session.get_adapter(prefix + "api.example.test")
        assert isinstance(adapter, transport.DeadlineAdapter)
        assert adapter.max_retries.total == 0


# --- TLS material ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, Path]:
    """A certificate authority and a certificate for 127.0.0.1 it signed: a server context and
    the authority's file for the client to trust."""
    folder = tmp_path_factory.mktemp("tls")
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "postpress test CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = folder / "ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    chain = folder / "server.pem"
    chain.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        + certificate.public_bytes(serialization.Encoding.PEM)
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(chain)
    return context, ca_file
