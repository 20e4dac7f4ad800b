"""Reading the text in a photo: detection on a reduced copy, recognition of each detected line
cut from the full-resolution photo, so that a photo without text costs one small detection pass
and small text is still read from all its pixels.

The models are the PP-OCRv6 detection and recognition networks inside the rapidocr wheel (its
multilingual recogniser: Chinese, English and other Latin-script languages, with its alphabet in
the model's metadata). They are opened from the wheel's own folder by runtimes set up here, so
rapidocr never resolves, checks or downloads a model file: the detector on OpenVINO, the
recogniser on ONNX Runtime, and rapidocr's own code for what comes before and after them.

Why two runtimes: detection is nearly all the time of a photo without text, and on OpenVINO it
takes half as long. One 2016x1504 copy (a 12 MP photo's), one thread of an AVX-512 EPYC: ONNX
Runtime 0.57-0.69 s; OpenVINO 0.48 s in float32, 0.28-0.29 s in bfloat16 (where the CPU has
bfloat16 instructions; the probability map differs from float32's by at most 0.04); ONNX Runtime
on a model quantized to int8 here 0.36 s, with pixels flipping across the threshold. Two threads
of one OpenVINO call take 0.16 s, where two of ONNX Runtime's took 0.36 s. The recogniser
runs alike on both in float32 and its confidences decide what is kept (MIN_CONFIDENCE), so it
stays where those were measured."""

from __future__ import annotations

import functools
import logging
import os
import queue
import threading
from collections.abc import Callable
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
# copy's area (one core, OpenVINO in bfloat16: 0.06 s at 960x736, 0.13 s at 1344x1024, 0.29 s at
# 2016x1504; ONNX Runtime in float32 took 0.13, 0.27 and 0.57 s).
# Photos up to 1920 px are detected at 960 px (1600x1200: 24 px words at 14 px, 97% read).
SMALLEST_TEXT_PX = 24
DETECTED_TEXT_PX = 12
DETECTION_SIDE = 960
# The copy's long side never exceeds this, however large the photo: the detector's memory grows
# with the copy's area (about 150 bytes a pixel, detection and recognition together: 0.4 GB at
# 1984x1504, the copy of a 12 MP photo, 1.7 GB at 4000x3008, that of a 48 MP one), and a 195 MP
# panorama would otherwise take 7 GB. Past 16 MP the smallest text read grows above 24 px.
DETECTION_MAX_SIDE = 2048

# Lines recognised with less confidence (the mean probability of their characters) are dropped.
# What the detector takes for text on photos without any (coins, fur, gravel, blood vessels)
# often reads at 0.8-0.99. On 120 such photos, with the rules below, words were left on 12.5% of
# them at 0.5, 6.7% at 0.7, 2.5% at 0.8 and none at 0.9; rendered words were read alike (95.6%)
# at all of these floors, and at 0.95 fewer (94.9%).
MIN_CONFIDENCE = 0.9

# A detected line is recognised when the detector's mean probability inside its box is at least
# this (rapidocr's default is 0.5). Each box recognised costs the recogniser's time, and on a
# photo reduced for detection, decoding it whole: what the detector takes for text on photos
# without any (fur, coins, foliage) mostly scores 0.3-0.5. Benchmark (l) with the copy's text at
# 12 px: of 224 lines read right on 120 photos, one box scored 0.43, the others 0.58 or more;
# the 120 photos without text gave 378 boxes at 0.3 (93 photos), 165 at 0.4 (82), 115 at 0.5
# (66), none of which read as words. At 0.4 none of those lines was lost, and 24 photos of 12 MP
# were read at 4.5 a second (two cores) instead of 3.7 at 0.3. (With a copy whose text was 10 px
# high, lines came out thin and speckled: at 0.5, 36% of the 24-32 px words were read, not 87%.)
BOX_THRESHOLD = 0.4

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
class RecognisedLine:
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


def detection_scale(width: int, height: int) -> float:
    """How much of the photo's size the copy that detection sees keeps: its long side is
    DETECTION_SIDE, or as large as needed for the smallest text to keep DETECTED_TEXT_PX,
    never larger than the photo."""
    long_side = max(width, height)
    wanted = max(DETECTION_SIDE, long_side * DETECTED_TEXT_PX / SMALLEST_TEXT_PX)
    return min(1.0, DETECTION_MAX_SIDE / long_side, wanted / long_side)


def detected_size(width: int, height: int, padded: bool) -> tuple[int, int]:
    """The size of what the detector sees of an image of width x height: a copy the caller
    reduced already (padded) as it is, unless it is larger than DETECTION_MAX_SIDE; else the
    copy of detection_size."""
    if padded and max(width, height) <= DETECTION_MAX_SIDE:
        return width, height
    return detection_size(width, height)


