"""Builds PostpressClient instances with the timeouts, host rule and bounds from settings."""

from django.conf import settings

from postpress_dashboard.postpress.base_url import HostPolicy
from postpress_dashboard.postpress.client import PostpressClient, Timeouts


def configured_timeouts() -> Timeouts:
    return Timeouts(
        connect=settings.POSTPRESS_CONNECT_TIMEOUT,
        read=settings.POSTPRESS_READ_TIMEOUT,
        upload_read=settings.POSTPRESS_UPLOAD_READ_TIMEOUT,
        total=settings.POSTPRESS_TOTAL_BUDGET,
    )


def configured_host_policy() -> HostPolicy:
    """Where the API key may go: read by the Settings form, create_team and every client."""
    return HostPolicy.of(
        settings.POSTPRESS_ALLOWED_HOSTS,
        allow_loopback_http=settings.POSTPRESS_ALLOW_LOOPBACK_HTTP,
    )


def build_client(*, base_url: str, api_key: str) -> PostpressClient:
    return PostpressClient(
        base_url=base_url,
        api_key=api_key,
        timeouts=configured_timeouts(),
        host_policy=configured_host_policy(),
        max_response_bytes=settings.POSTPRESS_MAX_RESPONSE_BYTES,
    )
