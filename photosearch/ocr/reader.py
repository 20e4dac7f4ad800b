"""Reading the text in a photo: detection on a reduced copy, recognition of each detected line
cut from the full-resolution photo, so that a photo without text costs one small detection pass
and small text is still read from all its pixels.

The models are the PP-OCRv6 detection and recognition networks inside the rapidocr wheel (its
multilingual recogniser: Chinese, English and other Latin-script languages, with its alphabet in
the model's metadata). They are opened from the wheel's own folder as ONNX Runtime sessions made
here, so rapidocr never resolves, checks or downloads a model file."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

DETECTION_MODEL = "PP-OCRv6_det_small"
RECOGNITION_MODEL = "PP-OCRv6_rec_small"


def _rapidocr_version() -> str:
    try:
        return metadata.version("rapidocr")
    except metadata.PackageNotFoundError:
        return "missing"


# Stored with every result: results read under another version are to be read again.
MODEL_VERSION = f"rapidocr {_rapidocr_version()}: {DETECTION_MODEL} + {RECOGNITION_MODEL}"

# The smallest text to be read, as a font size in pixels of the full photo, and the size it
# must keep in the copy that detection sees: that copy's long side is DETECTION_SIDE, or as
# large as DETECTED_TEXT_PX needs (half the photo's, for these values), never the photo's own.
# Measured on 12 MP photos with words 24-32 px high (benchmarks/ocr.py): at 8 px in the copy
# 81% of the words were read, at 10 px 86%, at 12 px 93%; the detector's time grows with the
# copy's area (one core: 0.13 s at 960x736, 0.27 s at 1344x1024, 0.57 s at 1984x1504).
# Photos up to 1920 px are detected at 960 px (1600x1200: 24 px words at 14 px, 97% read).
SMALLEST_TEXT_PX = 24
DETECTED_TEXT_PX = 12
DETECTION_SIDE = 960

# Lines recognised with less confidence (the mean probability of their characters) are dropped.
# What the detector takes for text on photos without any (coins, fur, gravel, blood vessels)
# often reads at 0.8-0.99. On 120 such photos, with the rules below, words were left on 12.5% of
# them at 0.5, 6.7% at 0.7, 1.7% at 0.8 and none at 0.9; rendered words were read alike (96%)
# at all of these floors, and at 0.95 fewer (94%).
MIN_CONFIDENCE = 0.9

# A detected line is kept when the detector's mean probability inside its box is at least this
# (rapidocr's default is 0.5): lines 10-12 px high in the reduced copy come out of the detector
# thin and speckled, scoring 0.3-0.5: at 0.5, 36% of the 24-32 px words of 12 MP photos were
# read instead of 87%.
BOX_THRESHOLD = 0.3

# Lines of fewer letters and digits are dropped, and so are lines of one character repeated
# ("0000", "OOO"): single characters and rows of them are what coins, fingers or a row of
# windows read as (at 0.8, these rules took photos without text given words from 11% to 2.5%),
# and are of no use to a search.
MIN_CHARACTERS = 2

_STRIDE = 32  # the detector's input sides are multiples of this
_LINE_HEIGHT = 48  # the recogniser's input height


class OcrError(Exception):
    """The text of one photo could not be read; the message is one line, for the record."""


@dataclass(frozen=True, slots=True)
class TextLine:
    """One line of text; `box` is its four corners (x, y) in the pixels of the image that was
    read, clockwise from the top left of the text."""

    text: str
    confidence: float
    box: tuple[tuple[float, float], tuple[float, float], tuple[float, float], tuple[float, float]]


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def detection_size(width: int, height: int) -> tuple[int, int]:
    """The size of the copy that detection sees: long side DETECTION_SIDE, or as large as needed
    for the smallest text to keep DETECTED_TEXT_PX, never larger than the photo; both sides
    rounded to the detector's stride."""
    long_side = max(width, height)
    wanted = max(DETECTION_SIDE, long_side * DETECTED_TEXT_PX / SMALLEST_TEXT_PX)
    scale = min(1.0, wanted / long_side)
    return (
        max(_STRIDE, round(width * scale / _STRIDE) * _STRIDE),
        max(_STRIDE, round(height * scale / _STRIDE) * _STRIDE),
    )


class TextReader:
    """Reads photos; the models load on the first read, once, whichever thread asks first.
    `read` may then be called from several threads at once; each call runs the networks on
    `threads` threads (default: every core this process may use)."""

    def __init__(self, threads: int | None = None, min_confidence: float = MIN_CONFIDENCE):
        self.threads = threads or usable_cores()
        self.min_confidence = min_confidence
        self._models: _Models | None = None
        self._lock = threading.Lock()

    def load(self) -> None:
        """Load the models now rather than on the first read."""
        self._loaded()

    def read(self, image: Image.Image) -> list[TextLine]:
        """The lines of text in an upright RGB photo, top to bottom, confident ones only."""
        models = self._loaded()
        try:
            return self._read(models, image)
        except OcrError:
            raise
        except Exception as exc:  # noqa: BLE001 - Pillow, OpenCV and ONNX Runtime raise many types
            raise OcrError(f"text could not be read: {_describe(exc)}") from None

    def _loaded(self) -> _Models:
        if self._models is None:
            with self._lock:
                if self._models is None:
                    self._models = _Models(self.threads)
        return self._models

    def _read(self, models: _Models, image: Image.Image) -> list[TextLine]:
        if not isinstance(image, Image.Image):
            raise OcrError(f"text could not be read: {type(image).__name__} is not an image")
        if image.mode != "RGB":
            image = image.convert("RGB")
        width, height = image.size
        reduced_size = detection_size(width, height)
        reduced = (
            image
            if reduced_size == image.size
            else image.resize(reduced_size, Image.Resampling.BILINEAR, reducing_gap=3.0)
        )
        boxes = models.detect(_bgr(reduced))
        if not len(boxes):
            return []
        boxes = boxes * (width / reduced_size[0], height / reduced_size[1])
        crops = [_crop_line(image, box, models.crop) for box in boxes]
        lines = []
        for box, (text, confidence) in zip(boxes, models.recognise(crops), strict=True):
            text = text.strip()
            if confidence >= self.min_confidence and _wordlike(text):
                corners = tuple((round(float(x), 1), round(float(y), 1)) for x, y in box)
                lines.append(TextLine(text, round(float(confidence), 4), corners))
        return lines


