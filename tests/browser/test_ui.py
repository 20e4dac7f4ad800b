"""A real browser (Debian's chromium driven by Playwright) against the real server process."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shutil
import subprocess
import sys

import pytest

from photosearch.library import PhotoLibrary

from ..serving import REPO, running_server, server_env
from ..text_photos import WRITTEN, font, write_photos
from .conftest import module_server

CHROMIUM = shutil.which("chromium")
if CHROMIUM is None and not os.environ.get("CI"):
    pytest.skip(
        "Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True
    )


@contextlib.contextmanager
def searched(base: str, query: str):
    """A headless chromium page of the search page, with `query` typed and sent."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(base + "/")
        page.fill("#q", query)
        page.press("#q", "Enter")
        try:
            yield page
        finally:
            browser.close()


@pytest.fixture(scope="module")
def server(indexed_data, tiny_model_name, module_folder):
    # The tiny random model's scores are small, some below zero: no cutoff.
    cutoffs = {"min_score": "-1", "min_score_photo": "-1"}
    yield from module_server(indexed_data, tiny_model_name, module_folder, 25, **cutoffs)


def test_search_open_more_like_this_and_filter(server, tmp_path):
    from playwright.sync_api import expect

    with searched(server, "a cat sitting on a sofa") as page:
        cards = page.locator("#results .card")
        expect(cards.first).to_be_visible()
        assert cards.count() == 25
        page.wait_for_function(
            "[...document.querySelectorAll('#results .card img')]"
            ".every(i => i.complete && i.naturalWidth > 0)"
        )
        scores = [float(s) for s in page.locator("#results .card .score").all_inner_texts()]
        assert scores == sorted(scores, reverse=True)
        if os.environ.get("PHOTOSEARCH_SCREENSHOT"):
            page.screenshot(path=os.environ["PHOTOSEARCH_SCREENSHOT"])

        opened = cards.nth(2).get_attribute("data-id")
        page.goto(server + cards.nth(2).get_attribute("href"))  # a click opens the viewer
        expect(page.locator("table.meta")).to_contain_text("Taken")
        expect(page.locator("img.preview")).to_be_visible()
        page.click("#more-like-this")
        similar = page.locator("#results .card")
        expect(similar.first).to_be_visible()
        # First, or tied with a copy of its pixels (the EXIF photo has coffee-cup.jpg's).
        best = similar.locator(".score").first.inner_text()
        tied = similar.filter(has=page.locator(".score", has_text=best)).all()
        assert opened in [card.get_attribute("data-id") for card in tied]

        page.click("#drawer-button")  # the filters wait in a drawer
        page.select_option("#type", "png")  # applies on change
        page.wait_for_url("**type=png**")
        names = page.locator("#results .card .caption").all_inner_texts()
        assert names and all(name.lower().endswith(".png") for name in names)
        page.screenshot(path=str(tmp_path / "filtered.png"))


def test_chips_show_what_the_query_said_and_removing_one_widens_the_search(album_server, tmp_path):
    from playwright.sync_api import expect

    with searched(album_server, "a photo in Lisbon summer 2017") as page:
        chips = page.locator("#understood .chip")
        expect(chips).to_have_count(2)
        expect(chips.nth(0)).to_have_text("in Lisbon×")
        expect(chips.nth(1)).to_contain_text("taken 2017-06-01 to 2017-08-31")
        captions = page.locator("#results .card .caption")
        expect(captions).to_have_count(1)
        assert captions.all_inner_texts() == ["lisbon-cat.jpg"]
        page.screenshot(path=str(tmp_path / "chips.png"))

        chips.nth(1).locator(".remove").click()  # the date goes: every Lisbon photo
        expect(page.locator("#understood .chip")).to_have_count(1)
        expect(captions).to_have_count(3)
        assert sorted(captions.all_inner_texts()) == [
            "lisbon-cat.jpg",
            "lisbon-coffee.jpg",
            "undated-wall.jpg",
        ]
        page.click("#drawer-button")
        page.select_option("#place", "Paris")  # the picker's place wins over the query's
        page.wait_for_url("**place=Paris**")
        expect(page.locator("#understood .chip")).to_have_count(0)
        expect(captions).to_have_count(1)
        assert captions.all_inner_texts() == ["paris-rocket.jpg"]


