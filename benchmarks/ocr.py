"""(l) Text in photos: word recall on photos with words rendered onto them, false text on photos
without any, photos read a second from 12 MP JPEG files as the indexer's OCR pass reads them,
and seconds per photo with and without text, on one thread and on all.

The photos are scikit-image's sample photos that show no legible text, cropped, mirrored and
scaled to sizes from 640x480 to 12 MP. Onto one set go one to three lines of real English words
and numbers, 24 px high or more in the photo's own pixels, in several fonts and colours, some on
a plate like a sign, some outlined like a caption, some turned a few degrees; another set stays
as it is. Both sets are read as JPEG files (quality 92), as the text pass reads them (its
reading.py on the decode of indexing.shared_decode): detection on libjpeg's reduced draft where
there is one, recognition from the photo decoded whole. A word counts as read when a line holds
it as a whole token, case aside.

The throughput row reads 12 MP JPEGs from disk (decoding included), a quarter of them with words
and a third of them portrait photos stored turned with an EXIF orientation, as cameras do, with
sensor-like grain so that they compress to about 2.5 MB as a phone's photos do: by
reading_plan's arrangement of photos at once and threads each, and one photo at a time on every
core as the baseline."""

from __future__ import annotations

import io
import os
import re
import statistics
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps

from photosearch.indexing.passes import TextPass
from photosearch.indexing.passes.text import reading
from photosearch.indexing.passes.text.reading import PhotoReading, reading_plan
from photosearch.indexing.shared_decode import decoded_for
from photosearch.ocr import reader as ocr

from .common import Row, timed

NAME = "(l) text in photos (rapidocr, PP-OCRv6)"
RECALL_TARGET = 0.90
FALSE_TEXT_TARGET = 0.05
THROUGHPUT_TARGET = 3.0  # photos a second, 12 MP JPEGs, two cores
MAX_PIXELS = 100_000_000
JPEG_QUALITY = 92
FLOORS = sorted({0.0, 0.5, 0.7, 0.8, 0.95, ocr.MIN_CONFIDENCE})  # the chosen one among others

# The sample photos without text: not motorcycle_*.png (a brand name), nor astronaut.png, whose
# mission patch reads "COLLINS" once enlarged.
BACKGROUNDS = (
    "brick.png",
    "camera.png",
    "chelsea.png",
    "clock_motion.png",
    "coffee.png",
    "coins.png",
    "grass.png",
    "gravel.png",
    "hubble_deep_field.jpg",
    "ihc.png",
    "moon.png",
    "retina.jpg",
    "rocket.jpg",
)
FONT_DIR = Path("/usr/share/fonts/truetype")
FONTS = (  # Debian's fonts-dejavu-core and fonts-dejavu-extra (Condensed), fonts-liberation
    "dejavu/DejaVuSans.ttf",
    "dejavu/DejaVuSans-Bold.ttf",
    "dejavu/DejaVuSerif.ttf",
    "dejavu/DejaVuSansMono.ttf",
    "dejavu/DejaVuSansCondensed-Oblique.ttf",
    "liberation/LiberationSans-Regular.ttf",
    "liberation/LiberationSerif-Bold.ttf",
    "liberation/LiberationSansNarrow-Regular.ttf",
)
SIZES = ((640, 480), (1024, 768), (1600, 1200), (2048, 1536), (4000, 3000))
SIZE_WEIGHTS = (0.15, 0.25, 0.3, 0.2, 0.1)
MAX_ENLARGEMENT = 3
SOURCE_SIDE = 500  # about the side of a sample photo
_WORD_LIST = """
about above action address after again airport almost animal answer apple around autumn
balance basket beach before behind better between bicycle birthday border bottle bread bridge
brother budget butter button camera candle capital carpet castle centre chair change cheese
chicken church circle city classic clean clock coffee colour corner cotton country cousin
dance danger daughter desert dinner doctor dollar double dragon dream drive early earth
engine evening exit family farmer father festival field figure finger flower forest fourteen
friday friend garden gentle giant glass golden ground guitar harbour hammer happy heart
hello history holiday honey horse hospital hotel house island jacket journey jungle kitchen
ladder language laptop lemon letter library light lion little market meadow metal middle
minute mirror monday money monkey morning mountain museum music narrow nature needle north
number ocean office orange palace paper parade parking pencil people pepper picnic planet
pocket police potato public puzzle rabbit radio rain record river road rocket salad school
season second silver simple sister smile soldier spring square station stone street
summer sunday supper table ticket tiger tomato tower travel valley velvet village violin
voice wagon water weekend window winter wonder yellow yesterday zebra
"""
WORDS = _WORD_LIST.split()


