"""Joining a team through an invite link: signed in (accept), or signing up through it."""

import io
import logging
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone

from activity.models import Entry
from postpress_dashboard.core.observability import PathTokenFilter, TextFormatter
from postpress_dashboard.teams import services
from postpress_dashboard.teams.middleware import SESSION_KEY
from postpress_dashboard.teams.models import Membership, Role, Team, TeamInvite

UNUSABLE = "This invite link cannot be used: it has expired, has been used or was revoked."
TAKEN = "This username is taken: choose another."
PASSPHRASE = "a-Long-unusual-passphrase-91"


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    """Sign-ups count against the client address in the cache (login limits)."""
    cache.clear()
    yield
    cache.clear()


def sign_up(token: str, username: str, password: str = PASSPHRASE, **extra: str) -> Any:
    data = {"username": username, "password1": password, "password2": password}
    return Client().post(f"/join/{token}/sign-up/", data, **extra)


@pytest.fixture
def invite(team: Team, alice: User) -> tuple[TeamInvite, str]:
    return services.invite_create(team=team, role=Role.MEMBER, note="For Charlie", actor=alice)


@pytest.fixture
def token(invite: tuple[TeamInvite, str]) -> str:
    return invite[1]


@pytest.fixture
def charlie_client(charlie: User, other_team: Team) -> Client:
    client = Client()
    client.force_login(charlie)
    return client


def test_a_signed_in_user_sees_the_team_and_role_and_joins_when_they_accept(
    charlie_client: Client, charlie: User, team: Team, other_team: Team, token: str
) -> None:
    """F13: joining takes the person's own consent: a POST from them, signed in."""
    page = charlie_client.get(f"/join/{token}/")
    assert page.status_code == 200
    assert "You are invited to join <strong>Acme</strong> as" in page.content.decode()
    assert not Membership.objects.filter(team=team, user=charlie).exists()  # not yet

    response = charlie_client.post(f"/join/{token}/", follow=True)

    membership = Membership.objects.get(team=team, user=charlie)
    assert membership.role == Role.MEMBER
    assert "You joined Acme as member." in response.content.decode()
    assert charlie_client.session[SESSION_KEY] == team.pk  # now working in the team joined
    entry = Entry.objects.get(action="member.joined")
    assert entry.detail == "charlie joined as member through an invite link (For Charlie)"
    assert entry.actor == charlie


def test_the_link_works_once(charlie_client: Client, team: Team, token: str, db: None) -> None:
    charlie_client.post(f"/join/{token}/")
    dave = User.objects.create_user("dave", password="dave-password-1")
    dave_client = Client()
    dave_client.force_login(dave)

    response = dave_client.post(f"/join/{token}/")

    assert response.status_code == 404
    assert UNUSABLE in response.content.decode()
    assert not Membership.objects.filter(team=team, user=dave).exists()


@pytest.mark.parametrize("state", ["expired", "revoked", "unknown"])
def test_an_expired_revoked_or_unknown_link_says_the_same_and_adds_nobody(
    charlie_client: Client, charlie: User, team: Team, invite: tuple[TeamInvite, str], state: str
) -> None:
    record, token = invite
    if state == "expired":
        TeamInvite.objects.filter(pk=record.pk).update(expires_at=timezone.now() - timedelta(1))
    elif state == "revoked":
        services.invite_revoke(invite=record, actor=None)
    else:
        token = "not-a-token-anyone-was-given"

    page = charlie_client.get(f"/join/{token}/")
    accepted = charlie_client.post(f"/join/{token}/")

    assert (page.status_code, accepted.status_code) == (404, 404)
    assert UNUSABLE in page.content.decode() and UNUSABLE in accepted.content.decode()
    # Not the team's name (its CSRF tokens blanked: 64 random letters and digits may hold "Acme").
    assert "Acme" not in re.sub(r"[A-Za-z0-9]{64}", "", page.content.decode())
    assert not Membership.objects.filter(team=team, user=charlie).exists()


