"""activity.services.activity_record: the one way an entry is written."""

import pytest
from django.contrib.auth.models import User

from activity.models import Entry, Kind, Outcome
from activity.services import activity_record
from postpress_dashboard.postpress.errors import PostpressError
from postpress_dashboard.teams.models import LinkedAccount, Team


def error(error_type: str, status: int) -> PostpressError:
    """An answer with postpress's error envelope: a definite refusal."""
    return PostpressError(status=status, error_type=error_type, title="t", detail="d")


def test_a_write_takes_its_team_from_the_account_and_its_outcome_from_the_error(
    alice: User, linkedin_account: LinkedAccount
) -> None:
    ok = activity_record(account=linkedin_account, actor=alice, kind=Kind.SEND, target="ACo1")
    assert (ok.team_id, ok.outcome, ok.error_type) == (linkedin_account.team_id, Outcome.OK, "")
    refused = activity_record(
        account=linkedin_account,
        actor=alice,
        kind=Kind.SEND,
        target="ACo2",
        error=error("errors/already_connected", 422),
    )
    assert (refused.outcome, refused.error_type) == (Outcome.FAILED, "errors/already_connected")
    # Anything but an answer from postpress may have reached it.
    lost = activity_record(
        account=linkedin_account, actor=alice, kind=Kind.CHAT, target="ACo3", error=OSError()
    )
    assert lost.outcome == Outcome.UNCONFIRMED


def test_a_settings_change_belongs_to_the_team_and_succeeded(alice: User, team: Team) -> None:
    change = activity_record(
        team=team, actor=alice, kind=Kind.SETTINGS, action="team.updated", detail="Renamed"
    )
    assert (change.team_id, change.account_id, change.outcome) == (team.pk, None, Outcome.OK)


def test_an_entry_needs_a_team(alice: User) -> None:
    with pytest.raises(ValueError, match="team"):
        activity_record(actor=alice, kind=Kind.SETTINGS, action="x")


def test_what_it_stores_fits_any_database_column(linkedin_account: LinkedAccount) -> None:
    stored = activity_record(
        account=linkedin_account,
        actor=None,
        kind=Kind.SEND,
        target="nul\x00" + "x" * 400,
        target_name="lone \ud800 surrogate",
        detail="y" * 2000,
    )
    stored.refresh_from_db()
    assert "\x00" not in stored.target and len(stored.target) == 300
    assert "\ud800" not in stored.target_name
    assert len(stored.detail) == 1000


def test_an_account_level_refusal_marks_the_account_and_a_success_clears_it(
    linkedin_account: LinkedAccount,
) -> None:
    refused = error("errors/disconnected_account", 401)
    activity_record(account=linkedin_account, actor=None, kind=Kind.SEND, target="A", error=refused)
    linkedin_account.refresh_from_db()
    assert linkedin_account.attention == "errors/disconnected_account"
    # A campaign's own entry is no call: it leaves the mark.
    activity_record(account=linkedin_account, actor=None, kind=Kind.CAMPAIGN, detail="Paused")
    linkedin_account.refresh_from_db()
    assert linkedin_account.attention == "errors/disconnected_account"
    activity_record(account=linkedin_account, actor=None, kind=Kind.SEND, target="B")
    linkedin_account.refresh_from_db()
    assert linkedin_account.attention == ""
    assert Entry.objects.filter(kind=Kind.SEND).count() == 2
