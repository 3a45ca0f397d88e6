"""At 390 px wide (a phone): no page scrolls sideways, tables read as stacked cards, and the top
bar stays within 120 px."""

from playwright.sync_api import Page, expect

from tests.functional.conftest import Dashboard, sign_in, wait_for_htmx

PHONE = {"width": 390, "height": 844}
TOP_BAR_MAX_PX = 120
# Long, unbroken words: what pushes a table wider than a phone.
RECIPIENTS = (
    "ACoAAB-first-recipient-with-a-long-unbroken-identifier-1234567890",
    "ACoAAB-second-recipient-with-a-long-unbroken-identifier-0987654321",
)
STACKED = ("Sent invitations", "Activity", "Settings")  # pages whose tables must stack
MESSAGE = "Hello! We met at the conference last week; I would be glad to stay in touch here."


def send_invitations(page: Page, dashboard: Dashboard) -> None:
    """Through the Send invitation form, so Sent and Activity have rows."""
    for recipient in RECIPIENTS:
        page.goto(f"{dashboard.url}/invitations/send/?account={dashboard.linkedin.pk}")
        page.get_by_label("Recipient ID", exact=True).fill(recipient)
        page.get_by_label("Message", exact=True).fill(MESSAGE)
        page.get_by_role("button", name="Send invitation").click()
        wait_for_htmx(page)
        page.wait_for_load_state()


def layout_problems(page: Page) -> list[str]:
    """What is wrong with the page's layout at this width, in words for the failure."""
    wait_for_htmx(page)
    sizes = page.evaluate(
        """() => ({
            scroll: document.documentElement.scrollWidth,
            client: document.documentElement.clientWidth,
            bar: document.querySelector("header.topbar").getBoundingClientRect().height,
        })"""
    )
    problems = []
    if sizes["scroll"] > sizes["client"]:
        problems.append(f"scrolls sideways: {sizes['scroll']} px wide in {sizes['client']} px")
    if sizes["bar"] > TOP_BAR_MAX_PX:
        problems.append(f"top bar {sizes['bar']:.0f} px high")
    return problems


def stacked_tables(page: Page) -> list[dict[str, object]]:
    """Each stack-on-narrow table: whether its cells are blocks, and their labels' text."""
    result = page.evaluate(
        """() => [...document.querySelectorAll("table.stack-on-narrow")].map((table) => {
            const cells = [...table.querySelectorAll("tbody td")];
            return {
                rows: table.querySelectorAll("tbody tr").length,
                blocks: cells.every((cell) => getComputedStyle(cell).display !== "table-cell"),
                header: getComputedStyle(table.querySelector("thead")).position,
                labels: cells.map((cell) => getComputedStyle(cell, "::before").content),
            };
        })"""
    )
    assert isinstance(result, list)
    return result


def test_at_390_px_no_page_scrolls_sideways_and_the_top_bar_stays_small(
    page: Page, dashboard: Dashboard
) -> None:
    sign_in(page, dashboard)
    send_invitations(page, dashboard)
    page.set_viewport_size(PHONE)
    nav = page.get_by_role("navigation", name="Main")
    problems: dict[str, list[str]] = {}

    page.get_by_role("link", name="postpress").click()
    expect(page).to_have_url(f"{dashboard.url}/")
    problems["Home"] = layout_problems(page)
    for name in ("Inbox", "Sent invitations", "Activity", "Settings"):
        nav.get_by_role("link", name=name, exact=True).click()
        page.wait_for_load_state()
        expect(page.locator("h1").first).to_be_visible()
        problems[name] = layout_problems(page)
        if name in STACKED:
            tables = stacked_tables(page)
            assert tables, f"{name} has no stack-on-narrow table"
            for table in tables:
                if table["rows"]:
                    assert table["blocks"], f"{name}: a table's cells are not stacked"
                    assert '"Recipient"' in table["labels"] or name != "Sent invitations"
                    assert all(label not in ("none", "normal") for label in table["labels"])

    assert {name: found for name, found in problems.items() if found} == {}


def test_a_stacked_table_names_each_cell_by_its_column(page: Page, dashboard: Dashboard) -> None:
    sign_in(page, dashboard)
    send_invitations(page, dashboard)
    page.set_viewport_size(PHONE)
    page.goto(f"{dashboard.url}/invitations/sent/?account={dashboard.linkedin.pk}")

    row = page.locator("table.stack-on-narrow tbody tr").first
    labels = row.locator("td").evaluate_all(
        "cells => cells.map((cell) => getComputedStyle(cell, '::before').content)"
    )
    assert labels[:5] == ['"Recipient"', '"Message"', '"Sent by"', '"Sent"', '"Status"']
    # The column headings are there for screen readers, out of sight.
    header = page.locator("table.stack-on-narrow thead").first
    assert header.evaluate("el => el.getBoundingClientRect().height") <= 1

    page.set_viewport_size({"width": 1280, "height": 800})
    assert row.locator("td").first.evaluate("cell => getComputedStyle(cell).display") == (
        "table-cell"
    )
