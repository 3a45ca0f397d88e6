"""The start-chat endpoint: a multipart form, with LinkedIn options that depend on the API used."""

import functools
import re
import zoneinfo
from dataclasses import dataclass

from postpress_dashboard.sandbox.errors import invalid_parameters, missing_parameters
from postpress_dashboard.sandbox.models import Account, ReceivedChat
from postpress_dashboard.sandbox.multipart import MultipartForm, parse_multipart_form
from postpress_dashboard.sandbox.operations import JsonObject, account_or_404
from postpress_dashboard.sandbox.request import SandboxRequest
from postpress_dashboard.sandbox.state import SandboxState, new_id

ATTENDEES = "attendees_ids"
LINKEDIN_API = "linkedin[api]"
FOLLOW_UP = "linkedin[follow_up]"
FOLLOW_UP_DAYS = f"{FOLLOW_UP}[scheduled_time][days]"
FOLLOW_UP_WEEKS = f"{FOLLOW_UP}[scheduled_time][weeks]"
FOLLOW_UP_TIMEZONE = f"{FOLLOW_UP}[scheduled_time][timezone]"
FOLLOW_UP_ATTACHMENTS = f"{FOLLOW_UP}[attachments]"

CLASSIC_OPTIONS = frozenset(
    {"linkedin[inmail]", "linkedin[topic]", "linkedin[applicant_id]", "linkedin[invitation_id]"}
)
RECRUITER_OPTIONS = frozenset(
    {
        "linkedin[signature]",
        "linkedin[hiring_project_id]",
        "linkedin[job_posting_id]",
        "linkedin[sourcing_channel]",
        "linkedin[email_address]",
        "linkedin[visibility]",
        f"{FOLLOW_UP}[subject]",
        f"{FOLLOW_UP}[text]",
        FOLLOW_UP_DAYS,
        FOLLOW_UP_WEEKS,
        FOLLOW_UP_TIMEZONE,
        FOLLOW_UP_ATTACHMENTS,
    }
)
OPTIONS_BY_API = {
    "classic": CLASSIC_OPTIONS,
    "sales_navigator": frozenset(),
    "recruiter": RECRUITER_OPTIONS,
}
CHOICES = {
    "linkedin[inmail]": ("true", "false"),
    "linkedin[topic]": ("service_request", "request_demo", "support", "careers", "other"),
    "linkedin[sourcing_channel]": (
        "JOB_POSTING_RECOMMENDED_MATCHES",
        "JOB_POSTING",
        "REFERRAL",
        "INTERNAL_CANDIDATES",
        "AUTOMATED_SOURCING",
        "RECRUITER_SEARCH",
        "CAREER_SITE",
    ),
    "linkedin[visibility]": ("PUBLIC", "PRIVATE", "PROJECT"),
}
FOLLOW_UP_DAYS_RANGE = range(3, 29)
FOLLOW_UP_WEEKS_RANGE = range(1, 5)

# The arrays: the docs leave open whether an item's field is named with "[]" or without, so
# both are taken (the client's POSTPRESS_MULTIPART_ARRAYS chooses), one spelling per array.
ARRAYS = (ATTENDEES, "attachments", FOLLOW_UP_ATTACHMENTS)
SPELLINGS = {array: (array, f"{array}[]") for array in ARRAYS}
FILE_ARRAYS = frozenset({*SPELLINGS["attachments"], *SPELLINGS[FOLLOW_UP_ATTACHMENTS]})
FILE_FIELDS = frozenset({"voice_message", "video_message", *FILE_ARRAYS})
TEXT_FIELDS = frozenset(
    {"account_id", *SPELLINGS[ATTENDEES], "text", "subject", LINKEDIN_API}
    | CLASSIC_OPTIONS
    | (RECRUITER_OPTIONS - {FOLLOW_UP_ATTACHMENTS})
)
REPEATABLE_FIELDS = frozenset(name for array in ARRAYS for name in SPELLINGS[array])
VOICE_PROVIDERS = ("LINKEDIN", "WHATSAPP")


@dataclass(frozen=True)
class StartChat:
    account_id: str
    attendee_ids: list[str]
    form: MultipartForm

    def identifiers(self) -> list[str]:
        return [self.account_id, *self.attendee_ids]

    def perform(self, state: SandboxState) -> JsonObject:
        with state.lock:
            account = account_or_404(state, self.account_id)
            self._check_fits_provider(account)
            chat = ReceivedChat(
                chat_id=new_id("chat"),
                message_id=new_id("msg"),
                account_id=account.id,
                fields=self.form.fields,
                files=self.form.files,
            )
            state.chats.append(chat)
        return {"object": "ChatStarted", "chat_id": chat.chat_id, "message_id": chat.message_id}

    def _check_fits_provider(self, account: Account) -> None:
        names = self.form.names()
        if account.provider != "LINKEDIN" and any(name.startswith("linkedin[") for name in names):
            raise invalid_parameters(
                f"linkedin[...] options apply to LinkedIn accounts; this is {account.provider}."
            )
        if "voice_message" in names and account.provider not in VOICE_PROVIDERS:
            raise invalid_parameters(
                f"voice_message is for LinkedIn and WhatsApp; on {account.provider} "
                "send audio as attachments."
            )
        if "video_message" in names and account.provider != "LINKEDIN":
            raise invalid_parameters(
                f"video_message is for LinkedIn; on {account.provider} send video as attachments."
            )


