"""The text of one photo file, for the text pass: its bytes (or, for a file too large to hold,
its path) decoded and read, cheaply when it shows no text, which most photos don't.

A JPEG is decoded at the reduced scale detection needs (libjpeg's draft: half the size of a
12 MP photo, a quarter of the work), and decoded whole only when the detector found lines, so
that recognition cuts each line from all its pixels. Other formats are decoded whole once. The
decodes and the networks' own memory are reserved in the decode budget (imaging.budget)."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass

from PIL import Image

from ....imaging.budget import shared_budget
from ....imaging.decoder import decode
from ....imaging.formats import is_raw
from ....imaging.photo_file import Source, open_source
from ....imaging.planning import plan
from ....ocr.reader import (
    RecognisedLine,
    TextReader,
    detected_size,
    detection_scale,
    reading_bytes,
)

# A shortest side no photo reaches: the decoder keeps the whole photo (as the budget allows).
_WHOLE = 1 << 30


@dataclass(frozen=True, slots=True)
class PhotoReading:
    """The lines of a photo. The boxes are in pixels of the upright (EXIF-oriented) photo at
    full resolution, whose size is `width` x `height`, whatever size detection saw."""

    lines: list[RecognisedLine]
    width: int
    height: int


def read_text(source: Source, name: str, reader: TextReader, max_pixels: int) -> PhotoReading:
    """The text in one photo file (`name` tells a camera RAW file by its extension).

    The networks' memory is reserved first, from the header, queued like any decode: asked for
    while this thread held its decoded photo, two large photos would both go ahead of the
    budget rather than wait for each other (budget.py lets a holding thread through).

    Raises imaging.decoded.DecodeError for a file that cannot be decoded (as the indexer's
    decoding does, with the same kinds) and ocr.reader.OcrError when the text cannot be read."""
    planned = _plan(source, name)
    if planned is None:  # RAW, or a header Pillow cannot read: reserved once decoded
        return _read_whole(source, name, reader, max_pixels, reserved=False)
    side, seen = planned
    with shared_budget().reserve(reading_bytes(*seen), name):
        if side is None:
            return _read_whole(source, name, reader, max_pixels, reserved=True)
        return _read_reduced(source, name, reader, max_pixels, side)


def _read_reduced(
    source: Source, name: str, reader: TextReader, max_pixels: int, side: int
) -> PhotoReading:
    """A JPEG detected in its draft, and decoded whole only when lines were found."""
    with decode(source, max_pixels=max_pixels, min_side=side, name=name) as reduced:
        width, height = _upright_size(reduced.meta, reduced.image)
        if reduced.image.size == (width, height):  # too small to be reduced: read as it is
            return PhotoReading(reader.read(reduced.image), width, height)
        decoded: list = []

        def full() -> Image.Image:
            decoded.append(decode(source, max_pixels=max_pixels, min_side=_WHOLE, name=name))
            return decoded[0].image

        lines = reader.read(reduced.image, full=full)
    if decoded:  # held in the budget until here, then let go of
        with decoded.pop() as whole:
            lines = _to_size(lines, whole.image.size, width, height)
    return PhotoReading(lines, width, height)


def _plan(source: Source, name: str) -> tuple[int | None, tuple[int, int]] | None:
    """From the header: the shortest side to ask the JPEG decoder for, so that its draft is no
    smaller than the copy detection needs (None: not a JPEG, decoded whole), and the largest
    copy the detector may see; None for a RAW file or a header Pillow cannot read (the decoder
    then says why)."""
    if is_raw(name):
        return None
    try:
        with open_source(source) as handle, Image.open(handle) as image:
            width, height = image.size
            if width <= 0 or height <= 0:
                return None
            if image.format != "JPEG":
                return None, detected_size(width, height, False)
            side = max(1, int(min(width, height) * detection_scale(width, height)))
            return side, detected_size(*plan(image, side).size, True)
    except Exception:  # noqa: BLE001 - Pillow's plugins raise many types on bad headers
        return None


def _to_size(lines: list[RecognisedLine], size: tuple[int, int], width: int, height: int):
    """Boxes in pixels of an image of `size` as pixels of the photo's width x height (a decode
    that the budget made smaller than the photo, a RAW file's half-size demosaic)."""
    if size == (width, height):
        return lines
    return _scaled(lines, width / size[0], height / size[1])


def reading_plan(cores: int) -> tuple[int, int]:
    """(photos read at once, threads for each photo's networks): a photo for each core, on one
    thread. A TextReader made with that many threads runs as many detections at once as the
    cores hold (one OpenVINO stream each), and while one photo decodes or recognises, another
    detects, where the threads of a single photo's call would wait on its serial parts.

    Measured on 2 cores (AVX-512 EPYC with bfloat16) on 24 JPEGs of 12 MP read from disk, 6 with
    words, photos a second through read_text, passes that other processes slowed left out:
    2 at once x 1 thread 4.1-4.6, 2 x 2 4.1-4.2, 3 x 1 4.0-4.2 (and a third photo in memory),
    1 x 2 3.6-3.9, 1 x 1 2.3. With the detector in float32, as on a CPU without bfloat16: 2 x 1
    2.9-3.0; on ONNX Runtime: 2 x 1 2.3, 1 x 2 2.0. Benchmark (l) measures the plan against
    1 x cores."""
    return max(1, cores), 1


def _read_whole(
    source: Source, name: str, reader: TextReader, max_pixels: int, reserved: bool
) -> PhotoReading:
    """A photo decoded once, at the largest size its decoder gives; a RAW file's may be half
    its size (LibRaw's half-size demosaic), so the boxes are scaled to the full size. Unless
    `reserved` already, the networks' memory is reserved once the size is known."""
    with decode(source, max_pixels=max_pixels, min_side=_WHOLE, name=name) as decoded:
        width, height = _upright_size(decoded.meta, decoded.image)
        seen = detected_size(*decoded.image.size, False)
        with nullcontext() if reserved else shared_budget().reserve(reading_bytes(*seen), name):
            lines = reader.read(decoded.image)
        return PhotoReading(_to_size(lines, decoded.image.size, width, height), width, height)


def _upright_size(meta, image: Image.Image) -> tuple[int, int]:
    if meta.width and meta.height:
        return meta.width, meta.height
    return image.size


def _scaled(lines: list[RecognisedLine], x: float, y: float) -> list[RecognisedLine]:
    return [
        RecognisedLine(
            line.text,
            line.confidence,
            tuple((round(px * x, 1), round(py * y, 1)) for px, py in line.box),
        )
        for line in lines
    ]
