"""How PostpressClient turns failed calls into errors a page can show.

Documented error envelopes become a category subclass carrying what the API said; the words a
person reads come from the catalogue only. Failures without an envelope (no connection, a proxy's
HTML page, broken JSON, an answer missing what the contract requires) get a ``client/...`` type.
The API key never shows up in an error, a repr or a log line.
"""

import json
import logging
import re
import socket
from collections.abc import Callable
from typing import Any

import pytest
import requests
import responses
import urllib3.exceptions

from postpress_dashboard.postpress.catalogue import (
    CATALOGUE,
    CLIENT_FAILURES,
    STATUS_FALLBACKS,
    FixableBy,
)
from postpress_dashboard.postpress.client import PostpressClient, RetryPolicy
from postpress_dashboard.postpress.documented_errors import DOCUMENTED_ERROR_STATUSES
from postpress_dashboard.postpress.errors import (
    AuthenticationError,
    ForbiddenError,
    InvalidRequestError,
    NotFoundError,
    PostpressConnectionError,
    PostpressError,
    ProtocolError,
    RateLimitedError,
    UnprocessableError,
    UpstreamError,
)
from postpress_dashboard.postpress.schemas import InvitationAction, NewChat, Provider
from tests.unit.postpress.support import ACCOUNT_ID, API_KEY, BASE_URL, HOST_POLICY, INVITATION_ID

SEND_URL = f"{BASE_URL}/users/invite"
LIST_URL = re.compile(re.escape(f"{BASE_URL}/users/invite/received") + r"(\?.*)?$")

EXPECTED_CATEGORY: dict[int, type[PostpressError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    403: ForbiddenError,
    404: NotFoundError,
    413: InvalidRequestError,
    415: InvalidRequestError,
    422: UnprocessableError,
    429: RateLimitedError,
    500: UpstreamError,
    501: UpstreamError,
    502: UpstreamError,
    503: UpstreamError,
    504: UpstreamError,
}

PROXY_502_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


def envelope(error_type: str, status: int, **extra: str) -> dict[str, Any]:
    return {
        "type": error_type,
        "status": status,
        "title": f"API title for {error_type}",
        "detail": f"API detail for {error_type}",
        "instance": f"req_{status}_instance",
        **extra,
    }


def send(postpress: PostpressClient) -> object:
    """A POST: never retried on an answer, so one stubbed answer is one error."""
    return postpress.send_invitation(account_id=ACCOUNT_ID, provider_id="ACoAACr-1eYBl")


def failure_of(call: Callable[[], object]) -> PostpressError:
    with pytest.raises(PostpressError) as caught:
        call()
    return caught.value


# --- documented envelopes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error_type", "status"), sorted(DOCUMENTED_ERROR_STATUSES.items()), ids=lambda v: str(v)
)
def test_it_turns_each_documented_error_into_its_category_with_what_the_api_said(
    api, postpress, error_type, status
):
    api.add("POST", SEND_URL, json=envelope(error_type, status), status=status)

    error = failure_of(lambda: send(postpress))

    assert type(error) is EXPECTED_CATEGORY[status]
    assert error.status == status
    assert error.error_type == error_type
    assert error.title == f"API title for {error_type}"
    assert error.detail == f"API detail for {error_type}"
    assert error.instance == f"req_{status}_instance"
    assert len(api.calls) == 1


@pytest.mark.parametrize(
    ("error_type", "status"), sorted(DOCUMENTED_ERROR_STATUSES.items()), ids=lambda v: str(v)
)
def test_it_takes_the_user_message_of_each_documented_error_from_the_catalogue(
    api, postpress, error_type, status
):
    api.add("POST", SEND_URL, json=envelope(error_type, status), status=status)

    error = failure_of(lambda: send(postpress))

    entry = CATALOGUE[error_type]
    expected = entry.message
    if entry.fixable_by in (FixableBy.SERVICE, FixableBy.PROVIDER):
        expected += f" Request id: req_{status}_instance."
    assert error.user_message == expected
    assert "API title" not in error.user_message
    assert "API detail" not in error.user_message
    assert "errors/" not in error.user_message
    assert error_type.removeprefix("errors/") not in error.user_message


