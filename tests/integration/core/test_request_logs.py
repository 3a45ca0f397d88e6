"""Request ids and structured logs: one JSON object per line, each carrying its request's id,
postpress failures carrying the API's instance id, and never the API key."""

import io
import json
import logging
import logging.config
import re
from collections.abc import Iterator

import pytest
import responses
from django.conf import settings
from django.test import Client

from postpress_dashboard.core.observability import JsonFormatter, RequestIdFilter
from postpress_dashboard.teams.models import LinkedAccount
from tests.conftest import API_BASE_URL, TEAM_API_KEY

LIST_URL = re.compile(re.escape(f"{API_BASE_URL}/users/invite/received") + r"(\?.*)?$")


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Everything logged during the test, formatted as production formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(previous_level)


@pytest.fixture
def text_log() -> Iterator[io.StringIO]:
    """Everything logged during the test, in the text format the settings configure."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    formatter_config = dict(settings.LOGGING["formatters"]["text"])
    handler.setFormatter(logging.config.DictConfigurator({}).configure_formatter(formatter_config))
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(previous_level)


TEXT_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ [\w.]+ \[[\w-]+\] ")


def entries(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_every_response_carries_a_fresh_request_id(client: Client, db: None) -> None:
    first = client.get("/login/")["X-Request-ID"]
    second = client.get("/login/")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_a_sane_request_id_from_the_load_balancer_is_kept(client: Client, db: None) -> None:
    response = client.get("/login/", HTTP_X_REQUEST_ID="lb-7f3a9c01-aa")
    assert response["X-Request-ID"] == "lb-7f3a9c01-aa"


@pytest.mark.parametrize(
    "offered", ["short", "two words here", "x" * 200, "id\nforged: 1", "lb-7f3a9c01-aa\n"]
)
def test_an_odd_request_id_is_replaced(client: Client, db: None, offered: str) -> None:
    response = client.get("/login/", HTTP_X_REQUEST_ID=offered)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_each_request_is_logged_once_with_its_outcome(
    alice_client: Client, json_log: io.StringIO
) -> None:
    response = alice_client.get("/?q=typed-by-someone")
    [entry] = [e for e in entries(json_log) if e["logger"] == "postpress_dashboard.request"]
    assert entry["request_id"] == response["X-Request-ID"]
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/", 200)
    assert entry["user_id"] == int(alice_client.session["_auth_user_id"])
    assert isinstance(entry["duration_ms"], float)
    assert "typed-by-someone" not in json_log.getvalue()  # no query strings in the logs


@responses.activate
def test_an_api_error_is_logged_with_its_instance_and_request_id_and_never_the_key(
    alice_client: Client, linkedin_account: LinkedAccount, json_log: io.StringIO
) -> None:
    envelope = {
        "title": "Forbidden",
        "detail": "The provider restricted this account.",
        "instance": "req_9f8e7d6c",
        "type": "errors/account_restricted",
    }
    responses.add(responses.GET, LIST_URL, status=403, json=envelope)

    response = alice_client.get("/inbox/")

    [failure] = [
        e for e in entries(json_log) if e["logger"] == "postpress_dashboard.postpress.client"
    ]
    assert failure["level"] == "WARNING"
    assert failure["postpress_instance"] == "req_9f8e7d6c"
    assert failure["postpress_type"] == "errors/account_restricted"
    assert failure["postpress_status"] == 403
    assert failure["request_id"] == response["X-Request-ID"]
    assert "req_9f8e7d6c" in str(failure["message"])
    assert TEAM_API_KEY not in json_log.getvalue()


def test_outside_a_request_the_id_is_a_dash(json_log: io.StringIO) -> None:
    logging.getLogger("postpress_dashboard.test").warning("between requests")
    [entry] = entries(json_log)
    assert entry["request_id"] == "-"
    assert entry["message"] == "between requests"


def test_a_path_with_a_line_break_forges_no_line_in_the_text_log(
    client: Client, db: None, text_log: io.StringIO
) -> None:
    """F15: %0A (and %0D, U+2028) in a path are escaped in the text format, not written out."""
    forged = "2026-01-01 00:00:00,000 INFO postpress_dashboard.request [x] GET /admin/ 200"
    response = client.get("/nowhere/%0A" + forged.replace(" ", "%20") + "%0D%E2%80%A8end")

    lines = text_log.getvalue().splitlines()
    request_line = f"INFO postpress_dashboard.request [{response['X-Request-ID']}] GET /nowhere/"
    [logged] = [line for line in lines if request_line in line]
    assert all(TEXT_LINE.match(line) for line in lines), lines
    assert not [line for line in lines if line.startswith("2026-01-01")]
    assert logged.endswith(f"GET /nowhere/\\x0a{forged}\\x0d\\u2028end 404")


def test_the_text_format_escapes_control_characters_in_any_message(
    text_log: io.StringIO,
) -> None:
    """F15: not only the request line: any message, whatever wrote it."""
    logging.getLogger("postpress_dashboard.test").warning("typed: %s", "a\nb\r\tc\x1b[31m\x85d")

    [line] = text_log.getvalue().splitlines()
    assert line.endswith("postpress_dashboard.test [-] typed: a\\x0ab\\x0d\\x09c\\x1b[31m\\x85d")


def test_the_json_log_keeps_the_path_as_received_and_on_one_line(
    client: Client, db: None, json_log: io.StringIO
) -> None:
    """F15: the JSON format escapes by construction; its message is the escaped line too."""
    client.get("/nowhere/%0Aforged")

    [entry] = [e for e in entries(json_log) if e["logger"] == "postpress_dashboard.request"]
    assert entry["path"] == "/nowhere/\nforged"
    assert entry["message"] == "GET /nowhere/\\x0aforged 404"