def detection_size(width: int, height: int) -> tuple[int, int]:
    """The size of the copy that detection sees (detection_scale), both sides rounded to the
    detector's stride."""
    scale = detection_scale(width, height)
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

    def read(
        self, image: Image.Image, full: Callable[[], Image.Image] | None = None
    ) -> list[RecognisedLine]:
        """The lines of text in an upright RGB photo, top to bottom, confident ones only.

        Alone, `image` is the photo, reduced here for detection (detection_size). With `full`,
        `image` is a reduced copy that the caller made cheaply (a JPEG decoded at a fraction of
        its size, see detection_scale) and detection sees it as it is, its sides padded to the
        detector's stride; `full()` gives the full-resolution photo and is called only when
        lines were found, so that a photo without text is never decoded whole. The boxes are
        then in the pixels of what `full()` gave, and what `full()` raises passes through."""
        models = self._loaded()
        if not isinstance(image, Image.Image):
            raise OcrError(f"text could not be read: {type(image).__name__} is not an image")
        try:
            boxes, (detected_w, detected_h) = self._detect(models, image, padded=full is not None)
        except Exception as exc:  # noqa: BLE001 - Pillow, OpenCV and OpenVINO raise many types
            raise OcrError(f"text could not be read: {_describe(exc)}") from None
        if not len(boxes):
            return []
        if full is not None:
            image = full()
            if not isinstance(image, Image.Image):
                raise OcrError(f"text could not be read: {type(image).__name__} is not an image")
        width, height = image.size
        try:
            return self._recognise(models, image, boxes * (width / detected_w, height / detected_h))
        except Exception as exc:  # noqa: BLE001 - Pillow, OpenCV and ONNX Runtime raise many types
            raise OcrError(f"text could not be read: {_describe(exc)}") from None

    def _loaded(self) -> _Models:
        if self._models is None:
            with self._lock:
                if self._models is None:
                    self._models = _Models(self.threads)
        return self._models

    def _detect(
        self, models: _Models, image: Image.Image, padded: bool
    ) -> tuple[np.ndarray, tuple[float, float]]:
        """The boxes in the pixels of the copy detection saw, and that copy's size (without
        its padding, which is on the right and at the bottom)."""
        if image.mode != "RGB":
            image = image.convert("RGB")
        reduced_size = detected_size(*image.size, padded)
        if padded and reduced_size == image.size:
            boxes = models.detect(_padded(np.asarray(image)))
            return boxes, image.size
        reduced = (
            image
            if reduced_size == image.size
            else image.resize(reduced_size, Image.Resampling.BILINEAR, reducing_gap=3.0)
        )
        return models.detect(np.asarray(reduced)), reduced_size

    def _recognise(
        self, models: _Models, image: Image.Image, boxes: np.ndarray
    ) -> list[RecognisedLine]:
        if image.mode != "RGB":
            image = image.convert("RGB")
        crops = [_crop_line(image, box, models.crop) for box in boxes]
        lines = []
        for box, (text, confidence) in zip(boxes, models.recognise(crops), strict=True):
            text = text.strip()
            if confidence >= self.min_confidence and _wordlike(text):
                corners = tuple((round(float(x), 1), round(float(y), 1)) for x, y in box)
                lines.append(RecognisedLine(text, round(float(confidence), 4), corners))
        return lines


def _wordlike(text: str) -> bool:
    """At least MIN_CHARACTERS letters or digits, not all the same one (O and 0 alike)."""
    characters = [char.upper().replace("O", "0") for char in text if char.isalnum()]
    return len(characters) >= MIN_CHARACTERS and len(set(characters)) > 1


