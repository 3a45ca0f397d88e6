"""Campaign forms: they validate (the recipients file, the template against its columns, the
pacing); services build and run."""

import zoneinfo
from datetime import time
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from campaigns.models import CampaignKind, Recipient
from campaigns.pacing import WEEKDAY_NAMES
from campaigns.recipients import (
    EMAIL_COLUMN,
    MAX_CELL_CHARACTERS,
    MAX_RECIPIENT_CHARACTERS,
    RECIPIENT_COLUMNS,
    ParsedRecipients,
    RecipientsRefused,
    recipients_from_csv,
    recipients_from_lines,
)
from campaigns.services import PacingFields, lacks_classic
from campaigns.templating import (
    MessageTemplate,
    TemplateInvalid,
    template_column_problems,
    template_parse,
)
from invitations.rules import sends_invitations, takes_email
from postpress_dashboard.teams.models import LinkedAccount, Team
from postpress_dashboard.teams.selectors import team_active_accounts

WEEKDAY_CHOICES = [(str(number), name) for number, name in enumerate(WEEKDAY_NAMES, start=1)]
ONE_SOURCE = "Upload a recipients file or paste recipients, not both."
NO_SOURCE = "Upload a recipients file (CSV) or paste recipients, one per line."


class RecipientsFields(forms.Form):
    """The recipients, from a CSV file or pasted lines: parsed in clean(), all or nothing."""

    recipients_file = forms.FileField(
        label="Recipients file",
        required=False,
        help_text=(
            "A CSV with a header row: a provider_id (or recipient) column, an optional email "
            "column (LinkedIn invitations), and any columns your message uses, such as "
            "first_name or company. UTF-8, UTF-16 or Windows-1252, as spreadsheets save it."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,text/csv"}),
    )
    recipients = forms.CharField(
        label="Recipients",
        required=False,
        help_text="Or paste provider ids, one per line.",
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, existing: set[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.existing = existing or set()
        self.parsed: ParsedRecipients | None = None
        self.file_given = False

    def takes_email(self) -> bool:
        return False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        upload: UploadedFile | None = cleaned.get("recipients_file")
        self.file_given = upload is not None  # a refused form cannot give it back: say so
        pasted = (cleaned.get("recipients") or "").strip()
        if upload and pasted:
            self.add_error("recipients", ONE_SOURCE)
        elif upload:
            self._parse(lambda: self._from_file(upload), "recipients_file")
        elif pasted:
            self._parse(
                lambda: recipients_from_lines(
                    pasted, max_rows=settings.CAMPAIGN_MAX_RECIPIENTS, existing=self.existing
                ),
                "recipients",
            )
        else:
            self.add_error("recipients_file", NO_SOURCE)
        return cleaned

    def _from_file(self, upload: UploadedFile) -> ParsedRecipients:
        limit = settings.CAMPAIGN_MAX_FILE_BYTES
        if upload.size is not None and upload.size > limit:
            raise RecipientsRefused(
                [f"The file is over {limit // (1024 * 1024)} MB: split it into several campaigns."]
            )
        data = b"".join(upload.chunks())
        return recipients_from_csv(
            data,
            max_rows=settings.CAMPAIGN_MAX_RECIPIENTS,
            existing=self.existing,
            takes_email=self.takes_email(),
        )

    def _parse(self, parse: Any, field: str) -> None:
        try:
            self.parsed = parse()
        except RecipientsRefused as refused:
            for problem in refused.problems:
                self.add_error(field, problem)


class CampaignForm(RecipientsFields):
    name = forms.CharField(label="Name", max_length=100)
    account = forms.ModelChoiceField(label="Account", queryset=LinkedAccount.objects.none())
    kind = forms.ChoiceField(
        label="Kind",
        choices=[
            (CampaignKind.INVITATIONS, "Invitations (LinkedIn and Instagram)"),
            (CampaignKind.MESSAGES, "Messages: a new chat with each person"),
        ],
        initial=CampaignKind.INVITATIONS,
    )
    template = forms.CharField(
        label="Message template",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=(
            "Use any column in braces, such as {first_name}, with a fallback after a bar for "
            "rows where it is empty: {first_name|there}. Invitation notes take at most 300 "
            "characters once filled in."
        ),
    )
    timezone = forms.ChoiceField(label="Timezone", choices=())
    work_days = forms.MultipleChoiceField(
        label="Working days",
        choices=WEEKDAY_CHOICES,
        initial=["1", "2", "3", "4", "5"],
        widget=forms.CheckboxSelectMultiple,
    )
    work_start = forms.TimeField(
        label="From", initial=time(9), widget=forms.TimeInput(attrs={"type": "time"})
    )
    work_end = forms.TimeField(
        label="Until",
        initial=time(17),
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text="00:00 means until midnight.",
    )
    gap_min_seconds = forms.IntegerField(
        label="Shortest gap between sends (seconds)", min_value=0, initial=60
    )
    gap_max_seconds = forms.IntegerField(
        label="Longest gap between sends (seconds)", min_value=0, initial=180
    )
    daily_limit = forms.IntegerField(
        label="Daily limit (optional)",
        min_value=1,
        required=False,
        help_text="At most this many sends a day from this campaign, below the account's caps.",
    )

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team = team
        self.fields["account"].queryset = team_active_accounts(team)  # type: ignore[attr-defined]
        self.fields["timezone"].choices = [  # type: ignore[attr-defined]
            (name, name) for name in sorted(zoneinfo.available_timezones())
        ]
        self.initial.setdefault("timezone", settings.TIME_ZONE)
        if not self.is_bound:  # static/js/app.js puts the browser's own zone in
            self.fields["timezone"].widget.attrs["data-browser-timezone"] = ""
        self.template: MessageTemplate | None = None

    def takes_email(self) -> bool:
        account = self.cleaned_data.get("account")
        return bool(
            account
            and takes_email(account.provider)
            and self.cleaned_data.get("kind") == CampaignKind.INVITATIONS
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        account: LinkedAccount | None = cleaned.get("account")
        kind = cleaned.get("kind")
        if account and kind == CampaignKind.INVITATIONS and not sends_invitations(account.provider):
            self.add_error(
                "kind",
                "Invitations are sent from LinkedIn and Instagram accounts only: choose "
                "Messages to start a chat with each person on this account.",
            )
        if account and kind == CampaignKind.MESSAGES and lacks_classic(account):
            self.add_error(
                "kind",
                f"Campaign messages on LinkedIn go through LinkedIn Classic, which {account.label} "
                "does not have: use New chat for Sales Navigator or Recruiter messages.",
            )
        self._check_template(cleaned)
        self._check_pacing(cleaned, account)
        return cleaned

    def _check_template(self, cleaned: dict[str, Any]) -> None:
        try:
            self.template = template_parse(cleaned.get("template") or "")
        except TemplateInvalid as invalid:
            self.add_error("template", invalid.message)
            return
        if self.parsed is not None:
            for problem in template_column_problems(self.template, self.parsed.columns):
                self.add_error("template", problem)

    def _check_pacing(self, cleaned: dict[str, Any], account: LinkedAccount | None) -> None:
        start, end = cleaned.get("work_start"), cleaned.get("work_end")
        if start and end and end <= start and end != time(0):  # 00:00: until midnight
            self.add_error("work_end", "The working hours must end after they start.")
        low, high = cleaned.get("gap_min_seconds"), cleaned.get("gap_max_seconds")
        if low is not None and high is not None and high < low:
            self.add_error(
                "gap_max_seconds", "The longest gap cannot be shorter than the shortest."
            )
        limit = cleaned.get("daily_limit")
        invites = cleaned.get("kind") == CampaignKind.INVITATIONS
        if limit and account and invites and limit > account.daily_cap:
            self.add_error(
                "daily_limit",
                f"{account.label}'s daily cap is {account.daily_cap}: a campaign's daily "
                "limit cannot be above it (an admin sets the caps in Settings).",
            )

    def pacing(self) -> PacingFields:
        cleaned = self.cleaned_data
        return PacingFields(
            timezone=cleaned["timezone"],
            work_days="".join(sorted(cleaned["work_days"])),
            work_start=cleaned["work_start"],
            work_end=cleaned["work_end"],
            gap_min_seconds=cleaned["gap_min_seconds"],
            gap_max_seconds=cleaned["gap_max_seconds"],
            daily_limit=cleaned.get("daily_limit"),
        )


class AddRecipientsForm(RecipientsFields):
    """More rows for an open campaign; the ones already in it are dropped and counted."""

    def __init__(self, *args: Any, takes_email: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._takes_email = takes_email

    def takes_email(self) -> bool:
        return self._takes_email


class TemplateForm(forms.Form):
    template = forms.CharField(label="Message template", widget=forms.Textarea(attrs={"rows": 5}))

    def clean_template(self) -> MessageTemplate:
        try:
            return template_parse(self.cleaned_data["template"])
        except TemplateInvalid as invalid:
            raise forms.ValidationError(invalid.message) from None


class RecipientEditForm(forms.Form):
    """A queued recipient's id, email and columns, as a person corrects them."""

    recipient_id = forms.CharField(label="Provider id", max_length=MAX_RECIPIENT_CHARACTERS)

    def __init__(self, *args: Any, recipient: Recipient, takes_email: bool, **kwargs: Any) -> None:
        initial = {"recipient_id": recipient.recipient_id, "email": recipient.email}
        initial |= {f"column_{name}": value for name, value in recipient.variables.items()}
        super().__init__(*args, initial=initial, **kwargs)
        if takes_email:
            self.fields["email"] = forms.EmailField(label="Email", required=False)
        self.recipient, self.takes_email = recipient, takes_email
        fixed = (*RECIPIENT_COLUMNS, EMAIL_COLUMN) if takes_email else RECIPIENT_COLUMNS
        self.columns = [name for name in recipient.variables if name not in fixed]
        for name in self.columns:
            self.fields[f"column_{name}"] = forms.CharField(
                label=name, required=False, max_length=MAX_CELL_CHARACTERS
            )

    def clean_recipient_id(self) -> str:
        value: str = self.cleaned_data["recipient_id"].strip()
        if any(character.isspace() for character in value):
            raise forms.ValidationError("A provider id has no spaces.")
        return value

    def variables(self) -> dict[str, str]:
        """Every column of the row, the id and email columns following their fields."""
        values = dict(self.recipient.variables)
        values |= {
            name: self.cleaned_data.get(f"column_{name}", "").strip() for name in self.columns
        }
        for name in RECIPIENT_COLUMNS:
            if name in values:
                values[name] = self.cleaned_data["recipient_id"]
        if self.takes_email and EMAIL_COLUMN in values:
            values[EMAIL_COLUMN] = self.cleaned_data.get("email", "")
        return values
