"""The text of photo files, on real pixels: scikit-image's sample photos tiled into 12 MP photos
with words drawn onto them in Debian's fonts (fonts-dejavu-core), saved as JPEG (upright, or
turned with an EXIF orientation) and PNG; the same photos without text; damaged and empty files.
The reader is real and the decoding too, the one the passes share (indexing.shared_decode); a
thin spy in front of the reader records what size detection saw and whether the full photo was
decoded."""

from __future__ import annotations

import io
import re
from importlib import resources
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from photosearch.imaging.decoded import DecodeError
from photosearch.imaging.decoder import read_header
from photosearch.indexing.content_pass import WHOLE
from photosearch.indexing.passes import FacesPass, TextPass
from photosearch.indexing.passes.text import reading as text_reading
from photosearch.indexing.passes.text.reading import PhotoReading, reading_plan
from photosearch.indexing.shared_decode import decoded_for
from photosearch.ocr import reader as ocr

SKIMAGE_DATA = resources.files("skimage") / "data"
SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
MAX_PIXELS = 100_000_000


@pytest.fixture(scope="module")
def reader() -> ocr.TextReader:
    reader = ocr.TextReader()
    reader.load()
    return reader


class Spy:
    """The reader, recording the size of each image detection was given and the size of each
    full-resolution photo that was asked for."""

    def __init__(self, reader: ocr.TextReader):
        self.reader = reader
        self.detected: list[tuple[int, int]] = []
        self.full: list[tuple[int, int]] = []

    def read(self, image, full=None):
        self.detected.append(image.size)
        if full is None:
            return self.reader.read(image)

        def counted():
            photo = full()
            self.full.append(photo.size)
            return photo

        return self.reader.read(image, full=counted)


def read_text(data, name, reader, max_pixels, passes=None) -> PhotoReading:
    """The text of a photo file as the text pass reads it, among `passes`."""
    with decoded_for(passes or (TextPass(),), data, name, max_pixels) as content:
        return text_reading.read_text(content, reader)


def sample(name: str) -> Image.Image:
    with (SKIMAGE_DATA / name).open("rb") as file:
        return Image.open(file).convert("RGB")


WITH_FALSE_LINES = ("coffee.png", "chelsea.png", "rocket.jpg")  # boxes that read as no words
PLAIN = ("brick.png", "grass.png", "moon.png")  # no box at all


