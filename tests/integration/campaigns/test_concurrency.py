"""A person's change to a recipient while a worker's step claims it, each in its own thread and
database connection. The step holds the campaign's row lock from reading the next recipient to
claiming it; a Skip, Edit or Remove takes the same lock, so it waits for the claim and then
finds the row taken, instead of being overwritten by it (PostgreSQL row locks; SQLite's
IMMEDIATE transactions serialise writers anyway)."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection

from campaigns import services
from campaigns.models import Recipient, RecipientStatus
from invitations.models import SentInvitation
from postpress_dashboard.core.clock import FakeClock
from tests.integration.campaigns.conftest import MakeCampaign

pytestmark = pytest.mark.django_db(transaction=True)


def in_thread(work: Callable[[], Any], results: dict[str, Any]) -> threading.Thread:
    def run() -> None:
        try:
            results["value"] = work()
        except Exception as error:  # reported by the test, not lost in the thread
            results["error"] = error
        finally:
            connection.close()

    return threading.Thread(target=run)


@pytest.mark.parametrize("change", ["skip", "remove", "edit"])
def test_a_change_made_while_a_step_claims_the_row_waits_and_finds_it_taken(
    make_campaign: MakeCampaign,
    fake_clock: FakeClock,
    alice: User,
    monkeypatch: pytest.MonkeyPatch,
    change: str,
) -> None:
    campaign = make_campaign(["ada", "bob"])
    campaign.refresh_from_db()
    ada = campaign.recipients.get(recipient_id="ada")
    changes = {
        "skip": lambda: services.campaign_recipient_skip(
            campaign=campaign, recipient=ada, actor=alice
        ),
        "remove": lambda: services.campaign_recipient_remove(campaign=campaign, recipient=ada),
        "edit": lambda: services.campaign_recipient_edit(
            campaign=campaign,
            recipient=ada,
            recipient_id="ada_changed",
            email="",
            variables={"provider_id": "ada_changed", "first_name": "Ada"},
        ),
    }
    results: dict[str, Any] = {}
    person = in_thread(changes[change], results)
    claim = services._claim

    def claim_while_a_person_changes_the_row(*args: Any) -> Any:
        person.start()
        person.join(timeout=1.0)  # it waits for this step's lock: nothing to see yet
        return claim(*args)

    monkeypatch.setattr(services, "_claim", claim_while_a_person_changes_the_row)
    services.campaign_step_run(campaign_id=campaign.pk, ticket=campaign.ticket)
    person.join(timeout=30)

    assert not person.is_alive()
    ada_now = Recipient.objects.get(pk=ada.pk)
    assert (ada_now.recipient_id, ada_now.status) == ("ada", RecipientStatus.SENT)
    assert list(SentInvitation.objects.values_list("recipient_id", flat=True)) == ["ada"]
    if change == "edit":
        assert "no longer queued" in str(results.get("error"))
    else:
        assert results == {"value": False}
