"""Forwards a large attachment through PostpressClient.start_chat and prints peak memory.

Run in its own process (tests/integration/postpress/test_upload_streaming.py) so the peak
resident size measures this upload alone: prints JSON {"baseline_kib", "peak_kib", "received"}.
"""

import json
import resource
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from postpress_dashboard.postpress.base_url import HostPolicy
from postpress_dashboard.postpress.client import PostpressClient
from postpress_dashboard.postpress.schemas import NewChat, Upload

CHUNK = 1024 * 1024


class DiscardingHandler(BaseHTTPRequestHandler):
    """Reads the body in small chunks and counts it, as a real server would stream it."""

    received = 0

    def do_POST(self) -> None:
        remaining = int(self.headers["Content-Length"])
        while remaining:
            remaining -= len(self.rfile.read(min(CHUNK, remaining)))
        DiscardingHandler.received = int(self.headers["Content-Length"])
        body = json.dumps({"object": "ChatStarted", "chat_id": "c", "message_id": "m"}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def peak_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(size_mib: int) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), DiscardingHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = PostpressClient(
        base_url=f"http://127.0.0.1:{server.server_address[1]}/api/v1",
        api_key="probe-key",
        host_policy=HostPolicy.of(["127.0.0.1"], allow_loopback_http=True),
    )
    with tempfile.TemporaryDirectory() as folder:
        small, large = Path(folder, "small.bin"), Path(folder, "large.bin")
        small.write_bytes(b"x" * 1024)
        with large.open("wb") as file:
            for _ in range(size_mib):
                file.write(b"\xab" * CHUNK)
        # A small upload first, so imports and connection set-up are in the baseline.
        client.start_chat(NewChat("acc", ("ACo1",), attachments=(Upload(small, "s.bin"),)))
        baseline = peak_kib()
        client.start_chat(NewChat("acc", ("ACo1",), video_message=Upload(large, "big.mp4")))
        print(
            json.dumps(
                {
                    "baseline_kib": baseline,
                    "peak_kib": peak_kib(),
                    "received": DiscardingHandler.received,
                }
            )
        )
    server.shutdown()


if __name__ == "__main__":
    main(int(sys.argv[1]))
