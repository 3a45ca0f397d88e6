"""Writing the activity log: `activity_record` is the only place an Entry is created, whatever
the feature (settings, the inbox, sending, withdrawing, chats, campaigns)."""

from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser

from activity.models import WRITES, Entry, Outcome
from postpress_dashboard.postpress.errors import PostpressError
from postpress_dashboard.teams.models import LinkedAccount, Team

if TYPE_CHECKING:
    from campaigns.models import Campaign
    from invitations.models import SentInvitation

Actor = AbstractBaseUser | None


def activity_record(
    *,
    kind: str,
    actor: Actor,
    team: Team | None = None,
    account: LinkedAccount | None = None,
    action: str = "",
    target: str = "",
    target_name: str = "",
    error: Exception | None = None,
    outcome: str = "",
    detail: str = "",
    sent: "SentInvitation | None" = None,
    campaign: "Campaign | None" = None,
) -> Entry:
    """Record one thing the team did (`team`, or the account's team).

    A write to the API (kind in WRITES) that may have gone through is recorded as unconfirmed,
    whatever failed, and its answer marks or clears the account's need for attention. `outcome`
    is given only for entries that are not writes (a campaign that stopped by itself); a
    settings change succeeded.
    """
    if team is None:
        if account is None:
            raise ValueError("an entry belongs to a team: give the team or the account")
        team_id = account.team_id
    else:
        team_id = team.pk
    if kind in WRITES:
        outcome = outcome or write_outcome(error)
        if account is not None and isinstance(error, PostpressError | None):
            # teams.services records its own changes here: imported when first needed.
            from postpress_dashboard.teams.services import account_attention_record

            account_attention_record(account=account, error=error)
    return Entry.objects.create(
        team_id=team_id,
        account=account,
        actor=actor if actor and actor.pk else None,
        kind=kind,
        action=db_text(action, 60),
        target=db_text(target, 300),
        target_name=db_text(target_name, 300),
        outcome=outcome or Outcome.OK,
        error_type=db_text(error.error_type, 100) if isinstance(error, PostpressError) else "",
        detail=db_text(detail, 1000),
        sent=sent,
        campaign=campaign,
    )


def is_unconfirmed(error: Exception) -> bool:
    """Whether a failed write may have reached postpress. Anything but a PostpressError (a bug,
    a worker stopped mid-call) may have, too."""
    return error.unconfirmed if isinstance(error, PostpressError) else True


def write_outcome(error: Exception | None) -> str:
    if error is None:
        return Outcome.OK
    return Outcome.UNCONFIRMED if is_unconfirmed(error) else Outcome.FAILED


def db_text(value: str, limit: int) -> str:
    """What any database column holds: no NUL, no lone surrogate, at most `limit` characters."""
    cleaned = value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    return cleaned[:limit]
