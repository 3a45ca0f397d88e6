"""Migration activity 0002: the two old logs copied into the one, every row keeping its time,
before the old tables go (teams 0006, invitations 0008)."""

from datetime import UTC, datetime, time

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("activity", "0001_initial"),
    ("teams", "0005_membership_last_inbox_account"),
    ("invitations", "0007_sent_recipient_index"),
    ("campaigns", "0001_initial"),
]
AFTER = [
    ("activity", "0002_copy_old_logs"),
    ("teams", "0006_delete_activityentry"),
    ("invitations", "0008_delete_invitationevent"),
]


@pytest.mark.django_db(transaction=True)
def test_the_old_logs_are_copied_with_their_times_and_what_can_be_recovered() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    User = old.get_model("auth", "User")
    Team = old.get_model("teams", "Team")
    LinkedAccount = old.get_model("teams", "LinkedAccount")
    ActivityEntry = old.get_model("teams", "ActivityEntry")
    InvitationEvent = old.get_model("invitations", "InvitationEvent")
    ListedInvitation = old.get_model("invitations", "ListedInvitation")
    SentInvitation = old.get_model("invitations", "SentInvitation")
    Campaign = old.get_model("campaigns", "Campaign")
    Recipient = old.get_model("campaigns", "Recipient")

    alice = User.objects.create(username="alice")
    team = Team.objects.create(name="Acme", slug="acme")
    account = LinkedAccount.objects.create(
        team=team, provider="LINKEDIN", account_id="acc", label="Desk", daily_cap=80, weekly_cap=200
    )
    spring = Campaign.objects.create(
        team=team,
        account=account,
        name="Spring",
        kind="invitations",
        template="Hi",
        work_start=time(9),
        work_end=time(17),
    )
    sent = SentInvitation.objects.create(account=account, recipient_id="ACo1", status="pending")
    Recipient.objects.create(
        campaign=spring, row_number=1, position=0, recipient_id="ACo1", sent=sent
    )
    ListedInvitation.objects.create(account=account, invitation_id="inv_1", inviter_name="Ada")
    times = [datetime(2025, 1, day, 8, tzinfo=UTC) for day in range(1, 6)]
    ActivityEntry.objects.create(team=team, actor=alice, action="team.updated", summary="Renamed")
    ActivityEntry.objects.update(created_at=times[0])  # auto_now_add: set afterwards
    events = [
        InvitationEvent(
            team=team, account=account, actor=alice, kind="accept", target="inv_1", outcome="ok"
        ),
        InvitationEvent(
            team=team,
            account=account,
            actor=alice,
            kind="send",
            target="ACo1",
            outcome="unconfirmed",
            sent=sent,
            detail="Campaign “Spring”",
            resolution="went_through",
            resolved_by=alice,
            resolved_at=times[4],
        ),
        InvitationEvent(
            team=team,
            account=account,
            kind="campaign",
            target="Spring",
            outcome="failed",
            error_type="errors/limit_exceeded",
            detail="Stopped: the limit",
        ),
        InvitationEvent(
            team=team,
            account=account,
            actor=alice,
            kind="decline",
            target="inv_9",
            outcome="failed",
        ),
    ]
    for event, at in zip(events, times[1:], strict=True):
        event.save()
        InvitationEvent.objects.filter(pk=event.pk).update(created_at=at)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Entry = new.get_model("activity", "Entry")
    copied = list(Entry.objects.order_by("created_at").values())
    assert [row["created_at"] for row in copied] == times
    settings, accepted, sent_entry, stopped, declined = copied
    assert (settings["kind"], settings["action"], settings["detail"]) == (
        "settings",
        "team.updated",
        "Renamed",
    )
    assert (settings["account_id"], settings["actor_id"]) == (None, alice.pk)
    # The listed copy names the inviter: the page shows a name, not only inv_1.
    assert (accepted["kind"], accepted["target"], accepted["target_name"]) == (
        "accept",
        "inv_1",
        "Ada",
    )
    assert (sent_entry["sent_id"], sent_entry["campaign_id"]) == (sent.pk, spring.pk)
    assert (sent_entry["resolution"], sent_entry["resolved_by_id"]) == ("went_through", alice.pk)
    assert sent_entry["resolved_at"] == times[4]
    assert (stopped["campaign_id"], stopped["error_type"]) == (spring.pk, "errors/limit_exceeded")
    assert (declined["target_name"], declined["campaign_id"]) == ("", None)
    tables = connection.introspection.table_names()
    assert "teams_activityentry" not in tables and "invitations_invitationevent" not in tables
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
