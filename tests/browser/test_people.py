"""The People page and the search page's people picker in a real browser (Debian's chromium
driven by Playwright) against the real server: people whose faces the test wrote into the
store are listed with their faces' crops, a person renamed in place shows the new name, and a
person picked in the filter drawer with the keyboard, on a phone, finds only their photos
until their chip is undone."""

from __future__ import annotations

import os
import shutil
from urllib.parse import quote_plus

import pytest

from photosearch.library import PhotoLibrary

from ..conftest import tiny_config
from ..people_photos import write_people
from .conftest import browser_page, module_server, tab_to

CHROMIUM = shutil.which("chromium")
if CHROMIUM is None and not os.environ.get("CI"):
    pytest.skip(
        "Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True
    )


@pytest.fixture(scope="module")
def server(module_folder, tiny_model_name, tiny_embedder):
    config = tiny_config(module_folder / "data", tiny_model_name)
    library = PhotoLibrary(config, embedder=tiny_embedder)
    write_people(library, module_folder / "people")
    library.index([module_folder / "people"])  # their vectors: searches find them
    library.close()
    yield from module_server(config.data_dir, tiny_model_name, module_folder, 8)


def test_a_person_renamed_on_the_people_page_is_found_by_her_name(server):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
            page.goto(server + "/")
            page.get_by_role("link", name="People", exact=True).click()
            people = page.locator("#people .person")
            expect(people).to_have_count(2)
            expect(people.locator(".person-name")).to_have_text(["Unnamed", "Unnamed"])
            page.wait_for_function(
                "[...document.querySelectorAll('#people img')]"
                ".every(i => i.complete && i.naturalWidth === 160)"
            )
            first = people.first
            for control in ("input", "select", "button", ".person-link"):
                box = first.locator(control).first.bounding_box()
                assert box["height"] >= 44, (control, box)  # a finger's target on a phone
            first.get_by_label("Name").fill("Grace Hopper")
            first.get_by_role("button", name="Rename").click()
            expect(page.locator("#people .person-name").first).to_have_text("Grace Hopper")
            expect(page.locator("#people .person-link").first).to_have_attribute(
                "href", "/?person=Grace+Hopper"
            )
            page.locator("#people .person-link").first.click()  # her photos: four of eight
            expect(page.locator("#results .card")).to_have_count(4)
            page.goto(server + "/")
            page.fill("#q", "Grace Hopper")  # her name read from a query
            page.press("#q", "Enter")
            expect(page.locator("#results .card")).to_have_count(4)
            expect(page.locator("body")).to_contain_text("with Grace Hopper")
            if os.environ.get("PHOTOSEARCH_SCREENSHOT"):
                page.screenshot(path=os.environ["PHOTOSEARCH_SCREENSHOT"], full_page=True)
                page.goto(server + "/photos/1")
                page.screenshot(path=os.environ["PHOTOSEARCH_SCREENSHOT"] + ".photo.png")
        finally:
            browser.close()


def test_a_person_picked_in_the_drawer_finds_only_their_photos(server):
    from playwright.sync_api import expect

    with browser_page(viewport={"width": 390, "height": 844}, has_touch=True) as page:
        page.goto(server + "/")
        expect(page.locator("#timeline .tile")).to_have_count(8)
        page.click("#drawer-button")
        picks = page.locator("#people-picker .pick")
        expect(picks).to_have_count(2)
        page.wait_for_function(
            "[...document.querySelectorAll('#people-picker img')]"
            ".every(i => i.complete && i.naturalWidth === 160)"
        )
        for pick in picks.all():
            assert pick.bounding_box()["height"] >= 44  # a finger's target on a phone
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")

        chosen = picks.nth(1).locator("input")
        value = chosen.get_attribute("value")  # an unnamed person's id, or her name
        tab_to(page, f"#people-picker input[value='{value}']")  # the keyboard gets there
        page.keyboard.press("Space")  # ticked, and applied at once
        page.wait_for_url(f"**person={quote_plus(value)}**")
        captions = page.locator("#results .card .caption").all_inner_texts()
        assert len(captions) == 4 and len({name.split("-")[0] for name in captions}) == 1
        chip = page.locator("#active-filters .chip")
        shown = f"Unnamed ({value})" if value.isdigit() else value
        expect(chip).to_have_text(f"with {shown}×")
        expect(page.locator("#filters")).to_be_hidden()  # a phone shows the photos found
        page.click("#drawer-button")
        expect(page.locator("#people-picker input:checked")).to_have_count(1)
        page.keyboard.press("Escape")

        tab_to(page, "#active-filters .remove")  # undone from its chip
        page.keyboard.press("Enter")
        page.wait_for_url(server + "/")
        expect(page.locator("#active-filters")).to_have_count(0)
        expect(page.locator("#timeline .tile")).to_have_count(8)


def test_two_people_ticked_one_after_the_other_with_the_keyboard(server):
    from playwright.sync_api import expect

    with browser_page(viewport={"width": 1280, "height": 860}) as page:
        page.goto(server + "/")
        page.click("#drawer-button")
        boxes = page.locator("#people-picker input")
        first, second = (boxes.nth(n).get_attribute("value") for n in (0, 1))
        tab_to(page, f"#people-picker input[value='{first}']")
        page.keyboard.press("Space")
        page.wait_for_url(f"**person={quote_plus(first)}**")
        # Back open, on the same person: a Tab and a Space tick the next one too.
        expect(page.locator("#filters")).to_be_visible()
        assert page.evaluate("document.activeElement.value") == first
        page.keyboard.press("Tab")
        page.keyboard.press("Space")
        page.wait_for_url(f"**person={quote_plus(first)}&person={quote_plus(second)}**")
        expect(page.locator("#people-picker input:checked")).to_have_count(2)
        expect(page.locator("#active-filters .chip")).to_have_count(2)
        expect(page.locator(".empty")).to_contain_text("No photo matches")  # none has both
        page.locator("#active-filters .chip").first.locator(".remove").click()
        expect(page.locator("#active-filters .chip")).to_have_count(1)
        captions = page.locator("#results .card .caption").all_inner_texts()
        assert len(captions) == 4  # the other one's photos again
