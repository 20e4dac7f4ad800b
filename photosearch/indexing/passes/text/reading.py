"""The text of one photo file, for the text pass: its bytes (or, for a file too large to hold,
its path) decoded and read, cheaply when it shows no text, which most photos don't.

A JPEG is decoded at the reduced scale detection needs (libjpeg's draft: half the size of a
12 MP photo, a quarter of the work), and decoded whole only when the detector found lines, so
that recognition cuts each line from all its pixels. Other formats are decoded whole once. The
decodes and the networks' own memory are reserved in the decode budget (imaging.budget)."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from ....imaging.budget import Reservation, shared_budget
from ....imaging.decoder import decode
from ....imaging.formats import is_raw
from ....imaging.photo_file import Source, open_source
from ....ocr.reader import RecognisedLine, TextReader, detected_size, detection_scale

# A shortest side no photo reaches: the decoder keeps the whole photo (as the budget allows).
_WHOLE = 1 << 30
# What detection and recognition take beside the image, per pixel of the copy the detector
# sees (measured on 2 to 48 MP photos: 137 to 162 bytes).
READING_BYTES_PER_PIXEL = 160


@dataclass(frozen=True, slots=True)
class PhotoReading:
    """The lines of a photo. The boxes are in pixels of the upright (EXIF-oriented) photo at
    full resolution, whose size is `width` x `height`, whatever size detection saw."""

    lines: list[RecognisedLine]
    width: int
    height: int


def read_text(source: Source, name: str, reader: TextReader, max_pixels: int) -> PhotoReading:
    """The text in one photo file (`name` tells a camera RAW file by its extension).

    Raises imaging.decoded.DecodeError for a file that cannot be decoded (as the indexer's
    decoding does, with the same kinds) and ocr.reader.OcrError when the text cannot be read."""
    side = _draft_side(source, name)
    if side is None:
        return _read_whole(source, name, reader, max_pixels)
    with decode(source, max_pixels=max_pixels, min_side=side, name=name) as reduced:
        width, height = _upright_size(reduced.meta, reduced.image)
        if reduced.image.size == (width, height):  # too small to be reduced: read as it is
            with _reading(reduced.image, False, name):
                return PhotoReading(reader.read(reduced.image), width, height)
        decoded: list = []

        def full() -> Image.Image:
            decoded.append(decode(source, max_pixels=max_pixels, min_side=_WHOLE, name=name))
            return decoded[0].image

        with _reading(reduced.image, True, name):
            lines = reader.read(reduced.image, full=full)
    if decoded:  # held in the budget until here, then let go of
        with decoded.pop() as whole:
            lines = _to_size(lines, whole.image.size, width, height)
    return PhotoReading(lines, width, height)


def _reading(image: Image.Image, padded: bool, name: str) -> Reservation:
    """The detector's and the recogniser's memory, reserved in the decode budget while they
    read `image`: they take far more than the image itself."""
    width, height = detected_size(*image.size, padded)
    return shared_budget().reserve(READING_BYTES_PER_PIXEL * width * height, name)


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


def _draft_side(source: Source, name: str) -> int | None:
    """The shortest side to ask the JPEG decoder for, so that its draft is no smaller than the
    copy detection needs; None for a file that is not a JPEG, or whose header Pillow cannot
    read (the decoder then says why)."""
    if is_raw(name):
        return None
    try:
        with open_source(source) as handle, Image.open(handle) as image:
            if image.format != "JPEG":
                return None
            width, height = image.size
    except Exception:  # noqa: BLE001 - Pillow's plugins raise many types on bad headers
        return None
    if width <= 0 or height <= 0:
        return None
    return max(1, int(min(width, height) * detection_scale(width, height)))


def _read_whole(source: Source, name: str, reader: TextReader, max_pixels: int) -> PhotoReading:
    """A photo decoded once, at the largest size its decoder gives; a RAW file's may be half
    its size (LibRaw's half-size demosaic), so the boxes are scaled to the full size."""
    with decode(source, max_pixels=max_pixels, min_side=_WHOLE, name=name) as decoded:
        width, height = _upright_size(decoded.meta, decoded.image)
        with _reading(decoded.image, False, name):
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
