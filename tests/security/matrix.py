"""Every URL of the project and what it is for: the single list the security tests check.

A page added to the URLconf without an entry here fails
`test_tenant_isolation.py::test_it_lists_every_url_pattern_of_the_project_in_the_matrix`.
"""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security.support import World

# The Django admin is staff-only and has its own test; login and logout are Django's own.
SKIPPED_ROUTES = ("login/", "logout/")
ADMIN_ROUTE = "admin/"

# URL keywords that name an object of the current team, and which object the tests pass.
OBJECT_KWARGS = frozenset({"account_pk", "membership_pk"})

GET = frozenset({"GET"})
POST = frozenset({"POST"})
GET_POST = frozenset({"GET", "POST"})

# What alice's valid POST changes, so a test can prove the same POST by someone else did not.
Effect = Literal["db", "session", "api", "none"]


def _no_data(world: World) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Endpoint:
    methods: frozenset[str]  # what the page is for; a POST-only view answers GET with 405
    team_required: bool  # 403 for a signed-in user in no team
    admin_only: bool  # 403 for a member who is not an admin of the current team
    effect: Effect
    post_data: Callable[[World], dict[str, Any]] = field(default=_no_data)


MATRIX: dict[str, Endpoint] = {
    "home": Endpoint(GET, team_required=False, admin_only=False, effect="none"),
    "teams:settings": Endpoint(GET, team_required=True, admin_only=True, effect="none"),
    "teams:team_update": Endpoint(
        POST,
        team_required=True,
        admin_only=True,
        effect="db",
        post_data=lambda w: {"name": "Renamed team", "base_url": "https://api.example.test/v2"},
    ),
    "teams:api_key_update": Endpoint(
        POST,
        team_required=True,
        admin_only=True,
        effect="db",
        post_data=lambda w: {"api_key": "pp_live_replacement_key_5678"},
    ),
    "teams:account_create": Endpoint(
        GET_POST,
        team_required=True,
        admin_only=True,
        effect="db",
        post_data=lambda w: {
            "provider": "TELEGRAM",
            "account_id": "acc_new_telegram_9",
            "label": "New Telegram",
            "daily_cap": "5",
            "weekly_cap": "10",
            "is_active": "on",
        },
    ),
    "teams:account_edit": Endpoint(
        GET_POST,
        team_required=True,
        admin_only=True,
        effect="db",
        post_data=lambda w: {
            "provider": "LINKEDIN",
            "account_id": "acc_edited_7",
            "label": "Edited label",
            "linkedin_apis": ["classic"],
            "daily_cap": "1",
            "weekly_cap": "2",
            "is_active": "on",
        },
    ),
    "teams:account_set_active": Endpoint(
        POST,
        team_required=True,
        admin_only=True,
        effect="db",
        post_data=lambda w: {"active": "0"},
    ),
    "teams:account_test": Endpoint(POST, team_required=True, admin_only=True, effect="api"),
    "teams:member_add": Endpoint(
        POST,
        team_required=True,
        admin_only=True,
        effect="db",
        post_data=lambda w: {
            "username": "newcomer",
            "role": "admin",
            "create": "on",
            "password": "a-Long-unusual-passphrase-91",
        },
    ),
    "teams:member_role": Endpoint(
        POST,
        team_required=True,
        admin_only=True,
        effect="db",
        post_data=lambda w: {"role": "admin"},
    ),
    "teams:member_remove": Endpoint(POST, team_required=True, admin_only=True, effect="db"),
    "teams:team_switch": Endpoint(
        POST,
        team_required=False,
        admin_only=False,
        effect="session",
        post_data=lambda w: {"team": w.team_a.slug, "next": "/"},
    ),
}


# --- the project's URLconf -----------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str | None
    route: str
    kwargs: tuple[str, ...]


def project_routes() -> list[Route]:
    """Every URL pattern of the project, includes walked, minus the admin, login and logout."""
    return list(_walk(get_resolver().url_patterns, prefix="", namespace="", kwargs=()))


def _walk(
    patterns: Sequence[URLPattern | URLResolver],
    prefix: str,
    namespace: str,
    kwargs: tuple[str, ...],
) -> Iterator[Route]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        here = kwargs + tuple(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            if route == ADMIN_ROUTE and entry.app_name == "admin":
                continue
            inner = ":".join(part for part in (namespace, entry.namespace or "") if part)
            yield from _walk(entry.url_patterns, route, inner, here)
        elif route not in SKIPPED_ROUTES:
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield Route(name=name, route=route, kwargs=here)


def routes_by_name() -> dict[str | None, Route]:
    return {route.name: route for route in project_routes()}


def url_for(name: str, objects: dict[str, int]) -> str:
    """The URL of `name` with the given team's object ids for whatever keywords it takes."""
    route = routes_by_name()[name]
    return reverse(name, kwargs={keyword: objects[keyword] for keyword in route.kwargs})


def object_endpoints() -> list[str]:
    """The matrix entries whose URL takes an object id."""
    routes = routes_by_name()
    return sorted(name for name in MATRIX if name in routes and routes[name].kwargs)


def get_endpoints() -> list[str]:
    return sorted(name for name, endpoint in MATRIX.items() if "GET" in endpoint.methods)


def post_endpoints() -> list[str]:
    return sorted(name for name, endpoint in MATRIX.items() if "POST" in endpoint.methods)
