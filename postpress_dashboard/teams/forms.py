"""Settings forms and joining a team: they validate, the services change things."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib.auth.models import AbstractBaseUser, User
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
    Membership,
    ProviderChoice,
    Role,
    Team,
)
from postpress_dashboard.teams.services import AccountFields

MAX_CAP = 1000


class TeamBoundForm(forms.Form):
    """A settings form that carries the team it was shown for, in a hidden field.

    Settings apply to the current team, which another tab may have switched since the page
    was shown: a form posted for any other team than the current one is refused, in words, and
    changes nothing (docs/teams.md, "A page is for one team"). Templates render the field from
    the current team (`<input type="hidden" name="team" value="{{ current_team.slug }}">`), so a
    refused form shown again, with what was typed, is then for the team it shows.
    """

    team = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        team: Team | None = None,
        memberships: Iterable[Membership] = (),
        **kwargs: Any,
    ) -> None:
        """`team`: the request's current team; None outside a page (the command line)."""
        super().__init__(*args, **kwargs)
        self.current_team = team
        self.shown_for = ""
        self._team_names = {m.team.slug: m.team.name for m in memberships}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.current_team is None:
            return cleaned
        shown_for = self.shown_for = str(cleaned.get("team") or self.data.get("team") or "")
        if shown_for != self.current_team.slug:
            raise forms.ValidationError(self.stale_message(shown_for), code="stale_team")
        return cleaned

    def stale_message(self, shown_for: str) -> str:
        current = self.current_team.name if self.current_team else "another team"
        if not shown_for:
            return (
                f"This page does not say which team it was for, so nothing was saved. Reload "
                f"the page: it is for {current} now."
            )
        # Named only when the user is still in that team: a page never names another's team.
        earlier = self._team_names.get(shown_for)
        was = f"team {earlier}" if earlier else "another team"
        back = f", or switch back to {earlier} first" if earlier else ""
        return (
            f"This page was for {was}; you have since switched to {current}. Nothing was "
            f"saved. Reload the page to make this change to {current}{back}. What you typed is "
            "kept below."
        )

    @property
    def stale(self) -> bool:
        return any(error.code == "stale_team" for error in self.non_field_errors().as_data())

    @property
    def stale_for_own_team(self) -> bool:
        """Shown for another of the user's own teams: a stale tab, to be told so before its
        objects are looked up in the current team (where they are not found). A page for a
        team the user is not in says nothing before the lookup's 404."""
        return self.stale and getattr(self, "shown_for", "") in self._team_names


class TeamForm(TeamBoundForm):
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


class ApiKeyForm(TeamBoundForm):
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


class LinkedAccountForm(TeamBoundForm):
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


class InviteForm(TeamBoundForm):
    """A new invite link: the role it gives, and for the admins' list whom it is for. No
    username: an admin never learns who has an account (docs/teams.md, "Joining a team")."""

    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.MEMBER)
    note = forms.CharField(
        label="For (optional)",
        max_length=100,
        required=False,
        help_text="Whom the link is for, so you recognise it among pending invites.",
    )


class JoinSignUpForm(forms.Form):
    """A new account, made through an invite link. Only the shape is checked here."""

    username = forms.CharField(
        label="Username",
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="The same password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_username(self) -> str:
        # As the sign-in form will read it (NFKC). Whether it is taken is the service's answer
        # (services.invite_sign_up), which counts it against the link: a form asked freely
        # would tell anyone holding a link which usernames exist.
        return AbstractBaseUser.normalize_username(self.cleaned_data["username"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        elif first:
            try:
                validate_password(first, User(username=cleaned.get("username", "")))
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class MemberRoleForm(TeamBoundForm):
    role = forms.ChoiceField(label="Role", choices=Role.choices)


class TeamSwitchForm(forms.Form):
    team = forms.SlugField(label="Team")
