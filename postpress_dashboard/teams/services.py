"""Changes to teams, members and linked accounts. Each writes the activity log."""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser, User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from activity.models import Kind
from activity.services import activity_record
from postpress_dashboard.core.api import build_client
from postpress_dashboard.postpress.catalogue import FixableBy
from postpress_dashboard.postpress.errors import PostpressError
from postpress_dashboard.teams import crypto
from postpress_dashboard.teams.models import (
    ApiKeyState,
    ApiKeyUnavailable,
    LinkedAccount,
    Membership,
    Role,
    Team,
    TeamInvite,
)

Actor = AbstractBaseUser | None


class TeamRuleError(Exception):
    """A change the team's rules forbid; the message is for the person who tried it."""


# --- teams ---------------------------------------------------------------------------------


def team_create(*, name: str, base_url: str, api_key: str, actor: Actor = None) -> Team:
    team = Team(name=name, slug=_unique_slug(name), base_url=base_url)
    if api_key:
        team.set_api_key(api_key)
    with transaction.atomic():
        team.save()
        activity_record(
            kind=Kind.SETTINGS,
            team=team,
            actor=actor,
            action="team.created",
            detail=f"Created {name}",
        )
    return team


def team_update(*, team: Team, name: str, base_url: str, actor: Actor) -> bool:
    """Save name and base URL. Returns True when the API key was cleared.

    The key goes wherever the base URL points, so a new base URL drops the stored key: an
    admin must enter it again, knowingly, for the new address.
    """
    changes = [
        f"{label} changed from {getattr(team, field)} to {value}"
        for field, label, value in (("name", "Name", name), ("base_url", "Base URL", base_url))
        if getattr(team, field) != value
    ]
    if not changes:
        return False
    key_cleared = team.base_url != base_url and bool(team.api_key_ciphertext)
    if key_cleared:
        team.api_key_ciphertext, team.api_key_last4 = "", ""
        changes.append("API key cleared: it must be entered again for the new base URL")
    team.name, team.base_url = name, base_url
    with transaction.atomic():
        team.save(update_fields=["name", "base_url", "api_key_ciphertext", "api_key_last4"])
        activity_record(
            kind=Kind.SETTINGS,
            team=team,
            actor=actor,
            action="team.updated",
            detail="; ".join(changes),
        )
    return key_cleared


def team_set_api_key(*, team: Team, api_key: str, actor: Actor) -> None:
    team.set_api_key(api_key)
    with transaction.atomic():
        team.save(update_fields=["api_key_ciphertext", "api_key_last4"])
        # The log names the last four characters only, like the settings page.
        summary = f"API key replaced (ending in {team.api_key_last4})"
        activity_record(
            kind=Kind.SETTINGS, team=team, actor=actor, action="team.api_key", detail=summary
        )


def teams_reencrypt_api_keys() -> tuple[int, list[str]]:
    """Re-encrypt every stored API key under the newest FIELD_ENCRYPTION_KEYS key.

    Returns how many were re-encrypted and the slugs of teams whose key no configured key
    can read (they need their API key entered again).
    """
    rotated, unreadable = 0, []
    for team in Team.objects.exclude(api_key_ciphertext="").order_by("pk"):
        try:
            ciphertext = crypto.rotate(team.api_key_ciphertext)
        except crypto.UnreadableSecret:
            unreadable.append(team.slug)
            continue
        with transaction.atomic():
            # Only if the key was not replaced meanwhile: never write an old key back.
            same_key = Team.objects.filter(pk=team.pk, api_key_ciphertext=team.api_key_ciphertext)
            if same_key.update(api_key_ciphertext=ciphertext):
                summary = "API key re-encrypted under the newest encryption key"
                activity_record(
                    kind=Kind.SETTINGS, team=team, actor=None, action="team.api_key", detail=summary
                )
                rotated += 1
    return rotated, unreadable


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "team"
    slug, number = base, 2
    while Team.objects.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


# --- members -------------------------------------------------------------------------------


def member_add(*, team: Team, user: User, role: str, actor: Actor) -> Membership:
    already_member = TeamRuleError(f"{user.username} is already a member of {team.name}.")
    if Membership.objects.filter(team=team, user=user).exists():
        raise already_member
    with transaction.atomic():
        try:
            with transaction.atomic():
                membership = Membership.objects.create(team=team, user=user, role=role)
        except IntegrityError:  # added by someone else at the same moment
            raise already_member from None
        summary = f"Added {user.username} as {membership.get_role_display().lower()}"
        activity_record(
            kind=Kind.SETTINGS, team=team, actor=actor, action="member.added", detail=summary
        )
    return membership


