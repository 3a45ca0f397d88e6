"""Working windows, the next working moment and the finish estimate: pure time arithmetic."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from campaigns.pacing import Caps, Pacing, estimate_finish

PARIS = ZoneInfo("Europe/Paris")


def pacing(**changes: object) -> Pacing:
    fields = {
        "zone": PARIS,
        "work_days": frozenset({1, 2, 3, 4, 5}),
        "start": time(9),
        "end": time(17),
        "gap_min": 60,
        "gap_max": 180,
        "daily_limit": None,
    } | changes
    return Pacing(**fields)  # type: ignore[arg-type]


def test_a_moment_within_hours_is_its_own_next_working_moment() -> None:
    moment = datetime(2026, 12, 1, 10, 0, tzinfo=PARIS)  # a Tuesday
    assert pacing().next_working_moment(moment) == moment


def test_after_hours_on_friday_waits_for_monday_morning() -> None:
    friday_evening = datetime(2026, 12, 4, 17, 0, tzinfo=PARIS)  # the end is excluded
    assert pacing().next_working_moment(friday_evening) == datetime(2026, 12, 7, 9, 0, tzinfo=PARIS)


def test_it_reads_hours_in_the_campaigns_timezone_across_a_dst_change() -> None:
    # 29 March 2026: Paris moves to summer time. 07:30 UTC that Monday (30 March) is 09:30.
    monday = datetime(2026, 3, 30, 7, 30, tzinfo=UTC)
    assert pacing().next_working_moment(monday) == monday
    # A week before, in winter time, 07:30 UTC is 08:30 in Paris: it waits half an hour.
    winter = datetime(2026, 3, 23, 7, 30, tzinfo=UTC)
    assert pacing().next_working_moment(winter) == datetime(2026, 3, 23, 8, 0, tzinfo=UTC)


def test_until_midnight_keeps_the_last_minutes_of_the_day() -> None:
    all_day = pacing(work_days=frozenset(range(1, 8)), start=time(0), end=time(0))
    late = datetime(2026, 12, 1, 23, 59, 30, tzinfo=PARIS)
    assert all_day.next_working_moment(late) == late


def test_gaps_stay_between_the_shortest_and_longest() -> None:
    gaps = [pacing().gap().total_seconds() for _ in range(200)]
    assert min(gaps) >= 60 and max(gaps) <= 180


def test_the_estimate_counts_working_days_only() -> None:
    # 8 hours a day at one send every 2 minutes (average of 60-180 s): 241 a day.
    monday_9 = datetime(2026, 11, 30, 9, 0, tzinfo=PARIS)
    finish = estimate_finish(pacing(), remaining=500, now=monday_9, caps=None)
    assert finish is not None and finish.astimezone(PARIS).date().isoweekday() == 3  # Wednesday


def test_the_estimate_follows_the_daily_cap_and_the_weekly_cap() -> None:
    monday_9 = datetime(2026, 11, 30, 9, 0, tzinfo=PARIS)
    caps = Caps(daily=20, weekly=60, sent_today=0, sent_this_week=0)
    # 20 a day for 3 days reaches the weekly cap of 60: the 61st waits past the week.
    finish_60 = estimate_finish(pacing(), remaining=60, now=monday_9, caps=caps)
    finish_61 = estimate_finish(pacing(), remaining=61, now=monday_9, caps=caps)
    assert finish_60 is not None and finish_60.astimezone(PARIS).day == 2  # Wednesday
    assert finish_61 is not None and (finish_61 - monday_9).days >= 7


def test_no_estimate_beyond_a_year() -> None:
    monday_9 = datetime(2026, 11, 30, 9, 0, tzinfo=PARIS)
    caps = Caps(daily=1, weekly=1, sent_today=1, sent_this_week=1)
    assert estimate_finish(pacing(), remaining=10_000, now=monday_9, caps=caps) is None
