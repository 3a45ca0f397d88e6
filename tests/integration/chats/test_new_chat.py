"""The "New chat" composer: per-provider fields, uploads checked by content, the exact multipart
request postpress receives, API errors placed at their fields, and the activity record."""

import re
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
import responses
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.test.utils import override_settings
from django.utils.html import escape

from activity.models import Entry, Kind, Outcome
from chats.forms import (
    FILES_AGAIN,
    FILES_DROPPED,
    FILES_KEPT,
    FILES_REFUSED,
    FILES_STILL_SELECTED,
    NOTHING_TO_SEND,
)
from chats.models import ChatStatus, ChatSubmission
from postpress_dashboard.postpress.catalogue import entry_for
from postpress_dashboard.teams import services as team_services
from postpress_dashboard.teams.models import LinkedAccount, Team
from tests.conftest import API_BASE_URL, TEAM_API_KEY

NEW = "/chats/new/"
FIELDS = "/chats/new/fields/"
PREVIEW = "/chats/new/preview/"
CHATS_URL = f"{API_BASE_URL}/chats"
HTMX = {"HX-Request": "true"}

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x01" * 40
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x0a" + b"\xff\xfb\x90\x00" * 20
MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00" + b"\x00" * 40
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"1 0 obj\n" * 10


# --- accounts, stubs and the request postpress received ------------------------------------


def add_account(team: Team, provider: str, account_id: str, apis: list[str]) -> LinkedAccount:
    label = f"{provider.title()} {account_id}"
    fields = team_services.AccountFields(provider, account_id, label, apis)
    return team_services.account_add(team=team, fields=fields, actor=None)


@pytest.fixture
def sales_navigator_account(team: Team) -> LinkedAccount:
    return add_account(team, "LINKEDIN", "acc_salesnav", ["sales_navigator"])


@pytest.fixture
def whatsapp_account(team: Team) -> LinkedAccount:
    return add_account(team, "WHATSAPP", "acc_whatsapp", [])


@pytest.fixture
def instagram_account(team: Team) -> LinkedAccount:
    return add_account(team, "INSTAGRAM", "acc_instagram", [])


def stub_started(chat_id: str | None = "chat_new", message_id: str | None = "msg_new") -> None:
    body = {"object": "ChatStarted", "chat_id": chat_id, "message_id": message_id}
    responses.post(CHATS_URL, json=body, status=201)


def stub_error(error_type: str, status: int) -> None:
    body = {"type": error_type, "status": status, "title": "Refused", "detail": "raw detail"}
    responses.post(CHATS_URL, json=body, status=status)


@dataclass(frozen=True)
class Part:
    name: str
    filename: str | None
    content_type: str
    data: bytes


def sent_parts() -> list[Part]:
    """Every part of the one multipart body postpress received, in order."""
    assert len(responses.calls) == 1
    request = responses.calls[0].request
    assert request.headers["X-API-KEY"] == TEAM_API_KEY
    body = request.body if isinstance(request.body, bytes) else request.body.read()
    head = f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    assert message.is_multipart()
    return [
        Part(
            name=str(part.get_param("name", header="content-disposition")),
            filename=part.get_filename(),
            content_type=part.get_content_type(),
            data=part.get_payload(decode=True),
        )
        for part in message.iter_parts()
    ]


def sent_texts() -> list[tuple[str, str]]:
    return [(part.name, part.data.decode()) for part in sent_parts() if part.filename is None]


def sent_files() -> list[tuple[str, str | None, str, bytes]]:
    return [
        (part.name, part.filename, part.content_type, part.data)
        for part in sent_parts()
        if part.filename is not None
    ]


def field_errors(page: str, field: str) -> str:
    """The text of the error list next to a field (the field-errors partial)."""
    start = page.index(f'<ul class="field-errors" id="id_{field}_error">')
    return page[start : page.index("</ul>", start)]


def top_errors(page: str) -> str:
    start = page.index('<div class="error form-errors" role="alert">')
    return page[start : page.index("</div>", start)]


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> Any:
    return SimpleUploadedFile(name, data, content_type=content_type)


def post(client: Client, account: LinkedAccount, **data: Any) -> Any:
    return client.post(NEW, {"account": account.pk, **data})


# --- the request postpress receives, by provider and LinkedIn API --------------------------