class _Models:
    """The detector on OpenVINO and rapidocr's recogniser on ONNX Runtime, opened from the
    wheel's files; the detector runs once on a blank image here, as two threads that first read
    a tensor's data at once deadlock in OpenVINO's binding (a C++ static's guard and the GIL)."""

    def __init__(self, threads: int):
        try:
            import onnxruntime as ort
            import openvino
            from omegaconf import OmegaConf
            from rapidocr.ch_ppocr_det import TextDetector
            from rapidocr.ch_ppocr_det.utils import DBPostProcess
            from rapidocr.ch_ppocr_rec import TextRecInput, TextRecognizer
            from rapidocr.main import DEFAULT_CFG_PATH
            from rapidocr.utils.parse_parameters import ParseParams
            from rapidocr.utils.process_img import get_rotate_crop_image
        except ImportError as exc:
            raise OcrError(f"the OCR models are not installed: {_describe(exc)}") from None

        logging.getLogger("RapidOCR").setLevel(logging.WARNING)  # it logs every model it opens
        models = Path(DEFAULT_CFG_PATH).parent / "models"

        def recogniser_settings(section: Any, model: str, **overrides) -> Any:
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

        self._sorted = TextDetector.sorted_boxes
        self._requests: queue.SimpleQueue = queue.SimpleQueue()
        self._recognition_input = TextRecInput
        self.crop = get_rotate_crop_image
        try:
            defaults = ParseParams.load(DEFAULT_CFG_PATH)  # rapidocr's own thresholds
            detector = models / f"{DETECTION_MODEL}.onnx"
            self.detector = _compiled_detector(openvino, detector, threads)
            det = defaults.Det
            self._postprocess = DBPostProcess(
                thresh=det.thresh,
                box_thresh=BOX_THRESHOLD,
                max_candidates=det.max_candidates,
                unclip_ratio=det.unclip_ratio,
                score_mode=det.score_mode,
                use_dilation=det.use_dilation,
            )
            self._recogniser = TextRecognizer(
                recogniser_settings(defaults.Rec, RECOGNITION_MODEL, font_path=None)  # drawing
            )
            self.detect(np.zeros((_STRIDE, _STRIDE, 3), np.uint8))  # before any other thread
        except Exception as exc:  # noqa: BLE001 - the runtimes and OmegaConf raise many types
            raise OcrError(f"the OCR models could not be loaded: {_describe(exc)}") from None

    def detect(self, rgb: np.ndarray) -> np.ndarray:
        """Boxes (n, 4, 2) of the text lines in an RGB image (h, w, 3) whose sides are multiples
        of the stride, in its pixels, top to bottom."""
        try:
            request = self._requests.get_nowait()
        except queue.Empty:  # one request for each call at once: a request is not thread-safe
            request = self.detector.create_infer_request()
        try:
            probabilities = request.infer({0: rgb[np.newaxis]})[0]
            boxes, _ = self._postprocess(probabilities, rgb.shape[:2])
        finally:
            self._requests.put(request)
        if not len(boxes):
            return np.zeros((0, 4, 2))
        return self._sorted(boxes).astype(np.float64)

    def recognise(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        result = self._recogniser(self._recognition_input(img=crops))
        return list(zip(result.txts, result.scores, strict=True))


# What detection and recognition take beside the image, per pixel of the copy the detector
# sees, measured on 2 to 48 MP photos: 137 to 162 bytes with the detector in bfloat16, 280 to
# 289 in float32 (a CPU without bfloat16 instructions).
READING_BYTES_PER_PIXEL = {"bf16": 160, "f32": 300}


@functools.cache
def detector_precision() -> str:
    """The precision the detector runs at on this CPU: bf16 where it has the instructions."""
    import openvino

    capabilities = openvino.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")
    return "bf16" if "BF16" in capabilities else "f32"


def reading_bytes(width: int, height: int) -> int:
    """The detector's and the recogniser's memory for a detection copy of width x height."""
    return READING_BYTES_PER_PIXEL[detector_precision()] * width * height


def _compiled_detector(openvino: Any, path: Path, threads: int) -> Any:
    """The detector compiled for this CPU. Its input is the photo's RGB bytes as they are
    (N, H, W, 3): the channel order the PaddleOCR models were trained on (BGR), the float
    conversion and the normalisation to [-1, 1] are steps of the compiled graph, so that no
    copy of the image in floats is made in NumPy (0.04-0.07 s a 12 MP photo's copy).

    `threads` threads for each call, and as many calls at once as the cores hold (streams):
    OpenVINO runs a call only on a stream of its own, and two compiled models of one thread
    each ran one after the other (one core's speed for both)."""
    from openvino.preprocess import ColorFormat, PrePostProcessor

    core = openvino.Core()
    model = core.read_model(str(path))
    steps = PrePostProcessor(model)
    tensor = steps.input().tensor()
    tensor.set_element_type(openvino.Type.u8).set_layout(openvino.Layout("NHWC"))
    tensor.set_color_format(ColorFormat.RGB)
    steps.input().model().set_layout(openvino.Layout("NCHW"))
    pre = steps.input().preprocess()
    pre.convert_color(ColorFormat.BGR).convert_element_type(openvino.Type.f32)
    pre.mean(127.5).scale(127.5)
    streams = max(1, usable_cores() // threads)
    settings = {
        "INFERENCE_NUM_THREADS": threads * streams,
        "NUM_STREAMS": streams,
        "INFERENCE_PRECISION_HINT": detector_precision(),
        # Not pinned to cores: decoding and the recogniser share them, and a second compiled
        # model (another reader) pinned its streams over the first's (2 photos at once read at
        # 2.3 a second beside a second reader, 3.8 alone; unpinned, 6 detections a second both).
        "ENABLE_CPU_PINNING": False,
    }
    return core.compile_model(steps.build(), "CPU", settings)


def _padded(pixels: np.ndarray) -> np.ndarray:
    """The image's sides padded up to multiples of the detector's stride, at the right and the
    bottom, by repeating the last row and column: no edge that the detector could take for the
    border of something, and the pixels keep their coordinates."""
    height, width = pixels.shape[:2]
    bottom = max(_STRIDE, -(-height // _STRIDE) * _STRIDE) - height
    right = max(_STRIDE, -(-width // _STRIDE) * _STRIDE) - width
    if not bottom and not right:
        return np.ascontiguousarray(pixels)
    return np.pad(pixels, ((0, bottom), (0, right), (0, 0)), mode="edge")


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
    """The process's reader with `threads` threads a call (default: every core): one set of
    models for each, however many callers."""
    with _shared_lock:
        if threads not in _shared:
            _shared[threads] = TextReader(threads)
        return _shared[threads]
