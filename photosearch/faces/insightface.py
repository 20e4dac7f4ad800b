"""InsightFace's buffalo_l on ONNX Runtime: SCRFD-10GF (`det_10g.onnx`) finds faces and their five
landmarks, ArcFace ResNet-50 trained on WebFace600K (`w600k_r50.onnx`) turns each face, aligned
to 112x112 by the similarity transform that brings its landmarks onto ArcFace's template, into
512 numbers. Stronger than dlib on small, turned and profile faces (SCRFD-10GF: 83% on WIDER
FACE hard, by its authors), at about ten times the compute.

The files come from `<models_dir>/faces/buffalo_l/`, where a user may put them, or are
downloaded there from InsightFace's release archive when not offline. InsightFace publishes
these weights for non-commercial research only."""

from __future__ import annotations

import shutil
import socket
import tempfile
import urllib.request
import zipfile
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
from PIL import Image

from photosearch.errors import ConfigError, ModelLoadError
from photosearch.faces.found import FoundFace, reduced

DETECTOR, RECOGNISER = "det_10g.onnx", "w600k_r50.onnx"
ARCHIVE_URL = "https://github.com/deepinsight/insightface/releases/download/v0.7/buffalo_l.zip"

SIDE = 640  # the copy's shortest side; SCRFD is then run on it letterboxed into a square
DETECT_SIZE = 640  # SCRFD's input, when the model leaves it open
MIN_SCORE = 0.5  # SCRFD's own default
SAME_PERSON = 0.5  # ArcFace: a cosine distance Immich also groups under (to be re-measured)
OVERLAP = 0.4  # boxes overlapping more than this are one face (SCRFD's own)
STRIDES = (8, 16, 32)  # SCRFD's three feature maps, two anchors a place, 9 outputs
ANCHORS = 2
# Where ArcFace expects the eyes, nose tip and mouth corners of a 112x112 face.
ARCFACE_TEMPLATE = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655],
     [70.7299, 92.2041]],
    np.float32,
)  # fmt: skip


DESCRIPTION = (
    "InsightFace's SCRFD detector and ArcFace descriptor (weights for non-commercial research "
    "use): finds smaller, turned and profile faces and tells people apart better than dlib, at "
    "several times its compute; downloaded when online, or put det_10g.onnx and w600k_r50.onnx "
    "into <models folder>/faces/buffalo_l/"
)


def model_folder(models_dir: Path) -> Path:
    return models_dir / "faces" / "buffalo_l"


def files_present(models_dir: Path) -> bool:
    folder = model_folder(models_dir)
    return all((folder / name).is_file() for name in (DETECTOR, RECOGNISER))


def files_folder(models_dir: Path) -> Path | None:
    """Where buffalo_l's files are, when both are there."""
    return model_folder(models_dir) if files_present(models_dir) else None


