"""Rules forms, templates and services share: who takes an email, the message limit, counting,
what a recipient id looks like."""

import re

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


def withdraws_by_provider_id(provider: str) -> bool:
    """Which id cancelling a sent invitation takes (docs: cancel an invitation). On Instagram,
    the user's provider_id from their profile: not the invitation id, not a username (which
    sending accepts), not the provider_messaging_id. The dashboard cannot tell a username from a
    provider_id, so the person gives it when withdrawing. Elsewhere (LinkedIn), the invitation
    id the send returned."""
    return provider == ProviderChoice.INSTAGRAM


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


_PROFILE_ADDRESS = re.compile(r"^(https?://|www\.)|(linkedin|instagram)\.com/", re.IGNORECASE)
_EMAIL_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_INSTAGRAM_PROFILE = re.compile(r"instagram\.com/([A-Za-z0-9._]+)", re.IGNORECASE)


def recipient_shape_problem(provider: str, recipient: str) -> str:
    """Why what was typed cannot be a recipient id for this provider, and what to paste instead;
    an empty string when it may be one. The docs give no id format, so only what is surely
    something else is refused: a profile address, an email address, a name, an "@username"."""
    if _PROFILE_ADDRESS.search(recipient):
        return _profile_address_problem(provider, recipient)
    if _EMAIL_ADDRESS.match(recipient):
        email_field = " and put the email in the Email field" if takes_email(provider) else ""
        return f"That is an email address: paste the person's provider id{email_field}."
    if any(character.isspace() for character in recipient):
        return (
            "That looks like a name: paste the person's provider id (from their profile in "
            "postpress), which has no spaces."
        )
    if provider == ProviderChoice.INSTAGRAM and recipient.startswith("@"):
        return f"Paste the username without the @: {recipient.lstrip('@')}"
    return ""


def _profile_address_problem(provider: str, recipient: str) -> str:
    if provider == ProviderChoice.INSTAGRAM and (found := _INSTAGRAM_PROFILE.search(recipient)):
        return f"That is a profile address: paste the username alone, {found.group(1)}."
    return (
        "That is a profile address: paste the person's provider id instead (on LinkedIn it "
        "starts with ACo, and postpress shows it on their profile)."
    )
