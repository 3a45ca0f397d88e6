"""Every documented error type has words a person can act on."""

import os
import re
from pathlib import Path

import pytest

from postpress_dashboard.postpress.catalogue import (
    CATALOGUE,
    CLIENT_FAILURES,
    STATUS_FALLBACKS,
    FixableBy,
    entry_for,
)
from postpress_dashboard.postpress.documented_errors import (
    DOCUMENTED_ERROR_STATUSES,
    DOCUMENTED_ERRORS_BY_ACTION,
)
from postpress_dashboard.postpress.errors import PostpressError

API_DOCS = Path(__file__).resolve().parents[3].parent / "shared" / "postpress-api"
ALL_ENTRIES = {**CATALOGUE, **CLIENT_FAILURES}


def documented_statuses_in_docs() -> dict[str, int]:
    """Every `errors/...` type in the API docs, with the status of the section listing it."""
    statuses: dict[str, int] = {}
    for page in sorted(API_DOCS.glob("*.txt")):
        errors_part = page.read_text().split("Every error response follows", 1)[1]
        sections = re.split(r"\b(\d{3}) [A-Z][A-Za-z ]+?\d+ types", errors_part)
        for status, body in zip(sections[1::2], sections[2::2], strict=True):
            for error_type in re.findall(r"errors/[a-z0-9_]+", body):
                statuses[error_type] = int(status)
    return statuses


def test_it_knows_all_79_documented_error_types() -> None:
    assert len(DOCUMENTED_ERROR_STATUSES) == 79


def test_it_has_an_entry_for_every_documented_type_and_no_other() -> None:
    assert set(CATALOGUE) == set(DOCUMENTED_ERROR_STATUSES)


@pytest.mark.parametrize("error_type", sorted(ALL_ENTRIES))
def test_every_entry_has_a_plain_message(error_type: str) -> None:
    message = ALL_ENTRIES[error_type].message
    assert len(message) >= 20
    assert message[0].isupper() or message.startswith("postpress")
    assert message.rstrip().endswith((".", ")"))
    assert "errors/" not in message
    assert "{" not in message and "}" not in message


@pytest.mark.parametrize("error_type", sorted(CATALOGUE))
def test_the_documented_list_matches_its_status(error_type: str) -> None:
    status = DOCUMENTED_ERROR_STATUSES[error_type]
    assert status in STATUS_FALLBACKS, f"{error_type}: no fallback for status {status}"


def test_the_documented_list_matches_the_api_docs() -> None:
    if not API_DOCS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI must check the catalogue against the API docs in {API_DOCS}")
        pytest.skip(f"the API docs are not beside this checkout ({API_DOCS})")
    assert documented_statuses_in_docs() == DOCUMENTED_ERROR_STATUSES


def test_the_lists_per_action_match_the_api_docs_endpoint_by_endpoint() -> None:
    if not API_DOCS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI must check the lists per action against the API docs in {API_DOCS}")
        pytest.skip(f"the API docs are not beside this checkout ({API_DOCS})")
    pages = {
        "list": "list-received-invitations",
        "decide": "handle-received-invitation",
        "send": "send-invitation",
        "withdraw": "cancel-invitation",
        "chat": "start-chat",
    }
    for action, page in pages.items():
        errors_part = (API_DOCS / f"{page}.txt").read_text().split("Every error response", 1)[1]
        listed = frozenset(re.findall(r"errors/[a-z0-9_]+", errors_part))
        assert DOCUMENTED_ERRORS_BY_ACTION[action] == listed, action


def test_messages_that_send_people_to_support_are_about_the_service_or_provider() -> None:
    for error_type, entry in ALL_ENTRIES.items():
        if "contact postpress support" in entry.message:
            assert entry.fixable_by in (FixableBy.SERVICE, FixableBy.PROVIDER), error_type


def test_retrying_is_offered_for_rate_limits_and_outages_but_not_for_bad_input() -> None:
    assert CATALOGUE["errors/too_many_requests"].retryable
    assert CATALOGUE["errors/service_unavailable"].retryable
    assert CATALOGUE["errors/request_timeout"].retryable
    assert not CATALOGUE["errors/too_many_characters"].retryable
    assert not CATALOGUE["errors/invalid_credentials"].retryable


def test_an_unknown_type_falls_back_by_its_status() -> None:
    assert entry_for("errors/something_new", 422) is STATUS_FALLBACKS[422]
    assert entry_for("errors/something_new", 418).fixable_by == FixableBy.INPUT
    assert entry_for("errors/something_new", 599).fixable_by == FixableBy.SERVICE
    assert entry_for("", None).fixable_by == FixableBy.SERVICE


def test_the_message_quotes_the_request_id_when_support_may_be_needed() -> None:
    error = PostpressError(error_type="errors/unexpected_error", status=500, instance="req_42")
    assert "req_42" in error.user_message
    input_error = PostpressError(error_type="errors/invalid_recipient", status=422, instance="r")
    assert "Request id" not in input_error.user_message


def test_the_message_says_how_long_to_wait_when_the_api_says() -> None:
    error = PostpressError(error_type="errors/too_many_requests", status=429, retry_after=12.2)
    assert "13 seconds" in error.user_message
