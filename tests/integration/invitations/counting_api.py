"""A postpress stand-in on 127.0.0.1 for the tests where several requests race over one
account (test_concurrency, test_bulk_races): a real HTTP server, kept alive as postpress is,
that counts the writes reaching it, the most it was answering at once, and the connections it
was opened."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class CountingApi:
    def __init__(self) -> None:
        self.writes: list[str] = []  # "POST /api/v1/...", in the order they arrived
        self.connections = 0
        self.now = 0
        self.most = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/v1"

    @property
    def posts(self) -> list[str]:
        """The paths of the POSTs, in the order they arrived."""
        return [write.removeprefix("POST ") for write in self.writes if write.startswith("POST ")]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as postpress

            def setup(self) -> None:
                with api._lock:
                    api.connections += 1
                super().setup()

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", 0)))
                self._count()

            def do_DELETE(self) -> None:
                self._count()

            def _count(self) -> None:
                with api._lock:
                    api.writes.append(f"{self.command} {self.path.split('?')[0]}")
                    api.now += 1
                    api.most = max(api.most, api.now)
                    number = len(api.writes)
                try:
                    self._answer(self._body(number))
                finally:
                    with api._lock:
                        api.now -= 1

            def _body(self, number: int) -> dict[str, Any]:
                if self.command == "DELETE":
                    return {"object": "UserInvitationCanceled"}
                if "/received/" in self.path:
                    return {"object": "UserInvitationHandled", "status": "ACCEPTED"}
                return {"object": "UserInvitationSent", "invitation_id": f"inv_{number}"}

            def _answer(self, body: dict[str, Any]) -> None:
                payload = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def __enter__(self) -> "CountingApi":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
