"""Photos with words written on them, for the tests of text in photos: scikit-image's sample
photos with lines drawn by Pillow in Debian's fonts (fonts-dejavu-core, fonts-liberation,
fonts-wqy-zenhei for Chinese): several faces, sizes from 16 px, colours, plates, turned lines;
and photos of the same kind without any text."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from tests.sample_data import sample

FONTS = Path("/usr/share/fonts/truetype")
SANS = ("dejavu/DejaVuSans.ttf", "fonts-dejavu-core")
SERIF_BOLD = ("dejavu/DejaVuSerif-Bold.ttf", "fonts-dejavu-core")
MONO = ("dejavu/DejaVuSansMono.ttf", "fonts-dejavu-core")
LIBERATION = ("liberation/LiberationSerif-Regular.ttf", "fonts-liberation")
CHINESE = ("wqy/wqy-zenhei.ttc", "fonts-wqy-zenhei")


@dataclass(frozen=True)
class Writing:
    text: str
    face: tuple[str, str]
    px: int
    fill: tuple[int, int, int]
    plate: tuple[int, int, int] | None = None
    turn: float = 0.0  # degrees, anticlockwise
    at: tuple[int, int] = (40, 60)


# file name: (sample photo, what is written on it); the searched word is each one's first word
WRITTEN = {
    "sign.jpg": ("coffee.png", Writing("CAFE LISBOA", SANS, 40, (255, 255, 255))),
    "tiger.png": (
        "chelsea.png",
        Writing("Tiger 2024", SANS, 16, (20, 20, 20), (235, 235, 235)),
    ),
    "launch.jpg": ("astronaut.png", Writing("LAUNCH PAD", MONO, 24, (255, 255, 255))),
    "harbour.jpg": ("rocket.jpg", Writing("Harbour", LIBERATION, 32, (250, 60, 40))),
    "parking.jpg": (
        "brick.png",
        Writing("PARKING", SERIF_BOLD, 48, (0, 0, 160), (250, 250, 250)),
    ),
    "garden.jpg": (
        "chelsea.png",
        Writing("Summer Garden", SANS, 30, (255, 255, 255), turn=4, at=(80, 200)),
    ),
    "welcome.jpg": ("coffee.png", Writing("欢迎光临", CHINESE, 40, (255, 255, 255))),
}
WITHOUT_TEXT = {"gravel.jpg": "gravel.png", "grass.jpg": "grass.png", "moon.png": "moon.png"}


def font(which: tuple[str, str], px: int) -> ImageFont.FreeTypeFont:
    path, package = which
    if not (FONTS / path).exists():
        pytest.skip(f"font {FONTS / path} is missing: apt-get install {package}")
    return ImageFont.truetype(str(FONTS / path), px)


def written_photo(source: str, writing: Writing) -> Image.Image:
    image = sample(source).convert("RGB")
    face = font(writing.face, writing.px)
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    pen = ImageDraw.Draw(layer)
    x, y = writing.at
    box = pen.textbbox((x, y), writing.text, font=face)
    if writing.plate:
        pen.rectangle((box[0] - 8, box[1] - 8, box[2] + 8, box[3] + 8), fill=writing.plate)
    pen.text((x, y), writing.text, font=face, fill=writing.fill)
    if writing.turn:
        layer = layer.rotate(writing.turn, Image.Resampling.BICUBIC, center=(x, y))
    image.paste(layer, (0, 0), layer)
    return image


def write_photos(folder: Path, names: list[str] | None = None) -> dict[str, str]:
    """Writes the photos (all, or those named) into folder; file name -> what is written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, (source, writing) in WRITTEN.items():
        if names is None or name in names:
            _save(written_photo(source, writing), folder / name)
            written[name] = writing.text
    for name, source in WITHOUT_TEXT.items():
        if names is None or name in names:
            _save(sample(source).convert("RGB"), folder / name)
            written[name] = ""
    return written


def _save(image: Image.Image, path: Path) -> None:
    if path.suffix == ".jpg":
        image.save(path, quality=92)
    else:
        image.save(path)
