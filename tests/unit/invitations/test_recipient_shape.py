"""What the Send invitation form refuses before any call, as surely not a recipient id, and
what it says to paste instead (invitations.rules.recipient_shape_problem)."""

import pytest

from invitations.rules import recipient_shape_problem


@pytest.mark.parametrize(
    ("provider", "typed", "words"),
    [
        ("LINKEDIN", "https://www.linkedin.com/in/ada-lovelace/", "That is a profile address"),
        ("LINKEDIN", "linkedin.com/in/ada", "paste the person's provider id instead"),
        ("LINKEDIN", "ada@example.com", "put the email in the Email field"),
        ("LINKEDIN", "Ada Lovelace", "That looks like a name"),
        (
            "INSTAGRAM",
            "https://instagram.com/ada.lovelace",
            "paste the username alone, ada.lovelace",
        ),
        ("INSTAGRAM", "@ada.lovelace", "without the @: ada.lovelace"),
        (
            "INSTAGRAM",
            "ada@example.com",
            "That is an email address: paste the person's provider id.",
        ),
    ],
)
def test_it_says_what_to_paste_instead(provider: str, typed: str, words: str) -> None:
    assert words in recipient_shape_problem(provider, typed)


@pytest.mark.parametrize(
    ("provider", "typed"),
    [
        ("LINKEDIN", "ACoAAAbc123-XYZ"),
        ("LINKEDIN", "ACwAAAbc123"),
        ("INSTAGRAM", "ada.lovelace"),
        ("INSTAGRAM", "17841400000000001"),
        ("LINKEDIN", "err_already_connected"),  # the sandbox's triggers stay usable
    ],
)
def test_it_lets_what_may_be_an_id_through(provider: str, typed: str) -> None:
    assert recipient_shape_problem(provider, typed) == ""
