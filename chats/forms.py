"""The composer's form: it validates; chats/rules.py says which fields apply, the service sends.

Files are checked by content (their first bytes), never by name or the browser's type.
"""

import zoneinfo
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile

from chats import rules
from chats.services import SentFile, recruiter_html
from chats.uploads import ACCEPTED_FAMILIES, Kind, claims_text, safe_filename, sniff_file
from postpress_dashboard.core import submissions
from postpress_dashboard.postpress.schemas import (
    ClassicOptions,
    FollowUp,
    LinkedInOptions,
    NewChat,
    RecruiterOptions,
    SalesNavigatorOptions,
    Upload,
)
from postpress_dashboard.teams.models import LinkedAccount, LinkedInApi, ProviderChoice, Team
from postpress_dashboard.teams.selectors import team_active_accounts

FILE_FIELDS = ("attachments", "voice_message", "video_message", "follow_up_attachments")
# The families each file field takes: follow-up attachments take what attachments take.
FAMILIES_OF_FIELD = {
    "attachments": ACCEPTED_FAMILIES["attachments"],
    "follow_up_attachments": ACCEPTED_FAMILIES["attachments"],
    "voice_message": ACCEPTED_FAMILIES["voice_message"],
    "video_message": ACCEPTED_FAMILIES["video_message"],
}
ATTACHMENTS_TAKE = (
    "images (HEIC too), audio, video, PDF or Office documents, ZIP archives, and plain text or "
    "CSV in UTF-8"
)
FILE_LABELS = {
    "attachments": "Attachments",
    "voice_message": "Voice message",
    "video_message": "Video message",
    "follow_up_attachments": "Follow-up attachments",
}
TAKES = {
    "attachments": ATTACHMENTS_TAKE,
    "follow_up_attachments": ATTACHMENTS_TAKE,
    "voice_message": "audio (MP3, M4A, Ogg or WAV)",
    "video_message": "video (MP4, QuickTime or WebM)",
}

# Where an API error about a new chat belongs on the form; any other type goes at the top.
# errors/unsupported_media_type is placed by the view, at the file fields that carried files.
FIELD_FOR_CHAT_ERROR: dict[str, str] = {
    "errors/invalid_recipient": "recipients",
    "errors/no_connection_with_recipient": "recipients",
    "errors/blocked_recipient": "recipients",
    "errors/user_unreachable": "recipients",
    "errors/insufficient_credits": "inmail",
    "errors/not_allowed_inmail": "inmail",
    "errors/too_many_characters": "message",
}
NOTHING_TO_SEND = "Write a message or a subject, or attach a file: a chat starts with one of them."
# Without JavaScript a browser never re-selects files in a page it gets back; with it,
# static/js/chats.js keeps each file input's choice across the swap unless the input says not to
# (its files were refused, or the upload was stopped), so the note says which happened.
FILES_AGAIN = (
    "Files are not kept when the form comes back: choose them again before starting the chat."
)
FILES_KEPT = "The files you chose are still selected: correct the form and start the chat again."
# After a start that may have gone through: nothing to correct, and no invitation to try again.
FILES_STILL_SELECTED = "The files you chose are still selected."
FILES_REFUSED = "Choose the refused files again: the others are still selected."
FILES_DROPPED = "The files were not kept: choose them again before starting the chat."
SUBMISSION_PURPOSE = "chats.new.submission"
STALE_FORM = (
    "This form has expired or was opened in another session. Your text is kept: check it and "
    "start the chat again."
)

