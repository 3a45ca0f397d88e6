"""Every URL of the project and what it is for: the single list the security tests check.

A page added to the URLconf without an entry here fails
`test_tenant_isolation.py::test_it_lists_every_url_pattern_of_the_project_in_the_matrix`.
"""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode

import responses
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from postpress_dashboard.teams.middleware import SESSION_KEY
from postpress_dashboard.teams.models import Team
from tests.security.support import World, assert_called_postpress_once, db_snapshot

# The Django admin is staff-only and has its own test; login and logout are Django's own
# views (the login limits have their own tests), and the admin's login page redirects to
# login; healthz is public on purpose, tested alone. An invite link is public too, and meant to
# be opened by someone of any team (or none): its token is the key, not a team's object
# (tests/integration/teams/test_join.py).
JOIN_ROUTES = ("join/<str:token>/", "join/<str:token>/sign-up/")
SKIPPED_ROUTES = ("login/", "logout/", "admin/login/", "healthz", *JOIN_ROUTES)
ADMIN_ROUTE = "admin/"

# URL keywords that name an object of the current team, and which object the tests pass:
# World.objects_of gives each team's. invitation_id names the team's listed invitation; action,
# control and change are the same for every team ("accept", "start", "skip"): what the URL does
# to its object, they name no team's object on their own.
OBJECT_KWARGS = frozenset(
    {
        "account_pk",
        "membership_pk",
        "sent_pk",
        "entry_pk",
        "invite_pk",
        "invitation_id",
        "campaign_pk",
        "recipient_pk",
        "action",
        "control",
        "change",
    }
)
SHARED_KWARGS = frozenset({"action", "control", "change"})
# Values of World.objects_of that a request carries and that name nothing of the team: what its
# account's chats take (an API and a recipient of that API). Never swapped for another team's.
CHAT_VALUES = frozenset({"linkedin_api", "chat_recipient"})
# The settings forms carry the team they were shown for (team_slug). Another team's there is a
# stale page, refused in words before anything changes (tests/integration/teams/
# test_stale_team.py; test_it_keeps_team_a_unchanged_whatever_charlie_posts_to_his_own_pages
# posts team A's): it is not swapped here as if it named an object. The team switcher's is.
SHOWN_FOR_TEAM = "team_slug"

GET = frozenset({"GET"})
POST = frozenset({"POST"})
GET_POST = frozenset({"GET", "POST"})

# What alice's valid POST changes, so a test can prove the same POST by someone else did not.
# "api": exactly the one postpress call `api_call` names, for the team's account, with its key.
Effect = Literal["db", "session", "api", "none"]

# A team's objects by keyword, from World.objects_of.
Objects = dict[str, Any]


def _no_data(objects: Objects) -> dict[str, Any]:
    return {}


def _team_name(world: World, team: Team) -> str:
    return team.name


@dataclass(frozen=True)
class Endpoint:
    methods: frozenset[str]  # what the page is for; a POST-only view answers GET with 405
    team_required: bool  # 403 for a signed-in user in no team
    admin_only: bool  # 403 for a member who is not an admin of the current team
    effect: Effect
    # The valid POST body and GET query for the team whose objects are given.
    post_data: Callable[[Objects], dict[str, Any]] = field(default=_no_data)
    query: Callable[[Objects], dict[str, Any]] = field(default=_no_data)
    # The query string of a POST's URL: the inbox names an invitation (an id from the API)
    # there, never in the path.
    post_query: Callable[[Objects], dict[str, Any]] = field(default=_no_data)
    # For effect "api": the method and path (after the base URL) of the call the POST makes.
    api_call: Callable[[Objects], tuple[str, str]] | None = None
    reads_api: bool = False  # its GET lists from postpress: exactly one GET call, nothing else
    htmx: bool = False  # answers htmx with a fragment: asked with HX-Request
    # What the 200 answer shows only for the team it is about: the page's team switcher shows
    # the team's name; a fragment something of the team's own.
    shows: Callable[[World, Team], str] = field(default=_team_name)
    # How the valid POST is answered: a redirect, or for a fragment that changes nothing (the
    # Recruiter preview) a 200 showing `post_shows`.
    post_status: int = 302
    post_shows: str = ""

    @property
    def headers(self) -> dict[str, str]:
        return {"HX-Request": "true"} if self.htmx else {}