def test_it_carries_an_envelope_without_detail_or_instance_as_empty_strings(api, postpress):
    api.add(
        "POST",
        SEND_URL,
        json={"type": "errors/invalid_parameters", "status": 400, "title": "Bad"},
        status=400,
    )

    error = failure_of(lambda: send(postpress))

    assert isinstance(error, InvalidRequestError)
    assert (error.title, error.detail, error.instance) == ("Bad", "", "")
    assert error.user_message == CATALOGUE["errors/invalid_parameters"].message


def test_it_classifies_by_the_http_status_rather_than_the_envelope_status(api, postpress):
    api.add("POST", SEND_URL, json=envelope("errors/resource_not_found", 400), status=404)

    error = failure_of(lambda: send(postpress))

    assert isinstance(error, NotFoundError)
    assert error.status == 404


@pytest.mark.parametrize(
    ("status", "category", "message"),
    [
        (400, InvalidRequestError, STATUS_FALLBACKS[400].message),
        (401, AuthenticationError, STATUS_FALLBACKS[401].message),
        (403, ForbiddenError, STATUS_FALLBACKS[403].message),
        (404, NotFoundError, STATUS_FALLBACKS[404].message),
        (413, InvalidRequestError, STATUS_FALLBACKS[413].message),
        (415, InvalidRequestError, STATUS_FALLBACKS[415].message),
        (422, UnprocessableError, STATUS_FALLBACKS[422].message),
        (501, UpstreamError, STATUS_FALLBACKS[501].message),
        (503, UpstreamError, STATUS_FALLBACKS[503].message),
        (418, InvalidRequestError, "The request was not accepted. Check the fields and try again."),
    ],
)
def test_it_falls_back_by_status_for_an_unknown_error_type(
    api, postpress, status, category, message
):
    api.add(
        "POST",
        SEND_URL,
        json={"type": "errors/brand_new_type", "status": status, "title": "New"},
        status=status,
    )

    error = failure_of(lambda: send(postpress))

    assert type(error) is category
    assert error.error_type == "errors/brand_new_type"
    assert error.user_message.startswith(message)
    assert "errors/" not in error.user_message
    assert "New" not in error.user_message.split()


def test_it_falls_back_to_a_server_message_for_an_unknown_5xx(api, postpress):
    api.add("POST", SEND_URL, json={"type": "errors/teapot_melted", "title": "x"}, status=599)

    error = failure_of(lambda: send(postpress))

    assert isinstance(error, UpstreamError)
    assert error.user_message.startswith("postpress had a problem. Try again later.")


def test_it_falls_back_by_status_for_json_without_an_envelope(api, postpress):
    api.add("POST", SEND_URL, json={"message": "Unprocessable"}, status=422)

    error = failure_of(lambda: send(postpress))

    assert isinstance(error, UnprocessableError)
    assert error.user_message == STATUS_FALLBACKS[422].message
    assert "Unprocessable" not in error.user_message


def test_it_shows_the_request_id_only_where_support_can_use_it(api, postpress):
    api.add("POST", SEND_URL, json=envelope("errors/invalid_parameters", 400), status=400)
    api.add("POST", SEND_URL, json=envelope("errors/unexpected_error", 500), status=500)

    input_error = failure_of(lambda: send(postpress))
    service_error = failure_of(lambda: send(postpress))

    assert "req_400_instance" not in input_error.user_message
    assert service_error.user_message.endswith("Request id: req_500_instance.")


# --- rate limits ---------------------------------------------------------------------------