TOPIC_LABELS = {
    "service_request": "Service request",
    "request_demo": "Request a demo",
    "support": "Support",
    "careers": "Careers",
    "other": "Other",
}
# The API's sourcing channels and visibilities (start-chat docs), in words.
SOURCING_CHANNEL_LABELS = {
    "JOB_POSTING_RECOMMENDED_MATCHES": "Recommended matches for a job posting",
    "JOB_POSTING": "Job posting",
    "REFERRAL": "Referral",
    "INTERNAL_CANDIDATES": "Internal candidates",
    "AUTOMATED_SOURCING": "Automated sourcing",
    "RECRUITER_SEARCH": "Recruiter search",
    "CAREER_SITE": "Career site",
}
VISIBILITY_LABELS = {
    "PRIVATE": "Private (the default)",
    "PUBLIC": "Public: across your organization",
    "PROJECT": "Project: within the hiring project",
}
UNITS = (("days", "days"), ("weeks", "weeks"))
EMPTY_FILE = {"empty": "This file is empty: choose the file you meant to send."}


@cache
def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


@dataclass(frozen=True)
class CheckedFile:
    """An uploaded file, its kind by content and its safe name."""

    uploaded: UploadedFile
    kind: Kind
    name: str

    @property
    def upload(self) -> Upload:
        path = Path(self.uploaded.temporary_file_path())  # type: ignore[attr-defined]
        return Upload(path=path, filename=self.name, content_type=self.kind.content_type)

    @property
    def sent(self) -> SentFile:
        return SentFile(name=self.name, size=self.uploaded.size or 0)


def kind_problem(kind: Kind | None, name: str, field: str) -> str:
    """Why a file of this kind (None: not recognised) cannot go in `field`, or ""."""
    label = FILE_LABELS[field]
    if kind is None and claims_text(name) and field.endswith("attachments"):
        return (
            f"“{name}” is not UTF-8 text, the only text we can send as it is. Save it as UTF-8 "
            "(in Excel: “CSV UTF-8”) and choose it again."
        )
    if kind is None:
        # Every file leaves as the type its content shows (the name follows): one whose
        # content we cannot recognise could be anything, so it is not sent.
        return (
            f"“{name}” is not a file type we can recognise by its content, so it is not sent. "
            f"{label} takes {TAKES[field]}."
        )
    if kind.family not in FAMILIES_OF_FIELD[field]:
        return f"“{name}” is a {kind.name} file. {label} takes {TAKES[field]}."
    return ""


def field_refusal(field: str, fields: rules.ChatFields, account: LinkedAccount) -> str:
    """Why this account and API take no file in `field`, or ""."""
    provider = account.get_provider_display()
    offered = {
        "attachments": True,
        "voice_message": fields.voice_message,
        "video_message": fields.video_message,
        "follow_up_attachments": fields.recruiter_options,
    }
    refused = {
        "voice_message": f"{provider} takes no voice message: {fields.voice_help}",
        "video_message": (
            f"{provider} takes no video message: send videos under Attachments instead."
        ),
        "follow_up_attachments": "Follow-up attachments go with LinkedIn Recruiter only.",
    }
    return "" if offered[field] else refused[field]


def _check_file(uploaded: UploadedFile, field: str) -> CheckedFile:
    name = safe_filename(uploaded.name or "file")
    kind = sniff_file(uploaded.file, name)
    problem = kind_problem(kind, name, field)
    if problem or kind is None:  # kind_problem refuses None
        raise forms.ValidationError(problem)
    # Sent under a name of the kind it is, whatever extension it came with (F20).
    return CheckedFile(uploaded=uploaded, kind=kind, name=kind.file_name(name))


