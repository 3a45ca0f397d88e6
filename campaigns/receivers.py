"""Campaign rows that follow what people resolve elsewhere."""

from typing import Any

from django.dispatch import receiver

from activity.models import Entry, Kind, Resolution
from campaigns.models import CampaignKind, Recipient, RecipientStatus
from invitations.signals import unconfirmed_resolved


@receiver(unconfirmed_resolved, sender=Entry)
def recipient_follows_resolution(*, entry: Entry, actor: Any, **kwargs: Any) -> None:
    """A campaign's unconfirmed invitation or chat, once a person has checked it: sent, or
    not sent (never sent again by itself: the person may add them to a campaign again)."""
    if entry.kind == Kind.SEND and entry.sent_id is not None:
        rows = Recipient.objects.filter(sent_id=entry.sent_id)
    elif entry.kind == Kind.CHAT:
        # A chat's entry names its recipient and account (one attendee per campaign chat).
        rows = Recipient.objects.filter(
            campaign__account_id=entry.account_id,
            campaign__kind=CampaignKind.MESSAGES,
            recipient_id=entry.target,
        )
    else:
        return
    who = actor.get_username() if actor is not None and actor.pk else "a teammate"
    if entry.resolution == Resolution.WENT_THROUGH:
        status, reason = RecipientStatus.SENT, f"{who} checked: it was sent."
    else:
        status, reason = RecipientStatus.FAILED, f"{who} checked: it was not sent."
    rows.filter(status=RecipientStatus.UNCONFIRMED).update(status=status, reason=reason)