class BuffaloL:
    """SCRFD detection on a copy whose shortest side is at most SIDE; ArcFace descriptors of
    faces aligned from that copy."""

    name = "buffalo_l"
    version = f"insightface-buffalo_l scrfd-10g arcface-r50 side {SIDE} score {MIN_SCORE}"
    dimension = 512
    side = SIDE
    same_person = SAME_PERSON

    def __init__(self, folder: Path):
        import onnxruntime

        def session(name: str):
            try:
                return onnxruntime.InferenceSession(
                    str(folder / name), providers=["CPUExecutionProvider"]
                )
            except Exception as exc:  # noqa: BLE001 - any unreadable model is the same trouble
                raise ModelLoadError(
                    f"The face model file {folder / name} could not be opened by ONNX Runtime "
                    f"({str(exc).splitlines()[0]}). Replace it with the one in InsightFace's "
                    f"buffalo_l.zip ({ARCHIVE_URL}), or delete it to have it downloaded again."
                ) from None

        self._detector, self._recogniser = session(DETECTOR), session(RECOGNISER)
        detector_input = self._detector.get_inputs()[0]
        self._detector_input = detector_input.name
        height, width = detector_input.shape[2:4]
        fixed = isinstance(width, int) and isinstance(height, int)
        self._detect_size = (width, height) if fixed else (DETECT_SIZE, DETECT_SIZE)
        self._recogniser_input = self._recogniser.get_inputs()[0].name
        outputs = len(self._detector.get_outputs())
        dimension = self._recogniser.get_outputs()[0].shape[-1]
        if outputs != 3 * len(STRIDES) or dimension != self.dimension:
            raise ModelLoadError(
                f"The face model files in {folder} are not buffalo_l's: its detector has "
                f"{outputs} outputs (SCRFD with landmarks has 9) and its recogniser gives "
                f"{dimension} numbers (ArcFace gives 512). Replace them with det_10g.onnx and "
                f"w600k_r50.onnx from InsightFace's buffalo_l.zip ({ARCHIVE_URL})."
            )

    def find(self, image: Image.Image) -> list[FoundFace]:
        image = reduced(image.convert("RGB"), self.side)
        if min(image.size) < 8:
            return []
        boxes, scores, points = self._detect(image)
        if not len(scores):
            return []
        descriptors = self._describe(image, points)
        width, height = image.size
        scale = np.array([width, height], np.float32)
        found = []
        for box, score, marks, descriptor in zip(boxes, scores, points, descriptors, strict=True):
            left, top = np.clip(box[:2] / scale, 0, 1)
            right, bottom = np.clip(box[2:] / scale, 0, 1)
            found.append(
                FoundFace(
                    box=(float(left), float(top), float(right - left), float(bottom - top)),
                    landmarks=tuple((float(x), float(y)) for x, y in np.clip(marks / scale, 0, 1)),
                    score=float(score),
                    descriptor=descriptor,
                )
            )
        return found

    def _detect(self, image: Image.Image) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Boxes (left, top, right, bottom), scores and 5 landmarks each, in the image's
        pixels, best first, overlapping ones merged."""
        size_w, size_h = self._detect_size
        scale = min(size_w / image.width, size_h / image.height)
        fitted = image.resize(
            (max(1, round(image.width * scale)), max(1, round(image.height * scale))),
            Image.Resampling.BILINEAR,
        )
        canvas = np.zeros((size_h, size_w, 3), np.float32)
        canvas[: fitted.height, : fitted.width] = np.asarray(fitted, np.float32)
        blob = ((canvas - 127.5) / 128.0).transpose(2, 0, 1)[None]
        outputs = self._detector.run(None, {self._detector_input: blob})
        boxes, scores, points = [], [], []
        for level, stride in enumerate(STRIDES):
            rows, columns = size_h // stride, size_w // stride
            grid = np.stack(np.meshgrid(np.arange(columns), np.arange(rows)), -1).reshape(-1, 2)
            centres = np.repeat(grid * stride, ANCHORS, axis=0).astype(np.float32)
            level_scores = outputs[level].reshape(-1)
            keep = level_scores >= MIN_SCORE
            distances = outputs[level + len(STRIDES)].reshape(-1, 4)[keep] * stride
            offsets = outputs[level + 2 * len(STRIDES)].reshape(-1, 5, 2)[keep] * stride
            kept = centres[keep]
            boxes.append(np.hstack([kept - distances[:, :2], kept + distances[:, 2:]]))
            points.append(kept[:, None, :] + offsets)
            scores.append(level_scores[keep])
        boxes_all, scores_all = np.vstack(boxes) / scale, np.concatenate(scores)
        points_all = np.vstack(points) / scale
        chosen = _merged(boxes_all, scores_all)
        return boxes_all[chosen], scores_all[chosen], points_all[chosen]

    def _describe(self, image: Image.Image, points: np.ndarray) -> list[np.ndarray]:
        chips = []
        for marks in points:
            inverse = _similarity(ARCFACE_TEMPLATE, marks.astype(np.float32))
            chip = image.transform(
                (112, 112),
                Image.Transform.AFFINE,
                tuple(inverse.ravel()),
                Image.Resampling.BILINEAR,
            )
            chips.append((np.asarray(chip, np.float32) - 127.5) / 127.5)
        batch = np.stack(chips).transpose(0, 3, 1, 2)
        vectors = self._recogniser.run(None, {self._recogniser_input: batch})[0].astype(np.float32)
        return list(vectors / np.linalg.norm(vectors, axis=1, keepdims=True))


def _merged(boxes: np.ndarray, scores: np.ndarray) -> list[int]:
    """Non-maximum suppression: the best box of each group overlapping more than OVERLAP."""
    order = list(np.argsort(-scores))
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    chosen = []
    while order:
        best, rest = order[0], np.array(order[1:], int)
        chosen.append(int(best))
        low = np.maximum(boxes[best, :2], boxes[rest, :2])
        high = np.minimum(boxes[best, 2:], boxes[rest, 2:])
        inter = np.prod(np.clip(high - low, 0, None), axis=1)
        union = areas[best] + areas[rest] - inter
        order = list(rest[inter <= OVERLAP * np.maximum(union, 1e-9)])
    return chosen


def _similarity(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The 2x3 rotation, uniform scale and shift that best carries `source` points onto
    `target` points in the least-squares sense (Umeyama's method)."""
    source_mean, target_mean = source.mean(0), target.mean(0)
    centred_source, centred_target = source - source_mean, target - target_mean
    u, singular, vt = np.linalg.svd(centred_target.T @ centred_source / len(source))
    signs = np.array([1.0, np.sign(np.linalg.det(u) * np.linalg.det(vt)) or 1.0])
    rotation = u @ np.diag(signs) @ vt
    scale = (singular * signs).sum() / centred_source.var(0).sum()
    shift = target_mean - scale * rotation @ source_mean
    return np.hstack([scale * rotation, shift[:, None]])


