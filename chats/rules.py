"""Which start-chat fields apply to which provider and LinkedIn API: the one place both the
form and the template read."""

import re
from dataclasses import dataclass

from postpress_dashboard.teams.models import LinkedInApi, ProviderChoice

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

_WHATSAPP_ID = re.compile(r"\d{5,20}@s\.whatsapp\.net")
# LinkedIn member ids by API; anything else on classic is taken as a company's messaging_id.
_LINKEDIN_MEMBER_PREFIXES = {
    LinkedInApi.CLASSIC: "ACo",
    LinkedInApi.SALES_NAVIGATOR: "ACw",
    LinkedInApi.RECRUITER: "AE",
}

RECIPIENT_HELP = {
    ProviderChoice.LINKEDIN: (
        "LinkedIn ids: ACo… for Classic, ACw… for Sales Navigator, AE… for Recruiter, or a "
        "company's messaging_id (Classic; then choose a Topic)."
    ),
    ProviderChoice.INSTAGRAM: "The person's provider_messaging_id.",
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
    def recipient_help(self) -> str:
        return RECIPIENT_HELP[self.provider]

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
