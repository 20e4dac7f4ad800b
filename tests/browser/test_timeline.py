"""The home page's timeline in a real browser (Debian's chromium driven by Playwright) against
the real server process, on the album of photos with known dates: month headers, the next page
loading as the page scrolls, and the scrubber jumping to an older month."""

from __future__ import annotations

import os
import re
import shutil

import pytest

from .conftest import module_server

CHROMIUM = shutil.which("chromium")
if CHROMIUM is None and not os.environ.get("CI"):
    pytest.skip(
        "Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True
    )

# The album newest first: its months, and its one undated photo last.
MONTHS = ["2019-03", "2017-08", "2017-07", "2017-06", "2017-01", "undated"]


@pytest.fixture(scope="module")
def server(album_data, tiny_model_name, module_folder):
    yield from module_server(album_data, tiny_model_name, module_folder, 8)


@pytest.fixture(scope="module")
def suite_server(indexed_data, tiny_model_name, module_folder):
    yield from module_server(indexed_data, tiny_model_name, module_folder / "suite", 25)


@pytest.fixture
def page(server):
    """A new browser on the module's server: each test starts from the top of the page."""
    from playwright.sync_api import sync_playwright

    base = server
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 700})
        page.base = base
        try:
            yield page
        finally:
            browser.close()


def months_shown(page) -> list[str]:
    return page.eval_on_selector_all("#timeline section.month", "s => s.map(m => m.dataset.month)")


def test_month_headers_and_more_photos_as_the_page_scrolls(page):
    from playwright.sync_api import expect

    page.goto(page.base + "/?limit=2")  # two photos a page: the rest come by scrolling
    headers = page.locator("#timeline .month-header")
    expect(headers.first).to_have_text("March 2019")
    tiles = page.locator("#timeline a.tile[data-photo-id] img")
    for _ in range(10):
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        if tiles.count() == 8:
            break
        page.wait_for_timeout(300)
    expect(tiles).to_have_count(8)
    assert months_shown(page) == MONTHS
    expect(headers).to_have_text(
        ["March 2019", "August 2017", "July 2017", "June 2017", "January 2017", "No date"]
    )
    expect(page.locator("#timeline .day-header").first).to_have_text("Tue 5 March")
    assert "taken 5 March 2019 in Lisbon" in tiles.first.get_attribute("alt")
    page.wait_for_function(
        "[...document.querySelectorAll('#timeline img')].every(i => i.complete && i.naturalWidth)"
    )


def test_the_scrubber_jumps_to_an_older_month(page):
    from playwright.sync_api import expect

    page.goto(page.base + "/?limit=2")
    expect(page.locator("#timeline .month-header").first).to_have_text("March 2019")
    page.click("#scrubber a[data-month='2017-01']")
    january = page.locator("section.month[data-month='2017-01']")
    expect(january.locator("img").first).to_have_attribute(
        "alt", "Photo taken 15 January 2017 in Sydney, Australia: sydney-astronaut.jpg"
    )
    assert "2017-01" in months_shown(page) and "cursor=" in page.url
    # The address followed: a reload (or a browser without JavaScript) starts there.
    landed = page.request.get(page.url).text()
    assert re.search(r'<h2 class="month-header">([^<]+)</h2>', landed).group(1) == "January 2017"


def test_after_a_jump_scrolling_up_brings_the_newer_photos_and_the_scrubber_follows(page):
    from playwright.sync_api import expect

    page.goto(page.base + "/?limit=2")
    marked = page.locator("#scrubber a[aria-current]")
    expect(marked).to_have_attribute("data-month", "2019-03")
    page.click("#scrubber a[data-month='2017-01']")
    expect(marked).to_have_attribute("data-month", "2017-01")
    # The newer photos load above, a page at a time, while January stays where it was shown.
    tiles = page.locator("#timeline a.tile")
    page.wait_for_function("document.querySelectorAll('#timeline a.tile').length >= 4")
    january = page.locator("section.month[data-month='2017-01'] .month-header")
    assert 0 <= january.bounding_box()["y"] < 700
    expect(marked).to_have_attribute("data-month", "2017-01")
    for _ in range(20):  # scrolling up brings the rest
        if tiles.count() == 8:
            break
        page.mouse.wheel(0, -500)
        page.wait_for_timeout(200)
    expect(tiles).to_have_count(8)
    assert months_shown(page) == MONTHS
    expect(page.locator("#newest-link")).to_have_count(0)  # the newest photo is on the page
    page.evaluate("window.scrollTo(0, 0)")
    expect(marked).to_have_attribute("data-month", "2019-03")


def test_the_viewer_steps_on_past_the_last_photo_loaded(page):
    from playwright.sync_api import expect

    ids = [photo["id"] for photo in page.request.get(page.base + "/api/timeline").json()["photos"]]
    page.goto(page.base + "/?limit=2")
    page.locator("#timeline a.tile").first.click()
    expect(page.locator(".pswp:not([aria-busy])")).to_be_visible()  # opened: it takes keys
    for photo_id in ids[1:]:  # two photos on the page: each step past it loads the next page
        page.keyboard.press("ArrowRight")
        page.wait_for_url(re.compile(rf"[?&]photo={photo_id}\b"))
    page.keyboard.press("Escape")
    expect(page.locator(".pswp")).to_have_count(0)
    expect(page.locator("#timeline a.tile")).to_have_count(8)


@pytest.mark.parametrize(("width", "fewest"), [(400, 3), (1024, 5), (1400, 4)])
def test_rows_hold_enough_photos_at_a_phones_width_a_tablets_and_a_desktops(
    suite_server, width, fewest
):
    """The suite's 25 photos, most of them undated: one long day of rows. On a desktop rows
    are 200 px high, four of the suite's 4:3 photos."""
    from playwright.sync_api import sync_playwright

    base = suite_server
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(base + "/")
        rows = page.eval_on_selector_all(
            "#timeline .day",
            """days => days.map(day => {
                const tiles = [...day.querySelectorAll('.tile')];
                const tops = tiles.map(t => Math.round(t.getBoundingClientRect().top));
                return tops.filter(top => top === tops[0]).length;
            })""",
        )
        scrolls = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        if os.environ.get("PHOTOSEARCH_SCREENSHOT_DIR"):
            page.screenshot(path=f"{os.environ['PHOTOSEARCH_SCREENSHOT_DIR']}/timeline-{width}.png")
        browser.close()
    longest = max(rows)
    assert longest >= fewest and not scrolls
