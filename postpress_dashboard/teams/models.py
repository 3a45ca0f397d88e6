"""Teams, their members and linked accounts (their activity log is activity.models.Entry)."""

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from django.conf import settings
from django.db import models

from postpress_dashboard.postpress.catalogue import entry_for
from postpress_dashboard.postpress.schemas import Provider
from postpress_dashboard.teams import crypto


def default_base_url() -> str:
    return str(settings.POSTPRESS_DEFAULT_BASE_URL)


MIN_API_KEY_LENGTH = 8


class ApiKeyState(StrEnum):
    OK = "ok"
    MISSING = "missing"
    UNREADABLE = "unreadable"  # encrypted under a key that is no longer configured


class ApiKeyUnavailable(Exception):
    def __init__(self, state: ApiKeyState) -> None:
        super().__init__(state.value)
        self.state = state


class Team(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=60, unique=True)
    base_url = models.URLField("postpress base URL", default=default_base_url)
    # Write-only: the ciphertext and the last four characters, never the key itself.
    api_key_ciphertext = models.TextField(blank=True, default="", editable=False)
    api_key_last4 = models.CharField(max_length=4, blank=True, default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name

    def set_api_key(self, api_key: str) -> None:
        if len(api_key) < MIN_API_KEY_LENGTH:
            # Its "last four" would show most of it.
            raise ValueError(f"an API key has at least {MIN_API_KEY_LENGTH} characters")
        self.api_key_ciphertext = crypto.encrypt(api_key)
        self.api_key_last4 = api_key[-4:]

    def decrypted_api_key(self) -> str:
        if not self.api_key_ciphertext:
            raise ApiKeyUnavailable(ApiKeyState.MISSING)
        try:
            return crypto.decrypt(self.api_key_ciphertext)
        except crypto.UnreadableSecret:
            raise ApiKeyUnavailable(ApiKeyState.UNREADABLE) from None

    @property
    def api_key_state(self) -> ApiKeyState:
        try:
            self.decrypted_api_key()
        except ApiKeyUnavailable as unavailable:
            return unavailable.state
        return ApiKeyState.OK


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    # The account this member last opened the inbox on: the inbox opens on it next time.
    last_inbox_account = models.ForeignKey(
        "LinkedAccount", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["team__name", "user__username"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "team"], name="one_membership_per_team")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


class ProviderChoice(models.TextChoices):
    LINKEDIN = Provider.LINKEDIN.value, "LinkedIn"
    INSTAGRAM = Provider.INSTAGRAM.value, "Instagram"
    WHATSAPP = Provider.WHATSAPP.value, "WhatsApp"
    TELEGRAM = Provider.TELEGRAM.value, "Telegram"


class LinkedInApi(models.TextChoices):
    CLASSIC = "classic", "Classic"
    SALES_NAVIGATOR = "sales_navigator", "Sales Navigator"
    RECRUITER = "recruiter", "Recruiter"


# Invitations per (day, week) by provider when an admin sets nothing else: LinkedIn's about 80 a
# day and 200 a week; deliberately cautious figures for the others (docs/teams.md).
DEFAULT_CAPS: dict[str, tuple[int, int]] = {
    ProviderChoice.LINKEDIN: (80, 200),
    ProviderChoice.INSTAGRAM: (50, 200),
    ProviderChoice.WHATSAPP: (50, 250),
    ProviderChoice.TELEGRAM: (40, 200),
}


class LinkedAccount(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="accounts")
    provider = models.CharField(max_length=10, choices=ProviderChoice.choices)
    account_id = models.CharField("postpress account id", max_length=200)
    label = models.CharField(max_length=100)
    # For LinkedIn: which of its APIs the account has (LinkedInApi values).
    linkedin_apis = models.JSONField(default=list, blank=True)
    daily_cap = models.PositiveIntegerField("invitations per day")
    weekly_cap = models.PositiveIntegerField("invitations per week")
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The account-level refusal (a 401 about the linked account, not the team's key) that
    # last answered a call for it, until a call succeeds: it must be reconnected in postpress.
    attention = models.CharField(max_length=100, blank=True, default="")
    attention_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-is_active", "label"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["team", "account_id"], name="account_id_once_per_team")
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_provider_display()})"

    def save(self, *args: object, **kwargs: object) -> None:
        daily, weekly = DEFAULT_CAPS[self.provider]
        self.daily_cap = self.daily_cap if self.daily_cap is not None else daily
        self.weekly_cap = self.weekly_cap if self.weekly_cap is not None else weekly
        if self.provider != ProviderChoice.LINKEDIN:
            self.linkedin_apis = []
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def linkedin_api_labels(self) -> list[str]:
        """Its LinkedIn APIs in words ("Sales Navigator"), for pages; unknown values as stored."""
        labels = dict(LinkedInApi.choices)
        return [str(labels.get(api, api)) for api in self.linkedin_apis]

    @property
    def attention_message(self) -> str:
        """The catalogue's words for what the account needs, or an empty string."""
        return entry_for(self.attention, 401).message if self.attention else ""


class TeamInvite(models.Model):
    """A one-time, expiring link through which a person joins a team with a role.

    An admin creates it and hands the link over; whoever opens it signs in (or signs up) and
    accepts. Only a hash of its token is stored: the link is shown once, when it is created.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invites")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    # Who it is meant for, in the admin's words: for the list of pending invites only.
    note = models.CharField(max_length=100, blank=True, default="")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Sign-ups through the link that chose a username already taken: each such answer tells
    # the link's holder (the admin too) that a username exists, so a link gives only a few
    # (services.TAKEN_USERNAMES_PER_INVITE) before it is revoked.
    taken_usernames = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Invite to {self.team} as {self.role}"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def is_pending(self, now: datetime) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now
