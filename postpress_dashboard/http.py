"""Typed requests: what the middleware stack attaches to every signed-in request."""

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from postpress_dashboard.teams.models import Membership, Team


class AuthenticatedRequest(HttpRequest):
    user: User
    htmx: HtmxDetails
    team: Team | None  # the current team, None for a user in no team
    membership: Membership | None
    memberships: list[Membership]  # every team of the user, for the switcher


class TeamRequest(AuthenticatedRequest):
    """A request that passed `team_required`: it has a current team."""

    team: Team
    membership: Membership
