"""Request and response rules for every page: bodies too large are refused before they are
read, and responses to signed-in people are never stored by a browser's or a proxy's cache."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

from postpress_dashboard.core.errors import too_large_response

# Views that take files, and the most their whole body may carry: the chat composer takes its
# files (CHAT_UPLOAD_MAX_REQUEST_BYTES together) besides a form's worth of fields.
UPLOAD_VIEWS = {
    "chats:new": "CHAT_UPLOAD_MAX_REQUEST_BYTES",
    "campaigns:new": "CAMPAIGN_MAX_FILE_BYTES",
    "campaigns:add_recipients": "CAMPAIGN_MAX_FILE_BYTES",
}


def body_limit(view_name: str) -> int:
    """The most bytes a request body to this view may have: a form's fields (Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE), and for an upload view its files' cap besides."""
    fields = int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    files = UPLOAD_VIEWS.get(view_name)
    return fields + int(getattr(settings, files)) if files else fields


class RequestBodyLimitMiddleware:
    """413, in words, for a body whose declared length is over what its view can take.

    Before anything reads it (the CSRF check reads a form): Django itself only limits a
    form's fields, and would write any file sent to any page to disk.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, *args: Any) -> HttpResponse | None:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return None  # Django refuses it when the body is read
        match = request.resolver_match
        view_name = match.view_name if match is not None else ""
        if declared > body_limit(view_name):
            return too_large_response(
                request, upload=view_name if view_name in UPLOAD_VIEWS else ""
            )
        return None


class PrivatePagesMiddleware:
    """`Cache-Control: private, no-store` on every response to a signed-in user.

    A page shows a team's data (its members, accounts, invitations): neither a shared proxy
    nor the browser's back button on a shared machine may keep a copy. A request that signs
    in or out counts too. Static files never get here (WhiteNoise answers them first, with
    its own long-lived caching), and anonymous pages (the login page, /healthz) keep theirs.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        signed_in = request.user.is_authenticated
        response = self.get_response(request)
        if signed_in or request.user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
