"""Rules forms, templates and services share: who takes an email, the message limit, counting."""

from postpress_dashboard.teams.models import ProviderChoice

MESSAGE_LIMIT = 300


def takes_email(provider: str) -> bool:
    """Only LinkedIn accepts the recipient's email (user_email) with an invitation."""
    return provider == ProviderChoice.LINKEDIN


# The providers whose invitations the API sends (send-invitation describes LinkedIn and
# Instagram only): WhatsApp and Telegram contacts are reached by starting a chat.
INVITING_PROVIDERS = (ProviderChoice.LINKEDIN, ProviderChoice.INSTAGRAM)


NOT_INVITING = (
    "Invitations are sent from LinkedIn and Instagram accounts only. Choose one of those, or "
    "start a chat to reach a WhatsApp or Telegram contact."
)


def sends_invitations(provider: str) -> bool:
    return provider in INVITING_PROVIDERS


def decides_received_invitations(provider: str) -> bool:
    """Only LinkedIn and Instagram invitations can be accepted or declined through the API."""
    return provider in (ProviderChoice.LINKEDIN, ProviderChoice.INSTAGRAM)


def normalize_message(text: str) -> str:
    """Browsers submit line breaks as CRLF but count them as one character: so do we."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def message_length(text: str) -> int:
    """Characters as the API counts them: Unicode code points (an emoji is one).

    The live counter in static/js/invitations.js counts the same way ([...text].length).
    """
    return len(normalize_message(text))
