"""The campaign pages: creating one from a CSV, its preview and what needs fixing, the
controls, the live panel, the results export, and where campaigns show elsewhere."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from activity.models import Entry, Kind
from campaigns.models import Campaign, CampaignState, RecipientStatus
from campaigns.services import campaign_stop
from campaigns.views import csv_safe
from postpress_dashboard.core.clock import FakeClock
from postpress_dashboard.teams.models import LinkedAccount
from tests.integration.campaigns.conftest import MakeCampaign, run_campaign


def form_data(account: LinkedAccount, **changes: object) -> dict[str, object]:
    return {
        "name": "December outreach",
        "account": account.pk,
        "kind": "invitations",
        "template": "Hi {first_name|there}, I enjoyed your talk at {company}.",
        "timezone": "Europe/Paris",
        "work_days": ["1", "2", "3", "4", "5"],
        "work_start": "09:00",
        "work_end": "17:00",
        "gap_min_seconds": "60",
        "gap_max_seconds": "180",
        "daily_limit": "",
    } | changes


def upload(text: str, name: str = "people.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8-sig"), content_type="text/csv")


def test_it_creates_a_paused_campaign_from_a_csv_with_its_preview(
    outreach_client: Client, sandbox_linkedin: LinkedAccount
) -> None:
    data = form_data(sandbox_linkedin)
    data["recipients_file"] = upload(
        "provider_id,first_name,company\nada,Ada,Analytical\nbob,,Babbage & Co\nada,Ada,Again\n"
    )
    response = outreach_client.post(reverse("campaigns:new"), data)
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("campaigns:detail", args=[campaign.pk])
    assert campaign.state == CampaignState.PAUSED and campaign.never_started
    assert campaign.timezone == "Europe/Paris" and campaign.work_days == "12345"
    assert list(campaign.recipients.values_list("recipient_id", "row_number")) == [
        ("ada", 2),
        ("bob", 3),
    ]
    page = outreach_client.get(response["Location"]).content.decode()
    assert "Campaign created with 2 recipients" in page and "1 repeated rows were left out" in page
    assert "Not started" in page
    assert "Hi Ada, I enjoyed your talk at Analytical." in page
    assert "Hi there, I enjoyed your talk at Babbage &amp; Co." in page


def test_a_refused_file_says_which_rows_and_keeps_what_was_typed(
    outreach_client: Client, sandbox_linkedin: LinkedAccount
) -> None:
    data = form_data(sandbox_linkedin)
    data["recipients_file"] = upload("provider_id,first_name\n,Ada\nbob,Bob\n")
    response = outreach_client.post(reverse("campaigns:new"), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Row 2: the provider_id is empty." in page
    assert 'value="December outreach"' in page
    assert "I enjoyed your talk at {company}." in page
    assert "Choose the recipients file again" in page
    assert not Campaign.objects.exists()


def test_a_variable_that_is_no_column_and_has_no_fallback_is_refused_before_starting(
    outreach_client: Client, sandbox_linkedin: LinkedAccount
) -> None:
    data = form_data(sandbox_linkedin, recipients="ada\nbob")  # pasted: no company column
    response = outreach_client.post(reverse("campaigns:new"), data)
    assert response.status_code == 400
    assert "{company} is not a column" in response.content.decode()
    assert not Campaign.objects.exists()


def test_a_note_over_300_characters_blocks_start_until_skipped(
    outreach_client: Client, make_campaign: MakeCampaign
) -> None:
    campaign = make_campaign(["short", "long"], template="Hi {first_name}, {note|}", start=False)
    long_row = campaign.recipients.get(recipient_id="long")
    long_row.variables = long_row.variables | {"note": "x" * 300}
    long_row.save()
    # The rows were checked when stored: check them again as the template changes would.
    outreach_client.post(
        reverse("campaigns:template", args=[campaign.pk]),
        {"template": "Hi {first_name}, {note|}"},
    )
    page = outreach_client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    assert "Needs fixing" in page and "invitations take at most 300" in page
    response = outreach_client.post(
        reverse("campaigns:control", args=[campaign.pk, "start"]), follow=True
    )
    assert "cannot be sent as it is" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.PAUSED
    outreach_client.post(
        reverse("campaigns:recipient_change", args=[campaign.pk, long_row.pk, "skip"])
    )
    outreach_client.post(reverse("campaigns:control", args=[campaign.pk, "start"]))
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.RUNNING
    assert campaign.recipients.get(pk=long_row.pk).status == RecipientStatus.SKIPPED


def test_the_controls_pause_resume_and_cancel(
    outreach_client: Client, make_campaign: MakeCampaign
) -> None:
    campaign = make_campaign(["a", "b"])
    for control, state in (
        ("pause", CampaignState.PAUSED),
        ("resume", CampaignState.RUNNING),
        ("cancel", CampaignState.CANCELLED),
    ):
        outreach_client.post(reverse("campaigns:control", args=[campaign.pk, control]))
        campaign.refresh_from_db()
        assert campaign.state == state
    assert campaign.ticket == ""  # no step of it may run any more
    entries = Entry.objects.exclude(kind="settings").filter(
        kind=Kind.CAMPAIGN, target=campaign.name
    )
    assert list(entries.order_by("pk").values_list("detail", flat=True)) == [
        "Started",
        "Paused",
        "Resumed",
        "Cancelled",
    ]


def test_the_live_panel_polls_only_while_running(
    outreach_client: Client, make_campaign: MakeCampaign
) -> None:
    campaign = make_campaign(["a"])
    url = reverse("campaigns:progress", args=[campaign.pk])
    running = outreach_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 3s"' in running and "0 sent of 1" in running
    outreach_client.post(reverse("campaigns:control", args=[campaign.pk, "pause"]))
    paused = outreach_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "every 3s" not in paused and ">Resume<" in paused


def test_the_export_neutralises_cells_a_spreadsheet_would_run(
    outreach_client: Client, make_campaign: MakeCampaign, fake_clock: FakeClock
) -> None:
    campaign = make_campaign(["=HYPERLINK(evil)", "+1555", "-2", "@cmd", "plain"])
    run_campaign(campaign, fake_clock)
    response = outreach_client.get(reverse("campaigns:export", args=[campaign.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == [
        "row",
        "provider_id",
        "status",
        "outcome",
        "postpress_invitation_id",
        "finished_at",
    ]
    assert [row[1] for row in rows[1:]] == ["'=HYPERLINK(evil)", "'+1555", "'-2", "'@cmd", "plain"]
    assert {row[2] for row in rows[1:]} == {"Sent"}
    assert response["Content-Disposition"].startswith("attachment;")


def test_csv_safe_leaves_ordinary_text_alone() -> None:
    assert csv_safe("Ada Lovelace") == "Ada Lovelace"
    assert csv_safe("=1+1") == "'=1+1"
    assert csv_safe(None) == ""


def test_sent_invitations_and_home_name_the_campaign_and_its_stop(
    outreach_client: Client, make_campaign: MakeCampaign, fake_clock: FakeClock
) -> None:
    campaign = make_campaign(["ada", "bob"])
    run_campaign(campaign, fake_clock)
    sent_page = outreach_client.get(
        reverse("invitations:sent"), {"account": campaign.account_id}
    ).content.decode()
    assert f'Campaign: <a href="{reverse("campaigns:detail", args=[campaign.pk])}">' in sent_page
    other = make_campaign(["carol"])
    campaign_stop(campaign=other, reason="postpress refused the account.")
    home = outreach_client.get(reverse("home")).content.decode()
    assert f"{other.name}</a> stopped by itself: postpress refused the account." in home
    activity = outreach_client.get(reverse("activity:list")).content.decode()
    assert "Stopped: postpress refused the account." in activity


def test_a_recipients_file_over_the_limit_is_refused_in_words_before_it_is_read(
    outreach_client: Client, sandbox_linkedin: LinkedAccount, settings: object
) -> None:
    settings.CAMPAIGN_MAX_FILE_BYTES = 1000  # type: ignore[attr-defined]
    data = form_data(sandbox_linkedin)
    data["recipients_file"] = upload("provider_id\n" + "someone\n" * 400_000)
    response = outreach_client.post(reverse("campaigns:new"), data)
    assert response.status_code == 413
    assert "The recipients file is larger than" in response.content.decode()
    assert not Campaign.objects.exists()


def test_a_queued_row_is_corrected_and_checked_again(
    outreach_client: Client, sandbox_linkedin: LinkedAccount
) -> None:
    data = form_data(sandbox_linkedin, template="Hi {first_name}, about {company|your work}.")
    data["recipients_file"] = upload("provider_id,first_name,company\nada,,Analytical\n")
    outreach_client.post(reverse("campaigns:new"), data)
    campaign = Campaign.objects.get()
    row = campaign.recipients.get()
    assert "{first_name} has no value" in row.problem
    url = reverse("campaigns:recipient_edit", args=[campaign.pk, row.pk])
    page = outreach_client.get(url).content.decode()
    assert 'value="Analytical"' in page and "Email" in page
    response = outreach_client.post(
        url,
        {
            "recipient_id": "ada_l",
            "email": "ada@example.com",
            "column_first_name": "Ada",
            "column_company": "Analytical",
        },
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.recipient_id, row.email, row.problem) == ("ada_l", "ada@example.com", "")
    assert row.variables == {"provider_id": "ada_l", "first_name": "Ada", "company": "Analytical"}
    assert (
        "Hi Ada, about Analytical."
        in outreach_client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    )


def test_a_row_a_worker_claimed_cannot_be_edited(
    outreach_client: Client, make_campaign: MakeCampaign
) -> None:
    campaign = make_campaign(["ada"])
    row = campaign.recipients.get()
    row.status = RecipientStatus.SENDING
    row.save()
    response = outreach_client.post(
        reverse("campaigns:recipient_edit", args=[campaign.pk, row.pk]),
        {"recipient_id": "someone_else", "column_first_name": "Ada"},
    )
    assert response.status_code == 400
    assert "no longer queued" in response.content.decode()
    row.refresh_from_db()
    assert row.recipient_id == "ada"


def test_a_file_of_10000_recipients_is_stored_whole_and_one_more_row_is_refused(
    outreach_client: Client, sandbox_linkedin: LinkedAccount
) -> None:
    rows = "".join(f"person_{number},Name {number},Co {number}\n" for number in range(10_000))
    data = form_data(sandbox_linkedin)
    data["recipients_file"] = upload("provider_id,first_name,company\n" + rows)
    assert outreach_client.post(reverse("campaigns:new"), data).status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.recipients.count() == 10_000
    assert campaign.recipients.exclude(problem="").count() == 0
    # Adding rows past the limit adds none of them.
    response = outreach_client.post(
        reverse("campaigns:add_recipients", args=[campaign.pk]), {"recipients": "one_more"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "would pass the limit of 10,000" in page
    assert "\none_more</textarea>" in page  # what was pasted stays
    assert campaign.recipients.count() == 10_000


def test_activity_lists_a_stop_with_its_reason_once(
    outreach_client: Client, make_campaign: MakeCampaign, fake_clock: FakeClock
) -> None:
    campaign = make_campaign(["first", "then_err_limit_exceeded"])
    run_campaign(campaign, fake_clock)
    campaign.refresh_from_db()
    response = outreach_client.get(reverse("activity:list"))
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count(escape(f"Stopped: {campaign.stop_reason}")) == 1
    assert "errors/limit_exceeded" not in page
    assert f"Campaign “{campaign.name}”" in page  # its sends are labelled


def test_a_refused_message_comes_back_with_what_was_typed(
    outreach_client: Client, make_campaign: MakeCampaign
) -> None:
    campaign = make_campaign(["ada"], start=False)
    response = outreach_client.post(
        reverse("campaigns:template", args=[campaign.pk]), {"template": "Hi {first name}"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "a variable is a column name in braces" in page
    assert "\nHi {first name}</textarea>" in page
    campaign.refresh_from_db()
    assert campaign.template == "Hi {first_name|there}, glad to connect."


def test_every_row_that_needs_fixing_can_be_listed(
    outreach_client: Client, make_campaign: MakeCampaign
) -> None:
    from campaigns.recipients import recipients_from_lines
    from campaigns.services import campaign_recipients_add

    campaign = make_campaign(["ada"], template="Hi {first_name}!", start=False)
    pasted = "\n".join(f"pasted_{number}" for number in range(60))  # no first_name: to fix
    campaign_recipients_add(campaign=campaign, recipients=recipients_from_lines(pasted))
    detail = reverse("campaigns:detail", args=[campaign.pk])
    page = outreach_client.get(detail).content.decode()
    assert "60 in all: the first 50 are listed here" in page
    listed = outreach_client.get(detail, {"status": "needs_fixing", "page": 2}).content.decode()
    assert "<td>pasted_59" in listed and "<td>ada" not in listed