def test_a_member_already_in_the_team_is_told_so_and_the_link_stays_usable(
    alice_client: Client, invite: tuple[TeamInvite, str]
) -> None:
    record, token = invite
    assert (
        "You are already a member of Acme" in alice_client.get(f"/join/{token}/").content.decode()
    )

    response = alice_client.post(f"/join/{token}/")

    assert response.status_code == 400
    assert "You are already a member of Acme" in response.content.decode()
    record.refresh_from_db()
    assert record.accepted_at is None


def test_an_anonymous_visitor_is_offered_to_sign_in_or_sign_up(token: str, db: None) -> None:
    page = Client().get(f"/join/{token}/").content.decode()

    assert f'href="/login/?next=%2Fjoin%2F{token}%2F"' in page
    assert "Create account and join" in page


def test_an_anonymous_accept_is_sent_to_sign_in_and_adds_nobody(
    token: str, team: Team, db: None
) -> None:
    response = Client().post(f"/join/{token}/")

    assert response.status_code == 302
    assert response["Location"] == f"/login/?next=%2Fjoin%2F{token}%2F"
    assert Membership.objects.filter(team=team).count() == 2


def test_signing_in_through_the_link_comes_back_to_accept(
    charlie: User, team: Team, token: str
) -> None:
    client = Client()
    next_url = f"/join/{token}/"
    signed_in = client.post(
        f"/login/?next={next_url}",
        {"username": "charlie", "password": "charlie-password-1", "next": next_url},
    )
    assert signed_in["Location"] == next_url

    client.post(next_url)

    assert Membership.objects.filter(team=team, user=charlie).exists()


def test_someone_without_an_account_signs_up_through_the_link_and_joins(
    team: Team, token: str
) -> None:
    """F13: a person with no account creates one through the link, joins and is signed in."""
    client = Client()

    response = client.post(
        f"/join/{token}/sign-up/",
        {
            "username": "dana",
            "password1": "a-Long-unusual-passphrase-91",
            "password2": "a-Long-unusual-passphrase-91",
        },
        follow=True,
    )

    dana = User.objects.get(username="dana")
    assert Membership.objects.get(team=team, user=dana).role == Role.MEMBER
    assert "You joined Acme as member." in response.content.decode()
    assert client.session["_auth_user_id"] == str(dana.pk)
    assert Client().login(username="dana", password="a-Long-unusual-passphrase-91")


@pytest.mark.parametrize("typed", ["charlie", "Charlie", "\uff43harlie"])
def test_signing_up_with_a_taken_username_is_refused_and_the_link_stays_usable(
    team: Team, charlie: User, invite: tuple[TeamInvite, str], typed: str
) -> None:
    """A sign-up page says when a username is taken; the link stays usable (a few times)."""
    record, token = invite
    response = Client().post(
        f"/join/{token}/sign-up/",
        {
            "username": typed,
            "password1": "a-Long-unusual-passphrase-91",
            "password2": "a-Long-unusual-passphrase-91",
        },
    )

    assert response.status_code == 400
    assert "This username is taken: choose another." in response.content.decode()
    assert User.objects.filter(username__iexact="charlie").count() == 1
    record.refresh_from_db()
    assert record.accepted_at is None


def test_a_weak_or_mismatched_password_is_refused(team: Team, token: str) -> None:
    weak = Client().post(
        f"/join/{token}/sign-up/", {"username": "dana", "password1": "123", "password2": "123"}
    )
    differ = Client().post(
        f"/join/{token}/sign-up/",
        {"username": "dana", "password1": "a-Long-unusual-passphrase-91", "password2": "other"},
    )

    assert (weak.status_code, differ.status_code) == (400, 400)
    assert "The two passwords differ." in differ.content.decode()
    assert not User.objects.filter(username="dana").exists()


