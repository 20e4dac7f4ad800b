"""A real browser (Debian's chromium driven by Playwright) against the real server process."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from photosearch.library import PhotoLibrary

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium")
if CHROMIUM is None and not os.environ.get("CI"):
    pytest.skip(
        "Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(config, tiny_embedder, tiny_model_name, photo_tree):
    library = PhotoLibrary(config, embedder=tiny_embedder)
    library.index([photo_tree])
    library.close()
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PHOTOSEARCH_")},
        "PHOTOSEARCH_HOME": str(config.data_dir),
        "PHOTOSEARCH_MODEL": tiny_model_name,
        "PHOTOSEARCH_MIN_SCORE": "0",  # the tiny random model's scores are all small
        "PHOTOSEARCH_MIN_SCORE_PHOTO": "0",
    }
    process = subprocess.Popen(
        [sys.executable, str(REPO / "manage.py"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(base + "/api/status", timeout=2) as response:
                assert json.load(response)["photos"] == 25
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise AssertionError(
                    "the server did not start:\n" + process.stdout.read()
                ) from None
            time.sleep(0.3)
    yield base
    process.terminate()
    process.wait(timeout=20)


def test_search_open_more_like_this_and_filter(server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(server + "/")
        page.fill("#q", "a cat sitting on a sofa")
        page.press("#q", "Enter")
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
        expect(page.locator("#results .card").first).to_be_visible()
        assert page.locator("#results .card").first.get_attribute("data-id") == opened

        page.select_option("#type", "png")  # applies on change
        page.wait_for_url("**type=png**")
        names = page.locator("#results .card .caption").all_inner_texts()
        assert names and all(name.lower().endswith(".png") for name in names)
        page.screenshot(path=str(tmp_path / "filtered.png"))
        browser.close()


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
