"""The team's one activity log: settings changes, decisions, sends, withdraws, chats and
campaign steps, each an Entry written by services.activity_record and nothing else.

Every write to the API ends sent, refused or unconfirmed. Unconfirmed means the request may have
reached postpress (a timeout, an error page, an unreadable answer, a worker that died mid-call):
its entry waits for a person to say whether it went through (docs/activity.md).
"""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from postpress_dashboard.teams.models import LinkedAccount, Team


class Kind(models.TextChoices):
    ACCEPT = "accept", "Accepted"
    DECLINE = "decline", "Declined"
    SEND = "send", "Invitation sent"
    WITHDRAW = "withdraw", "Withdrawn"
    CHAT = "chat", "Chat started"
    CAMPAIGN = "campaign", "Campaign"  # a campaign started, paused, stopped by itself, ended
    SETTINGS = "settings", "Settings"  # a change to the team, its members, invites or accounts


# The kinds that are writes to the API, each resolvable when unconfirmed.
WRITES = (Kind.ACCEPT, Kind.DECLINE, Kind.SEND, Kind.WITHDRAW, Kind.CHAT)


class Outcome(models.TextChoices):
    OK = "ok", "Succeeded"
    FAILED = "failed", "Failed"
    UNCONFIRMED = "unconfirmed", "May have gone through"


class Resolution(models.TextChoices):
    """What a person found out about an unconfirmed write."""

    WENT_THROUGH = "went_through", "Went through"
    DID_NOT = "did_not", "Did not go through"
    # A person tried the same decision again: its own outcome answers the question.
    TRIED_AGAIN = "tried_again", "Tried again"


class Entry(models.Model):
    # The foreign keys' own indexes are left out where one of Meta.indexes starts with them.
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+", db_index=False)
    # Null for a change to the team itself; kept (null) when the account is deleted.
    account = models.ForeignKey(
        LinkedAccount,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # Null for the command line, the dashboard itself, or a user since deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # For settings changes, what changed ("member.added", "account.updated"...).
    action = models.CharField(max_length=60, blank=True, default="")
    target = models.CharField(max_length=300, blank=True, default="")  # an id, as the API has it
    # The person the target names (an inviter's name), when the dashboard knows it.
    target_name = models.CharField(max_length=300, blank=True, default="")
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.OK)
    error_type = models.CharField(max_length=100, blank=True, default="")
    # Words: a settings change's summary, the files sent with a chat, a campaign's label.
    detail = models.CharField(max_length=1000, blank=True, default="")
    # The sent invitation a send or withdraw concerns, so resolving the entry updates it.
    sent = models.ForeignKey(
        "invitations.SentInvitation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activity_entries",
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # An unconfirmed write, once a person has said whether it went through.
    resolution = models.CharField(max_length=12, choices=Resolution.choices, blank=True, default="")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        verbose_name_plural = "entries"
        indexes: ClassVar = [
            # Page 1 and any date range: the team's newest first, read in index order, never
            # sorting the team's rows; with the kind, outcome and resolution in it, the summary
            # line counts a range from the index alone.
            models.Index(
                fields=["team", "created_at", "id", "kind", "outcome", "resolution"],
                name="entry_team",
            ),
            # Each filter reads its own rows newest first, however rare they are.
            models.Index(fields=["account", "created_at", "id"], name="entry_account"),
            models.Index(fields=["actor", "team", "created_at", "id"], name="entry_actor"),
            models.Index(fields=["campaign", "created_at", "id"], name="entry_campaign"),
            models.Index(fields=["team", "kind", "created_at", "id"], name="entry_kind"),
            models.Index(fields=["team", "outcome", "created_at", "id"], name="entry_outcome"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.target or self.action}: {self.outcome}"

    @property
    def awaits_resolution(self) -> bool:
        return self.outcome == Outcome.UNCONFIRMED and not self.resolution
