"""The activity log's own arithmetic: cursors, the summary's words, the bench's rows."""

from datetime import UTC, datetime

from activity.selectors import Cursor, Summary
from bench.activity import SMALL_ROWS, rows_of


def test_a_cursor_survives_its_round_trip_to_the_microsecond() -> None:
    cursor = Cursor(datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC), 987)
    assert Cursor.decode(cursor.encode()) == cursor


def test_anything_not_made_by_encode_is_no_cursor() -> None:
    for raw in (None, "", "abc", "1.", ".1", "1.2.3", "-1.2", "1.-2", "١٢.3", "9" * 18 + ".1"):
        assert Cursor.decode(raw) is None, raw


def test_the_summary_reads_in_words_with_plurals_and_trouble_last() -> None:
    summary = Summary({"accept": 34, "decline": 2, "send": 12, "chat": 1}, failed=3, unconfirmed=0)
    assert summary.words() == "34 accepted, 2 declined, 12 invitations sent, 1 chat; 3 failed"
    assert Summary({"send": 1}, failed=0, unconfirmed=2).words() == (
        "1 invitation sent; 2 may have gone through"
    )
    assert Summary({}, failed=0, unconfirmed=0).words() == "nothing recorded"


def test_the_bench_rows_hold_the_goal_for_pages_only() -> None:
    figures = {"big": 0.040, "small": 0.030, "difference": 0.009}
    result = {
        "vendor": "sqlite",
        "rows": 1_000_000,
        "page 1": figures,
        "filtered page": {**figures, "big": 0.060},
        "filtered page, its query alone": figures,
        "summary line (last 7 days)": figures,
    }
    rows = rows_of(result)
    assert [row.met for row in rows] == [True, False, None, None]
    assert rows[0].measure == "Activity page 1, 1,000,000 entries in the team, SQLite"
    assert rows[0].result == (f"40.0 ms (30.0 ms at {SMALL_ROWS:,}; paired difference +9.0 ms)")
