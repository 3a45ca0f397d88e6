"""F5 (parse side) and F18 (Retry-After): parsing.py is the one boundary API answers cross.

Each case goes through the real client with a `responses`-mocked answer (and, where a parsing
function has its own rule, through that function too): what reaches a page or the database is
cleaned, bounded and de-duplicated, or the call fails in the catalogue's words; never a
RecursionError, never a 500.
"""

import json
import re
from typing import Any

import pytest

from postpress_dashboard.postpress import parsing
from postpress_dashboard.postpress.catalogue import CLIENT_FAILURES
from postpress_dashboard.postpress.errors import PostpressError, ProtocolError, RateLimitedError
from tests.unit.postpress.support import ACCOUNT_ID, BASE_URL

LIST_URL = re.compile(re.escape(f"{BASE_URL}/users/invite/received") + r"(\?.*)?$")
SEND_URL = f"{BASE_URL}/users/invite"
CHATS_URL = f"{BASE_URL}/chats"


def item(invitation_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "object": "InvitationReceived",
        "id": invitation_id,
        "invited_user": "Ada",
        "invited_user_id": "ACo1",
        "invited_user_public_id": "ada",
        "invited_user_description": "",
        "date": "today",
        "parsed_datetime": None,
        "invitation_text": "",
        **fields,
    }


def page_of(*items: dict[str, Any], cursor: Any = None) -> dict[str, Any]:
    return {"object": "InvitationList", "items": list(items), "cursor": cursor}


def listed(api, postpress, answer: Any) -> parsing.InvitationPage:
    api.add("GET", LIST_URL, json=answer)
    return postpress.list_received_invitations(account_id=ACCOUNT_ID)


def failure(call) -> PostpressError:
    with pytest.raises(PostpressError) as caught:
        call()
    return caught.value


def send(postpress):
    return postpress.send_invitation(account_id=ACCOUNT_ID, provider_id="ACo1")


# --- strings ---------------------------------------------------------------------------------


def test_f5_lone_surrogates_nul_and_control_characters_leave_display_strings(api, postpress):
    # json.dumps writes a lone surrogate as the escape "\ud800", as a hostile API could.
    answer = page_of(
        item(
            "inv_1",
            invited_user="Ada\ud800 Love\x00lace\x1b[31m",
            invitation_text="line one\r\nline two\tend\x7f",
            inviter={
                "inviter_name": "\udfffJordan\x00",
                "inviter_id": "ACoAB",
                "inviter_public_identifier": "jordan",
                "inviter_description": "Engineer\x08",
            },
        )
    )

    [invitation] = listed(api, postpress, answer).items

    assert invitation.invited_user == "Ada Lovelace[31m"
    assert invitation.invitation_text == "line one\nline two\tend"
    assert invitation.inviter is not None
    assert invitation.inviter.name == "Jordan"
    assert invitation.inviter.description == "Engineer"
    # Every string can be encoded for the database and the page.
    assert invitation.invited_user.encode("utf-8") and invitation.inviter.name.encode("utf-8")


def test_f5_display_strings_are_cut_to_their_bounds(api, postpress):
    answer = page_of(
        item(
            "inv_1",
            invited_user="A" * 5000,
            invitation_text="n" * 100_000,
            inviter={
                "inviter_name": "J" * 5000,
                "inviter_id": "ACoAB",
                "inviter_public_identifier": "j",
                "inviter_description": "d" * 5000,
            },
        )
    )

    [invitation] = listed(api, postpress, answer).items

    assert invitation.inviter is not None
    assert len(invitation.inviter.name) == parsing.MAX_NAME_LENGTH == 300  # the DB column
    assert len(invitation.invited_user) == parsing.MAX_NAME_LENGTH
    assert len(invitation.invitation_text) == parsing.MAX_TEXT_LENGTH
    assert len(invitation.inviter.description) == parsing.MAX_TEXT_LENGTH


# --- ids -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad_id",
    [
        "i" * 201,
        "inv\x00one",
        "inv one",
        "inv\none",
        "inv\ud800",
        "inv\u200bone",
        "inv\tone",
        "inv\u00a0one",
        "inv\u2003one",
        "inv\u2028one",
        "inv\u3000one",
        "inv\x1cone",
    ],
    ids=[
        "too-long",
        "nul",
        "space",
        "line-break",
        "lone-surrogate",
        "zero-width-space",
        "tab",
        "no-break-space",
        "em-space",
        "line-separator",
        "ideographic-space",
        "file-separator",
    ],
)
def test_f5_a_list_item_with_an_unusable_id_is_dropped_and_the_rest_kept(api, postpress, bad_id):
    page = listed(api, postpress, page_of(item("inv_ok_1"), item(bad_id), item("inv_ok_2")))

    assert [invitation.id for invitation in page.items] == ["inv_ok_1", "inv_ok_2"]


