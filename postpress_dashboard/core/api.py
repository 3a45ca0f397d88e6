"""Builds PostpressClient instances with the timeouts, host rule and bounds from settings."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings

from postpress_dashboard.postpress.base_url import HostPolicy
from postpress_dashboard.postpress.client import PostpressClient, Timeouts
from postpress_dashboard.postpress.multipart import ArrayStyle


def now() -> float:
    """The monotonic clock deadlines read (tests replace it to run minutes in no time)."""
    return time.monotonic()


# A bulk request starts no call with less than this left: it would only time out.
MIN_CALL_SECONDS = 2.0


@dataclass
class Deadline:
    """An overall time limit for work that makes many calls (bulk accept, bulk withdraw): no
    call starts after it, and none may run past it. The clock is injectable for tests."""

    seconds: float
    clock: Callable[[], float] = field(default=lambda: now())
    _end: float = field(init=False)

    def __post_init__(self) -> None:
        self._end = self.clock() + self.seconds

    def remaining(self) -> float:
        return max(0.0, self._end - self.clock())

    @property
    def passed(self) -> bool:
        return self.remaining() < MIN_CALL_SECONDS


def configured_timeouts(*, within: Deadline | None = None) -> Timeouts:
    total = settings.POSTPRESS_TOTAL_BUDGET
    if within is not None:
        total = min(total, within.remaining())
    return Timeouts(
        connect=settings.POSTPRESS_CONNECT_TIMEOUT,
        read=min(settings.POSTPRESS_READ_TIMEOUT, total),
        upload_read=settings.POSTPRESS_UPLOAD_READ_TIMEOUT,
        total=total,
    )


def configured_host_policy() -> HostPolicy:
    """Where the API key may go: read by the Settings form, create_team and every client."""
    return HostPolicy.of(
        settings.POSTPRESS_ALLOWED_HOSTS,
        allow_loopback_http=settings.POSTPRESS_ALLOW_LOOPBACK_HTTP,
    )


def build_client(*, base_url: str, api_key: str, within: Deadline | None = None) -> PostpressClient:
    return PostpressClient(
        base_url=base_url,
        api_key=api_key,
        timeouts=configured_timeouts(within=within),
        host_policy=configured_host_policy(),
        max_response_bytes=settings.POSTPRESS_MAX_RESPONSE_BYTES,
        multipart_arrays=ArrayStyle(settings.POSTPRESS_MULTIPART_ARRAYS),
    )
