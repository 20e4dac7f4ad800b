"""A photo's bytes to the text written in it: decoded upright at full size, then read."""

from __future__ import annotations

from dataclasses import dataclass

from ..imaging.decoder import decode
from ..ocr.reader import TextLine, TextReader


@dataclass(frozen=True, slots=True)
class PhotoText:
    lines: list[TextLine]
    width: int
    height: int


def read_text(data: bytes, name: str, reader: TextReader, max_pixels: int) -> PhotoText:
    image = decode(data, max_pixels=max_pixels, min_side=1 << 30, name=name).image
    return PhotoText(reader.read(image), *image.size)


def reading_plan(cores: int) -> tuple[int, int]:
    return max(1, cores), 1
