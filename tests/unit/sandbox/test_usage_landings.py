"""When a send reports usage: only as it passes 50, 75, 90 or 95 percent of the limit."""

from postpress_dashboard.sandbox.invitations import crossed_usage_landing


def usage_by_send(limit: int) -> dict[int, int]:
    landings = {count: crossed_usage_landing(count, limit) for count in range(1, limit + 1)}
    return {count: landing for count, landing in landings.items() if landing is not None}


def test_it_reports_each_landing_once_with_a_limit_of_100() -> None:
    assert usage_by_send(100) == {50: 50, 75: 75, 90: 90, 95: 95}


def test_it_reports_a_landing_on_the_send_that_passes_it_when_percentages_jump() -> None:
    # With 7 allowed: send 4 is at 57% (past 50), send 6 at 86% (past 75), send 7 at 100%
    # (past 90 and 95, reported as 95).
    assert usage_by_send(7) == {4: 50, 6: 75, 7: 95}


def test_it_reports_the_highest_landing_when_one_send_passes_several() -> None:
    assert usage_by_send(2) == {1: 50, 2: 95}
