"""The text of one photo, for the text pass, from the decode the passes share (shared_decode):
cheaply when it shows no text, which most photos don't.

A JPEG's text is detected on libjpeg's reduced draft (half the size of a 12 MP photo, a quarter
of the work), which its side_for asks the shared decode for; the photo is decoded whole only
when the detector found lines, so that recognition cuts each line from all its pixels. Other
formats are decoded whole once, and detection sees a reduced copy of them."""

from __future__ import annotations

from dataclasses import dataclass

from ....imaging.decoder import Header
from ....ocr.reader import RecognisedLine, TextReader, detected_size, detection_scale, reading_bytes
from ...content_pass import WHOLE, Content


@dataclass(frozen=True, slots=True)
class PhotoReading:
    """The lines of a photo. The boxes are in pixels of the upright (EXIF-oriented) photo at
    full resolution, whose size is `width` x `height`, whatever size detection saw."""

    lines: list[RecognisedLine]
    width: int
    height: int


def detection_side(header: Header | None) -> int:
    """The shortest side of the copy to detect a photo's text on: a JPEG's draft no smaller than
    the copy detection needs (detection_scale); other photos whole (their decode is no cheaper
    reduced, and recognition needs every pixel)."""
    if header is None or header.format != "JPEG":
        return WHOLE
    scale = detection_scale(header.width, header.height)
    return max(1, int(min(header.width, header.height) * scale))


def detection_memory(size: tuple[int, int]) -> int:
    """The networks' memory for reading a decoded copy of this size: what the detector sees of
    it (at most detection's own copy) and the recogniser's."""
    return reading_bytes(*detected_size(*size, True))


def read_text(content: Content, reader: TextReader) -> PhotoReading:
    """The text in one decoded photo. Raises ocr.reader.OcrError when it cannot be read, and
    imaging.decoded.DecodeError when the whole photo, wanted for its lines, cannot be decoded."""
    width, height = content.size
    if content.whole is None:  # the photo as whole as it gets: detection reduces it
        lines, seen = reader.read(content.image), content.image.size
    else:
        lines = reader.read(content.image, full=content.whole)
        seen = content.whole().size if lines else content.image.size
    return PhotoReading(_to_size(lines, seen, width, height), width, height)


def _to_size(lines: list[RecognisedLine], size: tuple[int, int], width: int, height: int):
    """Boxes in pixels of an image of `size` as pixels of the photo's width x height (a decode
    that the budget made smaller than the photo, a RAW file's half-size demosaic)."""
    if size == (width, height) or not lines:
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


def _scaled(lines: list[RecognisedLine], x: float, y: float) -> list[RecognisedLine]:
    return [
        RecognisedLine(
            line.text,
            line.confidence,
            tuple((round(px * x, 1), round(py * y, 1)) for px, py in line.box),
        )
        for line in lines
    ]
