"""Search from the terminal: inline previews in each image protocol, the fallback to paths,
and handing results to an image viewer."""

from __future__ import annotations

import base64
import io
import os
import re
import stat
import time

import pytest
from PIL import Image

from photosearch.terminal import inline_image, preview_protocol, sixel

from ..conftest import TEST_DATA

CAT = TEST_DATA / "photos/animals/chelsea-the-cat.jpg"


def test_protocol_is_guessed_from_the_terminal_and_can_be_forced():
    assert preview_protocol({"TERM": "xterm-kitty"}, tty=True) == "kitty"
    assert preview_protocol({"TERM_PROGRAM": "iTerm.app"}, tty=True) == "iterm"
    assert preview_protocol({"TERM": "foot"}, tty=True) == "sixel"
    assert preview_protocol({"TERM": "xterm-256color"}, tty=True) == ""
    assert preview_protocol({"TERM": "xterm-kitty"}, tty=False) == ""  # piped: paths only
    assert preview_protocol({"PHOTOSEARCH_PREVIEW": "sixel"}, tty=False) == "sixel"
    assert preview_protocol({"PHOTOSEARCH_PREVIEW": "none", "TERM": "xterm-kitty"}) == ""


@pytest.mark.parametrize("protocol", ["kitty", "iterm"])
def test_kitty_and_iterm_carry_a_small_png(protocol):
    sequence = inline_image(Image.open(CAT), protocol)
    if protocol == "kitty":
        chunks = re.findall(r"\x1b_G([^;]*);([^\x1b]*)\x1b\\", sequence)
        assert chunks[0][0].startswith("a=T,f=100") and chunks[-1][0].endswith("m=0")
        assert all(control.endswith("m=1") for control, _ in chunks[:-1])
        payload = "".join(data for _, data in chunks)
    else:
        assert sequence.startswith("\x1b]1337;File=inline=1;") and sequence.endswith("\x07")
        payload = sequence[sequence.index(":") + 1 : -1]
    image = Image.open(io.BytesIO(base64.b64decode(payload)))
    assert image.format == "PNG" and max(image.size) == 160


def test_sixel_draws_every_band_of_the_image():
    image = Image.new("RGB", (10, 13), (255, 0, 0))
    image.paste((0, 0, 255), (0, 6, 10, 13))
    sequence = sixel(image, colours=4)
    assert sequence.startswith('\x1bPq"1;1;10;13') and sequence.endswith("\x1b\\")
    assert sequence.count("-") == 3  # 13 rows: three bands of six
    palette = dict(re.findall(r"#(\d+);2;(\d+;\d+;\d+)", sequence))
    assert {"100;0;0", "0;0;100"} <= set(palette.values())
    assert "!10~" in sequence  # a full band of one colour, run-length encoded


def test_search_preview_and_open_from_the_cli(run_cli, photo_tree, tmp_path):
    run_cli("index", str(photo_tree))
    plain = run_cli("search", "a cat", "--limit", "3", "--preview").stdout
    assert "\x1b" not in plain and len(plain.splitlines()) == 3  # not a terminal: paths only
    shown = run_cli(
        "search", "a cat", "--limit", "3", "--preview", env={"PHOTOSEARCH_PREVIEW": "kitty"}
    ).stdout
    assert shown.count("\x1b_Ga=T,f=100") == 3

    record = tmp_path / "viewer-args"
    viewer = tmp_path / "viewer.sh"
    viewer.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {record}\n')
    viewer.chmod(viewer.stat().st_mode | stat.S_IEXEC)
    run_cli("search", "a cat", "--limit", "4", "--open", env={"PHOTOSEARCH_VIEWER": str(viewer)})
    for _ in range(100):  # the viewer runs detached
        if record.exists() and len(record.read_text().splitlines()) == 4:
            break
        time.sleep(0.05)
    opened = record.read_text().splitlines()
    assert len(opened) == 4 and all(os.path.isfile(path) for path in opened)
