"""The full-screen viewer (static/viewer.js on PhotoSwipe) over the search results, in Debian's
chromium against the real server: open, step, the info panel, close, and the URL."""

from __future__ import annotations

import json
import os
import re
import urllib.request
from urllib.parse import parse_qs, urlparse

from . import test_ui
from .test_ui import CHROMIUM, searched

QUERY = "a cat sitting on a sofa"
server = test_ui.server  # the fixture: a served, indexed test album
OPEN = ".pswp:not([aria-busy])"  # opened: it takes Esc
CURRENT = ".pswp__item[aria-hidden='false'] img.pswp__img:not(.pswp__img--placeholder)"


def preview_of(photo_id) -> re.Pattern:
    """A photo's preview URL, whatever its content's version (`?v=`)."""
    return re.compile(rf"^/media/{photo_id}/preview(\?v=\w+)?$")


def shown_photo(page) -> str | None:
    return parse_qs(urlparse(page.url).query).get("photo", [None])[0]


def photo_json(base: str, photo_id: str) -> dict:
    with urllib.request.urlopen(f"{base}/api/photos/{photo_id}") as response:
        return json.load(response)


def test_the_viewer_steps_through_results_shows_their_facts_and_closes_where_it_was(server):
    from playwright.sync_api import expect

    with searched(server, QUERY) as page:
        tiles = page.locator("#results [data-photo-id]")
        expect(tiles).to_have_count(25)
        ids = [tile.get_attribute("data-photo-id") for tile in tiles.all()]
        tiles.nth(12).scroll_into_view_if_needed()
        page.mouse.wheel(0, 120)
        page.wait_for_function("window.scrollY > 0")
        scrolled = page.evaluate("window.scrollY")

        tiles.nth(12).click()
        viewer = page.locator(".pswp")
        expect(viewer).to_be_visible()
        page.wait_for_url(re.compile(rf"[?&]photo={ids[12]}\b"))
        expect(page.locator(CURRENT)).to_have_attribute("src", preview_of(ids[12]))
        expect(page.locator(OPEN)).to_be_visible()

        page.keyboard.press("ArrowRight")
        page.wait_for_url(re.compile(rf"[?&]photo={ids[13]}\b"))
        expect(page.locator(CURRENT)).to_have_attribute("src", preview_of(ids[13]))
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowLeft")
        page.wait_for_url(re.compile(rf"[?&]photo={ids[11]}\b"))
        assert parse_qs(urlparse(page.url).query)["q"] == [QUERY]  # the search stays

        info = page.locator("#viewer-info")
        expect(info).to_be_hidden()
        page.keyboard.press("i")
        expect(info).to_be_visible()
        photo = photo_json(server, ids[11])
        expect(info.locator("h2")).to_have_text(photo["name"])
        facts = dict(
            zip(
                info.locator("dt").all_inner_texts(),
                info.locator("dd").all_inner_texts(),
                strict=True,
            )
        )
        assert facts["Folder"] == photo["folder"]
        assert facts["Camera"] == (photo["camera"] or "unknown")
        assert facts["Taken"] == (
            photo["taken_at"].replace("T", " ") if photo["taken_at"] else "unknown"
        )
        assert facts["Size"].startswith(f"{photo['width']} × {photo['height']} px")
        expect(page.locator("#viewer-more-like-this")).to_have_attribute(
            "href", f"/?like={ids[11]}"
        )
        if os.environ.get("PHOTOSEARCH_VIEWER_SCREENSHOT"):  # docs/viewer.png
            page.wait_for_function(f'document.querySelector("{CURRENT}").complete')
            page.screenshot(path=os.environ["PHOTOSEARCH_VIEWER_SCREENSHOT"])
        page.keyboard.press("ArrowRight")  # the panel follows the photo
        expect(info.locator("h2")).to_have_text(photo_json(server, ids[12])["name"])
        page.click(".pswp__button--info-button")
        expect(info).to_be_hidden()

        page.keyboard.press("Escape")
        expect(viewer).to_have_count(0)
        page.wait_for_url(lambda url: "photo=" not in url)
        assert page.evaluate("window.scrollY") == scrolled
        expect(tiles).to_have_count(25)

        page.go_forward()  # forward opens it again at the photo it showed
        expect(viewer).to_be_visible()
        expect(page.locator(CURRENT)).to_have_attribute("src", preview_of(ids[12]))
        page.go_back()
        expect(viewer).to_have_count(0)


