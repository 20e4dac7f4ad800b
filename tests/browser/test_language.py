"""The Chinese pages in a real browser (Debian's chromium driven by Playwright) against the
real server: the browser's language picks them, the switch changes and keeps the language,
and a search's chips say what was understood in Chinese."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium")
if CHROMIUM is None and not os.environ.get("CI"):
    pytest.skip(
        "Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True
    )


def test_chinese_pages_switch_and_understood_chips(album_server):
    from playwright.sync_api import expect, sync_playwright

    base = album_server
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_context(locale="zh-CN").new_page()
        page.goto(base + "/")
        assert page.locator("html").get_attribute("lang") == "zh-Hans"
        expect(page.locator("header nav").first).to_contain_text("浏览")
        page.fill("#q", "a photo in Lisbon summer 2017")
        page.press("#q", "Enter")
        chips = page.locator("#understood .chip")
        expect(chips).to_have_count(2)
        expect(chips.nth(0)).to_have_text("在里斯本×")
        expect(chips.nth(1)).to_have_text("2017年夏天×")
        expect(page.locator("#results .card .caption")).to_have_text(["lisbon-cat.jpg"])

        page.click('#languages a[data-language="en"]')  # a plain link: no script needed
        expect(page.locator("#understood .chip").nth(0)).to_have_text("in Lisbon×")
        assert page.locator("html").get_attribute("lang") == "en"
        page.goto(base + "/explore")  # kept by the cookie, over the browser's Chinese
        expect(page.locator("h1")).to_have_text("Explore")
        page.click('#languages a[data-language="zh-Hans"]')
        expect(page.locator("h1")).to_have_text("浏览")
        browser.close()
