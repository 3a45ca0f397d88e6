"""Invitation forms: they validate; the services send and withdraw."""

import re
from typing import Any

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.core.validators import validate_email

from invitations.rules import (
    INVITING_PROVIDERS,
    MESSAGE_LIMIT,
    NOT_INVITING,
    message_length,
    normalize_message,
    recipient_shape_problem,
    takes_email,
)
from postpress_dashboard.core import submissions
from postpress_dashboard.teams.models import LinkedAccount, Team
from postpress_dashboard.teams.selectors import team_active_accounts

SUBMISSION_SALT = "invitations.send.submission"
STALE_FORM = (
    "This form has expired or was opened in another session. Your text is kept: check it and "
    "send again."
)
DEFAULT_PENDING_DAYS = 21
MAX_PENDING_DAYS = 365
MAX_BULK_WITHDRAW = 100

# Where an API error about a send belongs on the form; any other type goes at the top.
FIELD_FOR_SEND_ERROR: dict[str, str] = {
    "errors/too_many_characters": "message",
    "errors/invalid_recipient": "recipient_id",
    "errors/already_connected": "recipient_id",
    "errors/already_invited_recently": "recipient_id",
    "errors/user_unreachable": "recipient_id",
    "errors/cannot_invite_attendee": "recipient_id",
    "errors/blocked_recipient": "recipient_id",
}


class InvitationSendForm(forms.Form):
    account = forms.ModelChoiceField(
        label="Account", queryset=LinkedAccount.objects.none(), empty_label=None
    )
    recipient_id = forms.CharField(
        label="Recipient ID",
        max_length=300,
        help_text="The person's id on the provider. On Instagram a username works too.",
    )
    # Validated in clean_email, and only for providers that take an email (rules.takes_email).
    email = forms.CharField(
        label="Email",
        required=False,
        max_length=254,
        # hx-preserve keeps what was typed when htmx swaps in the fields of another LinkedIn
        # account.
        widget=forms.EmailInput(attrs={"autocomplete": "off", "hx-preserve": "true"}),
        help_text="LinkedIn only: the person's email address, when LinkedIn asks for it.",
    )
    # No max_length: it would count before line breaks are normalized, and its maxlength
    # attribute counts UTF-16 units in browsers (an emoji is two). clean_message counts.
    message = forms.CharField(
        label="Message",
        required=False,
        strip=False,
        # The live counter (static/js/invitations.js) sits in the help text, so it is described.
        widget=forms.Textarea(attrs={"rows": 4, "data-counter": "message-counter"}),
        help_text=f"Optional. At most {MESSAGE_LIMIT} characters; an emoji counts as one.",
    )

    # A one-time token per form, issued and signed by the server for this team and user:
    # submitting the same form twice sends one invitation. Cleaned to its nonce.
    submission = forms.CharField(widget=forms.HiddenInput, required=False, max_length=300)

    def __init__(
        self,
        *args: Any,
        team: Team,
        account: LinkedAccount | None,
        user: AbstractBaseUser,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._team, self._user = team, user
        self.initial["submission"] = submission_token_issue(team=team, user=user)
        # Only accounts whose provider takes invitations; another is refused in words.
        account_field = self.fields["account"]
        account_field.queryset = team_active_accounts(team).filter(  # type: ignore[attr-defined]
            provider__in=INVITING_PROVIDERS
        )
        account_field.error_messages["invalid_choice"] = NOT_INVITING
        # The account the page is about: the one posted, or the one asked for in the URL.
        self.selected_account = account
        if account is not None:
            self.initial.setdefault("account", account.pk)

    @property
    def shows_email(self) -> bool:
        return self.selected_account is not None and takes_email(self.selected_account.provider)

    def clean_recipient_id(self) -> str:
        recipient = str(self.cleaned_data["recipient_id"]).strip()
        account = self.cleaned_data.get("account")
        if account is not None and (
            problem := recipient_shape_problem(account.provider, recipient)
        ):
            raise forms.ValidationError(problem)
        return recipient

    def clean_email(self) -> str:
        email = str(self.cleaned_data["email"]).strip()
        account = self.cleaned_data.get("account")
        if account is None or not takes_email(account.provider):
            return ""  # never sent for a provider that takes none
        if email:
            validate_email(email)
        return email

    def clean_submission(self) -> str:
        token = str(self.cleaned_data["submission"])
        if not token:
            return ""  # a post without the form (an API script): no repeat protection
        nonce = submission_nonce(token, team=self._team, user=self._user)
        if nonce is None:
            # A fresh token, so sending again from the re-shown form works; the words go at
            # the top, as the token's field is hidden.
            self.data = self.data.copy()
            self.data[self.add_prefix("submission")] = self.initial["submission"]
            self.add_error(None, STALE_FORM)
            return ""
        return nonce

    def clean_message(self) -> str:
        message = normalize_message(str(self.cleaned_data["message"]))
        length = message_length(message)
        if length > MESSAGE_LIMIT:
            raise forms.ValidationError(
                f"The message has {length} characters; an invitation takes at most "
                f"{MESSAGE_LIMIT}. Shorten it by {length - MESSAGE_LIMIT}."
            )
        return message if message.strip() else ""


def submission_token_issue(*, team: Team, user: AbstractBaseUser) -> str:
    """A one-time token for a send form: random, and bound to the team and the user."""
    return submissions.submission_token_issue(purpose=SUBMISSION_SALT, team=team, user=user)


def submission_nonce(token: str, *, team: Team, user: AbstractBaseUser) -> str | None:
    """The nonce of a send-form token this server issued to this team and user, else None."""
    return submissions.submission_nonce(token, purpose=SUBMISSION_SALT, team=team, user=user)


class SentFilterForm(forms.Form):
    days = forms.IntegerField(
        label="Pending longer than (days)",
        min_value=0,
        max_value=MAX_PENDING_DAYS,
        initial=DEFAULT_PENDING_DAYS,
    )


def parse_database_id(text: str) -> int | None:
    """The id a form value names, or None when no row could have it: at most 18 digits keeps
    it within a BigAutoField, so the database is never asked about an overflowing number."""
    return int(text) if re.fullmatch(r"[0-9]{1,18}", text) else None


class IdListField(forms.Field):
    """Several integer ids posted under one name."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        ids = [parse_database_id(item) if isinstance(item, str) else None for item in value]
        if None in ids:
            raise forms.ValidationError("The list of invitations was not understood.")
        if len(ids) > MAX_BULK_WITHDRAW:
            raise forms.ValidationError(f"At most {MAX_BULK_WITHDRAW} invitations at once.")
        return [item for item in ids if item is not None]


class BulkWithdrawForm(forms.Form):
    days = forms.IntegerField(min_value=0, max_value=MAX_PENDING_DAYS)
    sent = IdListField()