class ChatStartForm(forms.Form):
    account = forms.ModelChoiceField(
        label="Account", queryset=LinkedAccount.objects.none(), empty_label=None
    )
    recipients = forms.CharField(
        label="Recipients",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off", "spellcheck": "false"}),
    )
    subject = forms.CharField(label="Subject", required=False, max_length=300)
    message = forms.CharField(
        label="Message", required=False, strip=False, widget=forms.Textarea(attrs={"rows": 6})
    )

    # LinkedIn: the API, then classic or Recruiter options (rules.ChatFields says which).
    linkedin_api = forms.ChoiceField(
        label="LinkedIn API",
        required=False,
        choices=(),
        help_text=(
            "Which of the account's LinkedIn products sends the chat: Classic is ordinary "
            "LinkedIn messaging."
        ),
    )
    inmail = forms.BooleanField(
        label="Send as an InMail",
        required=False,
        help_text=(
            "Starts the conversation with an InMail, which uses one of the account's InMail "
            "credits: for someone you are not connected to."
        ),
    )
    topic = forms.ChoiceField(
        label="Topic",
        required=False,
        choices=[("", "No topic"), *((topic, TOPIC_LABELS[topic]) for topic in rules.TOPICS)],
        help_text="What the message is about: needed when you message a company page.",
    )
    applicant_id = forms.CharField(
        label="Applicant ID",
        required=False,
        max_length=300,
        help_text="To message someone who applied to one of your job postings: their applicant id.",
    )
    invitation_id = forms.CharField(
        label="Invitation ID",
        required=False,
        max_length=300,
        help_text="To message someone whose invitation to you is still pending.",
    )
    signature = forms.CharField(
        label="Signature",
        required=False,
        max_length=1000,
        help_text="How you sign the message, e.g. your name and role.",
    )
    hiring_project_id = forms.CharField(
        label="Hiring project ID",
        required=False,
        max_length=300,
        help_text="The Recruiter project to start the chat in.",
    )
    job_posting_id = forms.CharField(
        label="Job posting ID",
        required=False,
        max_length=300,
        help_text="The job this first message is about.",
    )
    sourcing_channel = forms.ChoiceField(
        label="Sourcing channel",
        required=False,
        choices=[
            ("", "Not set"),
            *((channel, SOURCING_CHANNEL_LABELS[channel]) for channel in rules.SOURCING_CHANNELS),
        ],
        help_text="How the hiring project found this person.",
    )
    email_address = forms.EmailField(
        label="Email address",
        required=False,
        help_text="The person's email address, to start the chat by email rather than by InMail.",
    )
    visibility = forms.ChoiceField(
        label="Visibility",
        choices=[(visibility, VISIBILITY_LABELS[visibility]) for visibility in rules.VISIBILITIES],
        initial=rules.DEFAULT_VISIBILITY,
        required=False,
        help_text="Who in your organization can see the conversation in Recruiter.",
    )
    follow_up_subject = forms.CharField(label="Follow-up subject", required=False, max_length=300)
    follow_up_message = forms.CharField(
        label="Follow-up message",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # The range depends on the unit chosen beside it: checked in _clean_follow_up, in that unit
    # (a max_value here would answer "less than or equal to 28" to 30 weeks).
    follow_up_after = forms.IntegerField(
        label="Follow-up after",
        required=False,
        widget=forms.NumberInput(attrs={"min": 1}),
        help_text=(
            f"{rules.FOLLOW_UP_DAYS[0]} to {rules.FOLLOW_UP_DAYS[1]} days, or "
            f"{rules.FOLLOW_UP_WEEKS[0]} to {rules.FOLLOW_UP_WEEKS[1]} weeks."
        ),
    )
    follow_up_unit = forms.ChoiceField(
        label="Unit of the follow-up delay", choices=UNITS, initial="days", required=False
    )
    timezone = forms.ChoiceField(
        label="Timezone",
        required=False,
        choices=(),
    )

    # Files last, in the form and in the page: browsers send fields in order, so the text
    # arrives before an upload that may be stopped for its size.
    attachments = MultipleFileField(
        label=FILE_LABELS["attachments"], required=False, error_messages=EMPTY_FILE
    )
    voice_message = forms.FileField(
        label=FILE_LABELS["voice_message"], required=False, error_messages=EMPTY_FILE
    )
    video_message = forms.FileField(
        label=FILE_LABELS["video_message"], required=False, error_messages=EMPTY_FILE
    )
    follow_up_attachments = MultipleFileField(
        label=FILE_LABELS["follow_up_attachments"], required=False, error_messages=EMPTY_FILE
    )

    # A one-time token per form, issued and signed by the server for this team and user: the
    # same form submitted twice starts one chat. Cleaned to its nonce.
    submission = forms.CharField(widget=forms.HiddenInput, required=False, max_length=300)

    def __init__(
        self,
        *args: Any,
        team: Team,
        account: LinkedAccount | None,
        user: AbstractBaseUser,
        upload_problem: str = "",
        files_follow: bool = False,
        **kwargs: Any,
    ) -> None:
        """`files_follow`: the text of an upload forwarded while it arrives, checked before
        its files, which follow (chats/streaming.py checks each as it passes)."""
        super().__init__(*args, **kwargs)
        self.files_follow = files_follow
        self._team, self._user = team, user
        self.initial["submission"] = submissions.submission_token_issue(
            purpose=SUBMISSION_PURPOSE, team=team, user=user
        )
        self.fields["account"].queryset = team_active_accounts(team)
        self.selected_account = account
        self.upload_problem = upload_problem
        self.files_refused = False  # set when the API refused the files without saying which
        self.start_unconfirmed = False  # set when the chat may have started
        if account is not None:
            self.initial.setdefault("account", account.pk)
        apis = rules.linkedin_apis_of(account) if account else []
        labels = dict(LinkedInApi.choices)
        api_field = self.fields["linkedin_api"]
        # Another provider's form ignores a posted API rather than refusing it.
        offered = [(api, labels[api]) for api in apis] if apis else LinkedInApi.choices
        api_field.choices = offered  # type: ignore[attr-defined]
        api_field.error_messages["invalid_choice"] = (
            "This account cannot use that LinkedIn API. It has: "
            + ", ".join(labels[api] for api in apis)
            + "."
        )
        if apis:
            self.initial.setdefault("linkedin_api", apis[0])
        self.fields["timezone"].choices = timezone_choices()  # type: ignore[attr-defined]
        self.initial.setdefault("timezone", settings.TIME_ZONE)
        self.fields["timezone"].help_text = (
            "The follow-up's days are counted in this timezone: your browser's when the page "
            f"could tell, otherwise {settings.TIME_ZONE}."
        )
        self.chat_fields = self._chat_fields()
        self.fields["recipients"].help_text = (
            f"One or more, one per line or comma-separated. {self.chat_fields.recipient_help}"
            if self.chat_fields
            else "One or more, one per line or comma-separated."
        )

    def clean_submission(self) -> str:
        token = str(self.cleaned_data["submission"])
        if not token:
            return ""  # a post without the form (a script): no repeat protection
        nonce = submissions.submission_nonce(
            token, purpose=SUBMISSION_PURPOSE, team=self._team, user=self._user
        )
        if nonce is None:
            # A fresh token, so starting it from the re-shown form works; said at the top, as
            # the token's field is hidden.
            self.data = self.data.copy()
            self.data[self.add_prefix("submission")] = self.initial["submission"]
            self.add_error(None, STALE_FORM)
            return ""
        return nonce

    def _chat_fields(self) -> rules.ChatFields | None:
        """What the page shows: the selected account's fields for the API asked for."""
        if self.selected_account is None:
            return None
        api = self["linkedin_api"].value()
        return rules.ChatFields.for_account(self.selected_account, str(api) if api else None)

    @property
    def browser_timezone_default(self) -> bool:
        """True while the timezone is only the server's default: chats.js may set the browser's."""
        return not self.is_bound

    @property
    def had_files(self) -> bool:
        return bool(self.files) or bool(self.upload_problem) or self.files_follow

    @property
    def kept_file_fields(self) -> frozenset[str]:
        """The file fields whose chosen files chats.js may keep when the form comes back: not
        those whose files were refused, and none after an upload stopped part-way."""
        if self.upload_problem or self.files_refused:
            return frozenset()
        return frozenset(name for name in FILE_FIELDS if not self.has_error(name))

    @property
    def files_note(self) -> str:
        """What happened to the chosen files, for a refused form that carried some, when the
        browser runs chats.js (`FILES_AGAIN` is for one that does not)."""
        if self.upload_problem or self.files_refused:
            return FILES_DROPPED
        if any(self.has_error(name) for name in FILE_FIELDS):
            return FILES_REFUSED
        return FILES_STILL_SELECTED if self.start_unconfirmed else FILES_KEPT

    # --- validation --------------------------------------------------------------------------

    def clean_recipients(self) -> list[str]:
        recipients = rules.recipient_list(self.cleaned_data["recipients"])
        if not recipients:
            raise forms.ValidationError("Enter at least one recipient id.")
        return recipients

    def clean_message(self) -> str:
        message = str(self.cleaned_data["message"]).replace("\r\n", "\n")
        return message if message.strip() else ""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.upload_problem:
            self.add_error(None, self.upload_problem)
        account: LinkedAccount | None = cleaned.get("account")
        if account is None:
            return cleaned
        if account.provider == ProviderChoice.LINKEDIN and "linkedin_api" in self.errors:
            return cleaned  # the fields depend on the API: choose one first
        api = cleaned.get("linkedin_api") or None
        fields = rules.ChatFields.for_account(account, api)
        cleaned["chat_fields"] = fields
        if fields.allows_html:
            # Checked as it will be sent: markup that sanitizes to nothing is no message.
            cleaned["message"] = recruiter_html(cleaned.get("message") or "").strip()
        self._clean_recipients_for(fields, cleaned)
        if self.files_follow:
            # Checked one by one as they pass (chats/streaming.py): none has arrived yet.
            for name in FILE_FIELDS:
                cleaned[name] = [] if name.endswith("attachments") else None
        else:
            self._clean_files_for(fields, account, cleaned)
        if fields.classic_options:
            self._clean_topic(cleaned)
        if fields.recruiter_options:
            self._clean_follow_up(cleaned)
        # The API requires none of text, subject and files; a chat with none of them has
        # nothing to start the conversation with, so at least one is asked for.
        content = ("message", "subject", *FILE_FIELDS[:3])
        given = self.files_follow or any(cleaned.get(name) for name in content)
        if not self.upload_problem and not given:
            self.add_error("message", NOTHING_TO_SEND)
        return cleaned

    def _clean_recipients_for(self, fields: rules.ChatFields, cleaned: dict[str, Any]) -> None:
        for recipient in cleaned.get("recipients") or []:
            if problem := rules.recipient_problem(recipient, fields):
                self.add_error("recipients", problem)

    def _clean_files_for(
        self, fields: rules.ChatFields, account: LinkedAccount, cleaned: dict[str, Any]
    ) -> None:
        for name in FILE_FIELDS:
            value = cleaned.get(name)
            uploads = value if isinstance(value, list) else [value] if value else []
            if not uploads:
                cleaned[name] = [] if name.endswith("attachments") else None
                continue
            if refusal := field_refusal(name, fields, account):
                self.add_error(name, refusal)
                continue
            checked = []
            for uploaded in uploads:
                try:
                    checked.append(_check_file(uploaded, name))
                except forms.ValidationError as error:
                    self.add_error(name, error)
            if name.endswith("attachments"):
                cleaned[name] = checked
            else:
                cleaned[name] = checked[0] if checked else None

    def _clean_topic(self, cleaned: dict[str, Any]) -> None:
        companies = [r for r in cleaned.get("recipients") or [] if rules.is_company(r)]
        if companies and not cleaned.get("topic"):
            self.add_error(
                "topic",
                f"Choose a topic: “{companies[0]}” is a company's messaging id, and LinkedIn "
                "needs a topic to message a company.",
            )

    def _clean_follow_up(self, cleaned: dict[str, Any]) -> None:
        subject = cleaned.get("follow_up_subject", "")
        text = recruiter_html(str(cleaned.get("follow_up_message") or "").replace("\r\n", "\n"))
        after = cleaned.get("follow_up_after")
        given = (
            subject or text.strip() or after is not None or self.files.get("follow_up_attachments")
        )
        if not given:
            cleaned["follow_up"] = None
            return
        if not subject:
            self.add_error("follow_up_subject", "A follow-up needs a subject and a message.")
        if not text.strip():
            self.add_error("follow_up_message", "A follow-up needs a subject and a message.")
        unit = cleaned.get("follow_up_unit") or "days"
        low, high = rules.FOLLOW_UP_DAYS if unit == "days" else rules.FOLLOW_UP_WEEKS
        if after is None:
            if "follow_up_after" not in self.errors:
                self.add_error("follow_up_after", f"Say when: {low} to {high} {unit}.")
        elif not low <= after <= high:
            chosen = f"{after} {unit[:-1] if after == 1 else unit}"
            when = "too soon" if after < low else "too late"
            self.add_error(
                "follow_up_after",
                f"{chosen} is {when}: a follow-up comes after {low} to {high} {unit}.",
            )
        cleaned["follow_up_unit"] = unit
        cleaned["follow_up_message"] = text
        cleaned["timezone"] = cleaned.get("timezone") or settings.TIME_ZONE
        cleaned["follow_up"] = True

    # --- what was validated, for the service ----------------------------------------------

    def checked_files(self) -> list[CheckedFile]:
        cleaned = self.cleaned_data
        files = [*cleaned["attachments"]]
        files += [cleaned[name] for name in ("voice_message", "video_message") if cleaned[name]]
        if cleaned["chat_fields"].recruiter_options:
            files += cleaned["follow_up_attachments"]
        return files

    def sent_files(self) -> list[SentFile]:
        return [checked.sent for checked in self.checked_files()]

    def new_chat(self) -> NewChat:
        cleaned = self.cleaned_data
        fields: rules.ChatFields = cleaned["chat_fields"]
        account: LinkedAccount = cleaned["account"]
        message = cleaned["message"]
        voice, video = cleaned["voice_message"], cleaned["video_message"]
        return NewChat(
            account_id=account.account_id,
            attendees_ids=tuple(cleaned["recipients"]),
            text=message or None,  # sanitized in clean() where Recruiter takes HTML
            subject=cleaned["subject"] or None,
            attachments=tuple(checked.upload for checked in cleaned["attachments"]),
            voice_message=voice.upload if voice else None,
            video_message=video.upload if video else None,
            linkedin=self._linkedin_options(fields),
        )

    def _linkedin_options(self, fields: rules.ChatFields) -> LinkedInOptions | None:
        cleaned = self.cleaned_data
        if fields.classic_options:
            return ClassicOptions(
                inmail=bool(cleaned["inmail"]),
                topic=cleaned["topic"] or None,
                applicant_id=cleaned["applicant_id"] or None,
                invitation_id=cleaned["invitation_id"] or None,
            )
        if fields.recruiter_options:
            return RecruiterOptions(
                signature=cleaned["signature"] or None,
                hiring_project_id=cleaned["hiring_project_id"] or None,
                job_posting_id=cleaned["job_posting_id"] or None,
                sourcing_channel=cleaned["sourcing_channel"] or None,
                email_address=cleaned["email_address"] or None,
                visibility=cleaned["visibility"] or rules.DEFAULT_VISIBILITY,
                follow_up=self._follow_up(),
            )
        if fields.linkedin_api == LinkedInApi.SALES_NAVIGATOR:
            return SalesNavigatorOptions()
        return None

    def _follow_up(self) -> FollowUp | None:
        cleaned = self.cleaned_data
        if not cleaned.get("follow_up"):
            return None
        after: int = cleaned["follow_up_after"]
        weeks = cleaned["follow_up_unit"] == "weeks"
        return FollowUp(
            subject=cleaned["follow_up_subject"],
            text=cleaned["follow_up_message"],  # sanitized in _clean_follow_up
            timezone=cleaned["timezone"],
            days=None if weeks else after,
            weeks=after if weeks else None,
            attachments=tuple(checked.upload for checked in cleaned["follow_up_attachments"]),
        )
