"""Which start-chat fields apply to which provider and LinkedIn API: the one place both the
form and the template read."""

import re
from dataclasses import dataclass

from postpress_dashboard.teams.models import LinkedAccount, LinkedInApi, ProviderChoice

TOPICS = ("service_request", "request_demo", "support", "careers", "other")
SOURCING_CHANNELS = (
    "JOB_POSTING_RECOMMENDED_MATCHES",
    "JOB_POSTING",
    "REFERRAL",
    "INTERNAL_CANDIDATES",
    "AUTOMATED_SOURCING",
    "RECRUITER_SEARCH",
    "CAREER_SITE",
)
VISIBILITIES = ("PUBLIC", "PRIVATE", "PROJECT")
DEFAULT_VISIBILITY = "PRIVATE"
FOLLOW_UP_DAYS = (3, 28)
FOLLOW_UP_WEEKS = (1, 4)
# The HTML a Recruiter message may carry (the API documents this subset, nestable).
RECRUITER_TAGS = frozenset({"strong", "em", "a", "ul", "ol", "li"})

_WHATSAPP_ID = re.compile(r"[0-9]{5,20}@s\.whatsapp\.net")  # ASCII digits only
# LinkedIn member ids by API; anything else on classic is taken as a company's messaging_id.
_LINKEDIN_MEMBER_PREFIXES = {
    LinkedInApi.CLASSIC: "ACo",
    LinkedInApi.SALES_NAVIGATOR: "ACw",
    LinkedInApi.RECRUITER: "AE",
}

# The composer's fields for each LinkedIn API (chats/forms.py names them the same).
CLASSIC_FIELDS = frozenset({"inmail", "topic", "applicant_id", "invitation_id"})
RECRUITER_FIELDS = frozenset(
    {
        "signature",
        "hiring_project_id",
        "job_posting_id",
        "sourcing_channel",
        "email_address",
        "visibility",
        "follow_up_subject",
        "follow_up_message",
        "follow_up_after",
        "follow_up_unit",
        "timezone",
        "follow_up_attachments",
    }
)

RECIPIENT_HELP = {
    ProviderChoice.LINKEDIN: (
        "LinkedIn ids: ACo… for Classic, ACw… for Sales Navigator, AE… for Recruiter, or a "
        "company's messaging id (Classic; then choose a Topic)."
    ),
    ProviderChoice.INSTAGRAM: (
        "The person's Instagram messaging id, as postpress lists it for them: not their username."
    ),
    ProviderChoice.WHATSAPP: (
        "Phone numbers as <digits>@s.whatsapp.net, e.g. 33612345678@s.whatsapp.net."
    ),
    ProviderChoice.TELEGRAM: "The person's Telegram id.",
}


@dataclass(frozen=True)
class ChatFields:
    """What the composer offers for one provider and LinkedIn API."""

    provider: str
    linkedin_api: str | None

    @property
    def voice_message(self) -> bool:
        return self.provider in (ProviderChoice.LINKEDIN, ProviderChoice.WHATSAPP)

    @property
    def video_message(self) -> bool:
        return self.provider == ProviderChoice.LINKEDIN

    @property
    def classic_options(self) -> bool:
        return self.linkedin_api == LinkedInApi.CLASSIC

    @property
    def recruiter_options(self) -> bool:
        return self.linkedin_api == LinkedInApi.RECRUITER

    @property
    def allows_html(self) -> bool:
        return self.recruiter_options

    @property
    def option_fields(self) -> frozenset[str]:
        """The composer's provider-specific fields this provider and API take."""
        names: set[str] = set()
        if self.provider == ProviderChoice.LINKEDIN:
            names.add("linkedin_api")
        if self.classic_options:
            names |= CLASSIC_FIELDS
        if self.recruiter_options:
            names |= RECRUITER_FIELDS
        if self.voice_message:
            names.add("voice_message")
        if self.video_message:
            names.add("video_message")
        return frozenset(names)

    @property
    def recipient_help(self) -> str:
        return RECIPIENT_HELP[self.provider]

    @classmethod
    def for_account(cls, account: LinkedAccount, api: str | None = None) -> "ChatFields":
        return fields_for_account(account, api)

    @property
    def voice_help(self) -> str:
        if self.voice_message:
            return "LinkedIn prefers .m4a; WhatsApp .mp3 or .m4a."
        return "Not on this provider: send audio under Attachments instead."


def recipient_problem(recipient: str, fields: ChatFields) -> str:
    """Why a recipient id cannot be right for this provider and API, or an empty string."""
    if not recipient or any(character.isspace() for character in recipient):
        return f"“{recipient}” is not an id: ids have no spaces."
    if fields.provider == ProviderChoice.WHATSAPP and not _WHATSAPP_ID.fullmatch(recipient):
        return f"“{recipient}” is not a WhatsApp id: use <digits>@s.whatsapp.net."
    if fields.provider == ProviderChoice.LINKEDIN and fields.linkedin_api:
        return _linkedin_recipient_problem(recipient, fields.linkedin_api)
    return ""


def _linkedin_recipient_problem(recipient: str, api: str) -> str:
    label = dict(LinkedInApi.choices)[api]
    if api == LinkedInApi.CLASSIC:
        # A member id (ACo…) or a company's messaging_id; not another API's member id.
        if recipient.startswith(("ACw", "AE")):
            return f"“{recipient}” is a Sales Navigator or Recruiter id, not a Classic one."
        return ""
    wanted = _LINKEDIN_MEMBER_PREFIXES[api]
    if not recipient.startswith(wanted):
        return f"“{recipient}” is not a {label} id: {label} ids start with {wanted}."
    return ""


def is_company(recipient: str) -> bool:
    """On classic, an id that is not a member id (ACo…) is a company's messaging_id."""
    return not recipient.startswith(("ACo", "ACw", "AE"))


# --- choosing the fields for an account ------------------------------------------------------


def linkedin_apis_of(account: LinkedAccount) -> list[str]:
    """The LinkedIn APIs the account has, in the order the composer offers them."""
    if account.provider != ProviderChoice.LINKEDIN:
        return []
    had = set(account.linkedin_apis or ())
    offered = [api for api in LinkedInApi.values if api in had]
    return offered or [LinkedInApi.CLASSIC]  # the API's default when none is recorded


def fields_for_account(account: LinkedAccount, api: str | None = None) -> ChatFields:
    """The fields for this account and the LinkedIn API asked for, or its first one when the
    account does not have that API (the form then says so at "LinkedIn API")."""
    apis = linkedin_apis_of(account)
    if not apis:
        return ChatFields(provider=account.provider, linkedin_api=None)
    return ChatFields(provider=account.provider, linkedin_api=api if api in apis else apis[0])


def recipient_list(text: str) -> list[str]:
    """Ids from a text of one per line or comma-separated, each once, in order."""
    parts = (part.strip() for part in re.split(r"[,\r\n]+", text))
    return list(dict.fromkeys(part for part in parts if part))