def test_f5_an_id_of_exactly_200_characters_is_kept(api, postpress):
    page = listed(api, postpress, page_of(item("i" * 200)))

    assert [invitation.id for invitation in page.items] == ["i" * 200]


def test_f5_the_same_id_twice_in_one_page_is_kept_once_the_first(api, postpress):
    answer = page_of(
        item("inv_1", invited_user="First"),
        item("inv_2"),
        item("inv_1", invited_user="Second"),
    )

    page = listed(api, postpress, answer)

    assert [(i.id, i.invited_user) for i in page.items] == [
        ("inv_1", "First"),
        ("inv_2", "Ada"),
    ]


def test_f5_optional_ids_and_tokens_that_are_unusable_become_empty(api, postpress):
    answer = page_of(
        item(
            "inv_1",
            invited_user_id="ACo 1",
            inviter={
                "inviter_name": "J",
                "inviter_id": "x" * 201,
                "inviter_public_identifier": "j\x00",
                "inviter_description": "",
            },
            specifics={"provider": "LINKEDIN", "shared_secret": "AQH secret\n"},
        ),
        cursor="next\r\npage",
    )

    page = listed(api, postpress, answer)

    [invitation] = page.items
    assert invitation.invited_user_id == ""
    assert invitation.inviter is not None
    assert (invitation.inviter.id, invitation.inviter.public_identifier) == ("", "")
    assert invitation.shared_secret is None
    assert page.cursor is None


@pytest.mark.parametrize(
    "invitation_id",
    ["i" * 201, "inv\x00", "inv 1", "inv\ud800"],
    ids=["too-long", "nul", "space", "lone-surrogate"],
)
def test_f5_an_unusable_invitation_id_in_a_send_answer_is_a_protocol_error(
    api, postpress, invitation_id
):
    api.add("POST", SEND_URL, json={"object": "UserInvitationSent", "invitation_id": invitation_id})

    error = failure(lambda: send(postpress))

    assert type(error) is ProtocolError
    assert error.error_type == "client/invalid_fields"
    assert error.status == 200
    assert error.user_message == CLIENT_FAILURES["client/invalid_fields"].message
    assert len(api.calls) == 1


def test_f5_an_unusable_id_in_a_started_chat_is_a_protocol_error(api, postpress):
    from postpress_dashboard.postpress.schemas import NewChat

    api.add(
        "POST",
        CHATS_URL,
        json={"object": "ChatStarted", "chat_id": "c" * 500, "message_id": None},
        status=201,
    )

    error = failure(
        lambda: postpress.start_chat(NewChat(account_id=ACCOUNT_ID, attendees_ids=("A",)))
    )

    assert error.error_type == "client/invalid_fields"


# --- usage -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        (75, 75),
        (0, 0),
        (100, 100),
        (90.0, 90),
        (-5, None),
        (70000, None),
        (1e300, None),
        (100.5, None),
        (True, None),
        ("75", None),
        (None, None),
    ],
)
def test_f5_usage_counts_only_as_a_finite_percentage(api, postpress, usage, expected):
    api.add(
        "POST",
        SEND_URL,
        json={"object": "UserInvitationSent", "invitation_id": "inv_1", "usage": usage},
    )

    assert send(postpress).usage == expected


def test_f5_a_nan_usage_is_no_usage(api, postpress):
    # json.dumps would refuse NaN under allow_nan=False; Python's json reads it.
    body = '{"object": "UserInvitationSent", "invitation_id": "inv_1", "usage": NaN}'
    api.add("POST", SEND_URL, body=body, content_type="application/json")

    assert send(postpress).usage is None
    assert parsing.invitation_sent({"invitation_id": "inv_1", "usage": float("inf")}).usage is None


