"""Serving the sandbox: a threaded wsgiref server, in the foreground or in a background thread."""

import contextlib
import socket
import struct
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer, make_server
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from django.conf import settings

from postpress_dashboard.sandbox.app import AbortConnection, SandboxApp, error_response
from postpress_dashboard.sandbox.body import BodyCutOff, ChunkedBody, LengthBody
from postpress_dashboard.sandbox.errors import ApiError
from postpress_dashboard.sandbox.state import DEFAULT_INVITATION_LIMIT, SandboxState

API_PREFIX = "/api/v1"
SHUTDOWN_POLL_SECONDS = 0.05
KEEP_ALIVE_SECONDS = 60


class SandboxServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a request parked in err_slow_<ms> must not hold up shutdown
    allow_reuse_address = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._open: set[socket.socket] = set()  # kept-alive connections, closed on shutdown
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End every open connection: their threads would otherwise wait for a next request."""
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            with contextlib.suppress(OSError):  # already gone
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client hanging up mid-request is routine here (timeouts are what clients test).
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _SandboxServerHandler(ServerHandler):
    request_handler: "_SandboxRequestHandler"

    def handle_error(self) -> None:
        if isinstance(sys.exc_info()[1], AbortConnection):
            self.request_handler.reset_connection()
            return
        if isinstance(sys.exc_info()[1], BodyCutOff):
            # An incomplete message is no request (RFC 9112 §8): nothing was started, and
            # nobody waits for an answer. Close without one.
            self.request_handler.close_connection = True
            return
        # Where the request's body stands is unknown: no request may follow on this connection.
        self.request_handler.close_connection = True
        super().handle_error()  # logs the traceback, then answers with error_output()

    def cleanup_headers(self) -> None:
        super().cleanup_headers()  # adds Content-Length when the body's size is known
        if not self.request_handler.body.finished:
            # The endpoint left part of the body unread: the next request's start is unknown.
            self.request_handler.close_connection = True
        if "Content-Length" not in self.headers:
            self.request_handler.close_connection = True  # the body ends where the connection does
        if self.request_handler.close_connection:
            self.headers["Connection"] = "close"

    def error_output(self, environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        """A bug in the sandbox still answers with the documented envelope."""
        response = error_response(
            ApiError("errors/unexpected_error", "The sandbox failed: see its console.")
        )
        start_response("500 Internal Server Error", [("Content-Type", response.content_type)])
        return [response.body]


class _SandboxRequestHandler(WSGIRequestHandler):
    """wsgiref's handler, keeping connections open between requests (HTTP/1.1) as a real API
    server does, so clients' connection reuse works and can be measured against the sandbox."""

    protocol_version = "HTTP/1.1"
    # An idle kept-alive connection is closed after this many seconds (clients reconnect).
    timeout = KEEP_ALIVE_SECONDS
    # wsgiref writes the headers and the body separately: with Nagle's algorithm on, the body
    # of a kept-alive connection waits for the client's delayed ACK (up to 40 ms).
    disable_nagle_algorithm = True
    # BaseHTTPRequestHandler.handle serves requests until the connection closes; wsgiref's own
    # handle() serves one.
    handle = BaseHTTPRequestHandler.handle
    body: LengthBody | ChunkedBody  # the current request's

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the sandbox runs beside the dashboard and inside test runs."""

    def handle_one_request(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except TimeoutError:  # idle too long between requests
            self.close_connection = True
            return
        if not self.raw_requestline:  # the client closed the connection
            self.close_connection = True
            return
        if len(self.raw_requestline) > 65536:
            self.requestline = self.request_version = self.command = ""
            self.send_error(414)
            return
        if not self.parse_request():
            return
        environ = self.get_environ()
        if "Transfer-Encoding" in self.headers:
            codings = ",".join(self.headers.get_all("Transfer-Encoding") or ())
            if [c.strip().lower() for c in codings.split(",")] != ["chunked"]:
                # RFC 9112 §6.1: a coding other than chunked alone is not understood here.
                self.close_connection = True
                self.send_error(501, "Only the chunked transfer coding is understood")
                return
            # A Content-Length beside chunked is ignored (RFC 9112 §6.3), and the connection
            # closed after the answer.
            if "Content-Length" in self.headers:
                self.close_connection = True
                environ.pop("CONTENT_LENGTH", None)
            body = ChunkedBody(self.rfile)
            environ["wsgi.input_terminated"] = True  # read until it ends
        elif _valid_length(self.headers):
            body = LengthBody(self.rfile, int(self.headers.get("Content-Length") or 0))
        else:
            # Where such a body ends is unknown: none is read, and no request may follow.
            self.close_connection = True
            body = LengthBody(self.rfile, 0)
        handler = _SandboxServerHandler(
            body, self.wfile, self.get_stderr(), environ, multithread=True
        )
        handler.http_version = "1.1"
        handler.request_handler = self
        self.body = body
        handler.run(self.server.get_app())
        if not body.finished:
            self.close_connection = True  # also when no answer was sent (see cleanup_headers)

    def reset_connection(self) -> None:
        """Close at once with SO_LINGER 0, so the kernel sends RST rather than a response."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()  # the reader holds the descriptor open until it is closed too
        self.connection.close()
        self.close_connection = True


def _valid_length(headers: Any) -> bool:
    length = headers.get("Content-Length")
    return length is None or (length.isascii() and length.isdigit())


def make_sandbox_server(host: str, port: int, app: WSGIApplication) -> SandboxServer:
    """A server bound to host:port (0 picks a free port), not serving yet."""
    return make_server(
        host, port, app, server_class=SandboxServer, handler_class=_SandboxRequestHandler
    )


def base_url(server: SandboxServer) -> str:
    host, port = server.socket.getsockname()[:2]
    shown_host = "127.0.0.1" if host in ("", "0.0.0.0") else host  # noqa: S104  (a display name)
    return f"http://{shown_host}:{port}{API_PREFIX}"


def serve_sandbox(
    host: str, port: int, app: WSGIApplication, *, on_ready: Callable[[str], None] | None = None
) -> None:
    """Serve until interrupted; `on_ready` gets the base URL once the port is bound."""
    with make_sandbox_server(host, port, app) as server:
        if on_ready is not None:
            on_ready(base_url(server))
        server.serve_forever()


@dataclass(frozen=True)
class RunningSandbox:
    base_url: str
    state: SandboxState
    api_key: str


@contextmanager
def running_sandbox(
    port: int = 0,
    *,
    host: str = "127.0.0.1",
    api_key: str | None = None,
    latency_ms: int = 0,
    invitation_limit: int = DEFAULT_INVITATION_LIMIT,
) -> Iterator[RunningSandbox]:
    """Serve a freshly seeded sandbox in a background thread for the duration of the block."""
    state = SandboxState(invitation_limit=invitation_limit)
    key = settings.SANDBOX_API_KEY if api_key is None else api_key
    server = make_sandbox_server(host, port, SandboxApp(state, key, latency_ms))
    # A short poll interval: shutdown() waits for the serving loop's next poll.
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS},
        name="postpress-sandbox",
        daemon=True,
    )
    thread.start()
    try:
        yield RunningSandbox(base_url(server), state, key)
    finally:
        server.shutdown()
        server.close_connections()
        server.server_close()
        thread.join()
