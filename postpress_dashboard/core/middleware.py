"""Responses to signed-in people are never stored by a browser's or a proxy's cache."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


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
