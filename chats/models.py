"""What the dashboard remembers about chats it starts.

ChatSubmission: one composer form, started once. It is created before the call (its nonce is
the form's one-time token, unique), so a double submit or a resubmitted form finds it and shows
its real state instead of starting a second chat. A refused start deletes it (the form may try
again); an unconfirmed one stays, and Activity lists it for a person to resolve.
"""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from postpress_dashboard.teams.models import LinkedAccount


class ChatStatus(models.TextChoices):
    STARTING = "starting", "Starting"  # the call is under way
    STARTED = "started", "Started"
    UNCONFIRMED = "unconfirmed", "May have been started"


class ChatSubmission(models.Model):
    account = models.ForeignKey(LinkedAccount, on_delete=models.CASCADE, related_name="+")
    submission = models.CharField(max_length=64, unique=True)
    recipients = models.CharField(max_length=300)
    status = models.CharField(max_length=12, choices=ChatStatus.choices)
    status_at = models.DateTimeField(default=timezone.now)
    chat_id = models.CharField(max_length=200, blank=True, default="")
    message_id = models.CharField(max_length=200, blank=True, default="")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes: ClassVar = [models.Index(fields=["status", "status_at"])]

    def __str__(self) -> str:
        return f"Chat with {self.recipients} ({self.status})"
