"""The API's own explanation (issue 13): `detail` is shown under the catalogue's words when it
adds something, shortened and never a raw type; title and detail are logged with the request
id; an answer echoing the key never carries it further."""

import logging

import pytest

from postpress_dashboard.postpress.errors import MAX_EXPLANATION, PostpressError
from tests.unit.postpress.support import API_KEY, BASE_URL

SEND_URL = f"{BASE_URL}/users/invite"


def refused(detail: str, title: str = "Invalid parameters") -> PostpressError:
    return PostpressError(
        error_type="errors/invalid_parameters", status=400, title=title, detail=detail
    )


def test_the_detail_follows_the_words_when_it_adds_something() -> None:
    words = refused("limit must be between 1 and 100").message_for("list")
    assert words.endswith("postpress said: “limit must be between 1 and 100”")


@pytest.mark.parametrize("detail", ["", "  ", "Invalid parameters", "see errors/invalid_x"])
def test_a_detail_that_adds_nothing_or_names_a_type_is_left_out(detail: str) -> None:
    assert "postpress said" not in refused(detail).message_for("send")


def test_a_long_detail_is_shortened() -> None:
    explanation = refused("x" * 1000).explanation
    assert len(explanation) == MAX_EXPLANATION and explanation.endswith("…")


def test_the_general_message_stays_without_the_detail() -> None:
    assert "postpress said" not in refused("which parameter").user_message


def test_title_and_detail_are_logged_with_the_request_id(
    api, postpress, caplog: pytest.LogCaptureFixture
) -> None:
    body = {
        "type": "errors/invalid_parameters",
        "status": 400,
        "title": "Bad provider_id",
        "detail": "provider_id must not be empty",
        "instance": "req_77",
    }
    api.add("POST", SEND_URL, json=body, status=400)
    with caplog.at_level(logging.WARNING), pytest.raises(PostpressError):
        postpress.send_invitation(account_id="acc", provider_id="ACo1")
    [record] = [r for r in caplog.records if r.name == "postpress_dashboard.postpress.client"]
    message = record.getMessage()
    assert "Bad provider_id" in message and "provider_id must not be empty" in message
    assert "req_77" in message
    assert record.postpress_detail == "provider_id must not be empty"  # type: ignore[attr-defined]


def test_an_answer_echoing_the_key_never_carries_it(api, postpress) -> None:
    body = {
        "type": "errors/invalid_credentials",
        "status": 401,
        "title": f"Key {API_KEY} refused",
        "detail": f"The key {API_KEY} is not valid",
    }
    api.add("POST", SEND_URL, json=body, status=401)
    with pytest.raises(PostpressError) as caught:
        postpress.send_invitation(account_id="acc", provider_id="ACo1")
    error = caught.value
    assert API_KEY not in error.title + error.detail + error.message_for("send")
    assert "[the team's API key]" in error.detail


def test_a_server_s_detail_is_never_shown() -> None:
    """Review of issue 13: a 5xx detail may be a trace or a host name."""
    error = PostpressError(
        error_type="errors/unexpected_error",
        status=500,
        title="Oops",
        detail="Traceback: KeyError 'acct' at worker-7.internal:5432",
    )
    assert error.explanation == ""
    assert "worker-7" not in error.message_for("send")