@dataclass
class Sample:
    image: Image.Image
    words: list[str]  # as rendered
    small_words: list[str]  # those rendered 24-32 px high


def tokens(text: str) -> list[str]:
    """Whole words and numbers, lower case: what a rendered word is looked for among."""
    return re.findall(r"[^\W_]+", text.lower())


def backgrounds() -> list[Image.Image]:
    data = resources.files("skimage") / "data"
    return [Image.open(data / name).convert("RGB") for name in BACKGROUNDS]


def fonts() -> list[Path]:
    found = [FONT_DIR / name for name in FONTS if (FONT_DIR / name).exists()]
    if not found:
        raise SystemExit(f"no fonts under {FONT_DIR}: apt-get install fonts-dejavu-core")
    return found


def photo(rng: np.random.Generator, sources: list[Image.Image], size=None) -> Image.Image:
    """A photo of one of SIZES (or `size`), landscape or portrait: a crop of a sample photo,
    or where that would mean enlarging it more than MAX_ENLARGEMENT, a grid of such crops: the
    sample photos are 300-1400 px, and a 12 MP photo enlarged from one is a blur around sharp
    text, on which the detector's output degenerates (it read nothing on an enlarged Hubble
    field), while a camera's 12 MP photo is sharp."""
    if size is None:
        size = SIZES[rng.choice(len(SIZES), p=SIZE_WEIGHTS)]
        size = size[::-1] if rng.random() < 0.25 else size
    width, height = size
    columns = rows = 1
    while (
        width / columns > SOURCE_SIDE * MAX_ENLARGEMENT
        or height / rows > SOURCE_SIDE * MAX_ENLARGEMENT
    ):
        columns, rows = (
            (columns + 1, rows) if width / columns >= height / rows else (columns, rows + 1)
        )
    image = Image.new("RGB", size)
    for column in range(columns):
        for row in range(rows):
            left, top = width * column // columns, height * row // rows
            tile = (width * (column + 1) // columns - left, height * (row + 1) // rows - top)
            image.paste(_crop(rng, sources[rng.integers(len(sources))], tile), (left, top))
    return image


def _crop(rng: np.random.Generator, source: Image.Image, size: tuple[int, int]) -> Image.Image:
    """55-100% of the largest crop of `source` of the shape of `size`, perhaps mirrored."""
    width, height = source.size
    fit = min(width / size[0], height / size[1]) * rng.uniform(0.55, 1.0)
    crop_w, crop_h = int(size[0] * fit), int(size[1] * fit)
    left, top = rng.integers(0, width - crop_w + 1), rng.integers(0, height - crop_h + 1)
    image = source.crop((left, top, left + crop_w, top + crop_h))
    if rng.random() < 0.5:
        image = ImageOps.mirror(image)
    return image.resize(size, Image.Resampling.BICUBIC)


def phrase(rng: np.random.Generator) -> list[str]:
    words = []
    for _ in range(rng.integers(1, 4)):
        if rng.random() < 0.2:
            words.append(str(rng.integers(10, 10_000)))
        else:
            word = WORDS[rng.integers(len(WORDS))]
            style = rng.random()
            words.append(word.upper() if style < 0.3 else word.title() if style < 0.6 else word)
    return words


def text_size(rng: np.random.Generator, height: int) -> int:
    """24 px or more: a third at 24-32 px, the smallest to be read, the rest up to height/10."""
    if rng.random() < 1 / 3:
        return int(rng.integers(24, 33))
    return int(rng.integers(33, max(34, height // 10)))


def render(rng: np.random.Generator, image: Image.Image, font_paths: list[Path]) -> Sample:
    """One to three lines, placed where they overlap nothing drawn before."""
    image = image.copy()
    taken: list[tuple[int, int, int, int]] = []
    words: list[str] = []
    small: list[str] = []
    for _ in range(rng.integers(1, 4)):
        line = phrase(rng)
        px = text_size(rng, min(image.size))
        font = ImageFont.truetype(str(font_paths[rng.integers(len(font_paths))]), px)
        style = int(rng.integers(3))
        layer = _line_layer(rng, " ".join(line), font, px, style)
        place = _free_place(rng, image.size, layer.size, taken)
        if place is None:
            continue
        box = (*place, place[0] + layer.size[0], place[1] + layer.size[1])
        if style == PLAIN:  # light ink where the photo under it is dark, dark ink elsewhere
            dark = np.asarray(image.crop(box).convert("L")).mean() < 128
            ink = Image.new("RGBA", layer.size, _colour(rng, light=dark))
            ink.putalpha(layer.getchannel("A"))
            layer = ink
        image.paste(layer, place, layer)
        taken.append(box)
        words += line
        small += line if px <= 32 else []
    return Sample(image, words, small)


PLAIN, PLATE, OUTLINED = range(3)


def _line_layer(rng, text: str, font, px: int, style: int) -> Image.Image:
    """The line on a transparent layer: plain, on a plate like a sign, or outlined like a
    caption; turned by up to 5 degrees one time in four."""
    left, top, right, bottom = font.getbbox(text)
    pad = px // 3
    layer = Image.new("RGBA", (right - left + 2 * pad, bottom - top + 2 * pad), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    light = bool(rng.random() < 0.5)
    if style == PLATE:
        draw.rounded_rectangle((0, 0, *layer.size), radius=pad, fill=_colour(rng, not light))
    draw.text(
        (pad - left, pad - top),
        text,
        font=font,
        fill=_colour(rng, light),
        stroke_width=max(1, px // 14) if style == OUTLINED else 0,
        stroke_fill=_colour(rng, not light),
    )  # fmt: skip
    if rng.random() < 0.25:
        layer = layer.rotate(rng.uniform(-5, 5), Image.Resampling.BICUBIC, expand=True)
    return layer


def _colour(rng, light: bool) -> tuple[int, int, int, int]:
    low, high = (190, 256) if light else (0, 70)
    return (*(int(value) for value in rng.integers(low, high, 3)), 255)


def _free_place(rng, size, layer_size, taken) -> tuple[int, int] | None:
    room_w, room_h = size[0] - layer_size[0], size[1] - layer_size[1]
    if room_w < 0 or room_h < 0:
        return None
    for _ in range(50):
        x, y = int(rng.integers(0, room_w + 1)), int(rng.integers(0, room_h + 1))
        box = (x, y, x + layer_size[0], y + layer_size[1])
        if all(box[2] <= t[0] or t[2] <= box[0] or box[3] <= t[1] or t[3] <= box[1] for t in taken):
            return x, y
    return None


def samples(count: int, seed: int, with_text: bool) -> Iterator[Sample]:
    """`count` photos, built one at a time (a 12 MP photo is 36 MB)."""
    rng = np.random.default_rng(seed)
    sources, font_paths = backgrounds(), fonts()
    made = 0
    while made < count:
        image = photo(rng, sources)
        sample = render(rng, image, font_paths) if with_text else Sample(image, [], [])
        if with_text and not sample.words:
            continue
        made += 1
        yield sample


def _found(sample: Sample, lines: list[ocr.RecognisedLine], floor: float) -> tuple[int, int]:
    """How many of the rendered words, and of the small ones, the lines at `floor` hold."""
    read = Counter(
        token for line in lines if line.confidence >= floor for token in tokens(line.text)
    )
    wanted = Counter(word.lower() for word in sample.words)
    small = Counter(word.lower() for word in sample.small_words)
    return sum((wanted & read).values()), sum((small & read).values())


def run(quick: bool, work: Path) -> list[Row]:
    count = 30 if quick else 120
    # every line, whatever its confidence: the floors are applied here
    load_seconds, reader = timed(_loaded, ocr.TextReader(min_confidence=0.0))

    found = {floor: 0 for floor in FLOORS}
    found_small = {floor: 0 for floor in FLOORS}
    total = total_small = 0
    for sample in samples(count, seed=1, with_text=True):
        lines = _read_as_jpeg(reader, sample.image)
        for floor in FLOORS:
            words, small = _found(sample, lines, floor)
            found[floor] += words
            found_small[floor] += small
        total += len(sample.words)
        total_small += len(sample.small_words)
    with_text = {floor: 0 for floor in FLOORS}
    for sample in samples(count, seed=2, with_text=False):
        lines = _read_as_jpeg(reader, sample.image)
        for floor in FLOORS:
            with_text[floor] += any(line.confidence >= floor for line in lines)

    floor = ocr.MIN_CONFIDENCE
    recall = found[floor] / total
    false_text = with_text[floor] / count
    rows = [
        Row(NAME, "models load, once per process", load_seconds, "s"),
        Row(NAME, f"word recall, {total} words on {count} photos", recall, "fraction",
            target=f">= {RECALL_TARGET}", met=recall >= RECALL_TARGET),
        Row(NAME, f"word recall, the {total_small} words 24-32 px high",
            found_small[floor] / max(1, total_small), "fraction"),
        Row(NAME, f"photos without text given words, of {count}", false_text, "fraction",
            target=f"<= {FALSE_TEXT_TARGET}", met=false_text <= FALSE_TEXT_TARGET),
    ]  # fmt: skip
    for other in FLOORS:  # what the floor buys
        if other != floor:
            rows.append(
                Row(NAME, f"word recall at floor {other:.2f}", found[other] / total, "fraction")
            )
            rows.append(
                Row(NAME, f"false text at floor {other:.2f}", with_text[other] / count, "fraction")
            )
    return rows + _throughput(quick, work) + _timings(quick)


def _read_as_jpeg(reader: ocr.TextReader, image: Image.Image) -> list[ocr.RecognisedLine]:
    data = io.BytesIO()
    image.save(data, "JPEG", quality=JPEG_QUALITY)
    return read_text(data.getvalue(), "photo.jpg", reader, MAX_PIXELS).lines


def read_text(source, name: str, reader, max_pixels: int) -> PhotoReading:
    """A photo file's text as the text pass reads it, from the decode the passes share."""
    with decoded_for((TextPass(),), source, name, max_pixels) as content:
        return reading.read_text(content, reader)


def _throughput(quick: bool, work: Path) -> list[Row]:
    """Photos a second through read_text from files on disk, by reading_plan's arrangement and
    one photo at a time on every core."""
    paths = throughput_photos(work / "ocr-photos", 12 if quick else 24)
    cores = ocr.usable_cores()
    photos, threads = reading_plan(cores)
    passes = 1 if quick else 3
    planned, planned_disturbed = _photos_a_second(paths, photos, threads, passes)
    alone, alone_disturbed = _photos_a_second(paths, 1, cores, passes)
    label = f"photos a second, {len(paths)} 12 MP JPEGs from disk"
    return [
        Row(NAME, f"{label}, {photos} at once x {threads} thr", planned, "photo/s",
            baseline=f"1 at once x {cores} thr", baseline_value=alone,
            target=f">= {THROUGHPUT_TARGET:g}", met=planned >= THROUGHPUT_TARGET),
        Row(NAME, f"{label}, 1 at once x {cores} thr", alone, "photo/s"),
        Row(NAME, "passes slowed by other processes, left out", planned_disturbed + alone_disturbed,
            "passes"),
    ]  # fmt: skip


def throughput_photos(directory: Path, count: int) -> list[Path]:
    """`count` 12 MP JPEG files, every fourth with words and every third a portrait photo
    stored turned (EXIF orientation 6); written once, kept between runs."""
    directory.mkdir(parents=True, exist_ok=True)
    sources, font_paths = backgrounds(), fonts()
    paths = []
    for number in range(count):
        text, portrait = number % 4 == 0, number % 3 == 1
        path = directory / f"{number:02}-{'text' if text else 'plain'}.jpg"
        paths.append(path)
        if path.exists():
            continue
        rng = np.random.default_rng([4, number])  # each photo its own, whichever are kept
        image = photo(rng, sources, (3000, 4000) if portrait else (4000, 3000))
        if text:
            image = render(rng, image, font_paths).image
        grain = rng.normal(0, 3, (image.size[1], image.size[0], 1))
        pixels = np.asarray(image, dtype=np.float32) + grain.astype(np.float32)
        image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
        exif = Image.Exif()
        if portrait:  # the sensor's landscape pixels, to be turned 90 degrees clockwise
            image = image.transpose(Image.Transpose.ROTATE_90)
            exif[0x0112] = 6
        image.save(path, "JPEG", quality=JPEG_QUALITY, exif=exif.tobytes())
    return paths


def _photos_a_second(
    paths: list[Path], photos: int, threads: int, passes: int
) -> tuple[float, int]:
    """The median of `passes` passes over the photos, and how many passes were left out and
    made again because other processes took more than 5% of a core meanwhile (this machine is
    shared: a test run beside the benchmark halved the figure); at most three times as many."""
    reader = _loaded(ocr.TextReader(threads=threads))

    def one(path: Path):
        return read_text(path.read_bytes(), path.name, reader, MAX_PIXELS)

    one(paths[0])  # unmeasured: the first call of each runtime sets itself up
    quiet, disturbed = [], []
    with ThreadPoolExecutor(photos) as pool:
        while len(quiet) < passes and len(quiet) + len(disturbed) < 3 * passes:
            busy, own, started = _busy_seconds(), _own_seconds(), time.perf_counter()
            list(pool.map(one, paths))
            seconds = time.perf_counter() - started
            others = _busy_seconds() - busy - (_own_seconds() - own)
            (quiet if others < 0.05 * seconds else disturbed).append(len(paths) / seconds)
    return statistics.median(quiet or disturbed), len(disturbed)


def _busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (not idle, not waiting on disks)."""
    with open("/proc/stat") as stat:
        ticks = [int(value) for value in stat.readline().split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def _own_seconds() -> float:
    times = os.times()
    return times.user + times.system


def _loaded(reader: ocr.TextReader) -> ocr.TextReader:
    reader.load()
    return reader


def _timings(quick: bool) -> list[Row]:
    """Seconds per photo at 1600x1200 and at 12 MP, with and without text, one thread and all
    (the median of a few photos, each read once after one unmeasured read)."""
    rng = np.random.default_rng(3)
    sources, font_paths = backgrounds(), fonts()
    photos = {}
    for size in ((1600, 1200), (4000, 3000)):
        plain = [photo(rng, sources, size) for _ in range(2 if quick else 4)]
        photos[size, False] = plain
        photos[size, True] = [render(rng, image, font_paths).image for image in plain]
    rows = []
    for threads in (1, ocr.usable_cores()):
        reader = _loaded(ocr.TextReader(threads=threads))
        reader.read(photos[(1600, 1200), False][0])
        for (size, text), images in photos.items():
            seconds = []
            for image in images:
                started = time.perf_counter()
                reader.read(image)
                seconds.append(time.perf_counter() - started)
            label = f"{size[0]}x{size[1]} {'with' if text else 'without'} text, {threads} thr"
            rows.append(Row(NAME, f"seconds per photo, {label}", float(np.median(seconds)), "s"))
    return rows