@responses.activate
def test_it_starts_a_classic_inmail_with_a_topic_and_redirects_with_the_ids(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_started()
    response = post(
        alice_client,
        linkedin_account,
        recipients="ACoAAB-jordan, Acme-messaging-42",
        subject="Hello",
        message="Plain <b>text</b> & more",
        linkedin_api="classic",
        inmail="on",
        topic="request_demo",
        applicant_id="app_1",
        invitation_id="inv_9",
    )
    assert response.status_code == 302
    assert response["Location"] == f"{NEW}?account={linkedin_account.pk}"
    assert sent_texts() == [
        ("account_id", "acc_linkedin_demo"),
        ("attendees_ids[]", "ACoAAB-jordan"),
        ("attendees_ids[]", "Acme-messaging-42"),
        ("text", "Plain <b>text</b> & more"),  # classic takes plain text, sent as typed
        ("subject", "Hello"),
        ("linkedin[api]", "classic"),
        ("linkedin[inmail]", "true"),
        ("linkedin[topic]", "request_demo"),
        ("linkedin[applicant_id]", "app_1"),
        ("linkedin[invitation_id]", "inv_9"),
    ]
    assert sent_files() == []
    page = alice_client.get(response["Location"]).content.decode()
    assert "Chat started with ACoAAB-jordan, Acme-messaging-42." in page
    assert "Chat id: chat_new; message id: msg_new." in page


@pytest.mark.parametrize(
    ("after", "unit", "schedule"),
    [("5", "days", ("days", "5")), ("2", "weeks", ("weeks", "2"))],
    ids=["days", "weeks"],
)
@responses.activate
def test_it_starts_a_recruiter_chat_with_a_follow_up_and_only_the_recruiter_html(
    alice_client: Client,
    linkedin_account: LinkedAccount,
    after: str,
    unit: str,
    schedule: tuple[str, str],
) -> None:
    stub_started()
    response = post(
        alice_client,
        linkedin_account,
        recipients="AEmaria",
        message='<strong>Hi</strong> <span onclick="steal()">Maria</span><script>alert(1)</script>',
        linkedin_api="recruiter",
        signature="Alice, Acme",
        hiring_project_id="proj_1",
        job_posting_id="job_1",
        sourcing_channel="REFERRAL",
        email_address="maria@example.com",
        visibility="PROJECT",
        follow_up_subject="Still interested?",
        follow_up_message="Just checking <em>in</em>",
        follow_up_after=after,
        follow_up_unit=unit,
        timezone="Europe/Paris",
        follow_up_attachments=[upload("brief.pdf", PDF)],
    )
    assert response.status_code == 302
    prefix = "linkedin[follow_up]"
    assert sent_texts() == [
        ("account_id", "acc_linkedin_demo"),
        ("attendees_ids[]", "AEmaria"),
        ("text", "<strong>Hi</strong> Maria"),  # onclick, the span and the script removed
        ("linkedin[api]", "recruiter"),
        ("linkedin[signature]", "Alice, Acme"),
        ("linkedin[hiring_project_id]", "proj_1"),
        ("linkedin[job_posting_id]", "job_1"),
        ("linkedin[sourcing_channel]", "REFERRAL"),
        ("linkedin[email_address]", "maria@example.com"),
        ("linkedin[visibility]", "PROJECT"),
        (f"{prefix}[subject]", "Still interested?"),
        (f"{prefix}[text]", "Just checking <em>in</em>"),
        (f"{prefix}[scheduled_time][{schedule[0]}]", schedule[1]),
        (f"{prefix}[scheduled_time][timezone]", "Europe/Paris"),
    ]
    assert sent_files() == [(f"{prefix}[attachments]", "brief.pdf", "application/pdf", PDF)]


@responses.activate
def test_a_recruiter_chat_without_a_follow_up_sends_the_default_visibility(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_started()
    post(
        alice_client, linkedin_account, recipients="AEmaria", message="Hi", linkedin_api="recruiter"
    )
    assert sent_texts() == [
        ("account_id", "acc_linkedin_demo"),
        ("attendees_ids[]", "AEmaria"),
        ("text", "Hi"),
        ("linkedin[api]", "recruiter"),
        ("linkedin[visibility]", "PRIVATE"),
    ]


@responses.activate
def test_a_sales_navigator_chat_sends_only_the_api_among_the_linkedin_options(
    alice_client: Client, sales_navigator_account: LinkedAccount
) -> None:
    stub_started()
    response = post(
        alice_client,
        sales_navigator_account,
        recipients="ACwSam",
        message="Hi Sam",
        linkedin_api="sales_navigator",
        inmail="on",  # not a Sales Navigator field: never sent
        topic="support",
    )
    assert response.status_code == 302
    assert sent_texts() == [
        ("account_id", "acc_salesnav"),
        ("attendees_ids[]", "ACwSam"),
        ("text", "Hi Sam"),
        ("linkedin[api]", "sales_navigator"),
    ]


@responses.activate
def test_a_whatsapp_chat_carries_a_voice_message_typed_by_its_content(
    alice_client: Client, whatsapp_account: LinkedAccount
) -> None:
    stub_started()
    response = post(
        alice_client,
        whatsapp_account,
        recipients="33612345678@s.whatsapp.net",
        message="Listen to this",
        voice_message=upload("../../etc/my note!.mp3", MP3, "text/plain"),
    )
    assert response.status_code == 302
    assert sent_texts() == [
        ("account_id", "acc_whatsapp"),
        ("attendees_ids[]", "33612345678@s.whatsapp.net"),
        ("text", "Listen to this"),
    ]
    # The sniffed type, not the browser's; a safe name.
    assert sent_files() == [("voice_message", "my note_.mp3", "audio/mpeg", MP3)]


@responses.activate
def test_an_instagram_chat_sends_attachments_and_offers_no_voice_message(
    alice_client: Client, instagram_account: LinkedAccount
) -> None:
    page = alice_client.get(NEW, {"account": instagram_account.pk}).content.decode()
    assert 'name="voice_message"' not in page and 'name="video_message"' not in page
    assert "send audio under Attachments instead" in page
    assert 'name="attachments" id="id_attachments" multiple' in page
    assert 'name="linkedin_api"' not in page

    stub_started()
    response = post(
        alice_client,
        instagram_account,
        recipients="17841400000000001",
        attachments=[upload("photo.png", PNG), upload("song.mp3", MP3)],
    )
    assert response.status_code == 302
    assert sent_texts() == [
        ("account_id", "acc_instagram"),
        ("attendees_ids[]", "17841400000000001"),
    ]
    assert sent_files() == [
        ("attachments", "photo.png", "image/png", PNG),
        ("attachments", "song.mp3", "audio/mpeg", MP3),
    ]


# --- what the form offers ------------------------------------------------------------------


def test_the_form_has_the_labelled_fields_of_the_accounts_apis(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    page = alice_client.get(NEW, {"account": linkedin_account.pk}).content.decode()
    for label in ("Account", "Recipients", "Subject", "Message", "LinkedIn API"):
        assert f">{label}</label>" in page
    for label in ("Send as an InMail", "Topic", "Applicant ID", "Invitation ID", "Attachments"):
        assert f">{label}</label>" in page
    assert ">Voice message</label>" in page and ">Video message</label>" in page
    assert ">Start chat</button>" in page
    assert 'enctype="multipart/form-data"' in page and 'hx-encoding="multipart/form-data"' in page
    # Only the APIs the account has (classic and recruiter), classic first; no Recruiter fields.
    assert '<option value="classic" selected>Classic</option>' in page
    assert '<option value="recruiter">Recruiter</option>' in page
    assert "sales_navigator" not in page
    assert ">Signature</label>" not in page and ">Follow-up after</label>" not in page
    # The file inputs come after every text field, so the text arrives first.
    assert page.index('type="file"') > page.index('name="invitation_id"')


def test_the_recruiter_fields_offer_the_documented_choices_and_a_timezone(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    page = alice_client.get(
        NEW, {"account": linkedin_account.pk, "linkedin_api": "recruiter"}
    ).content.decode()
    for label in ("Signature", "Hiring project ID", "Job posting ID", "Sourcing channel"):
        assert f">{label}</label>" in page
    for label in ("Email address", "Visibility", "Follow-up subject", "Follow-up message"):
        assert f">{label}</label>" in page
    for label in ("Follow-up after", "Follow-up attachments", "Timezone"):
        assert f">{label}</label>" in page
    assert '<option value="PRIVATE" selected>' in page
    assert '<option value="days" selected>days</option>' in page
    assert '<option value="CAREER_SITE">Career site</option>' in page
    assert '<option value="PROJECT">Project: within the hiring project</option>' in page
    assert "data-browser-timezone" in page and '<option value="UTC" selected>UTC</option>' in page
    assert '<option value="Europe/Paris">Europe/Paris</option>' in page
    assert ">Send as an InMail</label>" not in page
    assert 'hx-post="/chats/new/preview/"' in page
    assert 'hx-trigger="input changed delay:400ms from:#id_message"' in page


class _VisibleText(HTMLParser):
    """The words a person reads: text and option labels, with attribute values left out."""

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "title"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "title"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.words.append(data)


# An API constant or field name: JOB_POSTING, service_request, provider_messaging_id, and the
# like. Ids a person pastes are shown as examples of their shape ("ACo…"), never like this.
RAW_CONSTANT = re.compile(r"\b(?:[A-Z]+_[A-Z_]+|[a-z]+_[a-z_]+)\b")


@pytest.mark.parametrize(
    ("account_fixture", "api"),
    [
        ("linkedin_account", "classic"),
        ("linkedin_account", "recruiter"),
        ("sales_navigator_account", ""),
        ("instagram_account", ""),
        ("whatsapp_account", ""),
    ],
)
def test_the_form_shows_no_raw_option_constant_in_its_words(
    request: pytest.FixtureRequest, alice_client: Client, account_fixture: str, api: str
) -> None:
    account = request.getfixturevalue(account_fixture)
    query = {"account": account.pk, **({"linkedin_api": api} if api else {})}
    page = alice_client.get(NEW, query).content.decode()
    form = page[page.index('<form method="post" action="/chats/new/"') :]
    # Accounts are listed under the labels the team gave them, whatever those are.
    form = re.sub(r'<select name="account".*?</select>', "", form, flags=re.DOTALL)
    parser = _VisibleText()
    parser.feed(form)
    words = " ".join(parser.words)
    # the words of the form were read, not an empty page
    assert "Recipients" in words and "Start chat" in words
    assert RAW_CONSTANT.findall(words) == []
    # every option a person chooses from reads as words (a timezone reads as its IANA name)
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', form)
    raw = [value for value, label in options if value == label and RAW_CONSTANT.search(value)]
    assert raw == []


def test_the_fields_fragment_follows_the_account_and_the_api(
    alice_client: Client, linkedin_account: LinkedAccount, whatsapp_account: LinkedAccount
) -> None:
    recruiter = alice_client.get(
        FIELDS, {"account": linkedin_account.pk, "linkedin_api": "recruiter"}, headers=HTMX
    )
    assert "HX-Request" in recruiter["Vary"]
    page = recruiter.content.decode()
    assert page.lstrip().startswith('<div id="chat-options"')
    assert ">Signature</label>" in page and ">Send as an InMail</label>" not in page
    assert '<div id="chat-files" class="chat-files" hx-swap-oob="true">' in page
    assert 'name="follow_up_attachments"' in page and "<html" not in page
    whatsapp = alice_client.get(
        FIELDS, {"account": whatsapp_account.pk}, headers=HTMX
    ).content.decode()
    assert 'name="linkedin_api"' not in whatsapp and ">Signature</label>" not in whatsapp
    assert 'name="voice_message"' in whatsapp and 'name="video_message"' not in whatsapp
    assert "@s.whatsapp.net" in whatsapp  # the recipients' help, out of band


def test_without_htmx_the_fields_address_leads_to_the_full_form(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    response = alice_client.get(
        FIELDS, {"account": linkedin_account.pk, "linkedin_api": "recruiter"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{NEW}?account={linkedin_account.pk}&linkedin_api=recruiter"


def test_without_javascript_the_refresh_button_shows_the_chosen_api_and_keeps_the_text(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    response = post(
        alice_client,
        linkedin_account,
        recipients="AEkept",
        message="Kept message",
        linkedin_api="recruiter",
        refresh="1",
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert ">Signature</label>" in page and "field-errors" not in page
    assert "AEkept</textarea>" in page and "Kept message</textarea>" in page


def test_the_preview_keeps_only_the_recruiter_html(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    response = alice_client.post(
        PREVIEW,
        {"message": '<strong>Bold</strong><a href="javascript:x()" onclick="x()">l</a><script>x'},
        headers=HTMX,
    )
    page = response.content.decode()
    assert "<strong>Bold</strong>" in page
    assert "<script" not in page and "onclick" not in page and "javascript:" not in page
    assert "<html" not in page


# --- Recruiter text is HTML, escaped once; other text goes as typed (issue 13) --------------

TYPED = "Tom & Jerry <3 — <strong>R&amp;D</strong>"
AS_HTML = "Tom &amp; Jerry &lt;3 — <strong>R&amp;D</strong>"


@responses.activate
def test_recruiter_text_and_its_follow_up_are_sent_as_html_escaped_once(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_started()
    post(
        alice_client,
        linkedin_account,
        recipients="AEmaria",
        message=TYPED,
        linkedin_api="recruiter",
        follow_up_subject="Tom & Jerry <3",  # a subject is plain text everywhere
        follow_up_message=TYPED,
        follow_up_after="7",
        follow_up_unit="days",
        timezone="Europe/Paris",
    )
    texts = dict(sent_texts())
    assert texts["text"] == AS_HTML
    assert texts["linkedin[follow_up][text]"] == AS_HTML
    assert texts["linkedin[follow_up][subject]"] == "Tom & Jerry <3"


@pytest.mark.parametrize(
    ("provider_account", "recipient", "api"),
    [
        ("linkedin_account", "ACoAAB-jordan", "classic"),
        ("sales_navigator_account", "ACwSam", "sales_navigator"),
        ("whatsapp_account", "33612345678@s.whatsapp.net", ""),
        ("instagram_account", "17841400000000001", ""),
    ],
)
@responses.activate
def test_text_for_every_other_provider_and_api_is_sent_as_typed(
    alice_client: Client,
    request: pytest.FixtureRequest,
    provider_account: str,
    recipient: str,
    api: str,
) -> None:
    stub_started()
    account = request.getfixturevalue(provider_account)
    post(alice_client, account, recipients=recipient, message=TYPED, linkedin_api=api)
    assert dict(sent_texts())["text"] == TYPED


@pytest.mark.parametrize("field", ["message", "follow_up_message"])
def test_the_preview_shows_recruiter_text_as_the_html_sent_never_escaped_twice(
    alice_client: Client, linkedin_account: LinkedAccount, field: str
) -> None:
    response = alice_client.post(PREVIEW, {field: TYPED}, headers=HTMX)
    page = response.content.decode()
    assert f'<div class="message-preview-body">{AS_HTML}</div>' in page
    assert "&amp;amp;" not in page and "&amp;lt;" not in page


def test_the_recruiter_form_previews_the_follow_up_too(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    page = alice_client.get(
        NEW, {"account": linkedin_account.pk, "linkedin_api": "recruiter"}
    ).content.decode()
    start = page.index('<div id="follow-up-preview"')
    region = page[start : page.index("</div>", start)]
    assert 'hx-post="/chats/new/preview/"' in region
    assert 'hx-include="#id_follow_up_message" hx-params="follow_up_message"' in region
    assert 'hx-trigger="input changed delay:400ms from:#id_follow_up_message"' in region


@responses.activate
def test_a_form_shown_again_previews_both_texts_escaped_once(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    response = post(
        alice_client,
        linkedin_account,
        recipients="ACoNotRecruiter",  # refused: the form comes back
        message=TYPED,
        linkedin_api="recruiter",
        follow_up_message=TYPED,
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert page.count(f'<div class="message-preview-body">{AS_HTML}</div>') == 2
    # The text areas keep what was typed (escaped once by the template, as any text is).
    assert page.count(f"{escape(TYPED)}</textarea>") == 2
    assert not responses.calls


# --- refused before any call ---------------------------------------------------------------


@responses.activate
def test_a_voice_message_on_instagram_is_refused_at_its_field(
    alice_client: Client, instagram_account: LinkedAccount
) -> None:
    response = post(
        alice_client,
        instagram_account,
        recipients="17841400000000001",
        message="Hi",
        voice_message=upload("note.mp3", MP3),
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Instagram takes no voice message" in field_errors(page, "voice_message")
    assert 'name="voice_message"' not in page  # still no control for it
    assert len(responses.calls) == 0


# --- what the docs allow: a subject alone, any file we can recognise (issue 13) -------------

HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 40
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 40


@responses.activate
def test_it_starts_a_chat_with_only_a_subject(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    # The docs require neither text nor files: a subject is something to start with.
    stub_started()
    response = post(
        alice_client,
        linkedin_account,
        recipients="ACoAAB-jordan",
        subject="Your talk at PyCon",
        linkedin_api="classic",
    )
    assert response.status_code == 302
    assert sent_texts() == [
        ("account_id", "acc_linkedin_demo"),
        ("attendees_ids[]", "ACoAAB-jordan"),
        ("subject", "Your talk at PyCon"),
        ("linkedin[api]", "classic"),
    ]


@responses.activate
def test_a_chat_with_nothing_to_send_says_what_it_needs(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    response = post(
        alice_client,
        linkedin_account,
        recipients="ACoAAB-jordan",
        subject="   ",
        message="  ",
        linkedin_api="classic",
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert escape(NOTHING_TO_SEND) in field_errors(page, "message")
    assert "or a subject" in NOTHING_TO_SEND
    assert not responses.calls


@responses.activate
def test_it_sends_text_csv_and_heic_attachments_under_the_type_their_content_shows(
    alice_client: Client, whatsapp_account: LinkedAccount
) -> None:
    stub_started()
    notes = "Ça va ? Tom & Jerry <3\n".encode()
    leads = b"\xef\xbb\xbfname,email\nZo\xc3\xab,zoe@example.com\n"
    page = b"<html><script>alert(1)</script></html>"
    response = post(
        alice_client,
        whatsapp_account,
        recipients="33612345678@s.whatsapp.net",
        attachments=[
            upload("notes.txt", notes, "application/octet-stream"),
            upload("leads.csv", leads, "application/vnd.ms-excel"),
            upload("IMG_0001.HEIC", HEIC, "image/heic"),
            upload("page.html", page, "text/html"),
        ],
    )
    assert response.status_code == 302
    assert sent_files() == [
        ("attachments", "notes.txt", "text/plain", notes),
        ("attachments", "leads.csv", "text/csv", leads),
        ("attachments", "IMG_0001.HEIC", "image/heic", HEIC),
        ("attachments", "page.txt", "text/plain", page),  # text, never a page to render
    ]


@responses.activate
def test_follow_up_attachments_take_text_too(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_started()
    post(
        alice_client,
        linkedin_account,
        recipients="AEmaria",
        message="Hi",
        linkedin_api="recruiter",
        follow_up_subject="Still interested?",
        follow_up_message="Just checking in",
        follow_up_after="1",
        follow_up_unit="weeks",
        timezone="Europe/Paris",
        follow_up_attachments=[upload("agenda.txt", b"9:00 coffee\n")],
    )
    assert sent_files() == [
        ("linkedin[follow_up][attachments]", "agenda.txt", "text/plain", b"9:00 coffee\n")
    ]


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        (
            "leads.csv",
            "Zoë;Liège\n".encode("latin-1"),
            "“leads.csv” is not UTF-8 text, the only text we can send as it is. Save it as "
            "UTF-8 (in Excel: “CSV UTF-8”) and choose it again.",
        ),
        (
            "tool",
            ELF,
            "“tool” is not a file type we can recognise by its content, so it is not sent. "
            "Attachments takes images (HEIC too), audio, video, PDF or Office documents, ZIP "
            "archives, and plain text or CSV in UTF-8.",
        ),
    ],
)
@responses.activate
def test_a_file_that_cannot_be_sent_says_why(
    alice_client: Client, linkedin_account: LinkedAccount, name: str, data: bytes, words: str
) -> None:
    response = post(
        alice_client,
        linkedin_account,
        recipients="ACoAAB-jordan",
        message="See attached",
        linkedin_api="classic",
        attachments=[upload(name, data)],
    )
    assert response.status_code == 400
    assert escape(words) in field_errors(response.content.decode(), "attachments")
    assert not responses.calls


@responses.activate
def test_text_is_not_taken_as_a_voice_message(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    response = post(
        alice_client,
        linkedin_account,
        recipients="ACoAAB-jordan",
        linkedin_api="classic",
        voice_message=upload("note.txt", b"just words\n"),
    )
    assert response.status_code == 400
    errors = field_errors(response.content.decode(), "voice_message")
    assert escape("“note.txt” is a plain text file. Voice message takes audio") in errors
    assert not responses.calls


@responses.activate
def test_a_pdf_posted_as_a_video_message_is_refused_by_its_content(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    response = post(
        alice_client,
        linkedin_account,
        recipients="ACoAAB-jordan",
        message="Watch this",
        linkedin_api="classic",
        video_message=upload("clip.mp4", PDF, "video/mp4"),
    )
    page = response.content.decode()
    assert response.status_code == 400
    errors = field_errors(page, "video_message")
    assert escape("“clip.mp4” is a PDF file. Video message takes video") in errors
    assert len(responses.calls) == 0


@responses.activate
def test_a_video_is_accepted_as_a_video_message(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_started()
    post(
        alice_client,
        linkedin_account,
        recipients="ACoAAB-jordan",
        linkedin_api="classic",
        video_message=upload("clip.mp4", MP4),
    )
    assert sent_files() == [("video_message", "clip.mp4", "video/mp4", MP4)]


@override_settings(CHAT_UPLOAD_MAX_FILE_BYTES=1024)
@responses.activate
def test_a_file_over_the_size_cap_is_refused_with_the_text_kept_and_no_call(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    response = post(
        alice_client,
        linkedin_account,
        recipients="ACoAAB-jordan",
        subject="Kept subject",
        message="Kept message",
        linkedin_api="classic",
        attachments=[upload("big.png", PNG + b"\x00" * 4096)],
    )
    page = response.content.decode()
    assert len(responses.calls) == 0
    assert escape("“big.png” is larger than") in top_errors(page)
    assert 'value="Kept subject"' in page and "Kept message</textarea>" in page
    assert "ACoAAB-jordan</textarea>" in page
    assert "choose them again" in page


@override_settings(CHAT_UPLOAD_MAX_FILES=2)
@responses.activate
def test_more_files_than_the_cap_are_refused_without_a_call(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    response = post(
        alice_client,
        linkedin_account,
        recipients="ACoAAB-jordan",
        message="Kept",
        linkedin_api="classic",
        attachments=[upload(f"p{n}.png", PNG) for n in range(3)],
    )
    assert len(responses.calls) == 0
    assert "At most 2 files can go with one chat." in top_errors(response.content.decode())


@pytest.mark.parametrize(
    ("api", "recipient", "problem"),
    [
        ("classic", "ACwSam", "is a Sales Navigator or Recruiter id, not a Classic one"),
        ("recruiter", "ACoJordan", "Recruiter ids start with AE"),
    ],
    ids=["acw-on-classic", "not-ae-on-recruiter"],
)
@responses.activate
def test_linkedin_recipients_are_checked_against_the_chosen_api(
    alice_client: Client, linkedin_account: LinkedAccount, api: str, recipient: str, problem: str
) -> None:
    response = post(
        alice_client,
        linkedin_account,
        recipients=f"AEgood\n{recipient}" if api == "recruiter" else f"ACoGood\n{recipient}",
        message="Hi",
        linkedin_api=api,
    )
    assert response.status_code == 400
    assert problem in field_errors(response.content.decode(), "recipients")
    assert len(responses.calls) == 0


@responses.activate
def test_a_wrong_whatsapp_id_is_refused(
    alice_client: Client, whatsapp_account: LinkedAccount
) -> None:
    response = post(alice_client, whatsapp_account, recipients="33612345678", message="Hi")
    assert "is not a WhatsApp id" in field_errors(response.content.decode(), "recipients")
    assert len(responses.calls) == 0


@responses.activate
def test_a_company_recipient_needs_a_topic(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    response = post(
        alice_client,
        linkedin_account,
        recipients="acme-company",
        message="Hi",
        linkedin_api="classic",
    )
    assert response.status_code == 400
    assert "Choose a topic" in field_errors(response.content.decode(), "topic")
    assert len(responses.calls) == 0


@responses.activate
def test_a_linkedin_api_the_account_does_not_have_is_refused(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    response = post(
        alice_client,
        linkedin_account,
        recipients="ACwSam",
        message="Hi",
        linkedin_api="sales_navigator",
    )
    assert response.status_code == 400
    errors = field_errors(response.content.decode(), "linkedin_api")
    assert "This account cannot use that LinkedIn API. It has: Classic, Recruiter." in errors
    assert len(responses.calls) == 0


@responses.activate
def test_a_follow_up_needs_a_subject_a_message_and_a_delay_in_range(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    response = post(
        alice_client,
        linkedin_account,
        recipients="AEmaria",
        message="Hi",
        linkedin_api="recruiter",
        follow_up_after="5",
        follow_up_unit="weeks",
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "A follow-up needs a subject and a message." in field_errors(page, "follow_up_subject")
    assert "A follow-up needs a subject and a message." in field_errors(page, "follow_up_message")
    assert "5 weeks is too late: a follow-up comes after 1 to 4 weeks." in field_errors(
        page, "follow_up_after"
    )
    assert len(responses.calls) == 0


@pytest.mark.parametrize(
    ("after", "unit", "words"),
    [
        ("30", "weeks", "30 weeks is too late: a follow-up comes after 1 to 4 weeks."),
        ("29", "days", "29 days is too late: a follow-up comes after 3 to 28 days."),
        ("2", "days", "2 days is too soon: a follow-up comes after 3 to 28 days."),
        ("1", "days", "1 day is too soon: a follow-up comes after 3 to 28 days."),
        ("0", "weeks", "0 weeks is too soon: a follow-up comes after 1 to 4 weeks."),
    ],
)
@responses.activate
def test_a_follow_up_delay_out_of_range_is_said_in_the_unit_chosen(
    alice_client: Client, linkedin_account: LinkedAccount, after: str, unit: str, words: str
) -> None:
    response = post(
        alice_client,
        linkedin_account,
        recipients="AEmaria",
        message="Hi",
        linkedin_api="recruiter",
        follow_up_subject="Still interested?",
        follow_up_message="Just checking in",
        follow_up_after=after,
        follow_up_unit=unit,
        timezone="Europe/Paris",
    )
    errors = field_errors(response.content.decode(), "follow_up_after")
    assert response.status_code == 400
    assert [words] == re.findall(r"<li>(.*?)</li>", errors)  # nothing about 28 for weeks
    assert len(responses.calls) == 0


def test_the_follow_up_delay_leaves_its_range_to_the_unit_not_to_the_browser(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    # A max of 28 in the page would have the browser refuse 4 weeks' neighbours in days' words.
    page = alice_client.get(f"{NEW}?account={linkedin_account.pk}&linkedin_api=recruiter")
    field = re.search(r'<input[^>]*name="follow_up_after"[^>]*>', page.content.decode())
    assert field is not None and 'min="1"' in field[0] and "max=" not in field[0]


@responses.activate
def test_an_htmx_post_with_errors_comes_back_as_a_200_form_fragment(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    response = alice_client.post(
        NEW,
        {"account": linkedin_account.pk, "recipients": "ACwSam", "linkedin_api": "classic"},
        headers=HTMX,
    )
    page = response.content.decode()
    assert response.status_code == 200 and "HX-Request" in response["Vary"]
    assert page.lstrip().startswith('<form method="post" action="/chats/new/"')
    assert "<html" not in page and "not a Classic one" in field_errors(page, "recipients")


@responses.activate
def test_a_successful_htmx_post_redirects_the_browser(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_started()
    response = alice_client.post(
        NEW,
        {
            "account": linkedin_account.pk,
            "recipients": "ACoA",
            "message": "Hi",
            "linkedin_api": "classic",
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{NEW}?account={linkedin_account.pk}"


# --- API errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error_type", "status", "field"),
    [
        ("errors/no_connection_with_recipient", 422, "recipients"),
        ("errors/invalid_recipient", 422, "recipients"),
        ("errors/not_allowed_inmail", 422, "inmail"),
        ("errors/insufficient_credits", 422, "inmail"),
        ("errors/unsupported_media_type", 415, "voice_message"),
    ],
)
@responses.activate
def test_an_api_error_shows_at_its_field_with_the_input_kept_and_the_files_note(
    alice_client: Client, linkedin_account: LinkedAccount, error_type: str, status: int, field: str
) -> None:
    stub_error(error_type, status)
    response = post(
        alice_client,
        linkedin_account,
        recipients="ACoAAB-jordan",
        subject="Kept subject",
        message="Kept message",
        linkedin_api="classic",
        inmail="on",
        topic="careers",
        voice_message=upload("note.mp3", MP3),
    )
    page = response.content.decode()
    assert len(responses.calls) == 1
    assert escape(entry_for(error_type, status).message) in field_errors(page, field)
    assert "postpress said: “raw detail”" in page and error_type not in page
    assert 'value="Kept subject"' in page and "Kept message</textarea>" in page
    assert re.search(r'<input type="checkbox" name="inmail"[^>]* checked>', page)
    assert '<option value="careers" selected>' in page
    assert "Files are not kept when the form comes back: choose them again" in page


@responses.activate
def test_an_unsupported_attachment_is_reported_at_the_top(
    alice_client: Client, instagram_account: LinkedAccount
) -> None:
    stub_error("errors/unsupported_media_type", 415)
    response = post(
        alice_client,
        instagram_account,
        recipients="17841400000000001",
        attachments=[upload("photo.png", PNG)],
    )
    page = response.content.decode()
    message = entry_for("errors/unsupported_media_type", 415).message
    assert escape(message) in top_errors(page)


@responses.activate
def test_an_api_error_without_files_has_no_files_note_and_goes_at_the_top(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_error("errors/account_restricted", 403)
    response = post(
        alice_client, linkedin_account, recipients="ACoA", message="Hi", linkedin_api="classic"
    )
    page = response.content.decode()
    assert escape(entry_for("errors/account_restricted", 403).message) in top_errors(page)
    assert "choose them again" not in page


@responses.activate
def test_a_team_without_an_api_key_is_told_so_and_nothing_is_called(
    alice_client: Client, team: Team, linkedin_account: LinkedAccount
) -> None:
    team.api_key_ciphertext = ""
    team.save()
    response = post(
        alice_client, linkedin_account, recipients="ACoA", message="Hi", linkedin_api="classic"
    )
    assert "The team has no postpress API key yet." in top_errors(response.content.decode())
    assert len(responses.calls) == 0


# --- success and the activity log ----------------------------------------------------------


@responses.activate
def test_success_shows_pending_for_an_id_the_provider_did_not_return(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_started(chat_id="chat_77", message_id=None)
    response = post(
        alice_client, linkedin_account, recipients="ACoA", message="Hi", linkedin_api="classic"
    )
    page = alice_client.get(response["Location"]).content.decode()
    assert "Chat id: chat_77; message id: pending." in page


@responses.activate
def test_the_activity_log_records_the_chat_with_file_names_and_sizes(
    alice_client: Client, alice: User, instagram_account: LinkedAccount
) -> None:
    stub_started()
    post(
        alice_client,
        instagram_account,
        recipients="17841400000000001",
        attachments=[upload("photo.png", PNG), upload("song.mp3", MP3)],
    )
    event = Entry.objects.exclude(kind="settings").get()
    assert (event.kind, event.outcome, event.actor) == (Kind.CHAT, Outcome.OK, alice)
    assert event.target == "17841400000000001"
    assert event.detail == "Files: photo.png (1 KB), song.mp3 (1 KB)"
    page = alice_client.get("/activity/").content.decode()
    assert "Chat started" in page and "Files: photo.png (1 KB), song.mp3 (1 KB)" in page


# --- links and access ----------------------------------------------------------------------


@responses.activate
def test_the_inbox_message_link_prefills_the_composer(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    item = {
        "object": "InvitationReceived",
        "id": "inv_42",
        "invited_user": "Alice",
        "invited_user_id": "ACoAlice",
        "invited_user_public_id": "alice",
        "invited_user_description": "",
        "date": "May 12, 2026",
        "parsed_datetime": "2026-05-12T08:14:00.000Z",
        "invitation_text": "",
        "inviter": {
            "inviter_name": "Jordan",
            "inviter_id": "ACoJordan",
            "inviter_public_identifier": "jordan",
            "inviter_description": "",
        },
        "specifics": {"provider": "LINKEDIN", "shared_secret": "secret"},
    }
    responses.get(
        re.compile(re.escape(f"{API_BASE_URL}/users/invite/received") + r"(\?.*)?$"),
        json={"object": "InvitationList", "items": [item], "cursor": None},
    )
    inbox = alice_client.get("/inbox/", {"account": linkedin_account.pk}).content.decode()
    query = urlencode(
        {"account": linkedin_account.pk, "recipients": "ACoJordan", "invitation_id": "inv_42"}
    )
    href = f"{NEW}?{query}"
    assert f'href="{escape(href)}" aria-label="Message Jordan">Message</a>' in inbox
    page = alice_client.get(href).content.decode()
    assert "ACoJordan</textarea>" in page
    assert 'name="invitation_id" value="inv_42"' in page
    assert '<option value="classic" selected>Classic</option>' in page


def test_another_teams_account_is_not_found(
    alice_client: Client, other_team: Team, linkedin_account: LinkedAccount
) -> None:
    theirs = add_account(other_team, "LINKEDIN", "acc_globex", ["classic"])
    assert alice_client.get(NEW, {"account": theirs.pk}).status_code == 404
    assert alice_client.get(FIELDS, {"account": theirs.pk}, headers=HTMX).status_code == 404
    response = alice_client.post(NEW, {"account": theirs.pk, "recipients": "ACoA", "message": "Hi"})
    assert response.status_code == 404


def test_the_nav_links_to_the_composer(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    page = alice_client.get(NEW).content.decode()
    assert '<a href="/chats/new/">New chat</a>' in page


# --- edge cases found in review ------------------------------------------------------------


@responses.activate
def test_a_file_name_with_a_very_long_extension_is_sent_under_a_safe_name(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_started()
    response = post(
        alice_client,
        linkedin_account,
        recipients="ACoAAB-jordan",
        linkedin_api="classic",
        attachments=upload("Dr. " + "Я" * 120, PDF),
    )
    assert response.status_code == 302
    [(_, filename, _, data)] = sent_files()
    assert data == PDF
    assert filename is not None and len(filename) <= 100


@responses.activate
def test_a_recruiter_message_that_sanitizes_to_nothing_is_no_message(
    alice_client: Client, team: Team
) -> None:
    recruiter = add_account(team, "LINKEDIN", "acc_recruiter_only", ["recruiter"])
    response = post(
        alice_client,
        recruiter,
        recipients="AEAArecruit1",
        linkedin_api="recruiter",
        message="<script>alert(1)</script>",
        follow_up_subject="Following up",
        follow_up_message="<img src=x>",
        follow_up_after="5",
        follow_up_unit="days",
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert escape(NOTHING_TO_SEND) in field_errors(page, "message")
    assert "needs a subject and a message" in field_errors(page, "follow_up_message")
    assert not responses.calls


@responses.activate
def test_a_chat_to_many_recipients_is_recorded_without_overflowing_the_log(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_started()
    recipients = "\n".join(f"ACoAAmember{number:04d}" for number in range(60))
    post(
        alice_client, linkedin_account, recipients=recipients, linkedin_api="classic", message="Hi"
    )
    event = Entry.objects.exclude(kind="settings").get(kind=Kind.CHAT)
    assert len(event.target) <= 300 and event.target.startswith("ACoAAmember0000")


def test_an_empty_file_is_refused_in_our_words(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    response = post(
        alice_client,
        linkedin_account,
        recipients="ACoAAB-jordan",
        linkedin_api="classic",
        message="Hi",
        video_message=upload("clip.mp4", b""),
    )
    assert "This file is empty" in field_errors(response.content.decode(), "video_message")


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("evil.html", "evil.pdf"),
        ("notes", "notes.pdf"),
        ("Report.PDF", "Report.PDF"),
        ("photo.png.exe", "photo.png.pdf"),
    ],
)
@responses.activate
def test_a_file_leaves_under_a_name_of_the_kind_it_is(
    alice_client: Client, linkedin_account: LinkedAccount, given: str, sent: str
) -> None:
    """F20: the name carries the extension of the type sent, not the one it came with."""
    stub_started()
    post(
        alice_client,
        linkedin_account,
        recipients="ACoAAB-jordan",
        linkedin_api="classic",
        attachments=upload(given, PDF, content_type="text/html"),
    )
    [(_, filename, content_type, _)] = sent_files()
    assert (filename, content_type) == (sent, "application/pdf")


@responses.activate
def test_out_of_credits_without_inmail_ticked_is_said_at_the_top_not_at_the_inmail_box(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    """Issue 13: insufficient_credits landed at the InMail box even when InMail was not ticked."""
    stub_error("errors/insufficient_credits", 422)
    page = post(
        alice_client,
        linkedin_account,
        recipients="ACoAAB-jordan",
        message="Hello",
        linkedin_api="classic",
    ).content.decode()
    words = escape(entry_for("errors/insufficient_credits", 422).message)
    assert words in page
    assert 'id="id_inmail_error"' not in page


@responses.activate
def test_a_recruiter_composer_never_says_to_drop_an_inmail_box_it_does_not_have(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    """Review of issue 13: words for the form as it is."""
    stub_error("errors/not_allowed_inmail", 422)
    page = post(
        alice_client,
        linkedin_account,
        recipients="AEMAAB-jordan",
        message="Hello",
        linkedin_api="recruiter",
    ).content.decode()
    assert "does not allow this account to send this person a paid message" in page
    assert "without InMail" not in page


# --- chosen files when the form comes back ---------------------------------------------------


def keeps_selection(page: str, field: str) -> bool:
    """Whether the page lets chats.js put back the files chosen at this input."""
    tag = re.search(rf'<input type="file" name="{field}"[^>]*>', page)
    assert tag is not None, field
    return "data-keep-selection" in tag.group(0)


@responses.activate
def test_a_refused_form_sent_by_htmx_keeps_the_chosen_files_and_says_so(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    page = alice_client.post(
        NEW,
        {
            "account": linkedin_account.pk,
            "recipients": "not an id",
            "linkedin_api": "classic",
            "attachments": [upload("photo.png", PNG)],
            "voice_message": upload("note.mp3", MP3),
        },
        headers=HTMX,
    ).content.decode()
    assert len(responses.calls) == 0
    assert escape(FILES_KEPT) in page and "choose them again" not in page
    assert keeps_selection(page, "attachments") and keeps_selection(page, "voice_message")
    assert keeps_selection(page, "video_message")


def test_a_refused_file_is_not_kept_and_the_others_are(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    page = alice_client.post(
        NEW,
        {
            "account": linkedin_account.pk,
            "recipients": "ACoAAB-jordan",
            "linkedin_api": "classic",
            "attachments": [upload("photo.png", PNG)],
            "voice_message": upload("clip.mp4", MP4),
        },
        headers=HTMX,
    ).content.decode()
    assert "MP4 file" in field_errors(page, "voice_message")
    assert escape(FILES_REFUSED) in page
    assert keeps_selection(page, "attachments")
    assert not keeps_selection(page, "voice_message")


@override_settings(CHAT_UPLOAD_MAX_FILE_BYTES=1024)
def test_after_an_upload_stopped_at_a_cap_no_file_is_kept(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    page = alice_client.post(
        NEW,
        {
            "account": linkedin_account.pk,
            "recipients": "ACoAAB-jordan",
            "message": "Hi",
            "linkedin_api": "classic",
            "attachments": [upload("big.png", PNG + b"\x00" * 4096)],
        },
        headers=HTMX,
    ).content.decode()
    assert escape(FILES_DROPPED) in page
    assert not keeps_selection(page, "attachments")
    assert not keeps_selection(page, "voice_message")


@responses.activate
@pytest.mark.parametrize(
    ("error_type", "status"),
    [("errors/unsupported_media_type", 415), ("errors/content_too_large", 400)],
)
def test_files_the_api_refused_as_unsupported_or_too_large_are_not_kept(
    alice_client: Client, instagram_account: LinkedAccount, error_type: str, status: int
) -> None:
    stub_error(error_type, status)
    page = alice_client.post(
        NEW,
        {
            "account": instagram_account.pk,
            "recipients": "17841400000000001",
            "attachments": [upload("photo.png", PNG)],
        },
        headers=HTMX,
    ).content.decode()
    assert len(responses.calls) == 1
    assert escape(FILES_DROPPED) in page
    assert not keeps_selection(page, "attachments")


def test_without_javascript_the_note_says_to_choose_the_files_again(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    page = post(
        alice_client,
        linkedin_account,
        recipients="not an id",
        linkedin_api="classic",
        attachments=[upload("photo.png", PNG)],
    ).content.decode()
    assert escape(FILES_AGAIN) in page and escape(FILES_KEPT) not in page


@responses.activate
def test_after_a_start_that_may_have_gone_through_the_note_asks_for_no_correction(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    responses.post(CHATS_URL, body="<html>Bad gateway</html>", status=502)
    page = alice_client.post(
        NEW,
        {
            "account": linkedin_account.pk,
            "recipients": "ACoAAB-jordan",
            "message": "Hi",
            "linkedin_api": "classic",
            "attachments": [upload("photo.png", PNG)],
        },
        headers=HTMX,
    ).content.decode()
    assert len(responses.calls) == 1
    assert escape(FILES_STILL_SELECTED) in page and escape(FILES_KEPT) not in page


# --- an upload that stops part-way (docs/chats.md, "Uploads that stop part-way") -----------


def submission_token(client: Client, account: LinkedAccount) -> str:
    page = client.get(NEW, {"account": account.pk}).content.decode()
    match = re.search(r'name="submission" value="([^"]+)"', page)
    assert match, "the composer carries a server-issued token"
    return match.group(1)


@responses.activate
def test_an_upload_cut_off_inside_a_file_starts_nothing_and_leaves_the_form_usable(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    """The person closed the tab, or the connection dropped, while the video was arriving: the
    body ends inside the file. Nothing is sent, the words say so, and the form's one-time
    token is not used up: the same form, sent whole, starts the chat."""
    stub_started()
    token = submission_token(alice_client, linkedin_account)
    fields = {
        "account": linkedin_account.pk,
        "recipients": "ACoAAB-jordan",
        "message": "Kept message",
        "linkedin_api": "classic",
        "submission": token,
        "video_message": upload("clip.mp4", MP4 + b"\x00" * 4096),
    }
    body = encode_multipart(BOUNDARY, fields)
    cut = body[: body.index(MP4) + len(MP4) + 100]  # inside the file, no closing boundary

    page = alice_client.generic("POST", NEW, cut, content_type=MULTIPART_CONTENT)

    text = page.content.decode()
    assert len(responses.calls) == 0
    assert not ChatSubmission.objects.exists()
    assert "The upload was interrupted before every file arrived: choose them again." in (
        top_errors(text)
    )
    assert "Kept message</textarea>" in text and "Chat started" not in text
    fields["video_message"] = upload("clip.mp4", MP4 + b"\x00" * 4096)
    whole = alice_client.post(NEW, fields)
    assert whole.status_code == 302
    assert len(responses.calls) == 1
    assert ChatSubmission.objects.get().status == ChatStatus.STARTED


@responses.activate
def test_a_connection_to_postpress_cut_while_forwarding_the_files_is_unconfirmed(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    """The upload arrived whole and passed its checks, then the connection to postpress broke
    while the video was being sent: postpress may have acted on it, so the person is told it
    may have started, never that it did, and it is not sent again."""
    responses.post(CHATS_URL, body=requests.ConnectionError("connection reset by peer"))
    token = submission_token(alice_client, linkedin_account)
    form = {
        "recipients": "ACoAAB-jordan",
        "message": "Hi",
        "linkedin_api": "classic",
        "submission": token,
    }

    first = post(alice_client, linkedin_account, **form, video_message=upload("c.mp4", MP4))
    again = post(alice_client, linkedin_account, **form, video_message=upload("c.mp4", MP4))

    assert len(responses.calls) == 1  # never retried, not even by the same form sent again
    assert ChatSubmission.objects.get().status == ChatStatus.UNCONFIRMED
    for page in (first.content.decode(), again.content.decode()):
        assert "The chat may have been started: check on the provider" in page
        assert "Chat started" not in page
    entry = Entry.objects.get(kind=Kind.CHAT)
    assert entry.outcome == Outcome.UNCONFIRMED
