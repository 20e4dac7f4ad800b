"""The search page's filter drawer, chips, phone layout, keyboard focus, dark mode and the page
without JavaScript: Debian's chromium driven by Playwright against the real server process."""

from __future__ import annotations

import re
import shutil

import pytest

from .conftest import browser_page, module_server, tab_to

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
TOUCH = 44  # px: the smallest a finger hits reliably


@pytest.fixture(scope="module")
def server(indexed_data, tiny_model_name, module_folder):
    # The tiny random model's scores are small, some below zero: a cutoff that keeps them all,
    # with room below it for "show more".
    yield from module_server(indexed_data, tiny_model_name, module_folder, 25, min_score="-0.9")


def per_row(page) -> int:
    """How many result cards share the first row."""
    tops = page.locator("#results .card").evaluate_all(
        "cards => cards.map(card => Math.round(card.getBoundingClientRect().top))"
    )
    return tops.count(tops[0])


def test_a_filter_set_in_the_drawer_shows_as_a_chip_that_removes_it(server):
    from playwright.sync_api import expect

    with browser_page(viewport={"width": 1280, "height": 860}) as page:
        page.goto(server + "/?q=a+cat")
        cards = page.locator("#results .card")
        expect(cards).to_have_count(25)
        expect(page.locator("#filters")).to_be_hidden()  # out of the way until asked for
        expect(page.locator("#active-filters")).to_have_count(0)

        page.click("#drawer-button")
        page.select_option("#type", "png")  # applies on change
        page.wait_for_url("**type=png**")
        chip = page.locator("#active-filters .chip")
        expect(chip).to_have_count(1)
        expect(chip).to_have_text("type: png×")
        expect(page.locator("#drawer-button")).to_have_text("Filters (1)")
        names = page.locator("#results .card .caption").all_inner_texts()
        assert names and len(names) < 25 and all(name.endswith(".png") for name in names)

        tab_to(page, "#drawer-button")  # the keyboard reaches the drawer and the chips
        tab_to(page, "#active-filters .remove")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/\?q=a\+cat$"))
        expect(page.locator("#active-filters")).to_have_count(0)
        expect(cards).to_have_count(25)

        tab_to(page, "#show-more")  # the minimum score as a choice; its number in the drawer
        page.keyboard.press("Enter")
        page.wait_for_url("**min_score=-0.95**")
        expect(page.locator("#show-more")).to_have_attribute("aria-current", "true")
        page.click("#drawer-button")
        expect(page.locator("#min-score")).to_have_value("-0.95")
        page.keyboard.press("Escape")  # drawer.js: Esc closes it
        expect(page.locator("#filters")).to_be_hidden()


@pytest.mark.parametrize(
    ("width", "height", "least"), [(320, 640, 2), (400, 800, 3), (1024, 768, 5)]
)
def test_phones_and_tablets(server, width, height, least):
    from playwright.sync_api import expect

    with browser_page(viewport={"width": width, "height": height}, has_touch=True) as page:
        page.goto(server + "/?q=a+cat&type=jpeg")
        expect(page.locator("#results .card").first).to_be_visible()
        assert per_row(page) >= least
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        if width > 640:
            return
        targets = ["#drawer-button", "#active-filters .remove", "#only-close", "#show-more"]
        for selector in [*targets, ".bar button", ".bar nav a"]:
            box = page.locator(selector).first.bounding_box()
            assert box["width"] >= TOUCH and box["height"] >= TOUCH, (selector, box)

        page.click("#drawer-button")  # the drawer covers the phone's screen
        drawer = page.locator("#drawer").bounding_box()
        assert drawer == {"x": 0, "y": 0, "width": width, "height": height}
        expect(page.locator("#filters button[type=submit]")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        page.click("#drawer-button")  # and closes from its own button
        expect(page.locator("#filters")).to_be_hidden()


def test_dark_mode_follows_the_system(server):
    colours = {}
    for scheme in ("light", "dark"):
        with browser_page(color_scheme=scheme) as page:
            page.goto(server + "/?q=a+cat&type=png")
            colours[scheme] = page.evaluate(
                "[document.body, document.querySelector('.chip')].map("
                "e => getComputedStyle(e).backgroundColor)"
            )

    def light(colour: str) -> float:
        red, green, blue = map(int, re.findall(r"\d+", colour)[:3])
        return (red + green + blue) / 3

    assert all(light(colour) > 200 for colour in colours["light"])
    assert all(light(colour) < 60 for colour in colours["dark"])


def test_without_javascript_a_search_and_its_chips_still_work(server):
    from playwright.sync_api import expect

    with browser_page(java_script_enabled=False) as page:
        page.goto(server + "/")
        page.fill("#q", "a cat")
        page.press("#q", "Enter")
        cards = page.locator("#results .card")
        expect(cards.first).to_be_visible()
        page.click("#drawer-button")  # a <details>: it opens without JavaScript
        page.select_option("#type", "png")
        page.click("#filters button[type=submit]")
        page.wait_for_url("**type=png**")
        expect(page.locator("#active-filters .chip")).to_have_text("type: png×")
        names = page.locator("#results .card .caption").all_inner_texts()
        assert names and all(name.endswith(".png") for name in names)
        page.click("#active-filters .remove")
        expect(page.locator("#active-filters")).to_have_count(0)
        assert "type=" not in page.url
        expect(cards.first).to_be_visible()
