"""Every page answers with the production security headers, and over https only.

The walk is built from the matrix (tests/security/matrix.py): every entry that answers GET is a
page here, asked by alice (admin of team A) over https with her team's objects, its query and,
for an htmx fragment, the HX-Request header. A GET page added to the matrix is walked without a
change to this file. What the matrix leaves out (login, logout, healthz and the admin) is listed
in EXTRA_PAGES, and `test_it_walks_every_page_that_answers_get` fails when a route escapes both.

Production's security settings are applied with `override_settings(**PRODUCTION_SECURITY)`; the
rest (CSP, nosniff, Referrer-Policy, COOP, X-Frame-Options, HttpOnly cookies) is the same in
every deployment.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import Morsel
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import responses
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import resolve, reverse

from tests.security.matrix import (
    ADMIN_ROUTE,
    JOIN_ROUTES,
    MATRIX,
    SKIPPED_ROUTES,
    get_endpoints,
    url_for,
)
from tests.security.support import World, stub_postpress

# What production sets (postpress_dashboard/settings.py with DEPLOYMENT=production).
PRODUCTION_SECURITY: dict[str, Any] = {
    "SECURE_SSL_REDIRECT": True,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "SECURE_HSTS_SECONDS": 31_536_000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_HSTS_PRELOAD": True,
}
HSTS = "max-age=31536000; includeSubDomains; preload"

# The whole policy, directive by directive: scripts and styles from our own static files only,
# no plugins, no <base>, never framed.
STRICT_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}
# Without an X-Request-ID from upstream, the middleware makes one: uuid4().hex.
GENERATED_REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Page:
    method: str = "GET"
    status: int = 200
    location: str | None = None  # where a redirect goes


# Outside the matrix. alice is signed in: Django's login page still shows its form to a signed-in
# user (redirect_authenticated_user is off); logging out is a POST that redirects to the login
# page; the admin's login page redirects to ours (one sign-in, one set of login limits), and its
# index sends a user who is not staff to the admin's login page.
EXTRA_PAGES = {
    "login": Page(),
    "logout": Page("POST", 302, "/login/"),
    "healthz": Page(),
    "admin:login": Page(status=302, location="/login/"),
    "admin:index": Page(status=302, location="/admin/login/?next=/admin/"),
    # Team B's invite link: alice may open it (and join); its sign-up is for people signed out,
    # so it sends her back to the link's page.
    "teams:join": Page(),
    "teams:join_sign_up": Page("POST", 302, "JOIN"),
}
INVITE_PAGES = ("teams:join", "teams:join_sign_up")
# Every GET of the matrix answers alice with 200: test_tenant_isolation's control says so too.
PAGES = {name: Page() for name in get_endpoints()} | EXTRA_PAGES
GET_PAGES = sorted(name for name, page in PAGES.items() if page.method == "GET")


@pytest.fixture(autouse=True)
def production_security() -> Iterator[None]:
    # Each test's client loads the middleware on its first request, so inside this override.
    with override_settings(**PRODUCTION_SECURITY):
        yield


def address_of(name: str, world: World) -> tuple[str, dict[str, Any], dict[str, str]]:
    """The page's path, query and headers, with team A's objects for a page of the matrix."""
    if name in MATRIX:
        objects = world.objects_of(world.team_a)
        return url_for(name, objects), MATRIX[name].query(objects), MATRIX[name].headers
    if name in INVITE_PAGES:
        return reverse(name, kwargs={"token": world.invite_token_b}), {}, {}
    return reverse(name), {}, {}


def location_of(page: Page, world: World) -> str | None:
    if page.location == "JOIN":
        return reverse("teams:join", kwargs={"token": world.invite_token_b})
    return page.location


def request_page(client: Client, name: str, world: World, *, secure: bool) -> HttpResponse:
    url, query, headers = address_of(name, world)
    if PAGES[name].method == "POST":
        return client.post(url, query, headers=headers, secure=secure)
    return client.get(url, query, headers=headers, secure=secure)


def csp_directives(policy: str) -> dict[str, list[str]]:
    """The policy as {directive: sorted sources}; a directive given twice fails."""
    directives: dict[str, list[str]] = {}
    for part in policy.split(";"):
        if not part.strip():
            continue
        name, *sources = part.split()
        assert name.lower() not in directives, f"{name} given twice in {policy!r}"
        directives[name.lower()] = sorted(sources)
    return directives


def assert_security_headers(response: HttpResponse) -> None:
    policy = response["Content-Security-Policy"]
    assert csp_directives(policy) == {name: sorted(v) for name, v in STRICT_CSP.items()}
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    assert "Content-Security-Policy-Report-Only" not in response
    assert response["Strict-Transport-Security"] == HSTS
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert GENERATED_REQUEST_ID.match(response["X-Request-ID"])


def is_deletion(morsel: Morsel[str]) -> bool:
    """A Set-Cookie that removes the cookie (Django's delete_cookie): empty and expired."""
    return morsel.value == "" and str(morsel["max-age"]) == "0"


def assert_cookies_locked_down(response: HttpResponse) -> None:
    """Every cookie the response sets is https-only, out of scripts' reach and same-site (Lax).

    A deletion carries no value, so the flags do not matter there (Django sends none).
    """
    for name, morsel in response.cookies.items():
        if is_deletion(morsel):
            continue
        flags = (morsel["secure"], morsel["httponly"], morsel["samesite"])
        assert flags == (True, True, "Lax"), name


# --- the walk covers every page ------------------------------------------------------------


def test_it_walks_every_page_that_answers_get() -> None:
    """PAGES is derived from the matrix, so every GET route of the matrix is walked on its own;
    this fails when a route is in neither: one the matrix skips (login, logout, healthz, the
    admin's login) without an entry in EXTRA_PAGES, or the admin. That the matrix lists every
    other URL pattern is test_tenant_isolation's first test."""
    extra_paths = {
        reverse(name, kwargs={"token": "t"} if name in INVITE_PAGES else None)
        for name in EXTRA_PAGES
    }
    extra_routes = {resolve(path).route for path in extra_paths}

    assert set(get_endpoints()) <= set(PAGES)
    assert set(SKIPPED_ROUTES) <= extra_routes
    assert set(JOIN_ROUTES) <= extra_routes
    assert {"/login/", "/logout/", "/healthz"} <= extra_paths
    assert "/" + ADMIN_ROUTE in extra_paths
    assert not set(MATRIX) & set(EXTRA_PAGES)


def test_it_walks_the_htmx_fragments_as_htmx_asks_for_them() -> None:
    fragments = {name for name in get_endpoints() if MATRIX[name].htmx}

    assert fragments == {
        "home_inbox_waiting",
        "invitations:send_fields",
        "invitations:sent_row",
        "chats:fields",
        "campaigns:progress",
    }
    assert fragments <= set(PAGES)
    assert all(MATRIX[name].headers == {"HX-Request": "true"} for name in fragments)


# --- every page, over https ------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PAGES))
def test_it_sends_the_security_headers_on_every_page(
    name: str, world: World, alice_client: Client, api: responses.RequestsMock
) -> None:
    stub_postpress(api, world)  # the inbox lists the account's invitations
    page = PAGES[name]

    response = request_page(alice_client, name, world, secure=True)

    assert response.status_code == page.status, response.content.decode()[:500]
    assert response.get("Location") == location_of(page, world)
    assert_security_headers(response)
    assert_cookies_locked_down(response)


def test_it_sends_the_security_headers_on_a_page_not_found(alice_client: Client) -> None:
    response = alice_client.get("/no-such-page/", secure=True)

    assert response.status_code == 404
    assert_security_headers(response)


def test_it_sets_the_session_and_csrf_cookies_secure_httponly_and_lax_when_signing_in(
    world: World,
) -> None:
    client = Client()

    form = client.get(reverse("login"), secure=True)
    signed_in = client.post(
        reverse("login"),
        {"username": "alice", "password": "alice-password-1"},
        secure=True,
    )

    assert form.status_code == 200
    assert set(form.cookies) == {"csrftoken"}
    assert signed_in.status_code == 302
    assert signed_in["Location"] == reverse("home")
    # Signing in sets the session cookie and rotates the CSRF token.
    assert set(signed_in.cookies) == {"sessionid", "csrftoken"}
    for response in (form, signed_in):
        assert_security_headers(response)
        assert_cookies_locked_down(response)
        assert not any(is_deletion(morsel) for morsel in response.cookies.values())


# --- plain http --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [name for name in GET_PAGES if name != "healthz"])
def test_it_redirects_every_page_from_plain_http_to_https(
    name: str, world: World, alice_client: Client, api: responses.RequestsMock
) -> None:
    url, query, _ = address_of(name, world)

    response = request_page(alice_client, name, world, secure=False)

    assert response.status_code == 301
    location = urlsplit(response["Location"])
    assert (location.scheme, location.netloc, location.path) == ("https", "testserver", url)
    assert parse_qs(location.query) == parse_qs(urlencode(query))
    assert "Strict-Transport-Security" not in response  # HSTS is for https answers only
    assert GENERATED_REQUEST_ID.match(response["X-Request-ID"])
    assert response.cookies == {}
    assert len(api.calls) == 0  # redirected before any view ran


def test_it_redirects_plain_http_before_asking_anyone_to_sign_in(db: None) -> None:
    response = Client().get(reverse("teams:settings"))

    assert response.status_code == 301
    assert response["Location"] == "https://testserver" + reverse("teams:settings")


def test_it_answers_the_health_check_over_plain_http_without_a_redirect(db: None) -> None:
    """The load balancer asks over plain http: SECURE_REDIRECT_EXEMPT lets healthz through."""
    response = Client().get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "Strict-Transport-Security" not in response
    assert response["X-Content-Type-Options"] == "nosniff"
    assert GENERATED_REQUEST_ID.match(response["X-Request-ID"])


def test_it_still_redirects_the_health_check_with_a_trailing_slash(db: None) -> None:
    """The exemption is the exact path, not a prefix: the control for the test above."""
    response = Client().get(reverse("healthz") + "/")

    assert response.status_code == 301
    assert response["Location"] == "https://testserver/healthz/"


# --- caching ---------------------------------------------------------------------------------


def cache_directives(response: HttpResponse) -> set[str]:
    return {part.strip().lower() for part in response.get("Cache-Control", "").split(",") if part}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_it_keeps_every_page_for_a_signed_in_user_out_of_every_cache(
    name: str, world: World, alice_client: Client, api: responses.RequestsMock
) -> None:
    """F19: a page of a team's data is stored by no proxy and no browser cache."""
    stub_postpress(api, world)

    response = request_page(alice_client, name, world, secure=True)

    assert response.status_code == PAGES[name].status
    assert {"private", "no-store"} <= cache_directives(response), response.get("Cache-Control")
    assert "public" not in cache_directives(response)


def test_it_keeps_a_page_not_found_for_a_signed_in_user_out_of_every_cache(
    alice_client: Client,
) -> None:
    """F19: error pages too."""
    response = alice_client.get("/no-such-page/", secure=True)

    assert response.status_code == 404
    assert {"private", "no-store"} <= cache_directives(response)


def test_it_lets_static_files_be_cached_for_a_signed_in_user(alice_client: Client) -> None:
    """F19's control: WhiteNoise answers static files before anyone is asked who is signed in."""
    response = alice_client.get("/static/css/app.css", secure=True)

    assert response.status_code == 200
    assert "no-store" not in cache_directives(response)


def test_it_leaves_the_anonymous_health_check_as_it_was(db: None) -> None:
    """F19's control: /healthz stays uncached (never_cache) and answers without a sign-in."""
    response = Client().get(reverse("healthz"))

    assert response.status_code == 200
    assert {"no-cache", "no-store", "must-revalidate", "private"} <= cache_directives(response)