def member_create(
    *, team: Team, username: str, password: str, role: str, actor: Actor
) -> Membership:
    """A new user, in the team: for the operator's command line (add_member --create). People
    join through an invite link in the dashboard (invite_create, invite_accept)."""
    taken = TeamRuleError(f"The username {username} is taken. Add that user instead.")
    if User.objects.filter(username=username).exists():
        raise taken
    with transaction.atomic():
        try:
            with transaction.atomic():
                user = User.objects.create_user(username=username, password=password)
        except IntegrityError:  # created by someone else at the same moment
            raise taken from None
        return member_add(team=team, user=user, role=role, actor=actor)


def member_set_role(*, membership: Membership, role: str, actor: Actor) -> None:
    with transaction.atomic():
        _lock_team_members(membership)
        if membership.role == role:
            return
        if role != Role.ADMIN:
            _ensure_another_admin(membership, "demote")
        membership.role = role
        membership.save(update_fields=["role"])
        summary = f"{membership.user.username} is now {membership.get_role_display().lower()}"
        activity_record(
            kind=Kind.SETTINGS,
            team=membership.team,
            actor=actor,
            action="member.role",
            detail=summary,
        )


def member_remove(*, membership: Membership, actor: Actor) -> None:
    with transaction.atomic():
        _lock_team_members(membership)
        _ensure_another_admin(membership, "remove")
        membership.delete()
        summary = f"Removed {membership.user.username}"
        activity_record(
            kind=Kind.SETTINGS,
            team=membership.team,
            actor=actor,
            action="member.removed",
            detail=summary,
        )


def _lock_team_members(membership: Membership) -> None:
    """Lock the team's row, then read the membership again, inside the caller's transaction.

    Every change to a team's members takes this lock first, so they happen one after the
    other: two admins demoting (or removing) each other at once cannot both see the other as
    the remaining admin. A real SELECT ... FOR UPDATE that fetches the row: Django leaves
    FOR UPDATE out of a count(), which is why counting "locked" admin rows locked nothing.
    SQLite takes its write lock when the transaction starts (transaction_mode IMMEDIATE).
    """
    Team.objects.select_for_update().only("pk").get(pk=membership.team_id)
    try:
        membership.role = Membership.objects.values_list("role", flat=True).get(pk=membership.pk)
    except Membership.DoesNotExist:
        raise TeamRuleError(
            f"{membership.user.username} is no longer a member of {membership.team.name}."
        ) from None


def _ensure_another_admin(membership: Membership, verb: str) -> None:
    """Call with the team locked (_lock_team_members)."""
    if not membership.is_admin:
        return
    admins = Membership.objects.filter(team_id=membership.team_id, role=Role.ADMIN)
    if not admins.exclude(pk=membership.pk).exists():
        raise TeamRuleError(
            f"You cannot {verb} the last admin of {membership.team.name}: make someone else "
            "admin first."
        )


# --- joining a team through an invite link ------------------------------------------------

INVITE_LIFETIME = timedelta(days=7)


class InviteUnusable(TeamRuleError):
    """The link is unknown, expired, used or revoked: one message for all, which says nothing
    about which."""

    def __init__(self) -> None:
        super().__init__(
            "This invite link cannot be used: it has expired, has been used or was revoked. "
            "Ask a team admin for a new one."
        )


def invite_create(*, team: Team, role: str, note: str, actor: Actor) -> tuple[TeamInvite, str]:
    """A new invite and its token (for the link, shown once; only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    invite = TeamInvite(
        team=team,
        role=role,
        note=note,
        token_hash=TeamInvite.hash(token),
        created_by=actor if actor and actor.pk else None,
        expires_at=timezone.now() + INVITE_LIFETIME,
    )
    with transaction.atomic():
        invite.save()
        summary = f"Created an invite link to join as {invite.get_role_display().lower()}"
        activity_record(
            kind=Kind.SETTINGS,
            team=team,
            actor=actor,
            action="invite.created",
            detail=_with_note(summary, note),
        )
    return invite, token


def invite_revoke(*, invite: TeamInvite, actor: Actor) -> None:
    with transaction.atomic():
        locked = TeamInvite.objects.select_for_update().get(pk=invite.pk)
        if not locked.is_pending(timezone.now()):
            raise TeamRuleError(
                "This invite is no longer pending: it was used, revoked or expired."
            )
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        summary = f"Revoked an invite link to join as {locked.get_role_display().lower()}"
        activity_record(
            kind=Kind.SETTINGS,
            team=invite.team,
            actor=actor,
            action="invite.revoked",
            detail=_with_note(summary, locked.note),
        )


def invite_accept(*, token: str, user: User) -> Membership:
    """The signed-in user joins the invite's team, with its role: their consent."""
    with transaction.atomic():
        invite = _lock_pending_invite(token)
        Team.objects.select_for_update().only("pk").get(pk=invite.team_id)  # as member changes
        if Membership.objects.filter(team_id=invite.team_id, user=user).exists():
            raise TeamRuleError(
                f"You are already a member of {invite.team.name}: this link is left for "
                "someone else."
            )
        membership = Membership.objects.create(team=invite.team, user=user, role=invite.role)
        invite.accepted_by, invite.accepted_at = user, timezone.now()
        invite.save(update_fields=["accepted_by", "accepted_at"])
        summary = (
            f"{user.username} joined as {membership.get_role_display().lower()} "
            "through an invite link"
        )
        activity_record(
            kind=Kind.SETTINGS,
            team=invite.team,
            actor=user,
            action="member.joined",
            detail=_with_note(summary, invite.note),
        )
    return membership