# --- deep JSON -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [200, 503])
def test_f5_deeply_nested_json_is_invalid_json_not_a_recursion_error(api, postpress, status):
    body = "[" * 100_000 + "]" * 100_000
    api.add("GET", LIST_URL, body=body, status=status, content_type="application/json")

    error = failure(lambda: postpress.list_received_invitations(account_id=ACCOUNT_ID))

    if status == 200:
        assert type(error) is ProtocolError
        assert error.error_type == "client/invalid_json"
    else:
        assert error.status == 503 and error.error_type == ""  # no envelope could be read


def test_f5_json_body_refuses_deep_nesting_itself():
    answer = parsing.Answer(200, {}, b'{"a":' * 50_000 + b"1" + b"}" * 50_000)

    with pytest.raises(ProtocolError) as caught:
        parsing.json_body(answer)

    assert caught.value.error_type == "client/invalid_json"


# --- error envelopes -------------------------------------------------------------------------


def envelope_answer(api, **fields: Any) -> None:
    body = {"status": 422, "title": "Refused", **fields}
    api.add("POST", SEND_URL, json=body, status=422)


def test_f5_an_envelope_type_of_207_characters_is_no_envelope_type(api, postpress):
    envelope_answer(api, type="errors/" + "x" * 200)

    error = failure(lambda: send(postpress))

    assert error.status == 422
    assert error.error_type == ""  # the fallback for the status speaks instead
    assert len(error.error_type) <= parsing.MAX_TYPE_LENGTH


@pytest.mark.parametrize(
    "error_type", ["errors/a b", "errors/x\n", "errors/\x00", "errors/\u00e9"], ids=repr
)
def test_f5_an_envelope_type_that_does_not_look_like_a_type_is_ignored(api, postpress, error_type):
    envelope_answer(api, type=error_type)

    assert failure(lambda: send(postpress)).error_type == ""


def test_f5_envelope_texts_are_cleaned_and_bounded(api, postpress):
    envelope_answer(
        api,
        type="errors/invalid_message",
        title="T\x00itle\ud800" + "t" * 5000,
        detail="d\x1b" * 10_000,
        instance="req 1\n<script>",
    )

    error = failure(lambda: send(postpress))

    assert error.error_type == "errors/invalid_message"
    assert error.title.startswith("Title") and len(error.title) == parsing.MAX_NAME_LENGTH
    assert set(error.detail) == {"d"} and len(error.detail) == parsing.MAX_TEXT_LENGTH
    assert error.instance == ""  # not a usable request id


def test_f5_a_usable_request_id_is_kept(api, postpress):
    envelope_answer(api, type="errors/unexpected_error", instance="req_01HXYZ")

    assert failure(lambda: send(postpress)).instance == "req_01HXYZ"


# --- Retry-After (F18) -------------------------------------------------------------------------


def rate_limited(api, retry_after: str) -> None:
    body = {"type": "errors/too_many_requests", "status": 429, "title": "Slow down"}
    api.add("POST", SEND_URL, json=body, status=429, headers={"Retry-After": retry_after})


def test_f18_an_absurd_retry_after_is_clamped_to_a_day_and_said_in_hours(api, postpress):
    rate_limited(api, "1e22")

    error = failure(lambda: send(postpress))

    assert isinstance(error, RateLimitedError)
    assert error.retry_after == parsing.MAX_RETRY_AFTER == 86_400
    assert "You can try again in 24 hours." in error.user_message
    assert "e+" not in error.user_message and "0000" not in error.user_message
    assert len(api.calls) == 1


@pytest.mark.parametrize(
    ("header", "words"),
    [
        ("1", "1 second."),
        ("59", "59 seconds."),
        ("60", "1 minute."),
        ("61", "2 minutes."),
        ("1800", "30 minutes."),
        ("3600", "1 hour."),
        ("7200", "2 hours."),
        ("86400", "24 hours."),
        ("999999999", "24 hours."),
    ],
)
def test_f18_a_long_wait_is_said_in_minutes_or_hours(api, postpress, header, words):
    rate_limited(api, header)

    assert f"You can try again in {words}" in failure(lambda: send(postpress)).user_message


def test_f18_retry_after_seconds_clamps_when_parsing():
    assert parsing.retry_after_seconds("1e22") == parsing.MAX_RETRY_AFTER
    assert parsing.retry_after_seconds("30") == 30
    assert parsing.retry_after_seconds("inf") is None
    assert parsing.retry_after_seconds("-1") is None
    assert json.dumps(parsing.retry_after_seconds("1e308")) == "86400.0"
