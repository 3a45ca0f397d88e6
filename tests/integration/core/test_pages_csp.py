"""Every page keeps to the strict CSP: no inline script or style, no hx-on attribute."""

import re

import pytest
import responses
from django.test import Client

from postpress_dashboard.teams.models import LinkedAccount
from tests.conftest import API_BASE_URL

PAGES = [
    "/",
    "/settings/",
    "/settings/accounts/new/",
    "/inbox/",
    "/invitations/send/",
    "/invitations/sent/",
    "/activity/",
]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>")
LIST_URL = re.compile(re.escape(f"{API_BASE_URL}/users/invite/received") + r"(\?.*)?$")


@pytest.mark.parametrize("url", PAGES)
@responses.activate
def test_the_page_has_no_inline_code_or_styles(
    alice_client: Client, linkedin_account: LinkedAccount, url: str
) -> None:
    responses.get(LIST_URL, json={"object": "InvitationList", "items": [], "cursor": None})
    response = alice_client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert not INLINE_SCRIPT.search(page)
    assert "<style" not in page
    assert " style=" not in page
    assert "hx-on" not in page
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
