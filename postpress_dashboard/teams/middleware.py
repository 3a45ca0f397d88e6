"""Attaches the user's current team (chosen in the session) to every request."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from postpress_dashboard.teams.selectors import memberships_for_user

SESSION_KEY = "current_team_id"


class CurrentTeamMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        memberships = memberships_for_user(request.user.pk) if request.user.is_authenticated else []
        chosen = request.session.get(SESSION_KEY) if memberships else None
        # No choice yet, or a team the user left: the team they joined first.
        membership = next((m for m in memberships if m.team_id == chosen), None)
        if membership is None and memberships:
            membership = min(memberships, key=lambda joined: joined.pk)
        request.memberships = memberships  # type: ignore[attr-defined]
        request.membership = membership  # type: ignore[attr-defined]
        request.team = membership.team if membership else None  # type: ignore[attr-defined]
        return self.get_response(request)
