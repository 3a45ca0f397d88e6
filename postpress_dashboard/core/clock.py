"""The time the dashboard's schedules read: the real clock, or a test's.

Campaign pacing, caps and schedules ask `clock.now()` rather than the system, so a test can run
a week of a campaign in seconds by moving a fake clock (`clock.use(...)`), and no worker ever
sleeps to wait for a time: it schedules work for it.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.utils import timezone

_source: Callable[[], datetime] = timezone.now


def now() -> datetime:
    return _source()


@contextmanager
def use(source: Callable[[], datetime]) -> Iterator[None]:
    """Read the time from `source` inside the block (tests)."""
    global _source
    previous, _source = _source, source
    try:
        yield
    finally:
        _source = previous


class FakeClock:
    """A clock that stands still until moved: `clock.use(fake)`, then `fake.advance(...)`."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current

    def set(self, moment: datetime) -> None:
        self.current = moment
