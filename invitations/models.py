"""What the dashboard remembers about invitations.

- ListedInvitation: the server's own copy of what an inbox page showed, so an accept or decline
  uses the shared_secret postpress listed, never one sent back by the browser.
- InvitationDecision: one accept/decline per received invitation; its unique constraint is the
  guard that keeps a double click or a teammate's second request from calling the API twice.
- SentInvitation: every invitation sent through the dashboard (caps, usage, withdrawing).

Every write to the API ends sent, refused or unconfirmed. Unconfirmed means the request may have
reached postpress (a timeout, an error page, an unreadable answer, a worker that died mid-call):
it keeps its cap slot and its one-time token, is never retried by itself, and its Activity entry
(activity.models.Entry) waits for a person to say whether it went through (docs/activity.md).
"""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from postpress_dashboard.core import clock
from postpress_dashboard.teams.models import LinkedAccount


class ListedInvitation(models.Model):
    account = models.ForeignKey(LinkedAccount, on_delete=models.CASCADE, related_name="+")
    invitation_id = models.CharField(max_length=200)
    shared_secret = models.TextField(blank=True, default="")
    inviter_name = models.CharField(max_length=300, blank=True, default="")
    listed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["account", "invitation_id"], name="listed_once_per_account"
            )
        ]

    def __str__(self) -> str:
        return f"{self.invitation_id} listed for account {self.account_id}"


class Action(models.TextChoices):
    ACCEPT = "accept", "Accept"
    DECLINE = "decline", "Decline"


class DecisionState(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    UNCONFIRMED = "unconfirmed", "May have gone through"


class InvitationDecision(models.Model):
    account = models.ForeignKey(LinkedAccount, on_delete=models.CASCADE, related_name="+")
    invitation_id = models.CharField(max_length=200)
    action = models.CharField(max_length=10, choices=Action.choices)
    state = models.CharField(max_length=12, choices=DecisionState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now=True)
    error_type = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["account", "invitation_id"], name="one_decision_per_invitation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.invitation_id} ({self.state})"


class SentStatus(models.TextChoices):
    SENDING = "sending", "Sending"  # a cap slot reserved while the API call is under way
    PENDING = "pending", "Pending"
    WITHDRAWING = "withdrawing", "Withdrawing"  # taken by one withdraw request
    WITHDRAWN = "withdrawn", "Withdrawn"
    # The provider no longer has it (accepted, declined or withdrawn elsewhere).
    GONE = "gone", "No longer pending"
    # The answer was lost: it may have been sent. Counts against the caps until resolved.
    UNCONFIRMED = "unconfirmed", "May have been sent"
    NOT_SENT = "not_sent", "Not sent"  # an unconfirmed send a person found had not gone out
    WITHDRAW_UNCONFIRMED = "withdraw_unconfirmed", "May have been withdrawn"


# Rows that never took a cap slot (or gave it back): everything else counts against the caps.
FREE_OF_CAPS = (SentStatus.NOT_SENT,)


class SentInvitation(models.Model):
    account = models.ForeignKey(LinkedAccount, on_delete=models.CASCADE, related_name="+")
    recipient_id = models.CharField(max_length=300)
    email = models.EmailField(blank=True, default="")
    message = models.TextField(blank=True, default="")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When the send was reserved, by the dashboard's clock (campaigns schedule by it).
    sent_at = models.DateTimeField(default=clock.now, db_index=True)
    invitation_id = models.CharField(max_length=200, blank=True, default="")
    usage = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(max_length=24, choices=SentStatus.choices, default=SentStatus.PENDING)
    # When the status last changed: a SENDING or WITHDRAWING row this old was abandoned.
    status_at = models.DateTimeField(default=timezone.now)
    # The send form's one-time token, issued by the server (forms.SubmissionToken): the same
    # form submitted twice sends once.
    submission = models.CharField(max_length=64, null=True, blank=True, unique=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["-sent_at", "-id"]
        indexes: ClassVar = [
            # A campaign asks, for each recipient, whether the team invited them before.
            models.Index(fields=["recipient_id"]),
            # The caps count an account's sends of the last 7 days, whatever its history.
            models.Index(fields=["account", "sent_at"]),
        ]

    def __str__(self) -> str:
        return f"Invitation to {self.recipient_id} ({self.status})"

    @property
    def in_flight(self) -> bool:
        """A request is sending or withdrawing it right now."""
        return self.status in (SentStatus.SENDING, SentStatus.WITHDRAWING)
