"""The top bar's URLs, resolved once per process."""

from functools import lru_cache

from django.urls import get_script_prefix, get_urlconf, reverse

# The top bar's links, by the name the base template uses.
NAV_URL_NAMES = {
    "home": "home",
    "inbox": "invitations:inbox",
    "send": "invitations:send",
    "sent": "invitations:sent",
    "new_chat": "chats:new",
    "campaigns": "campaigns:list",
    "activity": "activity:list",
    "settings": "teams:settings",
    "team_switch": "teams:team_switch",
    "logout": "logout",
}


def nav_urls() -> dict[str, str]:
    """The top bar's URLs, resolved once per process: every page shows them, and resolving ten
    URLs cost a page about a millisecond."""
    return _nav_urls(get_script_prefix(), get_urlconf())


@lru_cache(maxsize=8)  # a few script prefixes at most: a forwarded header could vary it
def _nav_urls(script_prefix: str, urlconf: str | None) -> dict[str, str]:
    del script_prefix, urlconf  # the cache's key: reverse() reads both
    return {key: reverse(name) for key, name in NAV_URL_NAMES.items()}
