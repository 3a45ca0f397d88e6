"""The sandbox API as a plain WSGI application: routing, authentication, triggers, responses."""

import hmac
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from wsgiref.types import StartResponse, WSGIEnvironment

from postpress_dashboard.sandbox import chats, invitations
from postpress_dashboard.sandbox.body import BodyMalformed
from postpress_dashboard.sandbox.errors import ApiError, Header, not_found
from postpress_dashboard.sandbox.operations import JsonObject, Operation
from postpress_dashboard.sandbox.request import SandboxRequest
from postpress_dashboard.sandbox.state import SandboxState
from postpress_dashboard.sandbox.triggers import (
    BrokenResponse,
    Delay,
    DocumentedError,
    Trigger,
    find_triggers,
)

# The docs' headings say /v1 and their curl examples say /api/v1: serve both.
VERSION_PREFIXES = ("/api/v1", "/v1")
BAD_GATEWAY_PAGE = (
    b"<html><head><title>502 Bad Gateway</title></head>"
    b"<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)
TRUNCATED_JSON = b'{"object": '


class AbortConnection(Exception):
    """Raised to make the server drop the connection without sending any response."""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: tuple[Header, ...] = ()


def json_response(status: int, payload: JsonObject, headers: tuple[Header, ...] = ()) -> Response:
    return Response(status, json.dumps(payload).encode(), headers=headers)


def error_response(error: ApiError) -> Response:
    return json_response(error.status, error.envelope(), error.headers)


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: re.Pattern[str]
    read: Callable[[SandboxRequest, dict[str, str]], Operation]
    success_status: int
    # What `err_missing_fields` answers: the success body without its required fields.
    incomplete_body: JsonObject


ENDPOINTS = (
    Endpoint(
        "GET",
        re.compile(r"/users/invite/received"),
        invitations.read_list_received_invitations,
        200,
        {"object": "InvitationList"},
    ),
    Endpoint(
        "POST",
        re.compile(r"/users/invite/received/(?P<invitation_id>[^/]+)"),
        invitations.read_handle_received_invitation,
        200,
        {"object": "UserInvitationHandled"},
    ),
    Endpoint(
        "POST",
        re.compile(r"/users/invite"),
        invitations.read_send_invitation,
        200,
        {"object": "UserInvitationSent"},
    ),
    Endpoint(
        "DELETE",
        re.compile(r"/users/invite/sent/(?P<invitation_id>[^/]+)"),
        invitations.read_cancel_sent_invitation,
        200,
        {},
    ),
    Endpoint("POST", re.compile(r"/chats"), chats.read_start_chat, 201, {"object": "ChatStarted"}),
)


class SandboxApp:
    """A WSGI callable answering the five documented endpoints from a SandboxState."""

    def __init__(
        self,
        state: SandboxState,
        api_key: str,
        latency_ms: int = 0,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.state = state
        self.api_key = api_key
        self.latency_ms = latency_ms
        self._sleep = sleep  # injectable, so tests check delays without waiting for them

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = SandboxRequest.from_environ(environ)
        try:
            response = self._respond(request)
        except ApiError as error:
            response = error_response(error)
            request.discard_unread_body()
        except BodyMalformed as error:
            # The framing is broken: the rest cannot be read, the server closes after this.
            detail = f"The chunked body is malformed: {error}."
            response = error_response(ApiError("errors/malformed_request", detail))
        else:
            request.discard_unread_body()
        if self.latency_ms:
            self._sleep(self.latency_ms / 1000)
        start_response(_status_line(response.status), _headers(response))
        return [response.body]

    def _respond(self, request: SandboxRequest) -> Response:
        self._authenticate(request)
        endpoint, path_params = _route(request)
        operation = endpoint.read(request, path_params)
        triggers = find_triggers(operation.identifiers())
        for trigger in triggers:
            if isinstance(trigger, Delay):
                self._sleep(trigger.milliseconds / 1000)
        failure = next((t for t in triggers if not isinstance(t, Delay)), None)
        if failure is not None:
            return _triggered_response(failure, endpoint)
        return json_response(endpoint.success_status, operation.perform(self.state))

    def _authenticate(self, request: SandboxRequest) -> None:
        if not request.api_key:
            raise ApiError("errors/missing_credentials", "Send your API key in X-API-KEY.")
        if not hmac.compare_digest(request.api_key.encode(), self.api_key.encode()):
            raise ApiError("errors/invalid_credentials", "The X-API-KEY is not valid.")


def _route(request: SandboxRequest) -> tuple[Endpoint, dict[str, str]]:
    path = _path_under_version_prefix(request.path) or ""
    matches = [
        (endpoint, match.groupdict())
        for endpoint in ENDPOINTS
        if (match := endpoint.path.fullmatch(path))
    ]
    if not matches:
        raise not_found(f"No endpoint at {request.path}.")
    for endpoint, path_params in matches:
        if endpoint.method == request.method:
            return endpoint, path_params
    allowed = ", ".join(endpoint.method for endpoint, _ in matches)
    raise ApiError(
        "errors/malformed_request",
        f"{request.method} is not allowed on {request.path}; use {allowed}.",
        status=HTTPStatus.METHOD_NOT_ALLOWED,
        headers=[("Allow", allowed)],
    )


def _path_under_version_prefix(path: str) -> str | None:
    for prefix in VERSION_PREFIXES:
        if path.startswith(prefix + "/"):
            return path.removeprefix(prefix)
    return None


def _triggered_response(trigger: Trigger, endpoint: Endpoint) -> Response:
    match trigger:
        case DocumentedError(error_type, _, retry_after):
            headers = [] if retry_after is None else [("Retry-After", str(retry_after))]
            detail = f"Triggered by err_{error_type.removeprefix('errors/')} in the request."
            raise ApiError(error_type, detail, headers=headers)
        case BrokenResponse.HTML:
            return Response(HTTPStatus.BAD_GATEWAY, BAD_GATEWAY_PAGE, "text/html; charset=utf-8")
        case BrokenResponse.INVALID_JSON:
            return Response(endpoint.success_status, TRUNCATED_JSON)
        case BrokenResponse.MISSING_FIELDS:
            return json_response(endpoint.success_status, endpoint.incomplete_body)
        case BrokenResponse.RESET:
            raise AbortConnection
    raise AssertionError(f"Unhandled trigger {trigger!r}")  # pragma: no cover


def _status_line(status: int) -> str:
    return f"{status} {HTTPStatus(status).phrase}"


def _headers(response: Response) -> list[Header]:
    return [
        ("Content-Type", response.content_type),
        ("Content-Length", str(len(response.body))),
        *response.headers,
    ]
