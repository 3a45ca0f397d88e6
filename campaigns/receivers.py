"""Campaign rows that follow what people resolve elsewhere."""

from typing import Any

from django.dispatch import receiver

from campaigns.models import Recipient, RecipientStatus
from invitations.models import EventKind, InvitationEvent, Resolution
from invitations.signals import unconfirmed_resolved


@receiver(unconfirmed_resolved, sender=InvitationEvent)
def recipient_follows_resolution(*, event: InvitationEvent, actor: Any, **kwargs: Any) -> None:
    """A campaign's unconfirmed send, once a person has checked it: sent, or not sent (never
    sent again by itself: the person may add the recipient to a campaign again)."""
    if event.kind != EventKind.SEND or event.sent_id is None:
        return
    who = actor.get_username() if actor is not None and actor.pk else "a teammate"
    if event.resolution == Resolution.WENT_THROUGH:
        status, reason = RecipientStatus.SENT, f"{who} checked: it was sent."
    else:
        status, reason = RecipientStatus.FAILED, f"{who} checked: it was not sent."
    Recipient.objects.filter(sent_id=event.sent_id, status=RecipientStatus.UNCONFIRMED).update(
        status=status, reason=reason
    )
