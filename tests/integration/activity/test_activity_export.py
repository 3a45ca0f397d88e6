"""The Activity page's rows as CSV: the same filter, streamed, safe to open in a spreadsheet,
only the team's own rows."""

import csv
import io

from django.contrib.auth.models import User
from django.test import Client

from activity.models import Kind, Outcome
from postpress_dashboard.postpress.catalogue import entry_for
from postpress_dashboard.teams import services as team_services
from postpress_dashboard.teams.models import LinkedAccount, Team
from tests.integration.activity.support import entry

EXPORT = "/activity/export.csv"


def rows(client: Client, **params: object) -> list[dict[str, str]]:
    response = client.get(EXPORT, params)
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="activity-')
    text = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    return list(csv.DictReader(io.StringIO(text)))


def test_it_exports_the_filtered_rows_in_words(
    alice_client: Client, alice: User, linkedin_account: LinkedAccount
) -> None:
    entry(linkedin_account, Kind.ACCEPT, "inv_1", actor=alice, target_name="Ada Lovelace")
    entry(linkedin_account, Kind.SEND, "ACo-failed", error_type="errors/already_connected")
    exported = rows(alice_client, kind="accept")
    assert [(row["person"], row["id"], row["member"], row["action"]) for row in exported] == [
        ("Ada Lovelace", "inv_1", "alice", "Accepted")
    ]
    assert exported[0]["account"] == "Alice on LinkedIn"
    failed = rows(alice_client, outcome=Outcome.FAILED)
    assert [row["id"] for row in failed] == ["ACo-failed"]
    # The catalogue's words, never the error type.
    assert entry_for("errors/already_connected", None).message in failed[0]["outcome"]
    assert "errors/" not in str(failed)


def test_cells_that_would_start_a_formula_are_neutralised(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    for index, hostile in enumerate(('=HYPERLINK("x")', "+1", "-2", "@SUM(A1)")):
        entry(linkedin_account, Kind.SEND, f"ACo{index}", target_name=hostile, detail=hostile)
    exported = rows(alice_client, kind="send")
    assert sorted(row["person"] for row in exported) == sorted(
        ['\'=HYPERLINK("x")', "'+1", "'-2", "'@SUM(A1)"]
    )
    assert all(row["details"].startswith("'") for row in exported)


def test_it_exports_only_the_team_s_rows(
    alice_client: Client, linkedin_account: LinkedAccount, other_team: Team
) -> None:
    fields = team_services.AccountFields("LINKEDIN", "acc_globex", "Globex account", ["classic"])
    theirs = team_services.account_add(team=other_team, fields=fields, actor=None)
    entry(theirs, Kind.SEND, "globex-secret")
    entry(linkedin_account, Kind.SEND, "acme-own")
    exported = rows(alice_client)
    assert "acme-own" in [row["id"] for row in exported]
    assert "globex" not in str(exported).lower()
    # Another team's account is not a filter this team may use: back to the page, which says so.
    response = alice_client.get(EXPORT, {"account": theirs.pk})
    assert response.status_code == 302 and response["Location"].startswith("/activity/?")