def read_start_chat(request: SandboxRequest, path_params: dict[str, str]) -> StartChat:
    form = parse_multipart_form(request)
    _check_field_names(form)
    account_id = _single(form, "account_id")
    if account_id is None:
        raise missing_parameters("account_id is required.")
    attendee_ids = [value for name in SPELLINGS[ATTENDEES] for value in form.fields.get(name, [])]
    if not attendee_ids:
        raise missing_parameters(f"Send at least one attendee id in {ATTENDEES}[].")
    if not account_id or not all(attendee_ids):
        raise invalid_parameters(f"account_id and {ATTENDEES} must not be empty.")
    _check_linkedin_options(form)
    return StartChat(account_id, attendee_ids, form)


def _check_field_names(form: MultipartForm) -> None:
    unknown = sorted(form.names() - TEXT_FIELDS - FILE_FIELDS)
    if unknown:
        raise invalid_parameters(
            f"Unknown field(s): {', '.join(unknown)}. "
            f"Attendees go in {ATTENDEES}[] (or {ATTENDEES}), one field per attendee."
        )
    for array in ARRAYS:
        plain, brackets = SPELLINGS[array]
        if {plain, brackets} <= form.names():
            raise invalid_parameters(f"Send {array} as {brackets} or as {plain}, not both.")
    files_sent_as_text = sorted(set(form.fields) & FILE_FIELDS)
    if files_sent_as_text:
        raise invalid_parameters(f"Send {', '.join(files_sent_as_text)} as file(s).")
    text_sent_as_files = sorted({file.field_name for file in form.files} & TEXT_FIELDS)
    if text_sent_as_files:
        raise invalid_parameters(f"Send {', '.join(text_sent_as_files)} as text, not files.")
    repeated = sorted(
        name
        for name in form.names() - REPEATABLE_FIELDS
        if len(form.fields.get(name, [])) + len(form.files_in(name)) > 1
    )
    if repeated:
        raise invalid_parameters(f"Send {', '.join(repeated)} once.")


def _check_linkedin_options(form: MultipartForm) -> None:
    options = {name for name in form.names() if name.startswith("linkedin[")}
    if not options:
        return
    api = _single(form, LINKEDIN_API)
    api = "classic" if api is None else api  # the documented default
    if api not in OPTIONS_BY_API:
        raise invalid_parameters(f"{LINKEDIN_API} must be one of {', '.join(OPTIONS_BY_API)}.")
    allowed = OPTIONS_BY_API[api] | {f"{name}[]" for name in OPTIONS_BY_API[api] & FILE_ARRAYS}
    misplaced = sorted(options - allowed - {LINKEDIN_API})
    if misplaced:
        raise invalid_parameters(
            f"{', '.join(misplaced)} cannot be used with {LINKEDIN_API}={api}."
        )
    for name, choices in CHOICES.items():
        value = _single(form, name)
        if value is not None and value not in choices:
            raise invalid_parameters(f"{name} must be one of {', '.join(choices)}.")
    if any(name.startswith(FOLLOW_UP) for name in options):
        _check_follow_up(form)


def _check_follow_up(form: MultipartForm) -> None:
    for part in ("subject", "text"):
        if not _single(form, f"{FOLLOW_UP}[{part}]"):
            raise missing_parameters(f"{FOLLOW_UP}[{part}] is required for a follow-up.")
    days, weeks = _single(form, FOLLOW_UP_DAYS), _single(form, FOLLOW_UP_WEEKS)
    if days is None and weeks is None:
        raise missing_parameters(f"A follow-up needs {FOLLOW_UP_DAYS} or {FOLLOW_UP_WEEKS}.")
    if days is not None and weeks is not None:
        raise invalid_parameters(f"Give {FOLLOW_UP_DAYS} or {FOLLOW_UP_WEEKS}, not both.")
    if days is not None:
        _check_whole_number_in(FOLLOW_UP_DAYS, days, FOLLOW_UP_DAYS_RANGE)
    if weeks is not None:
        _check_whole_number_in(FOLLOW_UP_WEEKS, weeks, FOLLOW_UP_WEEKS_RANGE)
    timezone = _single(form, FOLLOW_UP_TIMEZONE)
    if timezone is None:
        raise missing_parameters(f"{FOLLOW_UP_TIMEZONE} is required for a follow-up.")
    if timezone not in _iana_timezones():
        raise invalid_parameters(f"{FOLLOW_UP_TIMEZONE} must be an IANA zone, e.g. Europe/Paris.")


def _check_whole_number_in(name: str, value: str, allowed: range) -> None:
    if not re.fullmatch(r"[0-9]{1,3}", value) or int(value) not in allowed:
        raise invalid_parameters(
            f"{name} must be a whole number from {allowed.start} to {allowed.stop - 1}."
        )


@functools.cache
def _iana_timezones() -> frozenset[str]:
    # A fixed list rather than ZoneInfo(name), which would also accept paths under the tz dir.
    return frozenset(zoneinfo.available_timezones())


def _single(form: MultipartForm, name: str) -> str | None:
    values = form.fields.get(name)
    return values[0] if values else None