def photo(width: int = 4000, height: int = 3000, names=WITH_FALSE_LINES) -> Image.Image:
    """A grid of sample photos without text."""
    tiles = [sample(name) for name in names]
    image = Image.new("RGB", (width, height))
    columns, rows = 3, 3
    for index in range(columns * rows):
        column, row = index % columns, index // columns
        box = (width * column // columns, height * row // rows)
        size = (width * (column + 1) // columns - box[0], height * (row + 1) // rows - box[1])
        image.paste(tiles[(index + row) % len(tiles)].resize(size), box)
    return image


def font(px: int) -> ImageFont.FreeTypeFont:
    if not SANS.exists():
        pytest.skip(f"font {SANS} is missing: apt-get install fonts-dejavu-core")
    return ImageFont.truetype(str(SANS), px)


def draw(image: Image.Image, text: str, px: int, xy: tuple[int, int]) -> tuple[int, int, int, int]:
    """Dark text on a light plate, like a sign; the text's bounding box."""
    pen = ImageDraw.Draw(image)
    box = pen.textbbox(xy, text, font=font(px))
    pen.rectangle((box[0] - 12, box[1] - 12, box[2] + 12, box[3] + 12), fill=(240, 240, 235))
    pen.text(xy, text, font=font(px), fill=(15, 15, 20))
    return box


def encoded(image: Image.Image, format: str, **options) -> bytes:
    data = io.BytesIO()
    image.save(data, format, **options)
    return data.getvalue()


def words(text: PhotoReading) -> list[str]:
    return [word for line in text.lines for word in re.findall(r"[^\W_]+", line.text.lower())]


def around(line: ocr.RecognisedLine, box: tuple[int, int, int, int]) -> bool:
    """Whether the line's box holds the drawn text's box, with a margin under one and a half
    times the text's height (the detector pads each line by about half its height, in pixels of
    a copy half the size)."""
    xs, ys = [x for x, _ in line.box], [y for _, y in line.box]
    margin = 1.5 * (box[3] - box[1])
    return (
        box[0] - margin < min(xs) <= box[0] + 2
        and box[1] - margin < min(ys) <= box[1] + 2
        and box[2] - 2 <= max(xs) < box[2] + margin
        and box[3] - 2 <= max(ys) < box[3] + margin
    )


def test_a_12_megapixel_jpeg_gives_full_resolution_boxes(reader):
    image = photo()
    drawn = draw(image, "Station 42", 28, (2900, 2300))
    spy = Spy(reader)
    text = read_text(encoded(image, "JPEG", quality=90), "IMG_0001.JPG", spy, MAX_PIXELS)
    assert (text.width, text.height) == (4000, 3000)
    assert [line.text for line in text.lines] == ["Station 42"]
    assert around(text.lines[0], drawn)  # in the full photo's pixels, not the draft's
    assert spy.detected == [(2000, 1500)]  # detection saw libjpeg's half-scale draft
    assert spy.full == [(4000, 3000)]  # and the lines were cut from the whole photo


def test_a_photo_without_text_is_never_decoded_whole(reader):
    spy = Spy(reader)
    data = encoded(photo(names=PLAIN), "JPEG", quality=90)
    text = read_text(data, "IMG_0002.JPG", spy, MAX_PIXELS)
    assert text == PhotoReading([], 4000, 3000)
    assert spy.detected == [(2000, 1500)] and spy.full == []


def test_lines_that_read_as_no_words_give_no_lines(reader):
    spy = Spy(reader)
    text = read_text(encoded(photo(), "JPEG", quality=90), "IMG_0008.JPG", spy, MAX_PIXELS)
    assert text == PhotoReading([], 4000, 3000)
    assert spy.full == [(4000, 3000)]  # the detector's boxes were read from the whole photo


def test_a_png_is_read_whole(reader):
    image = photo(1600, 1200)
    drawn = draw(image, "Harbour Street", 32, (300, 900))
    spy = Spy(reader)
    text = read_text(encoded(image, "PNG"), "scan.png", spy, MAX_PIXELS)
    assert (text.width, text.height) == (1600, 1200)
    assert words(text) == ["harbour", "street"]
    assert around(text.lines[0], drawn)
    assert spy.detected == [(1600, 1200)] and spy.full == []


def test_a_turned_jpeg_gives_boxes_of_the_upright_photo(reader):
    upright = photo(3000, 4000)  # a portrait photo
    drawn = draw(upright, "Garden Gate", 36, (400, 3300))
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # as the camera's sensor saw it
    exif = Image.Exif()
    exif[0x0112] = 6  # turn 90 degrees clockwise to show
    data = encoded(stored, "JPEG", quality=90, exif=exif.tobytes())
    assert Image.open(io.BytesIO(data)).size == (4000, 3000)
    spy = Spy(reader)
    text = read_text(data, "IMG_0003.JPG", spy, MAX_PIXELS)
    assert (text.width, text.height) == (3000, 4000)
    assert words(text) == ["garden", "gate"]
    assert around(text.lines[0], drawn)
    assert spy.detected == [(1500, 2000)] and spy.full == [(3000, 4000)]


def test_a_small_jpeg_is_read_as_it_is(reader):
    image = sample("coffee.png")  # 600x400: no draft is smaller than detection needs
    draw(image, "Fresh Coffee", 32, (40, 30))
    spy = Spy(reader)
    text = read_text(encoded(image, "JPEG", quality=92), "coffee.jpg", spy, MAX_PIXELS)
    assert (text.width, text.height) == (600, 400)
    assert words(text) == ["fresh", "coffee"]
    assert spy.detected == [(600, 400)] and spy.full == []


def test_a_damaged_jpeg_raises_a_decode_error(reader):
    data = encoded(photo(), "JPEG", quality=90)
    with pytest.raises(DecodeError) as caught:
        read_text(data[: len(data) // 3], "IMG_0004.JPG", reader, MAX_PIXELS)
    assert caught.value.kind == "corrupt"


def test_a_file_that_is_no_image_raises_a_decode_error(reader):
    with pytest.raises(DecodeError) as caught:
        read_text(b"these bytes are no photo" * 20, "IMG_0005.JPG", reader, MAX_PIXELS)
    assert caught.value.kind == "unsupported"


def test_an_empty_file_raises_a_decode_error(reader):
    with pytest.raises(DecodeError) as caught:
        read_text(b"", "IMG_0006.JPG", reader, MAX_PIXELS)
    assert caught.value.kind == "empty"


def test_a_photo_over_the_pixel_limit_raises_a_decode_error(reader):
    data = encoded(photo(), "JPEG", quality=80)
    with pytest.raises(DecodeError) as caught:
        read_text(data, "IMG_0007.JPG", reader, 4000 * 3000 - 1)
    assert caught.value.kind == "too_large"


def test_the_draft_asked_for_is_the_detection_copy():
    data = encoded(Image.new("RGB", (4000, 3000)), "JPEG")
    assert text_reading.detection_side(read_header(data, "a.jpg")) == 1500
    assert read_header(data, "a.dng") is None  # RAW files go to LibRaw, which cannot read it
    assert text_reading.detection_side(None) == WHOLE
    png = read_header(encoded(Image.new("RGB", (64, 64)), "PNG"), "a.png")
    assert text_reading.detection_side(png) == WHOLE


def test_with_the_faces_pass_the_text_is_detected_on_the_same_draft(reader):
    """The faces pass asks for a smaller copy (640 px): the text pass's draft serves both."""
    image = photo()
    draw(image, "Station 42", 28, (2900, 2300))
    spy = Spy(reader)
    data = encoded(image, "JPEG", quality=90)
    text = read_text(data, "IMG_0009.JPG", spy, MAX_PIXELS, passes=(FacesPass(), TextPass()))
    assert [line.text for line in text.lines] == ["Station 42"]
    assert spy.detected == [(2000, 1500)] and spy.full == [(4000, 3000)]


def test_the_reading_plan_is_a_photo_for_each_core_on_one_thread():
    assert [reading_plan(cores) for cores in (1, 2, 4, 16)] == [(1, 1), (2, 1), (4, 1), (16, 1)]
    assert reading_plan(0) == (1, 1)