def test_it_reads_retry_after_into_a_rate_limited_error_and_says_how_long_to_wait(api, postpress):
    api.add(
        "POST",
        SEND_URL,
        json=envelope("errors/too_many_requests", 429),
        status=429,
        headers={"Retry-After": "7"},
    )

    error = failure_of(lambda: send(postpress))

    assert isinstance(error, RateLimitedError)
    assert error.retry_after == 7
    assert error.user_message.startswith(CATALOGUE["errors/too_many_requests"].message)
    assert "You can try again in 7 seconds." in error.user_message


def test_it_rounds_a_fractional_retry_after_up_in_the_message(api, postpress):
    api.add(
        "POST",
        SEND_URL,
        json=envelope("errors/too_many_requests", 429),
        status=429,
        headers={"Retry-After": "2.2"},
    )

    error = failure_of(lambda: send(postpress))

    assert error.retry_after == pytest.approx(2.2)
    assert "3 seconds" in error.user_message


@pytest.mark.parametrize("header", [None, "Wed, 21 Oct 2026 07:28:00 GMT", "-5", "soon"])
def test_it_leaves_retry_after_empty_when_missing_or_not_seconds(api, postpress, header):
    headers = {"Retry-After": header} if header is not None else {}
    api.add(
        "POST",
        SEND_URL,
        json=envelope("errors/too_many_requests", 429),
        status=429,
        headers=headers,
    )

    error = failure_of(lambda: send(postpress))

    assert isinstance(error, RateLimitedError)
    assert error.retry_after is None
    assert "seconds" not in error.user_message


def test_it_says_how_long_to_wait_when_a_get_is_refused_for_longer_than_it_may_wait(api, postpress):
    api.add(
        "GET",
        LIST_URL,
        json=envelope("errors/too_many_requests", 429),
        status=429,
        headers={"Retry-After": "30"},
    )

    error = failure_of(lambda: postpress.list_received_invitations(account_id=ACCOUNT_ID))

    assert isinstance(error, RateLimitedError)
    assert error.retry_after == 30
    assert "30 seconds" in error.user_message


# --- failures without an envelope ----------------------------------------------------------


def refused() -> requests.ConnectionError:
    """What requests raises when nothing listens: the reason is a NewConnectionError."""
    reason = urllib3.exceptions.NewConnectionError(
        None, "Failed to establish a new connection: [Errno 111] Connection refused"
    )
    return requests.ConnectionError(
        urllib3.exceptions.MaxRetryError(None, f"{BASE_URL}/users/invite", reason=reason)
    )


def reset() -> requests.ConnectionError:
    """What requests raises when the server drops a connection it had accepted."""
    return requests.ConnectionError(
        urllib3.exceptions.ProtocolError(
            "Connection aborted.", ConnectionResetError(104, "Connection reset by peer")
        )
    )


@pytest.mark.parametrize(
    ("exception", "error_type"),
    [
        (refused(), "client/connection_refused"),
        (reset(), "client/connection_reset"),
        (requests.ConnectionError("Connection refused"), "client/connection_reset"),
        (requests.ReadTimeout("read timed out"), "client/timeout"),
        (requests.ConnectTimeout("connect timed out"), "client/connection_refused"),
        (requests.exceptions.ChunkedEncodingError("cut off"), "client/connection_reset"),
    ],
    ids=["refused", "reset", "bare-connection-error", "read-timeout", "connect-timeout", "cut"],
)
def test_it_reports_a_call_that_got_no_answer_as_a_connection_error(api, exception, error_type):
    # No retries, so the classification of one failure is what comes out.
    postpress = PostpressClient(
        base_url=BASE_URL,
        api_key=API_KEY,
        retry=RetryPolicy(max_retries=0),
        sleep=lambda _: None,
        host_policy=HOST_POLICY,
    )
    api.add("GET", LIST_URL, body=exception)

    error = failure_of(lambda: postpress.list_received_invitations(account_id=ACCOUNT_ID))

    assert type(error) is PostpressConnectionError
    assert error.error_type == error_type
    assert error.status is None
    assert error.user_message == CLIENT_FAILURES[error_type].message
    assert str(error) == f"no response {error_type}"


