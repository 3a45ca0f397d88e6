"""The Activity page in a browser: "Today" and the times are the reader's own, and the filter
swaps the page's section in place (htmx), keeping the address."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from playwright.sync_api import Browser, expect

from activity.models import Entry, Kind, Outcome
from tests.functional.conftest import (
    CspViolation,
    Dashboard,
    record_csp_violations,
    settle_csp_reports,
    sign_in,
    wait_for_htmx,
)

ZONE = "Pacific/Auckland"  # far from UTC: its days start on another UTC date or hour


def test_today_and_the_times_are_in_the_browser_s_timezone(
    browser: Browser, dashboard: Dashboard, csp_violations: list[CspViolation]
) -> None:
    zone = ZoneInfo(ZONE)
    midnight = datetime.combine(timezone.now().astimezone(zone).date(), time.min, tzinfo=zone)
    for target, at in (
        ("after-midnight", midnight + timedelta(minutes=1)),
        ("before-midnight", midnight - timedelta(minutes=1)),
    ):
        Entry.objects.create(
            team=dashboard.team,
            account=dashboard.linkedin,
            actor=dashboard.alice,
            kind=Kind.SEND,
            target=target,
            outcome=Outcome.OK,
            created_at=at,
        )
    context = browser.new_context(timezone_id=ZONE)
    record_csp_violations(context, csp_violations)
    page = context.new_page()
    try:
        sign_in(page, dashboard)
        page.goto(f"{dashboard.url}/activity/?kind=send")
        # The time is rewritten in the reader's zone: 12:01 AM there, whatever UTC says.
        first = page.locator("time[data-local-time]").first
        expect(first).to_contain_text("12:01")
        expect(first).not_to_contain_text("UTC")
        page.evaluate("window.notReloaded = true")
        page.get_by_label("When", exact=True).select_option(label="Today")
        page.get_by_role("button", name="Filter").click()
        page.wait_for_url("**/activity/?*when=today*")
        wait_for_htmx(page)
        assert page.evaluate("window.notReloaded === true")  # swapped, not a new page
        assert f"tz={ZONE.replace('/', '%2F')}" in page.url
        rows = page.locator("td.target")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("after-midnight")
        expect(page.locator(".activity-summary")).to_contain_text(
            "Today, for this filter: 1 invitation sent"
        )
        settle_csp_reports(page)
    finally:
        context.close()
    assert csp_violations == []
