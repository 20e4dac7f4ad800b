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
# becomes in the copy that detection sees. Detection runs on a copy whose long side is
# DETECTION_SIDE, or larger where that would shrink SMALLEST_TEXT_PX below DETECTED_TEXT_PX, up
# to the photo's own size (see benchmarks/ocr.py for the measurements behind these).
SMALLEST_TEXT_PX = 24
DETECTED_TEXT_PX = 12
DETECTION_SIDE = 1280

# Lines recognised with less confidence (the mean probability of their characters) are dropped:
# on photos without text, what the detector takes for text (foliage, brickwork, fur) reads as
# short strings of low confidence.
MIN_CONFIDENCE = 0.8

_STRIDE = 32  # the detector's input sides are multiples of this


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
        if self._models is None:
            with self._lock:
                if self._models is None:
                    self._models = _Models(self.threads)

    def read(self, image: Image.Image) -> list[TextLine]:
        """The lines of text in an upright RGB photo, top to bottom, confident ones only."""
        self.load()
        assert self._models is not None
        try:
            return self._read(self._models, image)
        except OcrError:
            raise
        except Exception as exc:  # noqa: BLE001 - Pillow, OpenCV and ONNX Runtime raise many types
            raise OcrError(f"text could not be read: {_describe(exc)}") from None

    def _read(self, models: _Models, image: Image.Image) -> list[TextLine]:
        if not isinstance(image, Image.Image):
            raise OcrError(f"text could not be read: {type(image).__name__} is not an image")
        if image.mode != "RGB":
            image = image.convert("RGB")
        width, height = image.size
        reduced_size = detection_size(width, height)
        reduced = image.resize(reduced_size, Image.Resampling.BILINEAR, reducing_gap=3.0)
        boxes = models.detect(_bgr(reduced))
        if not len(boxes):
            return []
        boxes = boxes * (width / reduced_size[0], height / reduced_size[1])
        crops = [_crop_line(image, box, models.crop) for box in boxes]
        lines = []
        for box, (text, confidence) in zip(boxes, models.recognise(crops), strict=True):
            text = text.strip()
            if confidence >= self.min_confidence and any(char.isalnum() for char in text):
                corners = tuple((round(float(x), 1), round(float(y), 1)) for x, y in box)
                lines.append(TextLine(text, round(float(confidence), 4), corners))
        return lines


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
        defaults = ParseParams.load(DEFAULT_CFG_PATH)

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
            # limit_type "max" with a limit above any reduced copy: the copy is used as it is
            self._detector = TextDetector(
                settings(defaults.Det, DETECTION_MODEL, limit_type="max", limit_side_len=1 << 16, max_candidates=int(os.environ.get("MAXC", "1000")))
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
    whole photo: only the rectangle around the box leaves Pillow."""
    left, top = np.floor(box.min(axis=0)).astype(int)
    right, bottom = np.ceil(box.max(axis=0)).astype(int) + 1
    width, height = image.size
    left, top = max(0, left), max(0, top)
    right, bottom = min(width, right), min(height, bottom)
    region = _bgr(image.crop((left, top, right, bottom)))
    return crop(region, (box - (left, top)).astype(np.float32))


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:300]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


_shared: TextReader | None = None
_shared_lock = threading.Lock()


def shared_reader() -> TextReader:
    """The process's reader, on every core: one set of models, however many callers."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = TextReader()
        return _shared
