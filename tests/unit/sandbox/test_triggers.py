"""Which identifiers trigger which deterministic failure."""

import pytest

from postpress_dashboard.postpress.documented_errors import DOCUMENTED_ERROR_STATUSES
from postpress_dashboard.sandbox.triggers import (
    MAX_DELAY_MS,
    BrokenResponse,
    Delay,
    DocumentedError,
    find_trigger,
    find_triggers,
)


@pytest.mark.parametrize("identifier", ["acc_linkedin_demo", "ACoAAerr", "inv_error_1", "err_"])
def test_it_finds_no_trigger_in_an_ordinary_identifier(identifier: str) -> None:
    assert find_trigger(identifier) is None


@pytest.mark.parametrize(("error_type", "status"), sorted(DOCUMENTED_ERROR_STATUSES.items()))
def test_it_answers_every_documented_type_with_its_documented_status(
    error_type: str, status: int
) -> None:
    name = error_type.removeprefix("errors/")
    trigger = find_trigger(f"acc_err_{name}_01HXYZ")
    assert isinstance(trigger, DocumentedError)
    assert (trigger.error_type, trigger.status) == (error_type, status)


def test_it_prefers_the_longest_documented_type_name() -> None:
    trigger = find_trigger("acc_err_invalid_credentials_but_valid_account_imap")
    assert trigger == DocumentedError("errors/invalid_credentials_but_valid_account_imap", 401)


@pytest.mark.parametrize("identifier", ["err_provider_errors", "err_resetting", "err_html5"])
def test_it_needs_a_name_to_end_where_the_identifier_or_a_word_ends(identifier: str) -> None:
    assert find_trigger(identifier) is None


def test_it_looks_past_a_prefix_that_names_nothing() -> None:
    assert find_trigger("err_nothing_err_html") == BrokenResponse.HTML


def test_it_gives_a_429_a_retry_after_of_2_seconds_by_default() -> None:
    trigger = find_trigger("inv_err_too_many_requests_01HXYZ")
    assert trigger == DocumentedError("errors/too_many_requests", 429, retry_after_seconds=2)


def test_it_reads_the_retry_after_from_a_wait_suffix() -> None:
    trigger = find_trigger("err_too_many_requests_wait_30")
    assert trigger == DocumentedError("errors/too_many_requests", 429, retry_after_seconds=30)


@pytest.mark.parametrize("broken", list(BrokenResponse))
def test_it_names_each_broken_response(broken: BrokenResponse) -> None:
    assert find_trigger(f"ACoAA_err_{broken.value}") == broken


def test_it_reads_a_delay_in_milliseconds_within_a_cap() -> None:
    assert find_trigger("acc_err_slow_250") == Delay(250)
    assert find_trigger("acc_err_slow_99999999") == Delay(MAX_DELAY_MS)


def test_it_collects_one_trigger_per_identifier() -> None:
    triggers = find_triggers(["acc_linkedin_demo", "err_slow_5", "err_provider_error"])
    assert triggers == [Delay(5), DocumentedError("errors/provider_error", 500)]
