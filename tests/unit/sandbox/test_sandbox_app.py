"""The WSGI app called directly: delays are checked through an injected sleep, not a clock."""

import io
from wsgiref.util import setup_testing_defaults

import pytest

from postpress_dashboard.sandbox.app import AbortConnection, SandboxApp
from postpress_dashboard.sandbox.state import SandboxState

API_KEY = "pp_unit_test_key"


class SleepRecorder:
    def __init__(self) -> None:
        self.seconds: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def call(app: SandboxApp, account_id: str) -> tuple[str, bytes]:
    environ: dict[str, object] = {
        "PATH_INFO": "/api/v1/users/invite/received",
        "QUERY_STRING": f"account_id={account_id}&limit=1",
        "HTTP_X_API_KEY": API_KEY,
        "wsgi.input": io.BytesIO(b""),
    }
    setup_testing_defaults(environ)
    statuses: list[str] = []
    body = b"".join(app(environ, lambda status, headers: statuses.append(status)))
    return statuses[0], body


def test_it_adds_the_configured_latency_to_every_response() -> None:
    sleep = SleepRecorder()
    app = SandboxApp(SandboxState(), API_KEY, latency_ms=250, sleep=sleep)
    assert call(app, "acc_linkedin_demo")[0] == "200 OK"
    assert call(app, "acc_nobody")[0] == "404 Not Found"
    assert sleep.seconds == [0.25, 0.25]


def test_it_waits_as_long_as_err_slow_says_then_answers_normally() -> None:
    sleep = SleepRecorder()
    app = SandboxApp(SandboxState(), API_KEY, sleep=sleep)
    status, body = call(app, "acc_err_slow_1500")
    assert sleep.seconds == [1.5]
    assert status == "404 Not Found"  # then answers as for any unknown account
    assert b"errors/resource_not_found" in body


def test_it_asks_the_server_to_drop_the_connection_for_err_reset() -> None:
    app = SandboxApp(SandboxState(), API_KEY)
    with pytest.raises(AbortConnection):
        call(app, "acc_err_reset")
