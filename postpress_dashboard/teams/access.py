"""View decorators: a current team is required, and for settings an admin role."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render

from postpress_dashboard.http import AuthenticatedRequest

View = Callable[..., HttpResponse]


def team_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: AuthenticatedRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.team is None:
            return render(request, "teams/no_team.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def team_admin_required(view: View) -> View:
    @team_required
    @wraps(view)
    def wrapper(request: AuthenticatedRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.membership is None or not request.membership.is_admin:
            raise PermissionDenied("Only the team's admins can do this.")
        return view(request, *args, **kwargs)

    return wrapper
