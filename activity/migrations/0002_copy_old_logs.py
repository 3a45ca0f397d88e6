"""Both old logs into the one: teams.ActivityEntry (settings changes) and
invitations.InvitationEvent (decisions, sends, withdraws, chats, campaign events), each row
keeping its time. The old tables are deleted after this (teams 0006, invitations 0008).

What the old rows did not hold is recovered where it can be: an accept's or decline's inviter
name from the listed copy of the inbox, a campaign's sends and chats from its recipients, a
campaign's own entries from its name on the account."""

from collections.abc import Iterator
from typing import Any

from django.db import migrations

BATCH = 2000


def _batches(rows: Any) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in rows.iterator(chunk_size=BATCH):
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def copy_old_logs(apps: Any, schema_editor: Any) -> None:
    Entry = apps.get_model("activity", "Entry")
    ActivityEntry = apps.get_model("teams", "ActivityEntry")
    InvitationEvent = apps.get_model("invitations", "InvitationEvent")
    ListedInvitation = apps.get_model("invitations", "ListedInvitation")
    Recipient = apps.get_model("campaigns", "Recipient")
    Campaign = apps.get_model("campaigns", "Campaign")
    db = schema_editor.connection.alias

    for batch in _batches(ActivityEntry.objects.using(db).order_by("created_at", "id")):
        Entry.objects.using(db).bulk_create(
            Entry(
                team_id=row.team_id,
                actor_id=row.actor_id,
                kind="settings",
                action=row.action,
                detail=row.summary,
                outcome="ok",
                created_at=row.created_at,
            )
            for row in batch
        )

    campaigns_by_name: dict[tuple[int, str], int | None] = {}
    for campaign in Campaign.objects.using(db).values("pk", "account_id", "name"):
        key = (campaign["account_id"], campaign["name"])
        # Two campaigns of one name on one account: which one is not known.
        campaigns_by_name[key] = None if key in campaigns_by_name else campaign["pk"]

    events = InvitationEvent.objects.using(db).order_by("created_at", "id")
    for batch in _batches(events):
        decided = [row for row in batch if row.kind in ("accept", "decline")]
        names = {
            (listed["account_id"], listed["invitation_id"]): listed["inviter_name"]
            for listed in ListedInvitation.objects.using(db)
            .filter(  # by the (account, invitation_id) unique index
                account_id__in={row.account_id for row in decided},
                invitation_id__in={row.target for row in decided},
            )
            .values("account_id", "invitation_id", "inviter_name")
        }
        sent_campaigns = dict(
            Recipient.objects.using(db)
            .filter(sent_id__in={row.sent_id for row in batch if row.sent_id})
            .values_list("sent_id", "campaign_id")
        )
        campaign_chats = [
            row for row in batch if row.kind == "chat" and row.detail.startswith("Campaign ")
        ]
        chat_campaigns = {
            (account_id, recipient_id): campaign_id
            for account_id, recipient_id, campaign_id in Recipient.objects.using(db)
            .filter(
                campaign__account_id__in={row.account_id for row in campaign_chats},
                recipient_id__in={row.target for row in campaign_chats},
                campaign__kind="messages",
            )
            .values_list("campaign__account_id", "recipient_id", "campaign_id")
        } if campaign_chats else {}

        def campaign_of(row: Any) -> int | None:
            if row.kind == "campaign":
                return campaigns_by_name.get((row.account_id, row.target))
            if row.sent_id and row.sent_id in sent_campaigns:
                return sent_campaigns[row.sent_id]
            if row.kind == "chat" and row.detail.startswith("Campaign "):
                return chat_campaigns.get((row.account_id, row.target))
            return None

        Entry.objects.using(db).bulk_create(
            Entry(
                team_id=row.team_id,
                account_id=row.account_id,
                actor_id=row.actor_id,
                kind=row.kind,
                target=row.target,
                target_name=names.get((row.account_id, row.target), ""),
                outcome=row.outcome,
                error_type=row.error_type,
                detail=row.detail,
                sent_id=row.sent_id,
                campaign_id=campaign_of(row),
                resolution=row.resolution,
                resolved_by_id=row.resolved_by_id,
                resolved_at=row.resolved_at,
                created_at=row.created_at,
            )
            for row in batch
        )


class Migration(migrations.Migration):
    dependencies = [
        ("activity", "0001_initial"),
        ("campaigns", "0001_initial"),
        ("invitations", "0007_sent_recipient_index"),
        ("teams", "0005_membership_last_inbox_account"),
    ]

    # Back to the old tables is not supported: going back recreates them empty (teams 0006 and
    # invitations 0008 reversed) and the log goes with activity 0001; restore a backup instead
    # (docs/activity.md).
    operations = [migrations.RunPython(copy_old_logs, migrations.RunPython.noop, elidable=True)]