def test_zoom_reads_the_original(server):
    from playwright.sync_api import expect

    with searched(server, QUERY) as page:
        big = page.locator("#results [data-photo-id]", has_text="big-12mp.jpg")  # 4000 x 3000
        big.click()
        expect(page.locator(OPEN)).to_be_visible()
        shown = page.locator(CURRENT)
        media = f"/media/{big.get_attribute('data-photo-id')}"
        page.wait_for_function(
            f"(i => i && i.complete && i.currentSrc.includes('{media}/preview'))"
            f'(document.querySelector("{CURRENT}"))'
        )
        page.keyboard.press("z")  # zoom in: its pixels at 1:1
        page.wait_for_function(
            f"(i => i && i.complete && i.currentSrc.endsWith('{media}/original'))"
            f'(document.querySelector("{CURRENT}"))'
        )
        assert shown.evaluate("i => i.naturalWidth") == 4000


def test_a_link_to_a_photo_opens_the_viewer_and_more_like_this_searches(server):
    from playwright.sync_api import expect

    with searched(server, QUERY) as page:
        tiles = page.locator("#results [data-photo-id]")
        expect(tiles).to_have_count(25)
        chosen = tiles.nth(20).get_attribute("data-photo-id")
        page.goto(f"{page.url}&photo={chosen}")  # a shared link, or a reload
        expect(page.locator(OPEN)).to_be_visible()
        expect(page.locator(CURRENT)).to_have_attribute("src", preview_of(chosen))
        page.keyboard.press("ArrowRight")
        page.wait_for_url(
            re.compile(rf"[?&]photo={tiles.nth(21).get_attribute('data-photo-id')}\b")
        )
        page.reload()
        expect(page.locator(OPEN)).to_be_visible()
        page.keyboard.press("Escape")
        page.wait_for_url(lambda url: "photo=" not in url)

        page.goto(f"{server}/?photo={chosen}")  # not on the page: the viewer shows it alone
        expect(page.locator(CURRENT)).to_have_attribute("src", preview_of(chosen))
        page.keyboard.press("i")
        page.click("#viewer-more-like-this")
        page.wait_for_url(f"**/?like={chosen}")
        expect(page.locator("#results [data-photo-id]").first).to_be_visible()


def test_a_swipe_steps_on_a_touch_screen(server):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            context = browser.new_context(
                viewport={"width": 400, "height": 800}, has_touch=True, is_mobile=True
            )
            page = context.new_page()
            page.goto(f"{server}/?q={QUERY.replace(' ', '+')}")
            tiles = page.locator("#results [data-photo-id]")
            expect(tiles).to_have_count(25)
            ids = [tile.get_attribute("data-photo-id") for tile in tiles.all()]
            tiles.nth(0).tap()
            page.wait_for_url(re.compile(rf"[?&]photo={ids[0]}\b"))
            expect(page.locator(CURRENT)).to_be_visible()

            touch = context.new_cdp_session(page)  # a finger, as chromium's input sees one

            def swipe(from_x: int, to_x: int) -> None:
                y = 400
                touch.send(
                    "Input.dispatchTouchEvent",
                    {"type": "touchStart", "touchPoints": [{"x": from_x, "y": y}]},
                )
                for step in range(1, 11):
                    x = from_x + (to_x - from_x) * step // 10
                    touch.send(
                        "Input.dispatchTouchEvent",
                        {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]},
                    )
                touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})

            swipe(340, 60)  # right to left: the next photo
            page.wait_for_url(re.compile(rf"[?&]photo={ids[1]}\b"))
            swipe(60, 340)
            page.wait_for_url(re.compile(rf"[?&]photo={ids[0]}\b"))
        finally:
            browser.close()
