"""What the security tests share: the people and teams, database snapshots, haystacks, and the
postpress API as the tests stub and read it."""

import io
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import responses
from django.contrib.auth.models import User
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.db import connection
from django.db.models import Q
from django.http import HttpResponse
from django.http.multipartparser import MultiPartParser
from requests import PreparedRequest

from activity.models import Entry
from campaigns.models import Campaign, CampaignKind, Recipient
from campaigns.recipients import recipients_from_lines
from campaigns.services import PacingFields, campaign_create
from campaigns.templating import template_parse
from invitations.models import InvitationDecision, ListedInvitation, SentInvitation
from postpress_dashboard.teams.models import LinkedAccount, Membership, Team, TeamInvite

API_BASE_URL = "https://api.example.test/api/v1"
INVITES_URL = f"{API_BASE_URL}/users/invite/received"
SEND_URL = f"{API_BASE_URL}/users/invite"
CANCEL_URL = f"{API_BASE_URL}/users/invite/sent"
CHATS_URL = f"{API_BASE_URL}/chats"

TEAM_A_NAME = "Acme Rockets"
TEAM_A_KEY = "pp_live_acme_rockets_key_1234"
ACCOUNT_A_ID = "acc_acme_0001"
ACCOUNT_A_LABEL = "Acme LinkedIn desk"

TEAM_B_NAME = "Zephyr Holdings"
TEAM_B_KEY = "pp_live_zephyr_holdings_key_4242"
ACCOUNT_B_ID = "acc_zephyr_0002"
ACCOUNT_B_LABEL = "Zephyr outreach"

# Strings that only team B's data contains: none may show on a page of team A's people.
TEAM_B_MARKERS = ("Zephyr", "zephyr", ACCOUNT_B_ID, "charlie")
# And the other way round, for charlie's pages.
TEAM_A_MARKERS = ("Acme", "acme", ACCOUNT_A_ID, "alice")

# Each team's invitation rows. The ids travel in URLs and request bodies, which pages echo (the
# team switcher keeps the current path), so they carry no marker; what only the team may see
# (inviter, secret, recipient, message) does.
LISTED_A = {
    "invitation_id": "inv_1001",
    "shared_secret": "secret-acme-1001",
    "inviter_name": "Ada of Acme",
}
LISTED_B = {
    "invitation_id": "inv_2002",
    "shared_secret": "secret-zephyr-2002",
    "inviter_name": "Zed of Zephyr",
}
SENT_A = {
    "recipient_id": "ACoAcmeProspect",
    "message": "Hello from Acme",
    "invitation_id": "sent_1001",
    "usage": 75,
}
SENT_B = {
    "recipient_id": "ACoZephyrProspect",
    "message": "Hello from Zephyr",
    "invitation_id": "sent_2002",
    "usage": 50,
}
SENT_ANSWER = {"object": "UserInvitationSent", "invitation_id": "sent_new_3003", "usage": None}
CHAT_ANSWER = {"object": "ChatStarted", "chat_id": "chat_new_4004", "message_id": "msg_new_4004"}

# What each team's account starts a chat with: its first LinkedIn API (team A's account has
# classic and recruiter, team B's Sales Navigator) and a member id of that API. Recipients
# travel in request bodies that pages echo, so they carry no marker either.
CHAT_WITH_A = {"linkedin_api": "classic", "chat_recipient": "ACoChatRecipient1"}
CHAT_WITH_B = {"linkedin_api": "sales_navigator", "chat_recipient": "ACwChatRecipient2"}