def _decide_call(objects: Objects) -> tuple[str, str]:
    return "POST", f"/users/invite/received/{objects['invitation_id']}"


def _cancel_call(objects: Objects) -> tuple[str, str]:
    return "DELETE", f"/users/invite/sent/{objects['sent_invitation_id']}"


def _chat_api_selected(world: World, team: Team) -> str:
    """The composer's fields fragment: the team's account's own API, chosen."""
    api = world.objects_of(team)["linkedin_api"]
    return f'<option value="{api}" selected>'


def _campaign_start_button(world: World, team: Team) -> str:
    """The progress panel: the Start button of the team's own campaign."""
    url = reverse("campaigns:control", args=[world.campaign_of(team).pk, "start"])
    return f'action="{url}"'


# What the Recruiter preview keeps, and what it must drop.
PREVIEW_MESSAGE = '<strong>Hi</strong> <script>alert("preview")</script><em>there</em>'
PREVIEW_SHOWN = "<strong>Hi</strong> <em>there</em>"


MATRIX: dict[str, Endpoint] = {
    "home": Endpoint(GET, team_required=False, admin_only=False, effect="none"),
    # The home's count of an account's waiting invitations: htmx loads it, one list call.
    "home_inbox_waiting": Endpoint(
        GET,
        team_required=True,
        admin_only=False,
        effect="none",
        reads_api=True,
        htmx=True,
        # The count links to the team's own account's inbox.
        shows=lambda w, team: f'?account={w.objects_of(team)["account_pk"]}">1 waiting</a>',
    ),
    "teams:settings": Endpoint(GET, team_required=True, admin_only=True, effect="none"),
    "teams:team_update": Endpoint(
        POST,
        team_required=True,
        admin_only=True,
        effect="db",
        # Every settings form carries the team it was shown for (team_slug).
        post_data=lambda o: {
            "team": o["team_slug"],
            "name": "Renamed team",
            "base_url": "https://api.example.test/v2",
        },
    ),
    "teams:api_key_update": Endpoint(
        POST,
        team_required=True,
        admin_only=True,
        effect="db",
        post_data=lambda o: {"team": o["team_slug"], "api_key": "pp_live_replacement_key_5678"},
    ),
    "teams:account_create": Endpoint(
        GET_POST,
        team_required=True,
        admin_only=True,
        effect="db",
        post_data=lambda o: {
            "team": o["team_slug"],
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
        post_data=lambda o: {
            "team": o["team_slug"],
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
        post_data=lambda o: {"team": o["team_slug"], "active": "0"},
    ),
    "teams:account_test": Endpoint(
        POST,
        team_required=True,
        admin_only=True,
        effect="api",
        post_data=lambda o: {"team": o["team_slug"]},
        api_call=lambda o: ("GET", "/users/invite/received"),
    ),
    # The invite link is shown once, on the answer to its POST.
    "teams:invite_create": Endpoint(
        POST,
        team_required=True,
        admin_only=True,
        effect="db",
        post_data=lambda o: {"team": o["team_slug"], "role": "admin", "note": "A newcomer"},
        post_status=200,
        post_shows="/join/",
    ),
    "teams:invite_revoke": Endpoint(
        POST,
        team_required=True,
        admin_only=True,
        effect="db",
        post_data=lambda o: {"team": o["team_slug"]},
    ),
    "teams:member_role": Endpoint(
        POST,
        team_required=True,
        admin_only=True,
        effect="db",
        post_data=lambda o: {"team": o["team_slug"], "role": "admin"},
    ),
    "teams:member_remove": Endpoint(
        POST,
        team_required=True,
        admin_only=True,
        effect="db",
        post_data=lambda o: {"team": o["team_slug"]},
    ),
    "teams:team_switch": Endpoint(
        POST,
        team_required=False,
        admin_only=False,
        effect="session",
        post_data=lambda o: {"team": o["team_slug"], "next": "/"},
    ),
    # --- invitations: for every member of the team, not only its admins ---
    "invitations:inbox": Endpoint(
        GET,
        team_required=True,
        admin_only=False,
        effect="none",
        query=lambda o: {"account": o["account_pk"], "size": "10", "page": "1"},
        reads_api=True,
    ),
    "invitations:decide": Endpoint(
        POST,
        team_required=True,
        admin_only=False,
        effect="api",
        post_query=lambda o: {"invitation": o["invitation_id"]},
        api_call=_decide_call,
    ),
    "invitations:bulk_decide": Endpoint(
        POST,
        team_required=True,
        admin_only=False,
        effect="api",
        post_data=lambda o: {"invitation": [o["invitation_id"]], "action": o["action"]},
        api_call=_decide_call,
    ),
    "invitations:send": Endpoint(
        GET_POST,
        team_required=True,
        admin_only=False,
        effect="api",
        query=lambda o: {"account": o["account_pk"]},
        post_data=lambda o: {
            "account": o["account_pk"],
            "recipient_id": "ACoNewRecipient",
            "message": "Glad to connect.",
        },
        api_call=lambda o: ("POST", "/users/invite"),
    ),
    "invitations:send_fields": Endpoint(
        GET,
        team_required=True,
        admin_only=False,
        effect="none",
        query=lambda o: {"account": o["account_pk"]},
        htmx=True,
        # The fragment: the account's email field and status, with its usage warning.
        shows=lambda w, team: f"at {w.sent_of(team).usage}% of the provider",
    ),
    "invitations:sent": Endpoint(
        GET,
        team_required=True,
        admin_only=False,
        effect="none",
        query=lambda o: {"account": o["account_pk"], "days": "0"},
    ),
    "invitations:withdraw": Endpoint(
        POST, team_required=True, admin_only=False, effect="api", api_call=_cancel_call
    ),
    "invitations:bulk_withdraw": Endpoint(
        POST,
        team_required=True,
        admin_only=False,
        effect="api",
        post_data=lambda o: {"account": o["account_pk"], "days": "0", "sent": [o["sent_pk"]]},
        api_call=_cancel_call,
    ),
    "invitations:sent_row": Endpoint(
        GET,
        team_required=True,
        admin_only=False,
        effect="none",
        htmx=True,
        shows=lambda w, team: w.sent_of(team).recipient_id,
    ),
    "activity:resolve": Endpoint(
        POST,
        team_required=True,
        admin_only=False,
        effect="db",
        post_data=lambda o: {"resolution": "went_through"},
    ),
    "activity:list": Endpoint(
        GET,
        team_required=True,
        admin_only=False,
        effect="none",
        query=lambda o: {"account": o["account_pk"], "outcome": "ok"},
    ),
    # The filtered rows as CSV: the same filter, only the team's rows.
    "activity:export": Endpoint(
        GET,
        team_required=True,
        admin_only=False,
        effect="none",
        query=lambda o: {"account": o["account_pk"]},
        shows=lambda w, team: w.sent_of(team).recipient_id,
    ),
    # --- chats: for every member of the team ---
    "chats:new": Endpoint(
        GET_POST,
        team_required=True,
        admin_only=False,
        effect="api",
        query=lambda o: {"account": o["account_pk"]},
        # Multipart, as the composer posts it (the test client's default encoding).
        post_data=lambda o: {
            "account": o["account_pk"],
            "recipients": o["chat_recipient"],
            "message": "Hello from the matrix.",
            "linkedin_api": o["linkedin_api"],
        },
        api_call=lambda o: ("POST", "/chats"),
    ),
    "chats:fields": Endpoint(
        GET,
        team_required=True,
        admin_only=False,
        effect="none",
        query=lambda o: {"account": o["account_pk"], "linkedin_api": o["linkedin_api"]},
        htmx=True,
        shows=_chat_api_selected,
    ),
    "chats:preview": Endpoint(
        POST,
        team_required=True,
        admin_only=False,
        effect="none",
        post_data=lambda o: {"message": PREVIEW_MESSAGE},
        htmx=True,
        post_status=200,
        post_shows=PREVIEW_SHOWN,
    ),
    # --- campaigns: for every member of the team. No POST calls postpress: Start only
    # schedules the first step (tests run tasks on Django's DummyBackend). ---
    "campaigns:list": Endpoint(
        GET,
        team_required=True,
        admin_only=False,
        effect="none",
        shows=lambda w, team: w.campaign_of(team).name,
    ),
    "campaigns:new": Endpoint(
        GET_POST,
        team_required=True,
        admin_only=False,
        effect="db",
        # Multipart, as the page posts it (it takes a recipients file too).
        post_data=lambda o: {
            "name": "Matrix campaign",
            "account": o["account_pk"],
            "kind": "invitations",
            "template": "Hello {first_name|there}, glad to connect.",
            "recipients": "ACoMatrixRecipient1\nACoMatrixRecipient2",
            "timezone": "UTC",
            "work_days": ["1", "2", "3", "4", "5"],
            "work_start": "09:00",
            "work_end": "17:00",
            "gap_min_seconds": "60",
            "gap_max_seconds": "180",
        },
    ),
    "campaigns:detail": Endpoint(
        GET,
        team_required=True,
        admin_only=False,
        effect="none",
        shows=lambda w, team: w.campaign_of(team).name,
    ),
    # Polled by the page while the campaign runs; without htmx it redirects to the page.
    "campaigns:progress": Endpoint(
        GET,
        team_required=True,
        admin_only=False,
        effect="none",
        htmx=True,
        shows=_campaign_start_button,
    ),
    "campaigns:template": Endpoint(
        POST,
        team_required=True,
        admin_only=False,
        effect="db",
        post_data=lambda o: {"template": "Hello {provider_id|there}, from the matrix."},
    ),
    "campaigns:add_recipients": Endpoint(
        POST,
        team_required=True,
        admin_only=False,
        effect="db",
        post_data=lambda o: {"recipients": "ACoMatrixNewcomer"},
    ),
    "campaigns:recipient_change": Endpoint(POST, team_required=True, admin_only=False, effect="db"),
    # A queued recipient's row, corrected by a person.
    "campaigns:recipient_edit": Endpoint(
        GET_POST,
        team_required=True,
        admin_only=False,
        effect="db",
        post_data=lambda o: {"recipient_id": "corrected_id"},
        shows=lambda w, team: w.recipient_of(team).recipient_id,
    ),
    # The results, streamed as CSV: each recipient of the team's campaign.
    "campaigns:export": Endpoint(
        GET,
        team_required=True,
        admin_only=False,
        effect="none",
        shows=lambda w, team: w.recipient_of(team).recipient_id,
    ),
    "campaigns:control": Endpoint(POST, team_required=True, admin_only=False, effect="db"),
}


def send(client: Client, name: str, method: str, url: str, objects: Objects, **extra: Any) -> Any:
    """The endpoint's request with the given team's query or body (and htmx's header)."""
    endpoint = MATRIX[name]
    if method == "GET":
        response = client.get(url, endpoint.query(objects), headers=endpoint.headers, **extra)
        return _read_through(response)
    if query := endpoint.post_query(objects):
        url = f"{url.partition('?')[0]}?{urlencode(query)}"  # these objects' query, not url's
    response = client.post(url, endpoint.post_data(objects), headers=endpoint.headers, **extra)
    return _read_through(response)


class _StreamRead(StreamingHttpResponse):
    """A streamed answer read to its end, its body kept as `content`."""

    body: bytes

    @property
    def content(self) -> bytes:
        return self.body


def _read_through(response: Any) -> Any:
    """The answer, a streamed one (the campaign results CSV) read to its end: the tests search
    its body as they search any page's `content`."""
    if response.streaming and type(response) is StreamingHttpResponse:
        body = b"".join(response.streaming_content)
        response.__class__ = _StreamRead
        response.body = body
    return response


def assert_did_what_it_is_for(
    name: str,
    *,
    team: Team,
    objects: Objects,
    client: Client,
    api: responses.RequestsMock,
    before: dict[str, Any],
) -> None:
    """The control: the valid POST of `team`'s member changed what the endpoint changes."""
    endpoint = MATRIX[name]
    if endpoint.effect == "db":
        assert db_snapshot() != before
    elif endpoint.effect == "session":
        assert client.session[SESSION_KEY] == team.pk
    elif endpoint.effect == "api":
        assert endpoint.api_call is not None, f"say which postpress call {name} makes"
        method, path = endpoint.api_call(objects)
        assert_called_postpress_once(
            list(api.calls),
            method=method,
            path=path,
            account_id=objects["account_id"],
            api_key=team.decrypted_api_key(),
        )


class _KeywordRecorder(dict[str, Any]):
    """Stands in for a team's objects and remembers which keywords were asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[str] = set()

    def __missing__(self, keyword: str) -> str:
        self.asked.add(keyword)
        return f"<{keyword}>"


def request_keywords(name: str, method: str | None = None) -> list[str]:
    """The keywords of World.objects_of whose values the endpoint's query (GET) or body (POST)
    carries: both without a method."""
    endpoint = MATRIX[name]
    recorder = _KeywordRecorder()
    if method in (None, "GET"):
        endpoint.query(recorder)
    if method in (None, "POST"):
        endpoint.post_data(recorder)
        endpoint.post_query(recorder)
    asked = recorder.asked - SHARED_KWARGS - CHAT_VALUES
    if name.startswith("teams:") and name != "teams:team_switch":
        asked -= {SHOWN_FOR_TEAM}
    return sorted(asked)


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


def url_for(name: str, objects: Objects) -> str:
    """The URL of `name` with the given team's object ids for whatever keywords it takes."""
    route = routes_by_name()[name]
    url = reverse(name, kwargs={keyword: objects[keyword] for keyword in route.kwargs})
    query = MATRIX[name].post_query(objects) if name in MATRIX else {}
    return f"{url}?{urlencode(query)}" if query else url


def object_endpoints() -> list[str]:
    """The matrix entries whose URL takes an object id."""
    routes = routes_by_name()
    return sorted(name for name in MATRIX if name in routes and routes[name].kwargs)


def get_endpoints() -> list[str]:
    return sorted(name for name, endpoint in MATRIX.items() if "GET" in endpoint.methods)


def post_endpoints() -> list[str]:
    return sorted(name for name, endpoint in MATRIX.items() if "POST" in endpoint.methods)


def member_endpoints() -> list[str]:
    """The pages every member of a team may use: all but the admin-only ones."""
    return sorted(name for name, endpoint in MATRIX.items() if not endpoint.admin_only)


def object_kwargs_of(name: str) -> list[str]:
    """The keywords of the endpoint's URL, path and POST query string, that name an object of
    one team."""
    recorder = _KeywordRecorder()
    MATRIX[name].post_query(recorder)
    keywords = [*routes_by_name()[name].kwargs, *sorted(recorder.asked)]
    return [keyword for keyword in keywords if keyword not in SHARED_KWARGS]


def smuggling_cases() -> list[tuple[str, str, str]]:
    """(endpoint, method, keyword): each object a query or body names, to swap for another
    team's."""
    return [
        (name, method, keyword)
        for name in sorted(MATRIX)
        for method in sorted(MATRIX[name].methods)
        for keyword in request_keywords(name, method)
    ]


def url_mixing_cases() -> list[tuple[str, str]]:
    """(endpoint, keyword): each object of a URL naming several, to swap for another team's."""
    return [
        (name, keyword)
        for name in object_endpoints()
        if len(object_kwargs_of(name)) > 1
        for keyword in object_kwargs_of(name)
    ]
