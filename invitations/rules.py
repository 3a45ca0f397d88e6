"""Rules both the forms and the services read: the message limit and how it is counted."""

MESSAGE_LIMIT = 300


def normalize_message(text: str) -> str:
    """Browsers submit line breaks as CRLF but count them as one character: so do we."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def message_length(text: str) -> int:
    """Characters as the API counts them: Unicode code points (an emoji is one).

    The live counter in static/js/invitations.js counts the same way ([...text].length).
    """
    return len(normalize_message(text))