def test_it_cannot_tell_a_bare_connection_error_was_refused_and_calls_it_reset(api, postpress):
    # A ConnectionError without a urllib3 reason may have reached the server: so for a POST it
    # is neither called "refused" nor retried.
    api.add("POST", SEND_URL, body=requests.ConnectionError("Connection refused"))

    error = failure_of(lambda: send(postpress))

    assert error.error_type == "client/connection_reset"
    assert len(api.calls) == 1


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def closed_port_client(recorded_sleeps: list[float]) -> PostpressClient:
    """A client pointed at a local port nobody listens on: real sockets, no responses mock."""
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment may answer in its place
    return PostpressClient(
        base_url=f"http://127.0.0.1:{free_port()}/api/v1",
        api_key=API_KEY,
        session=session,
        sleep=recorded_sleeps.append,
        host_policy=HOST_POLICY,
    )


def test_it_reports_a_really_refused_connection_as_refused(closed_port_client, recorded_sleeps):
    error = failure_of(lambda: closed_port_client.list_received_invitations(account_id="acc"))

    assert type(error) is PostpressConnectionError
    assert error.error_type == "client/connection_refused"
    assert error.status is None
    assert error.user_message == CLIENT_FAILURES["client/connection_refused"].message
    assert len(recorded_sleeps) == 2  # a GET is tried three times


def test_it_retries_a_post_whose_connection_was_really_refused(closed_port_client, recorded_sleeps):
    error = failure_of(lambda: send(closed_port_client))

    assert error.error_type == "client/connection_refused"
    assert len(recorded_sleeps) == 2  # nothing reached the server, so it is safe to repeat


def test_it_reports_a_proxys_html_error_page_as_an_html_response(api, postpress):
    api.add("POST", SEND_URL, body=PROXY_502_PAGE, status=502, content_type="text/html")

    error = failure_of(lambda: send(postpress))

    assert type(error) is UpstreamError
    assert error.status == 502
    assert error.error_type == "client/html_response"
    assert error.user_message == CLIENT_FAILURES["client/html_response"].message
    assert "<" not in error.user_message
    assert "nginx" not in str(error)


def test_it_recognises_an_html_page_served_without_an_html_content_type(api, postpress):
    api.add("POST", SEND_URL, body=PROXY_502_PAGE, status=502, content_type="text/plain")

    error = failure_of(lambda: send(postpress))

    assert error.error_type == "client/html_response"


def test_it_reports_a_200_with_html_as_a_protocol_error(api, postpress):
    api.add(
        "POST",
        SEND_URL,
        body="<!doctype html><title>Maintenance</title><p>Back soon</p>",
        status=200,
        content_type="text/html; charset=utf-8",
    )

    error = failure_of(lambda: send(postpress))

    assert type(error) is ProtocolError
    assert error.error_type == "client/html_response"
    assert error.status == 200
    assert error.user_message == CLIENT_FAILURES["client/html_response"].message


@pytest.mark.parametrize(
    "body",
    [
        "not json at all",
        '{"object": "UserInvitationSent", "invitation_id": "inv_1"',
        '{"object": "UserInvitationSent", "invitation_id": "in',
        "",
    ],
    ids=["invalid", "truncated-object", "truncated-string", "empty"],
)
def test_it_reports_a_2xx_whose_json_cannot_be_read_as_invalid_json(api, postpress, body):
    api.add("POST", SEND_URL, body=body, status=200, content_type="application/json")

    error = failure_of(lambda: send(postpress))

    assert type(error) is ProtocolError
    assert error.error_type == "client/invalid_json"
    assert error.status == 200
    assert error.user_message == CLIENT_FAILURES["client/invalid_json"].message


