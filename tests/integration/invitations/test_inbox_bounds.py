"""What the inbox keeps of the API's answers stays bounded (F21): listed copies are forgotten
after a while, and the page links carry only sane cursors, so many characters and pages."""

import json
import random
import string
from datetime import timedelta

import responses
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from requests import PreparedRequest

from invitations.models import ListedInvitation
from invitations.services import LISTED_KEPT_FOR, LISTED_REFRESH_AFTER, listed_prune_key
from invitations.views import (
    MAX_CURSOR_LENGTH,
    MAX_PAGES_REMEMBERED,
    MAX_TRAIL_LENGTH,
    PageTrail,
)
from postpress_dashboard.teams.models import LinkedAccount
from tests.integration.invitations.test_inbox import (
    INBOX,
    LIST_URL,
    invitation,
    list_calls,
    list_query,
    page_link,
    stub_list,
)

# gunicorn refuses a request line over 4094 bytes: a link must stay well under it.
REQUEST_LINE_LIMIT = 4094


@responses.activate
def test_listed_copies_no_page_has_shown_for_a_while_are_forgotten(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    old = ListedInvitation.objects.create(account=linkedin_account, invitation_id="inv_old")
    ListedInvitation.objects.filter(pk=old.pk).update(
        listed_at=timezone.now() - LISTED_KEPT_FOR - timedelta(minutes=1)
    )
    recent = ListedInvitation.objects.create(account=linkedin_account, invitation_id="inv_recent")
    stub_list([invitation(1)])
    cache.delete(listed_prune_key(linkedin_account))  # its hourly forgetting is due

    alice_client.get(INBOX, {"account": linkedin_account.pk})

    kept = set(ListedInvitation.objects.values_list("invitation_id", flat=True))
    assert kept == {recent.invitation_id, "inv_1"}


@responses.activate
def test_listed_copies_are_forgotten_at_most_once_an_hour_per_account(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_list([invitation(1)])
    cache.delete(listed_prune_key(linkedin_account))
    alice_client.get(INBOX, {"account": linkedin_account.pk})
    old = ListedInvitation.objects.create(account=linkedin_account, invitation_id="inv_old")
    ListedInvitation.objects.filter(pk=old.pk).update(
        listed_at=timezone.now() - LISTED_KEPT_FOR - timedelta(minutes=1)
    )

    alice_client.get(INBOX, {"account": linkedin_account.pk})

    assert ListedInvitation.objects.filter(pk=old.pk).exists()  # the next hour's work


@responses.activate
def test_a_listed_copy_is_rewritten_when_it_changed_or_has_not_been_for_an_hour(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    """The upsert skips unchanged copies refreshed recently, and only those."""
    stub_list([invitation(1), invitation(2), invitation(3)])
    alice_client.get(INBOX)
    copies = ListedInvitation.objects.filter(account=linkedin_account)
    long_ago = timezone.now() - LISTED_REFRESH_AFTER - timedelta(minutes=1)
    a_moment_ago = timezone.now() - timedelta(minutes=5)
    copies.filter(invitation_id="inv_1").update(listed_at=long_ago)
    copies.filter(invitation_id__in=["inv_2", "inv_3"]).update(listed_at=a_moment_ago)
    responses.reset()
    stub_list(
        [
            invitation(1),
            invitation(2, specifics={"provider": "LINKEDIN", "shared_secret": "new-secret"}),
            invitation(3),
            invitation(4),
        ]
    )

    alice_client.get(INBOX)

    listed = {copy.invitation_id: copy for copy in copies}
    assert listed["inv_1"].listed_at > a_moment_ago  # refreshed: an hour had passed
    assert (listed["inv_2"].shared_secret, listed["inv_2"].listed_at > a_moment_ago) == (
        "new-secret",
        True,
    )
    assert listed["inv_3"].listed_at == a_moment_ago  # unchanged and recent: left alone
    assert listed["inv_4"].shared_secret == "secret-4"


@responses.activate
def test_a_cursor_longer_than_any_sane_one_is_not_carried_and_offers_no_next_page(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_list([invitation(1)], cursor="c" * (MAX_CURSOR_LENGTH + 1))

    page = alice_client.get(INBOX, {"account": linkedin_account.pk}).content.decode()

    assert "Next page" not in page
    assert "c" * (MAX_CURSOR_LENGTH + 1) not in page


def _serve_long_cursors(length: int, alphabet: str = string.ascii_letters + string.digits) -> None:
    """Page n + 1's cursor is "<n + 1>-" and random characters of `alphabet` up to `length`
    (random: a compressed trail of repeated characters would be short whatever its cursors)."""

    def answer(request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        cursor = list_query(request).get("cursor", "1-")
        number = int(cursor.split("-")[0])
        prefix = f"{number + 1}-"
        padding = random.Random(number).choices(alphabet, k=length - len(prefix))
        following = prefix + "".join(padding)
        body = {"object": "InvitationList", "items": [invitation(number)], "cursor": following}
        return 200, {}, json.dumps(body)

    responses.add_callback(responses.GET, LIST_URL, answer)


@responses.activate
def test_the_links_carry_a_bounded_trail_and_the_way_back_past_it_is_page_one(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    # Random letters and digits: about 6 bits each, so a signed, compressed trail of three
    # 900-character cursors takes about 2,700 characters, of four about 3,600.
    length = 900
    assert 3 * length < MAX_TRAIL_LENGTH < 4 * length
    assert length <= MAX_CURSOR_LENGTH
    _serve_long_cursors(length)
    page = alice_client.get(INBOX).content.decode()
    for _ in range(5):  # to page 6
        following = page_link(page, "next")
        assert len(f"GET {following} HTTP/1.1") < REQUEST_LINE_LIMIT
        page = alice_client.get(following).content.decode()
    assert "<span>Page 6</span>" in page
    assert list_calls()[-1]["cursor"].startswith("6-")

    for number in (5, 4):  # the cursors of pages 4 to 6 are in the trail
        page = alice_client.get(page_link(page, "prev")).content.decode()
        assert f"<span>Page {number}</span>" in page
        assert list_calls()[-1]["cursor"].startswith(f"{number}-")
    assert 'rel="prev">First page</a>' in page  # page 3's cursor was dropped
    page = alice_client.get(page_link(page, "prev")).content.decode()
    assert "<span>Page 1</span>" in page
    assert "cursor" not in list_calls()[-1]


@responses.activate
def test_no_page_is_offered_past_the_last_one_a_trail_may_reach(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    stub_list([invitation(1)], cursor="next")
    last = PageTrail(MAX_PAGES_REMEMBERED, 2, ("c",) * (MAX_PAGES_REMEMBERED - 1))
    fields = {
        "account": linkedin_account.pk,
        "size": 25,
        "page": MAX_PAGES_REMEMBERED,
        "trail": last.signed(linkedin_account, 25),
    }

    page = alice_client.get(INBOX, fields).content.decode()

    assert f"<span>Page {MAX_PAGES_REMEMBERED}</span>" in page
    assert list_calls()[0]["cursor"] == "c"
    assert "Next page" not in page


@responses.activate
def test_texts_no_column_holds_do_not_fail_the_page(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    long_name, nul_name = invitation(1), invitation(2)
    long_name["inviter"]["inviter_name"] = "N" * 400
    nul_name["inviter"]["inviter_name"] = "Ada\x00Lovelace"
    long_id = invitation(3) | {"id": "inv_" + "9" * 300}
    stub_list([long_name, nul_name, long_id, invitation(5)])

    response = alice_client.get(INBOX, {"account": linkedin_account.pk})

    assert response.status_code == 200
    kept = dict(ListedInvitation.objects.values_list("invitation_id", "inviter_name"))
    assert kept == {"inv_1": "N" * 300, "inv_2": "AdaLovelace", "inv_5": "Inviter 5"}


@responses.activate
def test_cursors_of_other_alphabets_still_make_links_a_server_takes(
    alice_client: Client, linkedin_account: LinkedAccount
) -> None:
    # Escaped in the trail's JSON, each such character takes six: the bound counts them so.
    _serve_long_cursors(600, alphabet="游标分页数据")
    page = alice_client.get(INBOX).content.decode()
    for number in range(2, 5):
        following = page_link(page, "next")
        assert len(f"GET {following} HTTP/1.1") < REQUEST_LINE_LIMIT
        page = alice_client.get(following).content.decode()
        assert f"<span>Page {number}</span>" in page
