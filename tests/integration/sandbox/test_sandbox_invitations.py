"""The sandbox's invitation endpoints over HTTP: list, accept/decline, send, cancel."""

import re
from typing import Any

import pytest
import requests

from postpress_dashboard.sandbox.server import RunningSandbox
from tests.integration.sandbox.sandbox_http import SandboxClient, error_of

pytestmark = pytest.mark.sandbox

LINKEDIN = "acc_linkedin_demo"
INSTAGRAM = "acc_instagram_demo"
ITEM_KEYS = {
    "object",
    "id",
    "invited_user",
    "invited_user_id",
    "invited_user_public_id",
    "invited_user_description",
    "date",
    "parsed_datetime",
    "invitation_text",
    "inviter",
    "specifics",
}
INVITER_KEYS = {"inviter_name", "inviter_id", "inviter_public_identifier", "inviter_description"}


def list_page(api: SandboxClient, account_id: str = LINKEDIN, **params: Any) -> requests.Response:
    return api.get("/users/invite/received", params={"account_id": account_id, **params})


def first_invitation(api: SandboxClient, account_id: str = LINKEDIN) -> dict[str, Any]:
    item: dict[str, Any] = list_page(api, account_id, limit=1).json()["items"][0]
    return item


def handle(api: SandboxClient, invitation_id: str, **body: Any) -> requests.Response:
    return api.post(f"/users/invite/received/{invitation_id}", json=body)


def send(api: SandboxClient, **body: Any) -> requests.Response:
    return api.post("/users/invite", json={"account_id": LINKEDIN, **body})


def pending_ids(sandbox: RunningSandbox, account_id: str = LINKEDIN) -> list[str]:
    return [invitation.id for invitation in sandbox.state.accounts[account_id].received]


