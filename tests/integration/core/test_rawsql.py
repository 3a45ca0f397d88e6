"""The queries written out in SQL (core/rawsql.py) return what the ORM queries they replace
return: the same rows, in the same order, every value converted the same way."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django.fixtures import Settings

from invitations import selectors, services
from invitations.models import (
    Action,
    DecisionState,
    InvitationDecision,
    ListedInvitation,
    SentInvitation,
)
from postpress_dashboard.core.auth_backend import ModelBackend
from postpress_dashboard.core.sessions import SessionStore
from postpress_dashboard.postpress.schemas import Inviter, ReceivedInvitation
from postpress_dashboard.teams import services as team_services
from postpress_dashboard.teams.models import LinkedAccount, Membership, Role, Team
from postpress_dashboard.teams.selectors import memberships_for_user

pytestmark = pytest.mark.django_db


def _values(instance: object) -> dict[str, object]:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def _account(
    team: Team, label: str, *, provider: str = "LINKEDIN", **extra: object
) -> LinkedAccount:
    fields = team_services.AccountFields(
        provider=provider,
        account_id=f"acc_{label.lower().replace(' ', '_')}",
        label=label,
        linkedin_apis=["classic", "sales_navigator"] if provider == "LINKEDIN" else [],
    )
    account = team_services.account_add(team=team, fields=fields, actor=None)
    for name, value in extra.items():
        setattr(account, name, value)
    account.save()
    return account


def test_inbox_account_list_is_the_orm_query_written_out(team: Team, other_team: Team) -> None:
    now = timezone.now()
    warned = _account(team, "Zed on LinkedIn", attention="reconnect", attention_since=now)
    _account(team, "Ann on Instagram", provider="INSTAGRAM")
    _account(team, "Switched off", is_active=False)
    _account(other_team, "Another team's")
    SentInvitation.objects.create(
        account=warned, recipient_id="a", usage=75, sent_at=now - timedelta(hours=3)
    )
    SentInvitation.objects.create(
        account=warned, recipient_id="b", usage=90, sent_at=now - timedelta(hours=1)
    )
    SentInvitation.objects.create(account=warned, recipient_id="c", usage=None, sent_at=now)
    SentInvitation.objects.create(
        account=warned, recipient_id="d", usage=95, sent_at=now - timedelta(days=30)
    )

    written_out = selectors.inbox_account_list(team)
    orm = list(selectors.inbox_accounts(team))

    assert [a.label for a in written_out] == ["Ann on Instagram", "Zed on LinkedIn"]
    assert [_values(a) for a in written_out] == [_values(a) for a in orm]
    for mine, theirs in zip(written_out, orm, strict=True):
        assert (mine.latest_usage, mine.latest_usage_at) == (
            theirs.latest_usage,
            theirs.latest_usage_at,
        )
        assert mine.team == team
    zed = written_out[1]
    assert zed.latest_usage == 90
    assert zed.latest_usage_at.tzinfo is not None
    assert zed.linkedin_apis == ["classic", "sales_navigator"]
    assert zed.is_active is True
    assert zed.attention_since == warned.attention_since


def test_inbox_account_list_reads_the_team_in_no_query(team: Team) -> None:
    _account(team, "Alice on LinkedIn")
    with CaptureQueriesContext(connection) as queries:
        accounts = selectors.inbox_account_list(team)
        assert accounts[0].team.name == team.name
    assert len(queries) == 1


def test_memberships_for_user_are_the_orm_query_written_out(
    alice: User, charlie: User, team: Team, other_team: Team
) -> None:
    team_services.member_add(team=other_team, user=alice, role=Role.MEMBER, actor=None)
    account = _account(team, "Alice on LinkedIn")
    Membership.objects.filter(user=alice, team=team).update(last_inbox_account=account)

    written_out = memberships_for_user(alice.pk)
    orm = list(Membership.objects.filter(user_id=alice.pk).select_related("team"))

    assert [m.team.name for m in written_out] == ["Acme", "Globex"]
    assert [_values(m) for m in written_out] == [_values(m) for m in orm]
    assert [_values(m.team) for m in written_out] == [_values(m.team) for m in orm]
    assert written_out[0].last_inbox_account_id == account.pk
    assert written_out[0].team.created_at.tzinfo is not None
    assert memberships_for_user(charlie.pk)[0].team.name == "Globex"


def test_page_decisions_are_the_orm_query_written_out(alice: User, team: Team) -> None:
    account = _account(team, "Alice on LinkedIn")
    other = _account(team, "Bob on LinkedIn")
    InvitationDecision.objects.create(
        account=account,
        invitation_id="inv_1",
        action=Action.ACCEPT,
        state=DecisionState.DONE,
        actor=alice,
    )
    InvitationDecision.objects.create(
        account=account,
        invitation_id="inv_2",
        action=Action.DECLINE,
        state=DecisionState.FAILED,
        error_type="errors/x",
    )
    InvitationDecision.objects.create(
        account=other, invitation_id="inv_3", action=Action.ACCEPT, state=DecisionState.DONE
    )

    written_out = selectors.page_decisions(
        account=account, invitation_ids=["inv_1", "inv_2", "inv_3", "inv_9"]
    )
    orm = {
        d.invitation_id: d
        for d in InvitationDecision.objects.filter(account=account).select_related("actor")
    }

    assert sorted(written_out) == ["inv_1", "inv_2"]
    for invitation_id, decision in written_out.items():
        assert _values(decision) == _values(orm[invitation_id])
    assert _values(written_out["inv_1"].actor) == _values(alice)
    assert written_out["inv_2"].actor is None
    assert selectors.page_decisions(account=account, invitation_ids=[]) == {}


def _listed(invitation_id: str, secret: str) -> ReceivedInvitation:
    return ReceivedInvitation(
        id=invitation_id,
        invited_user="",
        invited_user_id="",
        invited_user_public_id="",
        invited_user_description="",
        date="",
        parsed_datetime=None,
        invitation_text="",
        inviter=Inviter(name="Pat", id="p", public_identifier="", description=""),
        provider="LINKEDIN",
        shared_secret=secret,
    )


def test_a_page_listed_again_unchanged_writes_nothing_and_a_changed_one_does(team: Team) -> None:
    account = _account(team, "Alice on LinkedIn")
    page = [_listed("inv_1", "s1"), _listed("inv_2", "s2")]
    services.listed_invitations_remember(account=account, items=page)

    with CaptureQueriesContext(connection) as again:
        services.listed_invitations_remember(account=account, items=page)
    assert len(again) == 0

    changed = [_listed("inv_1", "s1"), _listed("inv_2", "s2-new")]
    services.listed_invitations_remember(account=account, items=changed)
    stored = ListedInvitation.objects.get(account=account, invitation_id="inv_2")
    assert stored.shared_secret == "s2-new"


def test_the_signed_in_user_is_read_as_the_orm_reads_them(alice: User) -> None:
    alice.first_name, alice.is_staff = "Alice", True
    alice.save()
    backend = ModelBackend()

    assert _values(backend.get_user(alice.pk)) == _values(User.objects.get(pk=alice.pk))
    assert backend.get_user(alice.pk + 1000) is None
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert backend.get_user(alice.pk) is None


def test_a_session_is_read_until_it_expires(alice: User) -> None:
    store = SessionStore()
    store["answer"] = 42
    store.set_expiry(60)
    store.save()

    assert SessionStore(store.session_key).load() == {"answer": 42, "_session_expiry": 60}
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    expired = SessionStore(store.session_key)
    assert expired.load() == {}
    assert expired.session_key is None  # a new one is made, never the expired one's


def test_requests_are_signed_in_through_the_dashboard_s_session_store(
    client: Client, alice: User, team: Team, settings: Settings
) -> None:
    # The default store (settings.py); the test run's environment may name another, as CI's
    # second pass does with sessions in Redis.
    settings.SESSION_ENGINE = "postpress_dashboard.core.sessions"
    assert client.login(username="alice", password="alice-password-1")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    assert response.wsgi_request.user == alice
    assert "django_session" in queries[0]["sql"]


def test_copies_found_missing_are_stored_again_by_the_reload_the_person_is_asked_for(
    alice: User, team: Team
) -> None:
    account = _account(team, "Alice on LinkedIn")
    page = [_listed("inv_1", "s1")]
    services.listed_invitations_remember(account=account, items=page)
    ListedInvitation.objects.all().delete()  # a database restored from a backup, say

    refused = services.invitation_decide(
        account=account, invitation_id="inv_1", action="accept", actor=alice
    )
    assert "Reload the inbox" in refused.refusal
    services.listed_invitations_remember(account=account, items=page)  # the reload

    assert ListedInvitation.objects.filter(account=account, invitation_id="inv_1").exists()


def test_a_session_signed_in_before_the_dashboard_s_backend_stays_signed_in(
    client: Client, alice: User, team: Team
) -> None:
    client.force_login(alice, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/")
    assert response.status_code == 200
    assert response.wsgi_request.user == alice


def test_a_wrong_password_is_checked_once(
    client: Client, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked = []
    original = User.check_password

    def counting(user: User, raw_password: str) -> bool:
        checked.append(raw_password)
        return original(user, raw_password)

    monkeypatch.setattr(User, "check_password", counting)
    assert not client.login(username="alice", password="wrong-password")
    assert checked == ["wrong-password"]
    assert client.login(username="alice", password="alice-password-1")


@pytest.mark.parametrize("key", ["\x00abcdefghijk", "abcdefgh ijk", "abcdéfghijkl", "abc'defghijk"])
def test_a_session_key_django_never_makes_is_no_session(key: str) -> None:
    store = SessionStore(key)
    assert store.load() == {}
    assert store.session_key is None