def _download(folder: Path, tried: list[str]) -> bool:
    """buffalo_l's two files from InsightFace's release archive into `folder`."""
    address = urlparse(ARCHIVE_URL)
    host = address.hostname
    try:
        socket.create_connection((host, address.port or 443), timeout=3).close()
    except OSError as exc:
        tried.append(f"a download from {host} (unreachable: {exc})")
        return False
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(dir=folder) as scratch:
            archive = Path(scratch) / "buffalo_l.zip"
            with (
                urllib.request.urlopen(ARCHIVE_URL, timeout=60) as response,
                archive.open("wb") as out,
            ):
                shutil.copyfileobj(response, out)
            with zipfile.ZipFile(archive) as members:
                for name in (DETECTOR, RECOGNISER):
                    member = next(m for m in members.namelist() if Path(m).name == name)
                    members.extract(member, scratch)
                    Path(scratch, member).replace(folder / name)
    except Exception as exc:  # noqa: BLE001 - any download failure ends in the same message
        tried.append(f"a download from {ARCHIVE_URL} (failed: {exc})")
        return False
    return True


def load_buffalo_l(models_dir: Path, offline: bool) -> BuffaloL:
    """buffalo_l from the models folder, downloaded there first when missing and not offline;
    ConfigError naming what was tried and where the files go when they cannot be had."""
    folder = model_folder(models_dir)
    if not files_present(models_dir):
        tried = [f"the folder {folder} (it lacks {DETECTOR} or {RECOGNISER})"]
        if offline:
            tried.append("no download (offline mode is on)")
        if offline or not _download(folder, tried):
            raise ConfigError(
                f"The buffalo_l face model could not be loaded. Tried: {'; '.join(tried)}. "
                f"Put {DETECTOR} and {RECOGNISER} from InsightFace's buffalo_l.zip "
                f"({ARCHIVE_URL}) into {folder}, or set face_model to dlib, which needs no "
                "download."
            )
    return BuffaloL(folder)
