"""The Chinese pages in a real browser (Debian's chromium driven by Playwright) against the
real server: the browser's language picks them, the switch changes and keeps the language,
and a search's chips say what was understood in Chinese."""

from __future__ import annotations

import os
import re
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
        expect(page.locator(".month-header").first).to_have_text(re.compile(r"^\d{4}年\d{1,2}月$"))
        page.fill("#q", "a photo in Lisbon summer 2017")
        page.press("#q", "Enter")
        chips = page.locator("#understood .chip")
        expect(chips).to_have_count(2)
        expect(chips.nth(0)).to_have_text("在里斯本×")
        expect(chips.nth(1)).to_have_text("2017年夏天×")
        expect(page.locator("#results .card .caption")).to_have_text(["lisbon-cat.jpg"])
        page.fill("#q", "2017年夏天在里斯本拍的照片")  # the same, asked in Chinese
        page.press("#q", "Enter")
        expect(chips).to_have_text(["2017年夏天×", "在里斯本×"])
        expect(page.locator("#results .card .caption")).to_have_text(["lisbon-cat.jpg"])

        page.locator("#results .card").first.click()  # the viewer's words, from the page
        expect(page.locator(".pswp:not([aria-busy])")).to_be_visible()  # opened: takes keys
        expect(page.locator(".pswp__button--close")).to_have_attribute("title", "关闭 (Esc)")
        page.keyboard.press("i")
        facts = page.locator("#viewer-info dt")
        expect(facts).to_have_text(["拍摄时间", "地点", "相机", "尺寸", "文件夹", "文字"])
        page.keyboard.press("Escape")
        expect(page.locator(".pswp")).to_have_count(0)

        page.click('#languages a[data-language="en"]')  # a plain link: no script needed
        expect(chips).to_have_text(["taken 2017-06-01 to 2017-08-31×", "in Lisbon×"])
        assert page.locator("html").get_attribute("lang") == "en"
        page.goto(base + "/explore")  # kept by the cookie, over the browser's Chinese
        expect(page.locator("h1")).to_have_text("Explore")
        page.click('#languages a[data-language="zh-Hans"]')
        expect(page.locator("h1")).to_have_text("浏览")
        browser.close()