def test_it_reports_an_error_status_with_broken_json_by_its_status(api, postpress):
    api.add(
        "POST",
        SEND_URL,
        body='{"type": "errors/invalid_parameters", "sta',
        status=400,
        content_type="application/json",
    )

    error = failure_of(lambda: send(postpress))

    assert type(error) is InvalidRequestError
    assert error.status == 400
    assert error.user_message == STATUS_FALLBACKS[400].message


MISSING_FIELDS: list[tuple[str, str, str, int, Any, Callable[[PostpressClient], object]]] = [
    (
        "list-without-items",
        "GET",
        f"{BASE_URL}/users/invite/received",
        200,
        {"object": "InvitationList", "cursor": None},
        lambda c: c.list_received_invitations(account_id=ACCOUNT_ID),
    ),
    (
        "list-item-without-id",
        "GET",
        f"{BASE_URL}/users/invite/received",
        200,
        {"object": "InvitationList", "items": [{"invited_user": "Ada"}], "cursor": None},
        lambda c: c.list_received_invitations(account_id=ACCOUNT_ID),
    ),
    (
        "list-item-not-an-object",
        "GET",
        f"{BASE_URL}/users/invite/received",
        200,
        {"object": "InvitationList", "items": ["inv_1"], "cursor": None},
        lambda c: c.list_received_invitations(account_id=ACCOUNT_ID),
    ),
    (
        "list-as-an-array",
        "GET",
        f"{BASE_URL}/users/invite/received",
        200,
        [],
        lambda c: c.list_received_invitations(account_id=ACCOUNT_ID),
    ),
    (
        "send-without-invitation-id",
        "POST",
        SEND_URL,
        200,
        {"object": "UserInvitationSent", "usage": 50},
        lambda c: send(c),
    ),
    (
        "send-with-empty-invitation-id",
        "POST",
        SEND_URL,
        200,
        {"object": "UserInvitationSent", "invitation_id": ""},
        lambda c: send(c),
    ),
    (
        "handle-without-status",
        "POST",
        f"{BASE_URL}/users/invite/received/{INVITATION_ID}",
        200,
        {"object": "UserInvitationHandled"},
        lambda c: c.handle_received_invitation(
            invitation_id=INVITATION_ID,
            account_id=ACCOUNT_ID,
            provider=Provider.INSTAGRAM,
            action=InvitationAction.ACCEPT,
        ),
    ),
    (
        "cancel-without-object",
        "DELETE",
        f"{BASE_URL}/users/invite/sent/{INVITATION_ID}",
        200,
        {},
        lambda c: c.cancel_invitation(invitation_id=INVITATION_ID, account_id=ACCOUNT_ID),
    ),
    (
        "chat-without-message-id",
        "POST",
        f"{BASE_URL}/chats",
        201,
        {"object": "ChatStarted", "chat_id": "chat_1"},
        lambda c: c.start_chat(NewChat(account_id=ACCOUNT_ID, attendees_ids=("ACo1",))),
    ),
    (
        "chat-without-chat-id",
        "POST",
        f"{BASE_URL}/chats",
        201,
        {"object": "ChatStarted", "message_id": "msg_1"},
        lambda c: c.start_chat(NewChat(account_id=ACCOUNT_ID, attendees_ids=("ACo1",))),
    ),
    (
        "chat-as-a-string",
        "POST",
        f"{BASE_URL}/chats",
        201,
        "ChatStarted",
        lambda c: c.start_chat(NewChat(account_id=ACCOUNT_ID, attendees_ids=("ACo1",))),
    ),
]


@pytest.mark.parametrize(
    ("method", "url", "status", "answer", "call"),
    [case[1:] for case in MISSING_FIELDS],
    ids=[case[0] for case in MISSING_FIELDS],
)
def test_it_reports_a_2xx_lacking_required_fields_as_missing_fields(
    api, postpress, method, url, status, answer, call
):
    api.add(method, re.compile(re.escape(url) + r"(\?.*)?$"), json=answer, status=status)

    error = failure_of(lambda: call(postpress))

    assert type(error) is ProtocolError
    assert error.error_type == "client/missing_fields"
    assert error.user_message == CLIENT_FAILURES["client/missing_fields"].message
    assert len(api.calls) == 1  # an incomplete answer is not asked again


