"""When a campaign may send: working hours and days in its timezone, random gaps, a daily limit.

Pure time arithmetic on aware datetimes: the scheduler asks for the next moment a send may
happen and schedules the step for it; nothing here sleeps.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from campaigns.models import Campaign

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# An estimate further out than this is shown as "more than a year".
ESTIMATE_HORIZON_DAYS = 366


@dataclass(frozen=True)
class Pacing:
    zone: ZoneInfo
    work_days: frozenset[int]  # ISO weekdays, Monday is 1
    start: time
    end: time
    gap_min: int  # seconds
    gap_max: int
    daily_limit: int | None = None

    @classmethod
    def of(cls, campaign: "Campaign") -> "Pacing":
        return cls(
            zone=ZoneInfo(campaign.timezone),
            work_days=frozenset(int(day) for day in campaign.work_days),
            start=campaign.work_start,
            end=campaign.work_end,
            gap_min=campaign.gap_min_seconds,
            gap_max=campaign.gap_max_seconds,
            daily_limit=campaign.daily_limit,
        )

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """The working hours of a local day, or None when it is not a working day."""
        if day.isoweekday() not in self.work_days:
            return None
        # Until 00:00 means until midnight: the end of this day.
        end_day = day + timedelta(days=1) if self.end == time(0) else day
        return (
            datetime.combine(day, self.start, tzinfo=self.zone),
            datetime.combine(end_day, self.end, tzinfo=self.zone),
        )

    def next_working_moment(self, moment: datetime) -> datetime:
        """`moment` itself within working hours, else the start of the next working window."""
        local = moment.astimezone(self.zone)
        for offset in range(8):
            window = self.window(local.date() + timedelta(days=offset))
            if window is None:
                continue
            opens, closes = window
            if opens <= local < closes:
                return moment
            if local < opens:
                return opens
        raise ValueError("A campaign needs at least one working day.")

    def day_start(self, moment: datetime) -> datetime:
        """Midnight of the local day `moment` falls on: the daily limit counts from there."""
        local = moment.astimezone(self.zone)
        return datetime.combine(local.date(), time(0), tzinfo=self.zone)

    def next_day(self, moment: datetime) -> datetime:
        """The first working moment of a later local day."""
        local = moment.astimezone(self.zone)
        tomorrow = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=self.zone)
        return self.next_working_moment(tomorrow)

    def gap(self, rng: random.Random | None = None) -> timedelta:
        """A random wait before the next send, so sends do not fall on a visible rhythm."""
        draw = (rng or _rng).uniform(self.gap_min, self.gap_max)
        return timedelta(seconds=draw)

    @property
    def average_gap(self) -> float:
        return max((self.gap_min + self.gap_max) / 2, 1.0)


_rng = random.SystemRandom()


@dataclass(frozen=True)
class Caps:
    """The account's caps and what they hold now (None for kinds the caps do not cover)."""

    daily: int
    weekly: int
    sent_today: int
    sent_this_week: int


def estimate_finish(
    pacing: Pacing, *, remaining: int, now: datetime, caps: Caps | None
) -> datetime | None:
    """When `remaining` sends would be done, day by day: each working day sends as many as
    its hours, gaps, the daily limit and the caps allow. None beyond a year. An estimate: the
    caps are shared with people and other campaigns of the account, which it cannot foresee."""
    if remaining <= 0:
        return now
    week: list[int] = []  # sends of the last days, newest last, for the weekly cap
    cursor = now
    for day_index in range(ESTIMATE_HORIZON_DAYS):
        local_day = cursor.astimezone(pacing.zone).date()
        window = pacing.window(local_day)
        sendable = 0
        if window is not None and cursor < window[1]:
            opens = max(window[0], cursor)
            sendable = int((window[1] - opens).total_seconds() // pacing.average_gap) + 1
            if pacing.daily_limit is not None:
                sendable = min(sendable, pacing.daily_limit)
            if caps is not None:
                daily_room = caps.daily - (caps.sent_today if day_index == 0 else 0)
                weekly_used = sum(week[-6:]) + (caps.sent_this_week if day_index < 7 else 0)
                sendable = max(0, min(sendable, daily_room, caps.weekly - weekly_used))
            if sendable >= remaining:
                return opens + timedelta(seconds=pacing.average_gap * (remaining - 1))
            remaining -= sendable
        week.append(sendable)
        cursor = datetime.combine(local_day + timedelta(days=1), time(0), tzinfo=pacing.zone)
    return None
