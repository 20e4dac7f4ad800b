"""Search results in the terminal: small inline previews for terminals that speak an image
protocol (kitty, iTerm2, sixel), and handing results to the desktop's image viewer."""

from __future__ import annotations

import base64
import io
import os
import shlex
import shutil
import subprocess
import sys

from PIL import Image

from .errors import ConfigError

PROTOCOLS = ("kitty", "iterm", "sixel")
PREVIEW_PIXELS = 160  # long side of an inline preview
OPENER_LIMIT = 5  # results opened one window each when no viewer takes them all at once
KITTY_CHUNK = 4096


def preview_protocol(environ: dict[str, str] | None = None, tty: bool | None = None) -> str:
    """The image protocol this terminal speaks, or "" (then results are shown as paths).
    PHOTOSEARCH_PREVIEW (kitty, iterm, sixel or none) overrides the guess."""
    environ = os.environ if environ is None else environ
    forced = environ.get("PHOTOSEARCH_PREVIEW", "").strip().lower()
    if forced:
        return forced if forced in PROTOCOLS else ""
    if not (sys.stdout.isatty() if tty is None else tty):
        return ""
    term = environ.get("TERM", "")
    if (
        term == "xterm-kitty"
        or "KITTY_WINDOW_ID" in environ
        or environ.get("TERM_PROGRAM") == "ghostty"
    ):
        return "kitty"
    if (
        environ.get("TERM_PROGRAM") in ("iTerm.app", "WezTerm")
        or environ.get("LC_TERMINAL") == "iTerm2"
    ):
        return "iterm"
    if "sixel" in term or term.startswith(("mlterm", "foot", "yaft")):
        return "sixel"
    return ""


def inline_image(image: Image.Image, protocol: str) -> str:
    """The escape sequence that draws `image` (shrunk to PREVIEW_PIXELS) at the cursor."""
    image = image.convert("RGB")
    image.thumbnail((PREVIEW_PIXELS, PREVIEW_PIXELS))
    if protocol == "sixel":
        return sixel(image)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    payload = base64.b64encode(buffer.getvalue()).decode("ascii")
    if protocol == "iterm":
        return f"\x1b]1337;File=inline=1;size={buffer.tell()};preserveAspectRatio=1:{payload}\x07"
    chunks = [payload[i : i + KITTY_CHUNK] for i in range(0, len(payload), KITTY_CHUNK)]
    parts = []
    for number, chunk in enumerate(chunks):
        more = int(number < len(chunks) - 1)
        control = f"a=T,f=100,m={more}" if number == 0 else f"m={more}"
        parts.append(f"\x1b_G{control};{chunk}\x1b\\")
    return "".join(parts)


def sixel(image: Image.Image, colours: int = 64) -> str:
    """DEC sixel: the image in bands six pixels high, one pass per palette colour a band."""
    indexed = image.convert("P", palette=Image.Palette.ADAPTIVE, colors=colours)
    width, height = indexed.size
    pixels = indexed.load()
    palette = indexed.getpalette()[: 3 * colours]
    out = ['\x1bPq"1;1;', f"{width};{height}"]
    for index in range(len(palette) // 3):
        r, g, b = (round(channel * 100 / 255) for channel in palette[3 * index : 3 * index + 3])
        out.append(f"#{index};2;{r};{g};{b}")
    for top in range(0, height, 6):
        rows = range(top, min(top + 6, height))
        bits: dict[int, list[int]] = {}
        for x in range(width):
            for bit, y in enumerate(rows):
                bits.setdefault(pixels[x, y], [0] * width)[x] |= 1 << bit
        out.append("$".join(f"#{colour}{_run_length(column)}" for colour, column in bits.items()))
        out.append("-")
    out.append("\x1b\\")
    return "".join(out)


def _run_length(column: list[int]) -> str:
    """Sixel characters for one colour's band, repeats written as !count."""
    encoded, previous, count = [], None, 0
    for value in column + [-1]:
        if value == previous:
            count += 1
            continue
        if previous is not None:
            char = chr(63 + previous)
            encoded.append(f"!{count}{char}" if count > 3 else char * count)
        previous, count = value, 1
    return "".join(encoded)


# How players known by name start at a moment (seconds); a configured command says so itself
# with {seconds}.
START_AT = {
    "mpv": "--start={seconds}",
    "vlc": "--start-time={seconds}",
    "cvlc": "--start-time={seconds}",
    "mplayer": "-ss {seconds}",
    "ffplay": "-ss {seconds}",
}
AUTO_PLAYERS = ("mpv", "vlc")


def play_video(path: str, seconds: float | None, player: str = "") -> bool:
    """Start a video player on `path` at `seconds` where the player can be told (returns
    whether it was); without a player configured, mpv or VLC, else the desktop's opener."""
    if not player:
        found = next((name for name in AUTO_PLAYERS if shutil.which(name)), None)
        if found is None:
            open_in_viewer([path])
            return False
        player = found
    words = shlex.split(player)
    at = f"{seconds or 0:.2f}"
    if any("{seconds}" in word for word in words):
        command = [word.replace("{seconds}", at) for word in words]
    else:
        start = START_AT.get(os.path.basename(words[0]))
        command = [*words, *(shlex.split(start.format(seconds=at)) if start else [])]
    subprocess.Popen([*command, path], start_new_session=True)  # noqa: S603
    return "{seconds}" in player or os.path.basename(words[0]) in START_AT


def open_in_viewer(paths: list[str], viewer: str = "") -> list[str]:
    """Hand photos to an image viewer: `viewer` (a command, given every path at once) when
    set, else the desktop's opener, one window each for the first OPENER_LIMIT. Returns the
    paths handed over."""
    if not paths:
        return []
    if viewer:
        subprocess.Popen([*shlex.split(viewer), *paths], start_new_session=True)  # noqa: S603
        return paths
    chosen = paths[:OPENER_LIMIT]
    if sys.platform == "darwin":
        subprocess.Popen(["open", *chosen], start_new_session=True)
    elif os.name == "nt":
        for path in chosen:
            os.startfile(path)  # noqa: S606 - the documented way on Windows
    else:
        opener = shutil.which("xdg-open")
        if opener is None:
            raise ConfigError(
                "No desktop opener (xdg-open) was found to show the photos. Set `viewer` "
                "(PHOTOSEARCH_VIEWER), e.g. 'eog' or 'feh -F', to an image viewer command."
            )
        for path in chosen:
            subprocess.Popen([opener, path], start_new_session=True)  # noqa: S603
    return chosen
