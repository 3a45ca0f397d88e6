"""Typed requests: what the middleware stack attaches to every signed-in request."""

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
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


def posted_next_url(request: HttpRequest, fallback: str) -> str:
    """The page a no-JS form post came back to (its `next` field) when it is one of ours."""
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return fallback