def _wordlike(text: str) -> bool:
    """At least MIN_CHARACTERS letters or digits, not all the same one (O and 0 alike)."""
    characters = [char.upper().replace("O", "0") for char in text if char.isalnum()]
    return len(characters) >= MIN_CHARACTERS and len(set(characters)) > 1


class _Models:
    """rapidocr's detector and recogniser, on sessions opened here from the wheel's files."""

    def __init__(self, threads: int):
        try:
            import onnxruntime as ort
            from omegaconf import OmegaConf
            from rapidocr.ch_ppocr_det import TextDetector
            from rapidocr.ch_ppocr_rec import TextRecInput, TextRecognizer
            from rapidocr.main import DEFAULT_CFG_PATH
            from rapidocr.utils.parse_parameters import ParseParams
            from rapidocr.utils.process_img import get_rotate_crop_image
        except ImportError as exc:
            raise OcrError(f"the OCR models are not installed: {_describe(exc)}") from None

        logging.getLogger("RapidOCR").setLevel(logging.WARNING)  # it logs every model it opens
        models = Path(DEFAULT_CFG_PATH).parent / "models"

        def settings(section: Any, model: str, **overrides) -> Any:
            options = ort.SessionOptions()
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            # Idle threads must not spin: photo decoding shares these cores while indexing.
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            session = ort.InferenceSession(
                str(models / f"{model}.onnx"), options, providers=["CPUExecutionProvider"]
            )
            values = {**OmegaConf.to_container(section), **overrides, "session": session}
            return OmegaConf.create(values, flags={"allow_objects": True})

        try:
            defaults = ParseParams.load(DEFAULT_CFG_PATH)  # rapidocr's own thresholds
            self._detector = TextDetector(
                settings(
                    defaults.Det,
                    DETECTION_MODEL,
                    # a limit above any reduced copy: the copy is used as it is
                    limit_type="max",
                    limit_side_len=1 << 16,
                    box_thresh=BOX_THRESHOLD,
                )
            )
            self._recogniser = TextRecognizer(
                settings(defaults.Rec, RECOGNITION_MODEL, font_path=None)  # for drawing only
            )
        except Exception as exc:  # noqa: BLE001 - ONNX Runtime and OmegaConf raise many types
            raise OcrError(f"the OCR models could not be loaded: {_describe(exc)}") from None
        self._recognition_input = TextRecInput
        self.crop = get_rotate_crop_image

    def detect(self, bgr: np.ndarray) -> np.ndarray:
        """Boxes (n, 4, 2) of the text lines in a BGR image, in its pixels, top to bottom."""
        found = self._detector(bgr)
        return np.zeros((0, 4, 2)) if found.boxes is None else found.boxes.astype(np.float64)

    def recognise(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        result = self._recogniser(self._recognition_input(img=crops))
        return list(zip(result.txts, result.scores, strict=True))


def _bgr(image: Image.Image) -> np.ndarray:
    """The channel order the PaddleOCR models were trained on."""
    return np.ascontiguousarray(np.asarray(image)[:, :, ::-1])


def _crop_line(image: Image.Image, box: np.ndarray, crop) -> np.ndarray:
    """A detected line cut out of the full photo and straightened, without converting the
    whole photo: only the rectangle around the box leaves Pillow, reduced first when the line
    is far taller than the recogniser's input (a large sign, or a blob taken for text)."""
    left, top = np.floor(box.min(axis=0)).astype(int)
    right, bottom = np.ceil(box.max(axis=0)).astype(int) + 1
    width, height = image.size
    left, top = max(0, left), max(0, top)
    right, bottom = min(width, right), min(height, bottom)
    region = image.crop((left, top, right, bottom))
    sides = np.linalg.norm(box - np.roll(box, -1, axis=0), axis=1)
    factor = max(1, int(sides.min() // (2 * _LINE_HEIGHT)))
    if factor > 1:
        region = region.reduce(factor)
    return crop(_bgr(region), ((box - (left, top)) / factor).astype(np.float32))


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:300]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


_shared: dict[int | None, TextReader] = {}
_shared_lock = threading.Lock()


def shared_reader(threads: int | None = None) -> TextReader:
    """The process's reader with `threads` threads a read (default: every core): one set of
    models, however many callers."""
    with _shared_lock:
        if threads not in _shared:
            _shared[threads] = TextReader(threads)
        return _shared[threads]