def test_a_signed_in_user_cannot_sign_up_again_through_the_link(
    charlie_client: Client, token: str
) -> None:
    response = charlie_client.post(
        f"/join/{token}/sign-up/", {"username": "x", "password1": "y", "password2": "y"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/join/{token}/"
    assert not User.objects.filter(username="x").exists()


def test_joining_needs_the_csrf_token(charlie: User, team: Team, token: str) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(charlie)

    refused = client.post(f"/join/{token}/")
    sign_up = Client(enforce_csrf_checks=True).post(
        f"/join/{token}/sign-up/",
        {
            "username": "dana",
            "password1": "a-Long-unusual-passphrase-91",
            "password2": "a-Long-unusual-passphrase-91",
        },
    )

    assert (refused.status_code, sign_up.status_code) == (403, 403)
    assert not Membership.objects.filter(team=team, user=charlie).exists()
    assert not User.objects.filter(username="dana").exists()


def test_the_link_s_token_never_reaches_the_request_log(charlie_client: Client, token: str) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(TextFormatter("%(message)s"))
    logger = logging.getLogger("postpress_dashboard.request")
    logger.addHandler(handler)
    try:
        charlie_client.get(f"/join/{token}/")
    finally:
        logger.removeHandler(handler)

    assert stream.getvalue().strip() == "GET /join/[token]/ 200"


def test_three_taken_usernames_use_the_link_up_and_the_admin_sees_why(
    alice_client: Client, team: Team, charlie: User, invite: tuple[TeamInvite, str]
) -> None:
    """F13 (regression): an admin could list every username of the installation by opening
    their own team's link signed out and typing usernames into its sign-up form, which answered
    "taken" without end. A link now gives three "taken" answers, then is revoked, and the
    activity log says why."""
    record, token = invite
    dave = User.objects.create_user("dave", password="dave-password-1")

    answers = [sign_up(token, username) for username in ("charlie", "bob")]
    assert [answer.status_code for answer in answers] == [400, 400]
    assert all(TAKEN in answer.content.decode() for answer in answers)

    third = sign_up(token, dave.username)
    after = sign_up(token, "someone-new")

    assert third.status_code == 404
    assert "This invite link has now been given 3 usernames that are taken" in (
        third.content.decode()
    )
    assert after.status_code == 404
    assert UNUSABLE in after.content.decode()
    assert TAKEN not in after.content.decode()  # no more answers about usernames
    assert not User.objects.filter(username="someone-new").exists()
    record.refresh_from_db()
    assert (record.taken_usernames, record.revoked_at is not None) == (3, True)
    settings_page = alice_client.get("/settings/").content.decode()
    assert (
        "Revoked an invite link to join as member (For Charlie) by itself: 3 sign-ups through "
        "it chose taken usernames, so someone may have been finding out which usernames exist"
    ) in settings_page
    summaries = Entry.objects.filter(action__startswith="invite.").values_list("detail", flat=True)
    assert not [summary for summary in summaries if "dave" in summary or "bob" in summary]


def test_the_admin_sees_taken_usernames_on_a_pending_link(
    alice_client: Client, charlie: User, invite: tuple[TeamInvite, str]
) -> None:
    """F13: each "taken" answer is in the team's activity, and counted on the pending link."""
    sign_up(invite[1], "charlie")

    page = alice_client.get("/settings/").content.decode()

    assert "Sign-ups through it chose 1 taken username; at 3 it is revoked." in page
    assert (
        "A sign-up through an invite link to join as member (For Charlie) chose a taken "
        "username (1 of 3 before the link is revoked)"
    ) in page


@override_settings(LOGIN_FAILURES_PER_ADDRESS=3)
def test_failed_sign_ups_from_one_address_are_refused_in_words_keeping_the_username(
    charlie: User, invite: tuple[TeamInvite, str]
) -> None:
    """F13 (regression): sign-ups through a link had no rate limit. They count against the
    client address with failed sign-ins; past the limit, a 429 in words, before the username is
    looked up, keeping the username typed but never the password."""
    record, token = invite
    assert [sign_up(token, f"dana{n}", "123").status_code for n in range(3)] == [400] * 3

    refused = sign_up(token, "charlie", "secret-Pass-word-77")
    page = refused.content.decode()

    assert refused.status_code == 429
    assert refused["Retry-After"] == "900"
    assert "Too many failed sign-ins and sign-ups from your address." in page
    assert "Wait 15 minutes, then try again." in page
    assert 'value="charlie"' in page
    assert "secret-Pass-word-77" not in page
    assert TAKEN not in page
    record.refresh_from_db()
    assert record.taken_usernames == 0
    # Another address is not affected; the address's failed sign-ins and sign-ups are one count.
    assert sign_up(token, "dana", REMOTE_ADDR="192.0.2.9").status_code == 302
    signed_in = Client().post("/login/", {"username": "charlie", "password": "charlie-password-1"})
    assert signed_in.status_code == 429


@override_settings(LOGIN_FAILURES_PER_ADDRESS=2, TRUSTED_PROXIES=["10.0.0.0/8"])
def test_sign_ups_are_counted_by_the_client_address_the_login_limits_use(
    team: Team, alice: User
) -> None:
    """F13: the sign-up throttle finds the client as the login limits do (behind a trusted
    proxy, the forwarded address; an IPv6 client by its /64); accounts made take their attempt
    back, so people joining from one office are never refused."""
    tokens = [
        services.invite_create(team=team, role=Role.MEMBER, note="", actor=alice)[1]
        for _ in range(4)
    ]
    office = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "2001:db8::1"}
    joined = [sign_up(token, f"person{n}", **office).status_code for n, token in enumerate(tokens)]
    assert joined == [302] * 4

    nearby = {"REMOTE_ADDR": "10.0.0.3", "HTTP_X_FORWARDED_FOR": "2001:db8::2"}
    fresh = services.invite_create(team=team, role=Role.MEMBER, note="", actor=alice)[1]
    assert [sign_up(fresh, "x", "1", **nearby).status_code for _ in range(3)] == [400, 400, 429]
    elsewhere = {"REMOTE_ADDR": "10.0.0.3", "HTTP_X_FORWARDED_FOR": "2001:db8:0:1::2"}
    assert sign_up(fresh, "x", "1", **elsewhere).status_code == 400


@pytest.fixture
def console_log() -> Iterator[io.StringIO]:
    """What the configured console handler (settings.LOGGING, with its filters) writes."""
    console = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    assert isinstance(console, logging.StreamHandler)
    stream = io.StringIO()
    previous = console.setStream(stream)
    try:
        yield stream
    finally:
        console.setStream(previous)


def test_the_link_s_token_never_reaches_django_s_own_request_warnings(
    console_log: io.StringIO, token: str
) -> None:
    """F15/F13 (regression): the request line masked the token, but Django's django.request
    logger wrote "Bad Request: /join/<token>/sign-up/" (and "Not Found: ...") with the live
    token. Its records, and Django's CSRF refusals, are masked too."""
    Client().post(f"/join/{token}/sign-up/", {"username": "dana", "password1": "1"})
    Client().get(f"/join/{token}/sign-up/")  # a GET: 405
    Client().get(f"/join/{token}/no-such-page/")  # no URL matches: 404
    Client(enforce_csrf_checks=True).post(f"/join/{token}/sign-up/", {})

    log = console_log.getvalue()
    assert token not in log
    assert "Bad Request: /join/[token]/sign-up/" in log
    assert "Method Not Allowed (GET): /join/[token]/sign-up/" in log
    assert "Not Found: /join/[token]/no-such-page/" in log
    assert "Forbidden (CSRF cookie not set.): /join/[token]/sign-up/" in log


def test_a_record_s_request_path_is_masked_by_the_filter_alone(
    rf: Any, token: str, db: None
) -> None:
    """The filter masks a record carrying the request, whatever handler writes it."""
    request = rf.post(f"/join/{token}/sign-up/")
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "%s: %s",
        ("Bad Request", request.path),
        None,
    )
    record.request = request

    assert PathTokenFilter().filter(record)
    assert record.getMessage() == "Bad Request: /join/[token]/sign-up/"
