"""Settings forms: they validate, the services change things."""

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.validators import URLValidator

from postpress_dashboard.core.api import configured_host_policy
from postpress_dashboard.postpress.base_url import BaseUrlRefused, check_base_url
from postpress_dashboard.teams.models import (
    DEFAULT_CAPS,
    MIN_API_KEY_LENGTH,
    LinkedAccount,
    LinkedInApi,
    ProviderChoice,
    Role,
)
from postpress_dashboard.teams.services import AccountFields

MAX_CAP = 1000


class TeamForm(forms.Form):
    name = forms.CharField(label="Team name", max_length=100)
    base_url = forms.CharField(
        label="postpress base URL",
        max_length=200,
        validators=[URLValidator(schemes=["https", "http"])],
        help_text="For example https://api.postpress.ai/api/v1 (the /v1 form works too).",
    )

    def clean_base_url(self) -> str:
        # The same rule the client applies before sending the key (postpress/base_url.py).
        try:
            return check_base_url(str(self.cleaned_data["base_url"]), configured_host_policy())
        except BaseUrlRefused as refused:
            raise forms.ValidationError(refused.message) from None


class ApiKeyForm(forms.Form):
    # Write-only: never rendered back, not even after a failed submission.
    api_key = forms.CharField(
        label="New API key",
        max_length=500,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )

    def clean_api_key(self) -> str:
        key = str(self.cleaned_data["api_key"])
        printable_ascii = all("!" <= character <= "~" for character in key)
        if len(key) < MIN_API_KEY_LENGTH or not printable_ascii:
            raise forms.ValidationError("That does not look like a postpress API key.")
        return key


class LinkedAccountForm(forms.Form):
    provider = forms.ChoiceField(label="Provider", choices=ProviderChoice.choices)
    account_id = forms.CharField(
        label="postpress account id",
        max_length=200,
        help_text="The id of the linked account in postpress, e.g. acc_01HXYZ...",
    )
    label = forms.CharField(label="Label", max_length=100, help_text="Shown in account lists.")
    linkedin_apis = forms.MultipleChoiceField(
        label="LinkedIn APIs",
        choices=LinkedInApi.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="LinkedIn only: the APIs this account has.",
    )
    daily_cap = forms.IntegerField(
        label="Invitations per day",
        min_value=0,
        max_value=MAX_CAP,
        required=False,
        help_text="Empty: the provider's default (LinkedIn 80).",
    )
    weekly_cap = forms.IntegerField(
        label="Invitations per week",
        min_value=0,
        max_value=MAX_CAP,
        required=False,
        help_text="Empty: the provider's default (LinkedIn 200).",
    )
    is_active = forms.BooleanField(label="Active", required=False, initial=True)

    @classmethod
    def for_account(cls, account: LinkedAccount, **kwargs: Any) -> "LinkedAccountForm":
        initial = {
            name: getattr(account, name)
            for name in ("provider", "account_id", "label", "linkedin_apis", "is_active")
        }
        initial |= {"daily_cap": account.daily_cap, "weekly_cap": account.weekly_cap}
        return cls(initial=initial, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        provider = cleaned.get("provider")
        if provider == ProviderChoice.LINKEDIN and not cleaned.get("linkedin_apis"):
            self.add_error("linkedin_apis", "Choose at least one LinkedIn API the account has.")
        if provider and provider != ProviderChoice.LINKEDIN:
            cleaned["linkedin_apis"] = []
        daily, weekly = cleaned.get("daily_cap"), cleaned.get("weekly_cap")
        if provider in DEFAULT_CAPS:
            default_daily, default_weekly = DEFAULT_CAPS[provider]
            daily = default_daily if daily is None else daily
            weekly = default_weekly if weekly is None else weekly
            if daily > weekly:
                self.add_error("daily_cap", "The daily cap cannot exceed the weekly cap.")
        return cleaned

    def account_fields(self) -> AccountFields:
        data = self.cleaned_data
        return AccountFields(
            provider=data["provider"],
            account_id=data["account_id"].strip(),
            label=data["label"].strip(),
            linkedin_apis=list(data["linkedin_apis"]),
            daily_cap=data["daily_cap"],
            weekly_cap=data["weekly_cap"],
            is_active=data["is_active"],
        )


class MemberAddForm(forms.Form):
    username = forms.CharField(
        label="Username", max_length=150, validators=[UnicodeUsernameValidator()]
    )
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.MEMBER)
    create = forms.BooleanField(
        label="Create this user", required=False, help_text="For someone without a login yet."
    )
    password = forms.CharField(
        label="Password for the new user",
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        username = cleaned.get("username")
        if not username:
            return cleaned
        if cleaned.get("create"):
            if User.objects.filter(username=username).exists():
                self.add_error("username", "This username is taken: untick “Create this user”.")
            elif not cleaned.get("password"):
                self.add_error("password", "Give the new user a password.")
            else:
                try:
                    validate_password(cleaned["password"], User(username=username))
                except forms.ValidationError as error:
                    self.add_error("password", error)
        elif not User.objects.filter(username=username).exists():
            self.add_error("username", "No user has this username: tick “Create this user”.")
        return cleaned


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices)


class TeamSwitchForm(forms.Form):
    team = forms.SlugField(label="Team")
