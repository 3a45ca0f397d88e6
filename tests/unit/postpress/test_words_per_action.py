"""Every documented type, on every endpoint where the docs list it, has words that fit what the
person was doing (issue 13): words present, no raw type, a next step, no "Settings" for a 401
about the linked account, and no mention of a control the page does not have."""

import re

import pytest

from postpress_dashboard.postpress.catalogue import CATALOGUE, FixableBy, message_for
from postpress_dashboard.postpress.documented_errors import (
    DOCUMENTED_ERROR_STATUSES,
    DOCUMENTED_ERRORS_BY_ACTION,
)
from postpress_dashboard.postpress.errors import PostpressError

CASES = [
    (action, error_type)
    for action, types in sorted(DOCUMENTED_ERRORS_BY_ACTION.items())
    for error_type in sorted(types)
]
# What each action's page does not have: words that would send the person looking for it.
ABSENT_CONTROLS: dict[str, tuple[str, ...]] = {
    "list": ("InMail", "smaller files", "your message", "the note"),
    "decide": ("InMail", "page size", "smaller files", "your message", "you entered"),
    "send": ("InMail", "page size", "files", "subject"),
    "withdraw": (
        "InMail",
        "page size",
        "files",
        "your message",
        "you entered",
        "Check the id",
        "the fields",
    ),
    "chat": ("page size", "300 characters", "inviting them again", "tart a chat"),
}
# A next step: what the person can do about it.
NEXT_STEP = re.compile(
    r"\b(Try|try again|Check|Ask|Reconnect|Wait|Choose|Reload|Send|Shorten|Update|Generate|"
    r"Remove|Correct|Fill|Change|Start|Withdraw|Reach|Message|Do it|contact postpress support|"
    r"Complete|complete it|reload|withdraw it|start a chat|decide it)\b"
)
ACCOUNT_401S = {
    error_type
    for error_type, status in DOCUMENTED_ERROR_STATUSES.items()
    if status == 401 and CATALOGUE[error_type].fixable_by == FixableBy.ACCOUNT
}


def test_every_action_and_every_documented_type_is_walked() -> None:
    assert set(DOCUMENTED_ERRORS_BY_ACTION) == {"list", "decide", "send", "withdraw", "chat"}
    walked = {error_type for _, error_type in CASES}
    assert walked == set(DOCUMENTED_ERROR_STATUSES)  # all 79
    assert len(ACCOUNT_401S) == 10


@pytest.mark.parametrize(("action", "error_type"), CASES)
def test_the_words_fit_the_action(action: str, error_type: str) -> None:
    status = DOCUMENTED_ERROR_STATUSES[error_type]
    words = PostpressError(error_type=error_type, status=status).message_for(action)

    assert len(words) >= 20
    assert "errors/" not in words and error_type.removeprefix("errors/") not in words
    assert NEXT_STEP.search(words), f"no next step: {words}"
    for control in ABSENT_CONTROLS[action]:
        assert control not in words, f"{action} has no {control!r}: {words}"
    if error_type in ACCOUNT_401S:
        assert "Settings" not in words and "API key" not in words


@pytest.mark.parametrize(
    ("error_type", "action"),
    [
        ("errors/not_allowed_inmail", "send"),
        ("errors/resource_not_found", "send"),
        ("errors/account_mismatch", "withdraw"),
        ("errors/account_mismatch", "decide"),
        ("errors/invalid_resource_identifier", "withdraw"),
        ("errors/too_many_characters", "chat"),
        ("errors/limit_too_high", "send"),
        ("errors/already_invited_recently", "chat"),
    ],
)
def test_the_audit_s_examples_get_words_of_their_own(error_type: str, action: str) -> None:
    status = DOCUMENTED_ERROR_STATUSES[error_type]
    assert message_for(error_type, status, action) != CATALOGUE[error_type].message


def test_an_undocumented_404_on_the_inbox_speaks_of_the_account() -> None:
    words = PostpressError(error_type="", status=404).message_for("list")
    assert "account id in Settings" in words


@pytest.mark.parametrize("error_type", sorted(DOCUMENTED_ERRORS_BY_ACTION["chat"]))
def test_a_composer_without_an_inmail_box_never_speaks_of_inmail(error_type: str) -> None:
    """Review of issue 13: the InMail box exists only on LinkedIn Classic's composer."""
    status = DOCUMENTED_ERROR_STATUSES[error_type]
    assert "InMail" not in message_for(error_type, status, "chat:no-inmail")
