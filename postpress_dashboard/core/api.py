"""Builds PostpressClient instances with the timeouts configured in settings."""

from django.conf import settings

from postpress_dashboard.postpress.client import PostpressClient, Timeouts


def configured_timeouts() -> Timeouts:
    return Timeouts(
        connect=settings.POSTPRESS_CONNECT_TIMEOUT,
        read=settings.POSTPRESS_READ_TIMEOUT,
        upload_read=settings.POSTPRESS_UPLOAD_READ_TIMEOUT,
        total=settings.POSTPRESS_TOTAL_BUDGET,
    )


def build_client(*, base_url: str, api_key: str) -> PostpressClient:
    return PostpressClient(base_url=base_url, api_key=api_key, timeouts=configured_timeouts())