# Sign-ups through one link that may choose a taken username before the link is revoked: the
# answer "taken" tells whoever holds the link (the admin who made it, too) that a username
# exists, so it is given only this often per link (docs/teams.md, "Joining a team").
TAKEN_USERNAMES_PER_INVITE = 3


class UsernameTaken(TeamRuleError):
    def __init__(self) -> None:
        super().__init__("This username is taken: choose another.")


class InviteUsedUpByTakenUsernames(InviteUnusable):
    """The sign-up that chose the link's last allowed taken username: the link is revoked."""

    def __init__(self) -> None:
        TeamRuleError.__init__(
            self,
            "This username is taken too. This invite link has now been given "
            f"{TAKEN_USERNAMES_PER_INVITE} usernames that are taken, so it no longer works: ask "
            "a team admin for a new one.",
        )


def invite_sign_up(*, token: str, username: str, password: str) -> User:
    """A person without an account creates one through the link, and joins.

    A username already taken (in any case) is refused, and counted on the link: the
    TAKEN_USERNAMES_PER_INVITE-th revokes it, in the team's activity log, so nobody (the admin
    who made the link included) can find out through it which usernames exist beyond that.
    """
    with transaction.atomic():
        invite = _lock_pending_invite(token)  # before creating anyone
        user = _user_create_unless_taken(username=username, password=password)
        if user is not None:
            invite_accept(token=token, user=user)
            return user
        used_up = _invite_count_taken_username(invite)
    # Raised after the transaction: the count is kept.
    raise InviteUsedUpByTakenUsernames() if used_up else UsernameTaken()


def _user_create_unless_taken(*, username: str, password: str) -> User | None:
    if User.objects.filter(username__iexact=username).exists():
        return None
    try:
        with transaction.atomic():
            return User.objects.create_user(username=username, password=password)
    except IntegrityError:  # the same username created at the same moment
        return None


def _invite_count_taken_username(invite: TeamInvite) -> bool:
    """Call with the invite locked. True when this answer used the link up (it is revoked)."""
    invite.taken_usernames += 1
    used_up = invite.taken_usernames >= TAKEN_USERNAMES_PER_INVITE
    link = _with_note(f"an invite link to join as {invite.get_role_display().lower()}", invite.note)
    if used_up:
        invite.revoked_at = timezone.now()
        action, summary = (
            "invite.revoked",
            f"Revoked {link} by itself: {invite.taken_usernames} sign-ups through it chose "
            "taken usernames, so someone may have been finding out which usernames exist",
        )
    else:
        action, summary = (
            "invite.taken_username",
            f"A sign-up through {link} chose a taken username ({invite.taken_usernames} of "
            f"{TAKEN_USERNAMES_PER_INVITE} before the link is revoked)",
        )
    invite.save(update_fields=["taken_usernames", "revoked_at"])
    activity_record(kind=Kind.SETTINGS, team=invite.team, actor=None, action=action, detail=summary)
    return used_up


def _lock_pending_invite(token: str) -> TeamInvite:
    try:
        invite = (
            TeamInvite.objects.select_for_update(of=("self",))
            .select_related("team")
            .get(token_hash=TeamInvite.hash(token))
        )
    except TeamInvite.DoesNotExist:
        raise InviteUnusable from None
    if not invite.is_pending(timezone.now()):
        raise InviteUnusable
    return invite


def _with_note(summary: str, note: str) -> str:
    return f"{summary} ({note})" if note else summary


# --- linked accounts -----------------------------------------------------------------------


