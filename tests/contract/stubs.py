"""`responses` stubs of the postpress API with the docs' example answers.

Each stub checks the request against the documented wire format before answering, and answers
with the documented shapes, so the contract tests hold the client to the docs.
"""

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import responses
from requests import PreparedRequest

from postpress_dashboard.postpress.base_url import HostPolicy
from postpress_dashboard.postpress.client import PostpressClient

BASE_URL = "https://api.example.test/api/v1"
API_KEY = "pp_stub_key"
SECRET = "AQH-stub-secret"
INSTAGRAM_ACCOUNT = "acc_instagram_demo"

Answer = tuple[int, dict[str, str], str]


def _invitation(number: int, provider: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "object": "InvitationReceived",
        "id": f"inv_{provider.lower()}_{number}",
        "invited_user": "Ada Lovelace",
        "invited_user_id": "ACoAACr-1eYBl",
        "invited_user_public_id": "ada-lovelace",
        "invited_user_description": "Founder at postpress",
        "date": "May 12, 2026",
        "parsed_datetime": "2026-05-12T08:14:00.000Z",
        "invitation_text": "Hi, would love to connect.",
        "inviter": {
            "inviter_name": f"Inviter {number}",
            "inviter_id": f"ACoInviter{number}",
            "inviter_public_identifier": f"inviter-{number}",
            "inviter_description": "Engineer at Acme",
        },
    }
    if provider == "LINKEDIN":
        item["specifics"] = {"provider": "LINKEDIN", "shared_secret": f"{SECRET}-{number}"}
    return item


def _json(status: int, body: dict[str, Any]) -> Answer:
    return status, {"content-type": "application/json"}, json.dumps(body)


def _error(status: int, error_type: str) -> Answer:
    return _json(
        status,
        {
            "title": "Error",
            "detail": "",
            "instance": "req_stub",
            "type": error_type,
            "status": status,
        },
    )


def _query(request: PreparedRequest) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(request.url or "").query).items()}


def _json_body(request: PreparedRequest) -> dict[str, Any]:
    assert request.headers["content-type"] == "application/json"
    body = request.body or b"{}"
    return dict(json.loads(body))


class StubbedApi:
    """The documented endpoints with fixed example data."""

    @classmethod
    @contextmanager
    def started(cls) -> Iterator["StubbedApi"]:
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            yield cls(mock)

    def __init__(self, mock: responses.RequestsMock) -> None:
        # Pending sent invitations, (account_id, invitation_id, provider_id), so a cancel can
        # hold the client to the id the docs ask for on each provider.
        self._sent: list[tuple[str, str, str]] = []
        routes = [
            ("GET", r"/users/invite/received", self._list),
            ("POST", r"/users/invite/received/[^/]+", self._handle),
            ("POST", r"/users/invite", self._send),
            ("DELETE", r"/users/invite/sent/[^/]+", self._cancel),
            ("POST", r"/chats", self._start_chat),
        ]
        for method, path, handler in routes:
            mock.add_callback(
                method, _url_pattern(path), callback=self._checked(handler), content_type=None
            )

    def client(self, *, api_key: str | None = None) -> PostpressClient:
        return PostpressClient(
            base_url=BASE_URL,
            api_key=api_key or API_KEY,
            host_policy=HostPolicy.of(["api.example.test"], allow_loopback_http=False),
        )

    def _checked(self, handler: Any) -> Any:
        def callback(request: PreparedRequest) -> Answer:
            assert request.headers["accept"] == "application/json"
            if request.headers.get("X-API-KEY") != API_KEY:
                return _error(401, "errors/invalid_credentials")
            answer: Answer = handler(request)
            return answer

        return callback

    def _list(self, request: PreparedRequest) -> Answer:
        query = _query(request)
        assert set(query) <= {"account_id", "limit", "cursor"}
        provider = "LINKEDIN" if query["account_id"] == "acc_linkedin_demo" else "INSTAGRAM"
        limit = int(query.get("limit", "10"))
        offset = 2 if query.get("cursor") == "eyJvIjoyfQ" else 0
        items = [_invitation(number, provider) for number in range(offset, offset + limit)]
        return _json(200, {"object": "InvitationList", "items": items, "cursor": "eyJvIjoyfQ"})

    def _handle(self, request: PreparedRequest) -> Answer:
        body = _json_body(request)
        invitation_id = (request.path_url or "").split("?")[0].rsplit("/", 1)[1]
        if not invitation_id.startswith(("inv_linkedin_", "inv_instagram_")):
            return _error(404, "errors/resource_not_found")
        if body["provider"] == "LINKEDIN":
            assert set(body) == {"provider", "shared_secret", "account_id", "action"}
            if not body["shared_secret"].startswith(SECRET):
                return _error(400, "errors/invalid_parameters")
        else:
            assert body == {
                "provider": "INSTAGRAM",
                "account_id": body["account_id"],
                "action": body["action"],
            }
        status = {"accept": "ACCEPTED", "decline": "DECLINED"}[body["action"]]
        return _json(200, {"object": "UserInvitationHandled", "status": status})

    def _send(self, request: PreparedRequest) -> Answer:
        body = _json_body(request)
        assert (
            {"provider_id", "account_id"}
            <= set(body)
            <= {
                "provider_id",
                "account_id",
                "user_email",
                "message",
            }
        )
        if body["provider_id"] == "err_limit_exceeded":
            return _error(422, "errors/limit_exceeded")
        if len(body.get("message", "")) > 300:
            return _error(400, "errors/too_many_characters")
        invitation_id = f"inv_sent_{len(self._sent) + 1}"
        self._sent.append((body["account_id"], invitation_id, body["provider_id"]))
        return _json(200, {"object": "UserInvitationSent", "invitation_id": invitation_id})

    def _cancel(self, request: PreparedRequest) -> Answer:
        """Cancel by the documented id: on Instagram the user's provider_id, elsewhere the
        invitation id. The other id is refused, as the sandbox refuses it."""
        query = _query(request)
        assert set(query) == {"account_id"}
        path_id = unquote(urlsplit(request.url or "").path.rsplit("/", 1)[-1])
        by_provider_id = query["account_id"] == INSTAGRAM_ACCOUNT
        for sent in self._sent:
            account_id, invitation_id, provider_id = sent
            if account_id != query["account_id"] or path_id not in (invitation_id, provider_id):
                continue
            if path_id != (provider_id if by_provider_id else invitation_id):
                return _error(404, "errors/invalid_resource_identifier")
            self._sent.remove(sent)
            return _json(200, {"object": "InvitationCanceled"})
        return _error(404, "errors/resource_not_found")

    def _start_chat(self, request: PreparedRequest) -> Answer:
        content_type = request.headers["content-type"]
        assert content_type.startswith("multipart/form-data; boundary=")
        body = request.body.read() if hasattr(request.body, "read") else request.body
        assert isinstance(body, bytes)
        for part in (b'name="account_id"', b'name="attendees_ids[]"', b'filename="brochure.pdf"'):
            assert part in body
        return _json(201, {"object": "ChatStarted", "chat_id": "chat_1", "message_id": "msg_1"})


def _url_pattern(path: str) -> re.Pattern[str]:
    return re.compile(re.escape(BASE_URL) + path + r"(\?.*)?$")
