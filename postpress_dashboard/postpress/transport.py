"""The socket side of a call's time budget: the whole answer, status line and headers included,
must have arrived by the call's deadline.

requests and urllib3 only know per-receive timeouts: a server sending one header byte just
inside the read timeout would hold a call, and the page waiting on it, indefinitely. The
client's answer reader (``PostpressClient._read_body``) bounds the body; for the status line
and headers, which http.client reads on its own, the sessions built here read every answer
through ``_DeadlineReader``: before each receive it sets the socket's timeout to the read
timeout or the time left, whichever is shorter, and once the deadline has passed it raises
``TimeoutError`` (``socket.timeout``) instead of receiving, which urllib3 reports as a read
timeout. Plain and TLS sockets alike: the reader works through the socket's own ``makefile``
and ``settimeout``.

The deadline travels in a context variable the client sets for each attempt
(``answers_within``), so one pooled session per thread serves every call and keeps its
connections. An answer read outside any attempt (another user of the session) has only its
read timeouts, as before. Deadlines are on the real monotonic clock: the socket waits in real
time whatever clock the client was given.

The same sessions read a streamed request body (an upload) ``SEND_BLOCK_BYTES`` at a time.
"""

import http.client
import io
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import requests
import urllib3.connection
import urllib3.poolmanager
import urllib3.response
from requests.adapters import DEFAULT_POOLBLOCK, HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

# Bytes read from a request body (an upload's multipart encoder) per send: urllib3's 16 KiB
# made encoding a large upload cost about as much as sending it (docs/benchmarks.md, "Uploads").
SEND_BLOCK_BYTES = 1024 * 1024
# Bytes handed to the socket per sendall. While a body is sent, the socket's timeout is the
# connect timeout, and it bounds each sendall whole: a 1 MiB block would need about 340 KB/s
# to leave in time, a slice of 64 KiB about 21 KB/s.
SOCKET_SLICE_BYTES = 64 * 1024


def monotonic() -> float:
    """The clock socket deadlines are on."""
    return time.monotonic()


class AnswerDeadline:
    """When the answer to one attempt must have arrived, on the ``monotonic()`` clock.

    ``ends_at`` is the call's deadline. An upload's sending may rightly outlast it, so for an
    upload (``after_sending``, its read timeout) the answer may also take until that long after
    the sending ended, whichever is later: that moment is fixed when reading the answer starts.
    """

    def __init__(self, ends_at: float, *, after_sending: float | None = None) -> None:
        self._budget_end = ends_at
        self._end = ends_at
        self._after_sending = after_sending

    def answer_started(self) -> None:
        """The request has been sent: its answer is now awaited."""
        if self._after_sending is not None:
            self.allow_from_now(self._after_sending)
            self._after_sending = None

    def allow_from_now(self, seconds: float) -> None:
        """Let the rest of the answer take until ``seconds`` from now, if that is later than
        the call's deadline (the upload rule, once its headers have arrived)."""
        self._end = max(self._budget_end, monotonic() + seconds)

    def seconds_left(self) -> float:
        return self._end - monotonic()


_current: ContextVar[AnswerDeadline | None] = ContextVar("postpress_answer_deadline", default=None)


@contextmanager
def answers_within(deadline: AnswerDeadline) -> Iterator[AnswerDeadline]:
    """Answers whose reading starts inside this block are read by ``deadline``."""
    token = _current.set(deadline)
    try:
        yield deadline
    finally:
        _current.reset(token)


class _DeadlineReader(io.RawIOBase):
    """The socket reader behind an answer: each receive waits at most the read timeout the
    connection set and at most the time left before the deadline."""

    def __init__(self, sock: socket.socket, deadline: AnswerDeadline | None) -> None:
        super().__init__()
        self._sock = sock
        # The socket's own reader (counted by the socket, so a connection closed while its
        # answer is being read keeps its descriptor until the answer is closed).
        self._raw = sock.makefile("rb", buffering=0)
        # urllib3 has just set the read timeout on the socket, before http.client built us.
        self._read_timeout = sock.gettimeout()
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._raw.fileno()

    def readinto(self, buffer: Any) -> int | None:
        if self._deadline is not None:
            left = self._deadline.seconds_left()
            if left <= 0:
                raise TimeoutError("the call's time budget ran out while reading the answer")
            wait = left if self._read_timeout is None else min(self._read_timeout, left)
            self._sock.settimeout(wait)
        return self._raw.readinto(buffer)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


class _DeadlineResponse(http.client.HTTPResponse):
    def __init__(
        self,
        sock: socket.socket,
        debuglevel: int = 0,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(sock, debuglevel, method, url)
        self.fp.close()  # http.client's own reader, not yet read from
        self.fp = io.BufferedReader(_DeadlineReader(sock, _current.get()))


def _answer_started() -> None:
    deadline = _current.get()
    if deadline is not None:
        deadline.answer_started()


# response_class also reads a proxy's answer to CONNECT (within the call's deadline, as any
# answer); only getresponse, called once the request has been sent, starts the answer's clock.
# (The type: ignore is urllib3's own: its getresponse returns its HTTPResponse, not http.client's.)


class _SlicedSend:
    """Sends a large block to the socket in slices of SOCKET_SLICE_BYTES (see there)."""

    def send(self, data: Any) -> None:
        if isinstance(data, bytes | bytearray | memoryview) and len(data) > SOCKET_SLICE_BYTES:
            view = memoryview(data)
            for start in range(0, len(view), SOCKET_SLICE_BYTES):
                super().send(view[start : start + SOCKET_SLICE_BYTES])  # type: ignore[misc]
            return
        super().send(data)  # type: ignore[misc]


class _HTTPConnection(_SlicedSend, urllib3.connection.HTTPConnection):
    response_class = _DeadlineResponse

    def getresponse(self) -> urllib3.response.HTTPResponse:  # type: ignore[override]
        _answer_started()
        return super().getresponse()


class _HTTPSConnection(_SlicedSend, urllib3.connection.HTTPSConnection):
    response_class = _DeadlineResponse

    def getresponse(self) -> urllib3.response.HTTPResponse:  # type: ignore[override]
        _answer_started()
        return super().getresponse()


class _HTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_POOL_CLASSES: dict[str, type[HTTPConnectionPool]] = {
    "http": _HTTPConnectionPool,
    "https": _HTTPSConnectionPool,
}


class DeadlineAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections read answers by the deadline of the current attempt.
    Pooling is urllib3's own: only the connection classes differ."""

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = DEFAULT_POOLBLOCK, **pool_kwargs: Any
    ) -> None:
        pool_kwargs.setdefault("blocksize", SEND_BLOCK_BYTES)
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOL_CLASSES

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        proxy_kwargs.setdefault("blocksize", SEND_BLOCK_BYTES)
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        # An HTTP(S) proxy uses urllib3's standard pools; a SOCKS one has its own: left as is.
        if manager.pool_classes_by_scheme == urllib3.poolmanager.pool_classes_by_scheme:
            manager.pool_classes_by_scheme = _POOL_CLASSES
        return manager


def pooled_session() -> requests.Session:
    """A session whose answers are read by the current attempt's deadline, urllib3's own
    retries off (the client decides what may be repeated)."""
    session = requests.Session()
    adapter = DeadlineAdapter(pool_connections=4, pool_maxsize=8, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