@dataclass(frozen=True)
class AccountFields:
    provider: str
    account_id: str
    label: str
    linkedin_apis: list[str]
    daily_cap: int | None = None
    weekly_cap: int | None = None
    is_active: bool = True


def account_add(*, team: Team, fields: AccountFields, actor: Actor) -> LinkedAccount:
    duplicate = TeamRuleError(f"The account id {fields.account_id} is already linked to this team.")
    if LinkedAccount.objects.filter(team=team, account_id=fields.account_id).exists():
        raise duplicate
    account = LinkedAccount(team=team, **fields.__dict__)
    with transaction.atomic():
        try:
            with transaction.atomic():
                account.save()
        except IntegrityError:  # linked by someone else at the same moment
            raise duplicate from None
        summary = f"Linked {account} ({account.account_id})"
        activity_record(
            kind=Kind.SETTINGS,
            team=team,
            actor=actor,
            account=account,
            action="account.added",
            detail=summary,
        )
    return account


def account_update(*, account: LinkedAccount, fields: AccountFields, actor: Actor) -> None:
    duplicate = LinkedAccount.objects.filter(team=account.team, account_id=fields.account_id)
    if duplicate.exclude(pk=account.pk).exists():
        raise TeamRuleError(f"The account id {fields.account_id} is already linked to this team.")
    for name, value in fields.__dict__.items():
        setattr(account, name, value)
    with transaction.atomic():
        try:
            with transaction.atomic():
                account.save()
        except IntegrityError:  # the same id linked by someone else at the same moment
            raise TeamRuleError(
                f"The account id {fields.account_id} is already linked to this team."
            ) from None
        activity_record(
            kind=Kind.SETTINGS,
            team=account.team,
            actor=actor,
            account=account,
            action="account.updated",
            detail=f"Edited {account}",
        )


def account_set_active(*, account: LinkedAccount, active: bool, actor: Actor) -> None:
    if account.is_active == active:
        return
    account.is_active = active
    with transaction.atomic():
        account.save(update_fields=["is_active"])
        verb = "Reactivated" if active else "Deactivated"
        activity_record(
            kind=Kind.SETTINGS,
            team=account.team,
            actor=actor,
            account=account,
            action="account.active",
            detail=f"{verb} {account}",
        )


@dataclass(frozen=True)
class ConnectionReport:
    ok: bool
    message: str


def account_test_connection(*, account: LinkedAccount) -> ConnectionReport:
    """List one received invitation, and say in the catalogue's words how it went."""
    try:
        api_key = account.team.decrypted_api_key()
    except ApiKeyUnavailable as unavailable:
        return ConnectionReport(False, api_key_problem(unavailable.state))
    client = build_client(base_url=account.team.base_url, api_key=api_key)
    try:
        page = client.list_received_invitations(account_id=account.account_id, limit=1)
    except PostpressError as error:
        account_attention_record(account=account, error=error)
        return ConnectionReport(False, error.message_for("list", account_label=account.label))
    account_attention_record(account=account, error=None)
    waiting = "at least one invitation is waiting" if page.items else "no invitation is waiting"
    return ConnectionReport(True, f"Connected: postpress answered for {account.label}; {waiting}.")


def concerns_linked_account(error: Exception) -> bool:
    """A 401 about the linked account (disconnected, expired, checkpoint, proxy...), not about
    the team's API key: the catalogue says who can fix it."""
    return (
        isinstance(error, PostpressError)
        and error.status == 401
        and error.fixable_by == FixableBy.ACCOUNT
    )


def account_attention_record(*, account: LinkedAccount, error: Exception | None) -> None:
    """After a call for the account: an account-level 401 marks it as needing attention (shown
    on the home page and in Settings); a call that succeeds (error None) clears the mark, other
    failures leave it. No query unless the mark changes."""
    if isinstance(error, PostpressError) and concerns_linked_account(error):
        if account.attention != error.error_type:
            since = timezone.now()
            LinkedAccount.objects.filter(pk=account.pk).update(
                attention=error.error_type[:100], attention_since=since
            )
            account.attention, account.attention_since = error.error_type, since
    elif error is None and account.attention:
        LinkedAccount.objects.filter(pk=account.pk).update(attention="", attention_since=None)
        account.attention, account.attention_since = "", None


def api_key_problem(state: ApiKeyState) -> str:
    if state == ApiKeyState.UNREADABLE:
        return (
            "The team's API key can no longer be read (the encryption keys changed). "
            "A team admin must re-enter the API key in Settings."
        )
    return "The team has no postpress API key yet. A team admin can enter it in Settings."