def test_it_keeps_the_status_of_an_answer_lacking_required_fields(api, postpress):
    api.add("POST", SEND_URL, json={"object": "UserInvitationSent"}, status=200)

    error = failure_of(lambda: send(postpress))

    assert error.error_type == "client/missing_fields"
    assert (error.status, str(error)) == (200, "200 client/missing_fields"), (
        "CLIENT BUG (parsing.py _missing_fields): a 2xx lacking required fields is raised "
        f"without the response status, so it reads {str(error)!r} although the API answered"
    )


def test_it_refuses_to_follow_a_redirect(api, postpress):
    api.add(
        "POST",
        SEND_URL,
        status=301,
        headers={"Location": "https://elsewhere.example.test/users/invite"},
        body="",
    )

    error = failure_of(lambda: send(postpress))

    assert isinstance(error, ProtocolError)
    assert len(api.calls) == 1
    assert api.calls[0].request.url == SEND_URL


@pytest.mark.parametrize(
    "base_url",
    ["api.example.test/api/v1", "https:///api/v1", "ftp://api.example.test/api/v1"],
    ids=["no-scheme", "no-host", "unsupported-scheme"],
)
def test_it_reports_an_unusable_base_url_as_such_without_retrying(base_url, recorded_sleeps):
    postpress = PostpressClient(
        base_url=base_url, api_key=API_KEY, sleep=recorded_sleeps.append, host_policy=HOST_POLICY
    )

    error = failure_of(lambda: postpress.list_received_invitations(account_id=ACCOUNT_ID))

    assert isinstance(error, PostpressError)
    problems = []
    if error.error_type != "client/invalid_base_url":
        problems.append(f"classified as {error.error_type!r}")
    if recorded_sleeps:
        problems.append(f"retried after sleeping {recorded_sleeps!r}")
    assert not problems, (
        "CLIENT BUG (client.py _attempt/_connection_error): an unusable base URL "
        f"{base_url!r} was {' and '.join(problems)}; it should be client/invalid_base_url "
        "(retryable=False in the catalogue) and never retried"
    )
    assert CLIENT_FAILURES["client/invalid_base_url"].message == error.user_message


# --- the API key stays secret --------------------------------------------------------------


def leaked(text: str) -> bool:
    return API_KEY in text or API_KEY.removeprefix("pp_") in text


FAILURES: dict[str, Callable[[responses.RequestsMock], None]] = {
    "401-echoing-the-key": lambda api: api.add(
        "POST",
        SEND_URL,
        json=envelope(
            "errors/invalid_credentials",
            401,
            title=f"Invalid key {API_KEY}",
            detail=f"X-API-KEY {API_KEY} is not valid",
            instance=f"/users/invite?key={API_KEY}",
        ),
        status=401,
    ),
    "unknown-500-echoing-the-key": lambda api: api.add(
        "POST",
        SEND_URL,
        json={"type": "errors/new", "title": API_KEY, "detail": API_KEY},
        status=500,
    ),
    "html-502-echoing-the-key": lambda api: api.add(
        "POST", SEND_URL, body=f"<html>{API_KEY}</html>", status=502, content_type="text/html"
    ),
    "invalid-json-echoing-the-key": lambda api: api.add(
        "POST", SEND_URL, body=f"{{{API_KEY}", status=200, content_type="application/json"
    ),
    "refused": lambda api: api.add("POST", SEND_URL, body=refused()),
    "timeout-naming-the-key": lambda api: api.add(
        "POST", SEND_URL, body=requests.ReadTimeout(f"timed out sending X-API-KEY: {API_KEY}")
    ),
    "rate-limited": lambda api: api.add(
        "POST",
        SEND_URL,
        json=envelope("errors/too_many_requests", 429, detail=API_KEY),
        status=429,
        headers={"Retry-After": "3"},
    ),
}


