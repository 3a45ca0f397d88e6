"""The sandbox keeps connections open between requests (HTTP/1.1), as a real API server does,
so a client's connection pooling works against it and can be measured (bench/)."""

import json
from collections.abc import Iterator
from http.client import HTTPConnection, HTTPResponse
from urllib.parse import urlsplit

import pytest

from postpress_dashboard.sandbox.server import RunningSandbox, running_sandbox

LIST_PATH = "/api/v1/users/invite/received?account_id=acc_linkedin_demo&limit=2"


@pytest.fixture
def connection(sandbox: RunningSandbox) -> Iterator[HTTPConnection]:
    address = urlsplit(sandbox.base_url)
    opened = HTTPConnection(address.hostname or "", address.port, timeout=10)
    yield opened
    opened.close()


def call(
    connection: HTTPConnection, sandbox: RunningSandbox, method: str, path: str, **headers: str
) -> HTTPResponse:
    body = None
    if method == "POST":
        body = json.dumps({"account_id": "acc_linkedin_demo", "provider_id": "ACoAAKeep"})
        headers["Content-Type"] = "application/json"
    connection.request(method, path, body=body, headers={"X-API-KEY": sandbox.api_key, **headers})
    response = connection.getresponse()
    response.read()
    return response


def test_consecutive_requests_share_one_connection(
    sandbox: RunningSandbox, connection: HTTPConnection
) -> None:
    requests = [
        ("GET", LIST_PATH),
        ("POST", "/api/v1/users/invite"),  # a body the endpoint reads
        ("GET", "/api/v1/nowhere"),  # an error answered before any body is read
        ("GET", LIST_PATH),
    ]
    local_addresses = set()
    for method, path in requests:
        response = call(connection, sandbox, method, path)
        assert response.version == 11
        assert response.getheader("Connection") is None  # kept open
        assert connection.sock is not None, "the sandbox closed the connection"
        local_addresses.add(connection.sock.getsockname())
    assert len(local_addresses) == 1


def test_a_client_asking_to_close_gets_its_connection_closed(
    sandbox: RunningSandbox, connection: HTTPConnection
) -> None:
    response = call(connection, sandbox, "GET", LIST_PATH, Connection="close")
    assert response.status == 200
    assert response.getheader("Connection") == "close"
    assert response.will_close


@pytest.mark.parametrize("length", ["twelve", "-2", "+2", "2.0"])
def test_after_a_body_it_cannot_measure_the_connection_is_closed(
    sandbox: RunningSandbox, connection: HTTPConnection, length: str
) -> None:
    connection.putrequest("POST", "/api/v1/users/invite")
    connection.putheader("X-API-KEY", sandbox.api_key)
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", length)
    connection.endheaders(b"{}")
    response = connection.getresponse()
    response.read()
    assert response.getheader("Connection") == "close"


def test_stopping_the_sandbox_ends_its_kept_alive_connections() -> None:
    with running_sandbox() as stopping:
        address = urlsplit(stopping.base_url)
        kept = HTTPConnection(address.hostname or "", address.port, timeout=10)
        call(kept, stopping, "GET", LIST_PATH)
        assert kept.sock is not None
    kept.sock.settimeout(5)
    assert kept.sock.recv(1) == b""  # closed by the server, not left waiting
    kept.close()
