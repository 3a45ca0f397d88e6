"""Outreach campaigns: one message template sent to a list of recipients, paced.

- Campaign: what to send, from which account, and when sends may happen (working hours and
  days in a timezone, random gaps, an optional daily limit). Its `ticket` names the one step
  that may run next: every change of schedule (a send, Pause, a wait) issues a new ticket, so a
  step delivered twice, late or after Pause finds a stale ticket and does nothing.
- Recipient: one row of the list. It is claimed (SENDING) in the same transaction as the cap
  check, before the call, so it is sent at most once whatever the workers do; a claim whose
  worker died is unconfirmed, never sent again by itself (docs/campaigns.md).
"""

from typing import ClassVar

from django.conf import settings
from django.db import models

from chats.models import ChatSubmission
from invitations.models import SentInvitation
from postpress_dashboard.core import clock
from postpress_dashboard.teams.models import LinkedAccount, Team


class CampaignKind(models.TextChoices):
    INVITATIONS = "invitations", "Invitations"
    MESSAGES = "messages", "Messages"


class CampaignState(models.TextChoices):
    PAUSED = "paused", "Paused"  # new campaigns start here, with their preview
    RUNNING = "running", "Running"
    STOPPED = "stopped", "Stopped"  # by itself, with a reason; Resume continues it
    CANCELLED = "cancelled", "Cancelled"
    FINISHED = "finished", "Finished"


class Campaign(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(LinkedAccount, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=12, choices=CampaignKind.choices)
    template = models.TextField()
    state = models.CharField(
        max_length=10, choices=CampaignState.choices, default=CampaignState.PAUSED
    )
    # Why it stopped by itself, in the catalogue's words, and the error type behind it.
    stop_reason = models.CharField(max_length=500, blank=True, default="")
    stop_error_type = models.CharField(max_length=100, blank=True, default="")
    # Pacing.
    timezone = models.CharField(max_length=64, default="UTC")
    work_days = models.CharField(max_length=7, default="12345")  # ISO weekdays, Monday is 1
    work_start = models.TimeField()
    work_end = models.TimeField()
    gap_min_seconds = models.PositiveIntegerField(default=60)
    gap_max_seconds = models.PositiveIntegerField(default=180)
    daily_limit = models.PositiveIntegerField(null=True, blank=True)
    # The schedule: the step that may run next, and when.
    ticket = models.CharField(max_length=32, blank=True, default="")
    next_send_at = models.DateTimeField(null=True, blank=True)
    # Answers in a row that said "try again later" (services.MAX_WAITS_IN_A_ROW stops it).
    waits_in_a_row = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Sends are made in the name of whoever last started or resumed it.
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        indexes: ClassVar = [models.Index(fields=["team", "state"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.state})"

    @property
    def is_open(self) -> bool:
        """Not over: it may still send."""
        return self.state in (CampaignState.PAUSED, CampaignState.RUNNING, CampaignState.STOPPED)

    @property
    def never_started(self) -> bool:
        return self.started_at is None


class RecipientStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    UNCONFIRMED = "unconfirmed", "May have been sent"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed"


# What a recipient can no longer become anything else from, by itself.
FINAL_STATUSES = (
    RecipientStatus.SENT,
    RecipientStatus.UNCONFIRMED,
    RecipientStatus.SKIPPED,
    RecipientStatus.FAILED,
)


class Recipient(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="recipients")
    row_number = models.PositiveIntegerField()  # in the file it came from, for the person
    position = models.PositiveIntegerField()  # the sending order within the campaign
    recipient_id = models.CharField(max_length=300)
    email = models.EmailField(blank=True, default="")
    variables = models.JSONField(default=dict)
    status = models.CharField(
        max_length=12, choices=RecipientStatus.choices, default=RecipientStatus.QUEUED
    )
    # Why it cannot be sent as it is (a note over the limit, a variable with no value): it
    # blocks Start until fixed or skipped.
    problem = models.CharField(max_length=300, blank=True, default="")
    # The outcome in words (a skip's reason, a refusal's catalogue words).
    reason = models.CharField(max_length=500, blank=True, default="")
    error_type = models.CharField(max_length=100, blank=True, default="")
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    sent = models.OneToOneField(
        SentInvitation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="campaign_recipient",
    )
    chat = models.OneToOneField(
        ChatSubmission,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="campaign_recipient",
    )

    class Meta:
        ordering: ClassVar = ["position"]
        constraints: ClassVar = [
            # The same list uploaded twice adds nobody twice.
            models.UniqueConstraint(
                fields=["campaign", "recipient_id"], name="recipient_once_per_campaign"
            )
        ]
        indexes: ClassVar = [
            models.Index(fields=["campaign", "status", "position"]),
            # The daily limit counts a campaign's claims since the day began.
            models.Index(fields=["campaign", "claimed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} in campaign {self.campaign_id} ({self.status})"