def test_a_written_word_finds_its_photo_and_the_photo_page_outlines_it(
    config, tiny_embedder, tiny_model_name, tmp_path
):
    from PIL import Image, ImageDraw
    from playwright.sync_api import expect

    folder = tmp_path / "Written"
    write_photos(folder, ["parking.jpg", "sign.jpg", "gravel.jpg"])  # read by the real recogniser
    shutil.copy(folder / "parking.jpg", folder / "parking-again.jpg")  # its text read once
    library = PhotoLibrary(dataclasses.replace(config, ocr=True), embedder=tiny_embedder)
    library.index([folder])
    library.close()
    env = server_env(config.data_dir, tiny_model_name, min_score="-1", ocr="1")
    with (
        running_server(env, tmp_path / "server.log", photos=4) as base,
        searched(base, "parking") as page,
    ):
        marked = page.locator("#results .card.written")
        expect(marked).to_have_count(2)
        names = ["parking-again.jpg", "parking.jpg"]
        assert sorted(marked.locator(".caption").all_inner_texts()) == names
        for card in marked.all():
            expect(card.locator(".badge")).to_have_text("Text")
            expect(card.locator(".badge")).to_be_visible()
            expect(card.locator(".words")).to_have_text(re.compile("^parking$", re.I))
            expect(card.locator(".words")).to_be_visible()
        expect(page.locator("#results .card:not(.written) .badge")).to_have_count(0)
        page.screenshot(path=str(tmp_path / "written.png"))

        # Written words alone, a card a page: the second is made by app.js as the page scrolls.
        page.goto(base + "/?q=text:parking&limit=1")
        expect(page.locator("#understood .chip")).to_have_text("written: parking")
        expect(page.locator("#results .card")).to_have_count(2)
        expect(page.locator("#more")).to_contain_text("No more results")
        expect(marked).to_have_count(2)
        assert sorted(marked.locator(".caption").all_inner_texts()) == names
        for card in marked.all():
            expect(card.locator(".badge")).to_have_text("Text")
            expect(card.locator(".words")).to_have_text(re.compile("^parking$", re.I))

        parking = page.locator("#results .card.written", has_text="parking.jpg")
        page.goto(base + parking.get_attribute("href"))  # its page (a click opens the viewer)
        expect(page.locator("#text-lines li")).to_have_count(1)
        expect(page.locator("#text-lines li")).to_have_text(re.compile("^parking$", re.I))
        page.wait_for_function(
            "(i => i && i.complete && i.naturalWidth > 0)(document.querySelector('img.preview'))"
        )
        outline = page.locator("#outlines polygon")
        expect(outline).to_have_count(1)
        expect(outline).to_be_visible()
        image = page.locator("img.preview").bounding_box()
        overlay = page.locator("#outlines").bounding_box()
        assert all(abs(overlay[key] - image[key]) < 1 for key in ("x", "y", "width", "height"))

        # Where the word was drawn, as a fraction of the photo, against its outline on screen.
        _, writing = WRITTEN["parking.jpg"]
        with Image.open(folder / "parking.jpg") as photo:
            size = photo.size
            drawn = ImageDraw.Draw(photo).textbbox(
                writing.at, writing.text, font(writing.face, writing.px)
            )
        box = outline.bounding_box()
        shown = (
            (box["x"] - image["x"]) / image["width"],
            (box["y"] - image["y"]) / image["height"],
            (box["x"] + box["width"] - image["x"]) / image["width"],
            (box["y"] + box["height"] - image["y"]) / image["height"],
        )
        word = [drawn[i] / size[i % 2] for i in range(4)]
        margin = 0.05  # the recogniser's box is a little larger than the letters
        assert word[0] - margin <= shown[0] <= word[0] + 0.01
        assert word[1] - margin <= shown[1] <= word[1] + 0.01
        assert word[2] - 0.01 <= shown[2] <= word[2] + margin
        assert word[3] - 0.01 <= shown[3] <= word[3] + margin

        page.hover("#text-lines li")  # the line and its outline light up together
        expect(outline).to_have_class(re.compile(r"\bactive\b"))
        page.screenshot(path=str(tmp_path / "outlined.png"))


def test_serve_refuses_the_network_without_a_token(tiny_model_name, tmp_path):
    env = {**os.environ, "PHOTOSEARCH_HOME": str(tmp_path), "PHOTOSEARCH_MODEL": tiny_model_name}
    env.pop("PHOTOSEARCH_ACCESS_TOKEN", None)
    result = subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "serve", "--host", "0.0.0.0", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and "access token" in result.stderr
    assert "Traceback" not in result.stderr
