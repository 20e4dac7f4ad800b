"""A video found by search plays in chromium from the matching moment, and a jump point seeks
it: H.264 in MP4, which Debian's chromium decodes, served in byte ranges by the real server."""

from __future__ import annotations

import pytest
from PIL import Image

from photosearch.library import PhotoLibrary

from ..conftest import tiny_config
from ..videos import Shot, view, write_video
from .conftest import module_server
from .test_ui import CHROMIUM

SHOTS = [Shot("astronaut", 4), Shot("coffee", 4), Shot("chelsea", 4)]
AT = "(at => Math.abs(document.getElementById('player').currentTime - at) < 0.5)"


@pytest.fixture(scope="module")
def served(module_folder, tiny_model_name, tiny_embedder):
    """A server over a photo of the coffee shot and a video of the three shots; its base URL
    and the photo's id."""
    folder = module_folder / "Camera"
    folder.mkdir()
    Image.fromarray(view(SHOTS[1], (160, 120), 0)).save(folder / "coffee.png")
    write_video(folder / "holiday.mp4", SHOTS)
    config = tiny_config(module_folder / "data", tiny_model_name)
    library = PhotoLibrary(config, embedder=tiny_embedder)
    library.index([folder])
    coffee = library.store.photo_by_path(str(folder / "coffee.png")).id
    library.close()
    cutoffs = {"min_score": "-1", "min_score_photo": "-1"}
    for base in module_server(config.data_dir, tiny_model_name, module_folder, 1, **cutoffs):
        yield base, coffee


def test_a_found_video_plays_from_its_moment_and_its_scenes_seek_it(served):
    from playwright.sync_api import expect, sync_playwright

    base, coffee = served
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone's
            page.goto(f"{base}/?like={coffee}&type=video")
            card = page.locator("#results .card.video")
            expect(card).to_have_count(1)
            expect(card.locator(".play")).to_contain_text("00:00:0")
            card.click()
            page.wait_for_url("**/photos/*")
            moment = float(page.locator("#player").get_attribute("data-start"))
            assert 3 <= moment <= 5  # the coffee scene
            page.wait_for_function(f"{AT}({moment})")
            assert page.evaluate("document.getElementById('player').readyState") >= 1

            last = page.locator("a.jump").last
            seconds = float(last.get_attribute("data-seconds"))
            assert seconds >= 8
            page.evaluate("window.sameDocument = true")
            last.click()
            page.wait_for_function(f"{AT}({seconds})")
            assert page.evaluate("window.sameDocument === true")  # sought, not reloaded
            assert f"t={seconds:g}" in page.url
        finally:
            browser.close()