@pytest.mark.parametrize("stub", FAILURES.values(), ids=FAILURES.keys())
def test_it_never_puts_the_api_key_in_an_error(api, postpress, stub):
    stub(api)

    error = failure_of(lambda: send(postpress))

    assert api.calls[0].request.headers["X-API-KEY"] == API_KEY  # the key was really sent
    assert not leaked(str(error))
    assert not leaked(repr(error))
    assert not leaked(error.user_message)
    assert not leaked(" ".join(str(arg) for arg in error.args))


def test_it_never_puts_the_api_key_in_the_client_repr(postpress):
    assert "api.example.test" in repr(postpress)
    assert not leaked(repr(postpress))
    assert not leaked(str(postpress))


def test_it_never_logs_the_api_key_during_a_failing_call(api, postpress, caplog):
    caplog.set_level(logging.DEBUG)
    api.add(
        "GET",
        LIST_URL,
        json=envelope("errors/service_unavailable", 503, detail=API_KEY),
        status=503,
    )

    failure_of(lambda: postpress.list_received_invitations(account_id=ACCOUNT_ID))

    assert len(api.calls) == 3
    assert caplog.records, "the retries should have been logged"
    for record in caplog.records:
        assert not leaked(record.getMessage())
        assert not leaked(str(record.args))
        assert not leaked(record.exc_text or "")
    assert not leaked(caplog.text)


def test_it_never_logs_the_api_key_while_a_real_connection_is_refused(closed_port_client, caplog):
    caplog.set_level(logging.DEBUG)

    error = failure_of(lambda: send(closed_port_client))

    assert error.error_type == "client/connection_refused"
    assert any(r.name.startswith("urllib3") for r in caplog.records), "urllib3 debug logs"
    assert not leaked(caplog.text)
    for record in caplog.records:
        assert not leaked(record.getMessage())


def test_it_keeps_the_api_key_out_of_the_json_it_sends(api, postpress):
    api.add("POST", SEND_URL, json={"object": "UserInvitationSent", "invitation_id": "inv_1"})

    send(postpress)

    request = api.calls[0].request
    assert not leaked(request.url)
    assert not leaked(json.dumps(json.loads(request.body)))


@pytest.mark.parametrize(
    "api_key",
    ["pp_live key", "pp_live_key\n", "pp_live_key\u2013x", ""],
    ids=["space", "line-break", "en-dash", "empty"],
)
def test_a_key_no_header_can_carry_fails_before_any_request_without_echoing_it(api, api_key):
    postpress = PostpressClient(base_url=BASE_URL, api_key=api_key, host_policy=HOST_POLICY)

    error = failure_of(lambda: send(postpress))

    assert isinstance(error, AuthenticationError)
    assert error.error_type == "client/invalid_api_key"
    assert "Settings" in error.user_message
    assert not api.calls
    if api_key:
        assert api_key not in str(error) + repr(error) + error.user_message


@pytest.mark.parametrize("header", ["inf", "1e400", "nan", "-3"])
def test_a_retry_after_that_is_not_a_real_wait_is_ignored(api, postpress, header):
    api.add(
        "POST",
        SEND_URL,
        json=envelope("errors/too_many_requests", 429),
        status=429,
        headers={"Retry-After": header},
    )

    error = failure_of(lambda: send(postpress))

    assert error.retry_after is None
    assert "try again in" not in error.user_message.lower()


def test_a_wait_of_one_second_is_said_in_the_singular(api, postpress):
    api.add(
        "POST",
        SEND_URL,
        json=envelope("errors/too_many_requests", 429),
        status=429,
        headers={"Retry-After": "0.4"},
    )

    assert "try again in 1 second." in failure_of(lambda: send(postpress)).user_message
