"""One-time form tokens: issued and signed by the server, bound to a purpose, a team and a user.

A form carries one so that submitting it twice does its work once: the service records the
token's nonce with the work (unique), and a repeat finds it. The browser never chooses a nonce,
and one issued to another team, user or form finds nothing.
"""

from uuid import uuid4

from django.contrib.auth.models import AbstractBaseUser
from django.core import signing

from postpress_dashboard.teams.models import Team

MAX_AGE = 7 * 24 * 3600  # a form left open for a week still works


def submission_token_issue(*, purpose: str, team: Team, user: AbstractBaseUser) -> str:
    payload = {"team": team.pk, "user": user.pk, "nonce": uuid4().hex}
    return signing.dumps(payload, salt=purpose, compress=True)


def submission_nonce(token: str, *, purpose: str, team: Team, user: AbstractBaseUser) -> str | None:
    """The nonce of a token this server issued for this purpose, team and user, else None."""
    try:
        payload = signing.loads(token, salt=purpose, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    if payload.get("team") != team.pk or payload.get("user") != user.pk:
        return None
    nonce = payload.get("nonce")
    return nonce if isinstance(nonce, str) and len(nonce) == 32 else None