def test_it_lists_received_linkedin_invitations_in_the_documented_shape(
    api: SandboxClient,
) -> None:
    body = list_page(api).json()
    assert set(body) == {"object", "items", "cursor"}
    assert body["object"] == "InvitationList"
    assert len(body["items"]) == 10  # the documented default limit
    assert isinstance(body["cursor"], str)
    item = body["items"][0]
    assert set(item) == ITEM_KEYS
    assert item["object"] == "InvitationReceived"
    assert set(item["inviter"]) == INVITER_KEYS
    assert item["specifics"]["provider"] == "LINKEDIN"
    assert item["specifics"]["shared_secret"]
    assert re.fullmatch(r"[A-Z][a-z]+ \d{1,2}, \d{4}", item["date"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", item["parsed_datetime"])


def test_it_lists_instagram_invitations_without_specifics(api: SandboxClient) -> None:
    items = list_page(api, INSTAGRAM, limit=100).json()["items"]
    assert len(items) == 15
    assert all("specifics" not in item for item in items)


def test_it_pages_through_all_125_linkedin_invitations_without_duplicates(
    api: SandboxClient,
) -> None:
    ids: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params = {"limit": 10} if cursor is None else {"limit": 10, "cursor": cursor}
        body = list_page(api, **params).json()
        ids += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["cursor"]
        if cursor is None:
            break
    assert pages == 13
    assert len(ids) == 125
    assert len(set(ids)) == 125


@pytest.mark.parametrize(
    ("limit", "error_type"),
    [
        ("0", "errors/invalid_parameters"),
        ("-1", "errors/invalid_parameters"),
        ("ten", "errors/invalid_parameters"),
        ("101", "errors/limit_too_high"),
    ],
)
def test_it_refuses_a_limit_outside_1_to_100(
    api: SandboxClient, limit: str, error_type: str
) -> None:
    assert error_of(list_page(api, limit=limit)) == (400, error_type)


def test_it_accepts_the_limits_1_and_100(api: SandboxClient) -> None:
    assert len(list_page(api, limit=1).json()["items"]) == 1
    assert len(list_page(api, limit=100).json()["items"]) == 100


@pytest.mark.parametrize("cursor", ["", "not a cursor", "eyJvIjotMX0", "e30"])
def test_it_refuses_a_cursor_it_did_not_issue(api: SandboxClient, cursor: str) -> None:
    # "eyJvIjotMX0" is {"o":-1} and "e30" is {}: well-formed, but not offsets it hands out.
    assert error_of(list_page(api, cursor=cursor)) == (400, "errors/invalid_parameters")


def test_it_requires_an_account_id_to_list(api: SandboxClient) -> None:
    response = api.get("/users/invite/received")
    assert error_of(response) == (400, "errors/missing_parameters")


def test_it_accepts_a_linkedin_invitation_with_its_shared_secret_and_removes_it(
    sandbox: RunningSandbox, api: SandboxClient
) -> None:
    invitation = first_invitation(api)
    response = handle(
        api,
        invitation["id"],
        provider="LINKEDIN",
        shared_secret=invitation["specifics"]["shared_secret"],
        account_id=LINKEDIN,
        action="accept",
    )
    assert response.status_code == 200
    assert response.json() == {"object": "UserInvitationHandled", "status": "ACCEPTED"}
    assert invitation["id"] not in pending_ids(sandbox)
    assert first_invitation(api)["id"] != invitation["id"]


def test_it_declines_an_instagram_invitation_without_a_shared_secret(
    sandbox: RunningSandbox, api: SandboxClient
) -> None:
    invitation = first_invitation(api, INSTAGRAM)
    response = handle(
        api, invitation["id"], provider="INSTAGRAM", account_id=INSTAGRAM, action="decline"
    )
    assert response.json() == {"object": "UserInvitationHandled", "status": "DECLINED"}
    assert invitation["id"] not in pending_ids(sandbox, INSTAGRAM)


@pytest.mark.parametrize("secret", [None, "AQH-not-the-listed-secret"])
def test_it_refuses_a_linkedin_invitation_without_its_own_shared_secret(
    sandbox: RunningSandbox, api: SandboxClient, secret: str | None
) -> None:
    invitation = first_invitation(api)
    body = {"provider": "LINKEDIN", "account_id": LINKEDIN, "action": "accept"}
    if secret is not None:
        body["shared_secret"] = secret
    response = handle(api, invitation["id"], **body)
    assert error_of(response) == (400, "errors/invalid_parameters")
    assert invitation["id"] in pending_ids(sandbox)


def test_it_refuses_a_shared_secret_in_the_instagram_variant(api: SandboxClient) -> None:
    invitation = first_invitation(api, INSTAGRAM)
    response = handle(
        api,
        invitation["id"],
        provider="INSTAGRAM",
        shared_secret="AQH",
        account_id=INSTAGRAM,
        action="accept",
    )
    assert error_of(response) == (400, "errors/invalid_parameters")


def test_it_refuses_a_provider_that_is_not_the_accounts(api: SandboxClient) -> None:
    invitation = first_invitation(api)
    response = handle(
        api, invitation["id"], provider="INSTAGRAM", account_id=LINKEDIN, action="accept"
    )
    assert error_of(response) == (400, "errors/invalid_parameters")


def test_it_answers_an_unknown_invitation_with_resource_not_found(api: SandboxClient) -> None:
    response = handle(
        api, "inv_does_not_exist", provider="INSTAGRAM", account_id=INSTAGRAM, action="accept"
    )
    assert error_of(response) == (404, "errors/resource_not_found")


def test_it_refuses_a_handle_body_that_is_not_json(api: SandboxClient) -> None:
    response = api.post(
        "/users/invite/received/inv_x",
        data="provider=LINKEDIN",
        headers={"Content-Type": "text/plain"},
    )
    assert error_of(response) == (400, "errors/malformed_request")


def test_it_sends_an_invitation_and_records_it(sandbox: RunningSandbox, api: SandboxClient) -> None:
    response = send(
        api, provider_id="ACoAAJordan", user_email="jordan@example.com", message="Hi Jordan!"
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"object", "invitation_id"}  # usage only at a landing
    assert body["object"] == "UserInvitationSent"
    [sent] = sandbox.state.accounts[LINKEDIN].sent
    assert (sent.id, sent.provider_id, sent.user_email, sent.message) == (
        body["invitation_id"],
        "ACoAAJordan",
        "jordan@example.com",
        "Hi Jordan!",
    )


def test_it_counts_message_characters_as_code_points_up_to_300(api: SandboxClient) -> None:
    # 300 emoji are 600 UTF-16 units and 1,200 UTF-8 bytes, yet 300 characters.
    assert send(api, provider_id="ACoAA1", message="🙂" * 300).status_code == 200
    response = send(api, provider_id="ACoAA2", message="🙂" * 301)
    assert error_of(response) == (400, "errors/too_many_characters")


@pytest.mark.parametrize("missing", ["provider_id", "account_id"])
def test_it_requires_provider_id_and_account_id_to_send(api: SandboxClient, missing: str) -> None:
    body = {"provider_id": "ACoAA1", "account_id": LINKEDIN}
    del body[missing]
    response = api.post("/users/invite", json=body)
    assert error_of(response) == (400, "errors/missing_parameters")


def test_it_refuses_user_email_for_an_instagram_account(api: SandboxClient) -> None:
    response = send(
        api, account_id=INSTAGRAM, provider_id="marta.builds", user_email="marta@example.com"
    )
    assert error_of(response) == (400, "errors/invalid_parameters")


@pytest.mark.parametrize("account_id", ["acc_whatsapp_demo", "acc_telegram_demo"])
def test_it_refuses_to_send_invitations_from_messaging_accounts(
    api: SandboxClient, account_id: str
) -> None:
    response = send(api, account_id=account_id, provider_id="ACoAA1")
    assert error_of(response) == (422, "errors/invalid_account")


def test_it_refuses_a_second_invitation_to_the_same_person(api: SandboxClient) -> None:
    assert send(api, provider_id="ACoAAJordan").status_code == 200
    response = send(api, provider_id="ACoAAJordan")
    assert error_of(response) == (422, "errors/already_invited_recently")


def test_it_reports_usage_at_each_landing_then_refuses_past_the_limit(
    sandbox: RunningSandbox, api: SandboxClient
) -> None:
    sandbox.state.reset(invitation_limit=20)
    usage_by_send = {}
    for number in range(1, 21):
        body = send(api, provider_id=f"ACoAAPerson{number}").json()
        if "usage" in body:
            usage_by_send[number] = body["usage"]
    assert usage_by_send == {10: 50, 15: 75, 18: 90, 19: 95}
    response = send(api, provider_id="ACoAAPerson21")
    assert error_of(response) == (422, "errors/limit_exceeded")


def test_it_cancels_a_sent_invitation_once(sandbox: RunningSandbox, api: SandboxClient) -> None:
    invitation_id = send(api, provider_id="ACoAAJordan").json()["invitation_id"]
    path = f"/users/invite/sent/{invitation_id}"
    response = api.delete(path, params={"account_id": LINKEDIN})
    assert response.status_code == 200
    assert response.json() == {"object": "InvitationCanceled"}
    assert sandbox.state.accounts[LINKEDIN].sent == []
    again = api.delete(path, params={"account_id": LINKEDIN})
    assert error_of(again) == (404, "errors/resource_not_found")


def test_it_cancels_an_instagram_invitation_by_the_users_provider_id(api: SandboxClient) -> None:
    send(api, account_id=INSTAGRAM, provider_id="57770543173")
    response = api.delete("/users/invite/sent/57770543173", params={"account_id": INSTAGRAM})
    assert response.json() == {"object": "InvitationCanceled"}


def cancel(api: SandboxClient, path_id: str, account_id: str) -> requests.Response:
    return api.delete(f"/users/invite/sent/{path_id}", params={"account_id": account_id})


def test_it_refuses_the_invitation_id_to_cancel_an_instagram_invitation(
    sandbox: RunningSandbox, api: SandboxClient
) -> None:
    invitation_id = send(api, account_id=INSTAGRAM, provider_id="57770543173").json()[
        "invitation_id"
    ]
    response = cancel(api, invitation_id, INSTAGRAM)
    assert error_of(response) == (404, "errors/invalid_resource_identifier")
    assert "provider_id, not the invitation id" in response.json()["detail"]
    assert [sent.id for sent in sandbox.state.accounts[INSTAGRAM].sent] == [invitation_id]


def test_it_refuses_a_username_to_cancel_an_instagram_invitation_sent_by_username(
    sandbox: RunningSandbox, api: SandboxClient
) -> None:
    send(api, account_id=INSTAGRAM, provider_id="marta.builds")
    [sent] = sandbox.state.accounts[INSTAGRAM].sent
    assert (sent.provider_id, sent.username) == ("57770543173", "marta.builds")
    response = cancel(api, "marta.builds", INSTAGRAM)
    assert error_of(response) == (404, "errors/invalid_resource_identifier")
    assert "provider_id, not their username" in response.json()["detail"]
    assert cancel(api, "57770543173", INSTAGRAM).json() == {"object": "InvitationCanceled"}
    assert sandbox.state.accounts[INSTAGRAM].sent == []


def test_it_resolves_any_instagram_username_to_the_same_provider_id(
    sandbox: RunningSandbox, api: SandboxClient
) -> None:
    send(api, account_id=INSTAGRAM, provider_id="someone.new")
    [sent] = sandbox.state.accounts[INSTAGRAM].sent
    assert re.fullmatch(r"[0-9]{11}", sent.provider_id)
    again = send(api, account_id=INSTAGRAM, provider_id=sent.provider_id)  # the same user
    assert error_of(again) == (422, "errors/already_invited_recently")


def test_it_answers_an_instagram_user_with_nothing_pending_with_resource_not_found(
    api: SandboxClient,
) -> None:
    assert error_of(cancel(api, "12345678901", INSTAGRAM)) == (404, "errors/resource_not_found")


def test_it_refuses_the_users_provider_id_to_cancel_a_linkedin_invitation(
    sandbox: RunningSandbox, api: SandboxClient
) -> None:
    invitation_id = send(api, provider_id="ACoAAJordan").json()["invitation_id"]
    response = cancel(api, "ACoAAJordan", LINKEDIN)
    assert error_of(response) == (404, "errors/invalid_resource_identifier")
    assert "invitation id the send returned" in response.json()["detail"]
    assert [sent.id for sent in sandbox.state.accounts[LINKEDIN].sent] == [invitation_id]


def test_it_requires_an_account_id_to_cancel(api: SandboxClient) -> None:
    response = api.delete("/users/invite/sent/inv_1")
    assert error_of(response) == (400, "errors/missing_parameters")


def test_handling_an_invitation_does_not_hide_one_from_the_next_page(api: SandboxClient) -> None:
    # An ordered-by-position cursor would skip the sixth invitation after the first is accepted.
    expected_next = list_page(api, INSTAGRAM, limit=6).json()["items"][5]["id"]
    first_page = list_page(api, INSTAGRAM, limit=5).json()
    accepted = first_page["items"][0]["id"]
    handle(api, accepted, provider="INSTAGRAM", account_id=INSTAGRAM, action="accept")
    next_page = list_page(api, INSTAGRAM, limit=5, cursor=first_page["cursor"]).json()
    assert next_page["items"][0]["id"] == expected_next
