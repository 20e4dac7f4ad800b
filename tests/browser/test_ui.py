"""A real browser (Debian's chromium driven by Playwright) against the real server process."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys

import pytest

from photosearch.library import PhotoLibrary

from ..album import write_album
from ..serving import REPO, running_server, server_env

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


@pytest.fixture
def server(config, tiny_embedder, tiny_model_name, photo_tree, tmp_path):
    library = PhotoLibrary(config, embedder=tiny_embedder)
    library.index([photo_tree])
    library.close()
    # The tiny random model's scores are small, some below zero: no cutoff.
    env = server_env(config.data_dir, tiny_model_name, min_score="-1", min_score_photo="-1")
    with running_server(env, tmp_path / "server.log", photos=25) as base:
        yield base


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
        cards.nth(2).click()
        expect(page.locator("table.meta")).to_contain_text("Taken")
        expect(page.locator("img.preview")).to_be_visible()
        page.click("#more-like-this")
        similar = page.locator("#results .card")
        expect(similar.first).to_be_visible()
        # First, or tied with a copy of its pixels (the EXIF photo has coffee-cup.jpg's).
        best = similar.locator(".score").first.inner_text()
        tied = similar.filter(has=page.locator(".score", has_text=best)).all()
        assert opened in [card.get_attribute("data-id") for card in tied]

        page.select_option("#type", "png")  # applies on change
        page.wait_for_url("**type=png**")
        names = page.locator("#results .card .caption").all_inner_texts()
        assert names and all(name.lower().endswith(".png") for name in names)
        page.screenshot(path=str(tmp_path / "filtered.png"))


def test_chips_show_what_the_query_said_and_removing_one_widens_the_search(
    config, tiny_embedder, tiny_model_name, photo_tree, tmp_path
):
    from playwright.sync_api import expect

    library = PhotoLibrary(config, embedder=tiny_embedder)
    library.index([write_album(photo_tree, tmp_path / "Album")])
    library.close()
    env = server_env(config.data_dir, tiny_model_name, min_score="-1")
    with (
        running_server(env, tmp_path / "server.log", photos=8) as base,
        searched(base, "a photo in Lisbon summer 2017") as page,
    ):
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
        page.select_option("#place", "Paris")  # the picker's place wins over the query's
        page.wait_for_url("**place=Paris**")
        expect(page.locator("#understood .chip")).to_have_count(0)
        expect(captions).to_have_count(1)
        assert captions.all_inner_texts() == ["paris-rocket.jpg"]


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
