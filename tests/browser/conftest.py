"""Servers for the browser tests: one per test module where its tests only read (starting
`manage.py serve` costs seconds of both cores), one per test where a test changes what it
serves."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import pytest

from photosearch.library import PhotoLibrary

from ..album import write_album
from ..conftest import test_data, tiny_config
from ..indexed_album import fresh_album
from ..serving import running_server, server_env


@pytest.fixture
def album_server(config, tiny_embedder, tiny_model_name, photo_tree, tmp_path):
    """A real server over the album (tests/album.py: photos with their dates and places, in
    Lisbon and Paris), without a score cutoff; its base URL."""
    library = PhotoLibrary(config, embedder=tiny_embedder)
    library.index([write_album(photo_tree, tmp_path / "Album")])
    library.close()
    env = server_env(config.data_dir, tiny_model_name, min_score="-1")
    with running_server(env, tmp_path / "server.log", photos=8) as base:
        yield base


@pytest.fixture(scope="module")
def module_folder(tmp_path_factory) -> Path:
    """A folder for the module's server: its data dir, its photos, its log."""
    return tmp_path_factory.mktemp("browser")


@pytest.fixture(scope="module")
def indexed_data(module_folder, tiny_model_name, indexed_album, album_folder) -> Path:
    """A data dir holding the index of the sample album (25 photos), as `indexed_config`
    gives a test, for a server the module's tests share."""
    config = tiny_config(module_folder / "data", tiny_model_name)
    fresh_album(test_data(), album_folder)  # the photos that index names, where it names them
    indexed_album.copy_into(config)
    return config.data_dir


@pytest.fixture(scope="module")
def album_data(module_folder, tiny_model_name, tiny_embedder) -> Path:
    """A data dir holding the index of the album of tests/album.py (8 photos with their
    dates and places), for a server the module's tests share."""
    config = tiny_config(module_folder / "album-data", tiny_model_name)
    library = PhotoLibrary(config, embedder=tiny_embedder)
    library.index([write_album(test_data(), module_folder / "Album")])
    library.close()
    return config.data_dir


def module_server(data_dir: Path, model: str, folder: Path, photos: int, **settings: str):
    """`manage.py serve` over `data_dir` with these settings, yielding its base URL."""
    env = server_env(data_dir, model, **settings)
    folder.mkdir(parents=True, exist_ok=True)
    with running_server(env, folder / "server.log", photos=photos) as base:
        yield base


@contextlib.contextmanager
def browser_page(**context):
    """A page of Debian's chromium, in a browser context with these settings."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield browser.new_context(**context).new_page()
        finally:
            browser.close()


def tab_to(page, selector: str, presses: int = 40) -> None:
    """Press Tab until the focus is on `selector`, and check that it shows."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            break
    else:
        raise AssertionError(f"Tab never reached {selector}")
    ring = page.evaluate(
        "(s => [s.outlineStyle, parseFloat(s.outlineWidth)])"
        "(getComputedStyle(document.activeElement))"
    )
    assert ring[0] != "none" and ring[1] >= 2, (selector, ring)