# Each team's campaign: invitations from its account to one queued recipient, paused as the New
# campaign page leaves it. Its pk and its recipient's travel in URLs; what only the team may see
# (name, message, recipient) carries the team's marker.
CAMPAIGN_A = {
    "name": "Acme spring outreach",
    "template": "Hi {first_name|there}, Acme would like to connect.",
    "recipient_id": "ACoAcmeCampaignProspect",
}
CAMPAIGN_B = {
    "name": "Zephyr spring outreach",
    "template": "Hi {first_name|there}, Zephyr would like to connect.",
    "recipient_id": "ACoZephyrCampaignProspect",
}
CAMPAIGN_PACING = PacingFields(
    timezone="UTC",
    work_days="12345",
    work_start=time(9),
    work_end=time(17),
    gap_min_seconds=60,
    gap_max_seconds=180,
    daily_limit=None,
)


def paused_campaign_of(account: LinkedAccount, actor: User, made: dict[str, str]) -> Campaign:
    """A paused campaign of the account with one queued recipient, made with the services."""
    return campaign_create(
        team=account.team,
        account=account,
        name=made["name"],
        kind=CampaignKind.INVITATIONS,
        template=template_parse(made["template"]),
        recipients=recipients_from_lines(made["recipient_id"]),
        pacing=CAMPAIGN_PACING,
        actor=actor,
    )


@dataclass(frozen=True)
class World:
    """alice (admin) and bob (member) in team A; charlie (admin) in team B; dave in no team.

    Each team has a linked account with one listed (received) invitation, one sent invitation
    and one activity event; and a paused campaign on that account with one queued recipient,
    which the team's admin makes as the world is made (paused_campaign_of).
    """

    alice: User
    bob: User
    charlie: User
    dave: User
    team_a: Team
    team_b: Team
    account_a: LinkedAccount
    account_b: LinkedAccount
    alice_membership: Membership
    bob_membership: Membership
    charlie_membership: Membership
    listed_a: ListedInvitation
    listed_b: ListedInvitation
    sent_a: SentInvitation
    sent_b: SentInvitation
    unconfirmed_a: Entry  # a chat whose answer was lost, to resolve
    unconfirmed_b: Entry
    # Each team's pending invite link (its admin made it) and the link's token.
    invite_a: TeamInvite
    invite_b: TeamInvite
    invite_token_a: str
    invite_token_b: str
    campaign_a: Campaign = field(init=False)
    campaign_b: Campaign = field(init=False)
    recipient_a: Recipient = field(init=False)  # each campaign's queued recipient
    recipient_b: Recipient = field(init=False)

    def __post_init__(self) -> None:
        for team, account, admin, made in (
            ("a", self.account_a, self.alice, CAMPAIGN_A),
            ("b", self.account_b, self.charlie, CAMPAIGN_B),
        ):
            campaign = paused_campaign_of(account, admin, made)
            object.__setattr__(self, f"campaign_{team}", campaign)
            object.__setattr__(self, f"recipient_{team}", campaign.recipients.get())

    def objects_of(self, team: Team) -> dict[str, Any]:
        """What names `team`'s objects: each URL keyword, and the values request bodies and
        postpress calls carry (team_slug, account_id, sent_invitation_id); and what its
        account's chats take (linkedin_api, chat_recipient), which names nothing of the team.
        action, control and change are the same for every team: what a URL does to its object."""
        if team.pk == self.team_a.pk:
            account, membership = self.account_a, self.bob_membership
            listed, sent, chat = self.listed_a, self.sent_a, CHAT_WITH_A
            unconfirmed, invite = self.unconfirmed_a, self.invite_a
        else:
            account, membership = self.account_b, self.charlie_membership
            listed, sent, chat = self.listed_b, self.sent_b, CHAT_WITH_B
            unconfirmed, invite = self.unconfirmed_b, self.invite_b
        return chat | {
            "account_pk": account.pk,
            "membership_pk": membership.pk,
            "sent_pk": sent.pk,
            "entry_pk": unconfirmed.pk,
            "invite_pk": invite.pk,
            "invitation_id": listed.invitation_id,
            "campaign_pk": self.campaign_of(team).pk,
            "recipient_pk": self.recipient_of(team).pk,
            "action": "accept",
            "control": "start",
            "change": "skip",
            "team_slug": team.slug,
            "account_id": account.account_id,
            "sent_invitation_id": sent.invitation_id,
        }

    def sent_of(self, team: Team) -> SentInvitation:
        return self.sent_a if team.pk == self.team_a.pk else self.sent_b

    def campaign_of(self, team: Team) -> Campaign:
        return self.campaign_a if team.pk == self.team_a.pk else self.campaign_b

    def recipient_of(self, team: Team) -> Recipient:
        return self.recipient_a if team.pk == self.team_a.pk else self.recipient_b


