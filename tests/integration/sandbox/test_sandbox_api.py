"""What every sandbox endpoint shares: prefixes, credentials, routing, errors and triggers."""

from errno import ECONNRESET
from typing import Any

import pytest
import requests

from postpress_dashboard.sandbox.server import RunningSandbox
from tests.integration.sandbox.sandbox_http import SandboxClient, error_of

pytestmark = pytest.mark.sandbox

LINKEDIN = "acc_linkedin_demo"


def list_invitations(api: SandboxClient, account_id: str = LINKEDIN) -> requests.Response:
    return api.get("/users/invite/received", params={"account_id": account_id})


@pytest.mark.parametrize("prefix", ["/v1", "/api/v1"])
def test_it_serves_the_api_under_both_documented_prefixes(
    sandbox: RunningSandbox, api: SandboxClient, prefix: str
) -> None:
    root = sandbox.base_url.removesuffix("/api/v1")
    response = api.session.get(
        f"{root}{prefix}/users/invite/received", params={"account_id": LINKEDIN}, timeout=10
    )
    assert response.status_code == 200
    assert response.json()["object"] == "InvitationList"


def test_it_refuses_a_request_without_an_api_key(api: SandboxClient) -> None:
    del api.session.headers["X-API-KEY"]
    assert error_of(list_invitations(api)) == (401, "errors/missing_credentials")


def test_it_refuses_a_wrong_api_key(api: SandboxClient) -> None:
    api.session.headers["X-API-KEY"] = "pp_not_the_sandbox_key"
    assert error_of(list_invitations(api)) == (401, "errors/invalid_credentials")


def test_it_answers_an_unknown_route_with_resource_not_found(api: SandboxClient) -> None:
    assert error_of(api.get("/users/me")) == (404, "errors/resource_not_found")


def test_it_answers_a_wrong_method_with_405_and_the_allowed_one(api: SandboxClient) -> None:
    response = api.request("PUT", "/chats")
    assert error_of(response) == (405, "errors/malformed_request")
    assert response.headers["Allow"] == "POST"


def test_it_answers_an_unknown_account_with_resource_not_found(api: SandboxClient) -> None:
    assert error_of(list_invitations(api, "acc_nobody")) == (404, "errors/resource_not_found")


def test_it_gives_every_error_a_fresh_request_id(api: SandboxClient) -> None:
    first, second = list_invitations(api, "acc_nobody"), list_invitations(api, "acc_nobody")
    assert first.json()["instance"] != second.json()["instance"]


@pytest.mark.parametrize(
    ("error_type", "status"),
    [
        ("account_restricted", 403),
        ("invalid_credentials_but_valid_account_imap", 401),
        ("provider_error", 500),
        ("feature_not_implemented", 501),
        ("request_timeout", 504),
    ],
)
def test_it_answers_the_documented_error_named_in_an_account_id(
    api: SandboxClient, error_type: str, status: int
) -> None:
    response = list_invitations(api, f"acc_err_{error_type}")
    assert error_of(response) == (status, f"errors/{error_type}")


@pytest.mark.parametrize(
    ("method", "path", "request_kwargs"),
    [
        (
            "POST",
            "/users/invite",
            {"json": {"account_id": LINKEDIN, "provider_id": "ACoAA_err_blocked_recipient"}},
        ),
        (
            "DELETE",
            "/users/invite/sent/inv_err_blocked_recipient",
            {"params": {"account_id": LINKEDIN}},
        ),
        (
            "POST",
            "/users/invite/received/inv_err_blocked_recipient_1",
            {"json": {"provider": "INSTAGRAM", "account_id": LINKEDIN, "action": "accept"}},
        ),
        (
            "POST",
            "/chats",
            {
                "data": {
                    "account_id": LINKEDIN,
                    "attendees_ids[]": ["ACoAA1", "err_blocked_recipient"],
                },
                "files": {"attachments": ("a.txt", b"a", "text/plain")},
            },
        ),
    ],
)
def test_it_finds_triggers_in_every_identifier_a_request_carries(
    api: SandboxClient, method: str, path: str, request_kwargs: dict[str, Any]
) -> None:
    response = api.request(method, path, **request_kwargs)
    assert error_of(response) == (422, "errors/blocked_recipient")


def test_a_triggered_error_changes_nothing(sandbox: RunningSandbox, api: SandboxClient) -> None:
    body = {"account_id": LINKEDIN, "provider_id": "err_provider_error"}
    assert api.post("/users/invite", json=body).status_code == 500
    assert sandbox.state.accounts[LINKEDIN].sent == []


def test_it_asks_to_retry_after_2_seconds_on_a_triggered_429(api: SandboxClient) -> None:
    response = list_invitations(api, "acc_err_too_many_requests")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "2"


def test_it_takes_the_retry_after_from_a_wait_suffix(api: SandboxClient) -> None:
    response = list_invitations(api, "acc_err_too_many_requests_wait_7")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"


def test_it_answers_err_html_with_a_502_html_page(api: SandboxClient) -> None:
    response = list_invitations(api, "acc_err_html")
    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.text.startswith("<html>")


def test_it_answers_err_invalid_json_with_a_truncated_body(api: SandboxClient) -> None:
    response = list_invitations(api, "acc_err_invalid_json")
    assert response.status_code == 200
    assert response.text == '{"object": '
    with pytest.raises(requests.JSONDecodeError):
        response.json()


def test_it_answers_err_missing_fields_without_the_required_fields(api: SandboxClient) -> None:
    response = list_invitations(api, "acc_err_missing_fields")
    assert response.status_code == 200
    assert response.json() == {"object": "InvitationList"}


def test_it_answers_normally_after_an_err_slow_delay(api: SandboxClient) -> None:
    body = {"account_id": LINKEDIN, "provider_id": "ACoAA_err_slow_1"}
    response = api.post("/users/invite", json=body)
    assert response.status_code == 200
    assert response.json()["object"] == "UserInvitationSent"


def test_it_resets_the_connection_for_err_reset_and_keeps_serving(api: SandboxClient) -> None:
    with pytest.raises(requests.ConnectionError) as raised:
        list_invitations(api, "acc_err_reset")
    # A reset (RST) from the socket, not a connection merely closed early (RemoteDisconnected).
    assert any(getattr(cause, "errno", None) == ECONNRESET for cause in _causes(raised.value))
    assert list_invitations(api).status_code == 200


def _causes(error: BaseException) -> list[BaseException]:
    """The error and what it wraps: requests and urllib3 nest the socket error in args."""
    nested = [arg for arg in error.args if isinstance(arg, BaseException)]
    return [error, *(cause for inner in nested for cause in _causes(inner))]
