from django.http import HttpRequest

from postpress_dashboard.core.nav import nav_urls


def current_team(request: HttpRequest) -> dict[str, object]:
    """The current team and membership for the navigation, on every page."""
    return {
        "current_team": getattr(request, "team", None),
        "current_membership": getattr(request, "membership", None),
        "user_memberships": getattr(request, "memberships", []),
        "nav": nav_urls(),
    }