# --- database snapshots --------------------------------------------------------------------

SNAPSHOT_MODELS = (
    Team,
    Membership,
    LinkedAccount,
    Entry,
    User,
    ListedInvitation,
    InvitationDecision,
    SentInvitation,
    TeamInvite,
    Campaign,
    Recipient,
)


def db_snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row and field of the models a request could change."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values()) for model in SNAPSHOT_MODELS
    }


def without_listing_times(snapshot: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """The snapshot but for when the inbox last listed each invitation.

    Showing an inbox page refreshes the server's copy of what it listed: with the same items
    listed again, only `listed_at` moves. And the inbox remembers, per member, the account it
    was opened on (`last_inbox_account`, issue 15). Nothing else may change on a GET.
    """
    label = ListedInvitation._meta.label
    listed = [{k: v for k, v in row.items() if k != "listed_at"} for row in snapshot[label]]
    members = Membership._meta.label
    memberships = [
        {k: v for k, v in row.items() if k != "last_inbox_account_id"}
        for row in snapshot.get(members, [])
    ]
    return snapshot | {label: listed} | ({members: memberships} if members in snapshot else {})


def team_snapshot(team: Team) -> dict[str, list[dict[str, Any]]]:
    """Every row and field that belongs to one team."""
    of_team = Q(account__team=team)
    return {
        "team": list(Team.objects.filter(pk=team.pk).values()),
        "memberships": list(Membership.objects.filter(team=team).order_by("pk").values()),
        "accounts": list(LinkedAccount.objects.filter(team=team).order_by("pk").values()),
        "activity": list(Entry.objects.filter(team=team).order_by("pk").values()),
        "invites": list(TeamInvite.objects.filter(team=team).order_by("pk").values()),
        "listed": list(ListedInvitation.objects.filter(of_team).order_by("pk").values()),
        "decisions": list(InvitationDecision.objects.filter(of_team).order_by("pk").values()),
        "sent": list(SentInvitation.objects.filter(of_team).order_by("pk").values()),
        "campaigns": list(Campaign.objects.filter(Q(team=team) | of_team).order_by("pk").values()),
        "campaign_recipients": list(
            Recipient.objects.filter(Q(campaign__team=team) | Q(campaign__account__team=team))
            .order_by("pk")
            .values()
        ),
    }


def raw_database_text() -> list[tuple[str, str]]:
    """(table, row) for every row of every table, read with SQL past the ORM."""
    rows = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows += [(table, repr(row)) for row in cursor.fetchall()]
    return rows


# --- the postpress API ---------------------------------------------------------------------


def received_item(listed: ListedInvitation) -> dict[str, Any]:
    """A received invitation as postpress lists it, the same as the server's copy of it."""
    return {
        "object": "InvitationReceived",
        "id": listed.invitation_id,
        "invited_user": "The account owner",
        "date": "May 12, 2026",
        "parsed_datetime": "2026-05-12T08:14:00.000Z",
        "invitation_text": f"A note from {listed.inviter_name}",
        "inviter": {"inviter_name": listed.inviter_name, "inviter_id": "ACoInviter"},
        "specifics": {"provider": "LINKEDIN", "shared_secret": listed.shared_secret},
    }


def stub_postpress(api: responses.RequestsMock, world: World) -> list[responses.BaseResponse]:
    """postpress answering every call a valid request makes, each account with its own list.

    Listing an account answers its one listed invitation as the world has it, so showing an
    inbox page changes nothing but when it was listed.
    """
    listed_by_account = {
        world.account_a.account_id: [world.listed_a],
        world.account_b.account_id: [world.listed_b],
    }

    def list_answer(request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        listed = listed_by_account.get(postpress_account_id(request) or "", [])
        body = {"object": "InvitationList", "items": [received_item(i) for i in listed]}
        return 200, {"content-type": "application/json"}, json.dumps(body | {"cursor": None})

    handled = {"object": "UserInvitationHandled", "status": "ACCEPTED"}
    return [
        api.add_callback(
            responses.GET, re.compile(re.escape(INVITES_URL) + r"(\?.*)?$"), callback=list_answer
        ),
        api.add(responses.POST, re.compile(re.escape(INVITES_URL) + r"/[^/?]+$"), json=handled),
        api.add(responses.POST, SEND_URL, json=SENT_ANSWER),
        api.add(responses.POST, CHATS_URL, json=CHAT_ANSWER, status=201),
        api.add(
            responses.DELETE,
            re.compile(re.escape(CANCEL_URL) + r"/[^/?]+(\?.*)?$"),
            json={"object": "UserInvitationCanceled"},
        ),
    ]


def postpress_account_id(request: PreparedRequest) -> str | None:
    """The account a postpress call is for: its account_id, in the query, the JSON body or the
    multipart form (start chat)."""
    query = parse_qs(urlsplit(str(request.url)).query)
    if "account_id" in query:
        return query["account_id"][0]
    if is_multipart(request):
        return postpress_form(request).get("account_id")
    if request.body:
        body = json.loads(request.body)
        return body.get("account_id") if isinstance(body, dict) else None
    return None


def is_multipart(request: PreparedRequest) -> bool:
    return str(request.headers.get("content-type", "")).startswith("multipart/form-data")


def postpress_form(request: PreparedRequest) -> Any:
    """The text fields of a multipart postpress call (a QueryDict), parsed as Django would."""
    body = request.body if isinstance(request.body, bytes) else str(request.body or "").encode()
    meta = {"CONTENT_TYPE": request.headers["content-type"], "CONTENT_LENGTH": len(body)}
    fields, _ = MultiPartParser(meta, io.BytesIO(body), [MemoryFileUploadHandler()]).parse()
    return fields


def postpress_path(request: PreparedRequest) -> str:
    """The path of a postpress call after the base URL, without the query."""
    return urlsplit(str(request.url)).path.removeprefix(urlsplit(API_BASE_URL).path)


def calls_touching(calls: Iterable[responses.Call], *, account_id: str, api_key: str) -> list[str]:
    """The calls made for the account or with the key, as `METHOD url` for a failure message."""
    return [
        f"{call.request.method} {call.request.url}"
        for call in calls
        if postpress_account_id(call.request) == account_id
        or call.request.headers.get("X-API-KEY") == api_key
    ]


def assert_called_postpress_once(
    calls: list[responses.Call], *, method: str, path: str, account_id: str, api_key: str
) -> None:
    """Exactly one call: this method and path, for this account, with this key."""
    assert [f"{c.request.method} {postpress_path(c.request)}" for c in calls] == [
        f"{method} {path}"
    ]
    request = calls[0].request
    assert postpress_account_id(request) == account_id
    assert request.headers["X-API-KEY"] == api_key


# --- haystacks a secret must not be found in -----------------------------------------------


def response_text(response: HttpResponse) -> str:
    """The body, the headers, the cookies set and the redirects followed."""
    chain = getattr(response, "redirect_chain", [])
    return "\n".join(
        (
            response.content.decode(errors="replace"),
            repr(dict(response.headers)),
            response.cookies.output(),
            repr(chain),
        )
    )


_FORMATTER = logging.Formatter("%(name)s %(levelname)s %(message)s")


def log_record_text(record: logging.LogRecord) -> str:
    """The formatted message with any traceback, and every attribute of the record."""
    return _FORMATTER.format(record) + "\n" + repr(vars(record))
