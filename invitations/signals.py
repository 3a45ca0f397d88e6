"""What other apps may follow without the invitations app knowing them."""

from django.dispatch import Signal

# A person said whether an unconfirmed write went through (services.unconfirmed_resolve), in
# its transaction. Sent with `entry` (the activity.models.Entry, resolution set) and `actor`.
unconfirmed_resolved = Signal()
