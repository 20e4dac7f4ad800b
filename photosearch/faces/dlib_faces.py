"""dlib's faces, from the files the face_recognition_models package installs (never downloaded):
the HOG frontal face detector, the 5-point landmark predictor and the ResNet that turns a face,
aligned and cut to 150x150 (`dlib.get_face_chip`), into 128 numbers, made unit length here so
that distances are cosine distances as for every face model.

How SIDE, UPSAMPLE, MIN_SCORE and SAME_PERSON were chosen (benchmark (s), benchmarks/faces.py:
82 JPEGs of 12 MP with 76 real faces of 9 people pasted 80-600 px wide, turned up to 20
degrees, at three exposures, and 30 scenes of nobody; decode included, two threads): side 640
without upsampling is the largest that indexes 4 photos a second or more on 2 cores (4.5; 800:
3.1; 1280: 2.9; 640 with one upsample: 2.4). It finds faces from 261 px wide in a 12 MP photo
and every face from 287 px (47 % of the album's faces: portraits and small groups, not crowds;
1280 finds from 110 px, 80 %, at 2.9 photos/s). No detection on the photos of nobody at any
side: scores under MIN_SCORE (false faces on the astronaut's suit scored 0.12, one beside a
profile 0.04; real faces 0.65 or more). One person's faces came closer than cosine distance
0.07 with precision 1.00 and recall 0.84 of same-person pairs; at 0.08 a brother and sister
(0.075-0.077 apart) merge and precision falls to 0.85. The people grouped at 0.07 (through
neighbours, core 2) hold their faces with precision 1.00 and recall 0.99, the same from 0.065
to 0.075."""

from __future__ import annotations

import functools
import importlib.util
import pickle
import threading
from pathlib import Path

import numpy as np
from PIL import Image

from photosearch.errors import ConfigError
from photosearch.faces.found import FoundFace, reduced

SIDE = 640
UPSAMPLE = 0
MIN_SCORE = 0.3
# The smallest face always found at SIDE, in the copy's pixels (287 px in a 12 MP photo).
SMALLEST_FACE = 62
# Measured on real faces (above): dlib's own 0.6 (Euclidean, on its raw descriptors) does not
# carry over to unit descriptors' cosine distance.
SAME_PERSON = 0.07

DESCRIPTION = (
    f"dlib's HOG detector and ResNet descriptor, installed with photosearch: frontal faces "
    f"from {SMALLEST_FACE} px on a {SIDE} px copy (287 px in a 12 MP photo); misses profiles "
    "and faces turned far from the camera, and mixes up children"
)
_FILES = ("shape_predictor_5_face_landmarks.dat", "dlib_face_recognition_resnet_model_v1.dat")


def _models_folder() -> Path | None:
    """face_recognition_models' own folder, found without importing it (its import needs
    pkg_resources, which recent setuptools no longer has)."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def _missing() -> list[str]:
    """What this installation lacks of dlib's face model: nothing when it can be loaded."""
    folder = _models_folder()
    missing = [name for name in _FILES if folder is None or not (folder / name).is_file()]
    if importlib.util.find_spec("dlib") is None:
        missing.insert(0, "the dlib package")
    return missing


def files_folder() -> Path | None:
    """Where dlib's model files are, when they and dlib are installed."""
    return None if _missing() else _models_folder()


def version(side: int = SIDE, upsample: int = UPSAMPLE, min_score: float = MIN_SCORE) -> str:
    """The version stored with the faces found with these settings."""
    return f"dlib-hog-resnet-v1 side {side} upsample {upsample} score {min_score}"


@functools.cache
def _detector_bytes() -> bytes:
    """dlib's HOG detector, serialised: building it takes dlib 1.4 s here and every model needs
    its own (threads may not share one), while a copy unpickles from these bytes in 3 ms."""
    import dlib

    return pickle.dumps(dlib.get_frontal_face_detector())


class DlibFaces:
    """HOG detection on a copy whose shortest side is at most SIDE, landmarks and descriptors
    from that same copy."""

    name = "dlib"
    dimension = 128
    same_person = SAME_PERSON

    def __init__(
        self, folder: Path, side: int = SIDE, upsample: int = UPSAMPLE, min_score: float = MIN_SCORE
    ):
        import dlib

        self.side, self.upsample, self.min_score = side, upsample, min_score
        self.version = version(side, upsample, min_score)

        self._dlib = dlib
        self._detector = pickle.loads(_detector_bytes())
        self._landmarks = dlib.shape_predictor(str(folder / _FILES[0]))
        self._describer = dlib.face_recognition_model_v1(str(folder / _FILES[1]))
        # The detector and landmarks are read-only and may run in several threads at once (dlib
        # lets go of the GIL); the ResNet keeps its working buffers in itself, so one at a time.
        self._describing = threading.Lock()

    def find(self, image: Image.Image) -> list[FoundFace]:
        pixels = np.ascontiguousarray(np.asarray(reduced(image.convert("RGB"), self.side)))
        height, width = pixels.shape[:2]
        if min(height, width) < 8:
            return []
        boxes, scores, _ = self._detector.run(pixels, self.upsample, self.min_score)
        found = []
        for box, score in sorted(zip(boxes, scores, strict=True), key=lambda pair: -pair[1]):
            shape = self._landmarks(pixels, box)
            chip = self._dlib.get_face_chip(pixels, shape, size=150, padding=0.25)
            with self._describing:
                descriptor = np.asarray(self._describer.compute_face_descriptor(chip), np.float32)
            left, top = max(box.left(), 0), max(box.top(), 0)
            right, bottom = min(box.right() + 1, width), min(box.bottom() + 1, height)
            found.append(
                FoundFace(
                    box=(
                        left / width,
                        top / height,
                        (right - left) / width,
                        (bottom - top) / height,
                    ),
                    landmarks=tuple(
                        (min(max(p.x / width, 0.0), 1.0), min(max(p.y / height, 0.0), 1.0))
                        for p in shape.parts()
                    ),
                    score=float(score),
                    descriptor=descriptor / np.linalg.norm(descriptor),
                )
            )
        return found


def load_dlib(**settings) -> DlibFaces:
    """dlib's face model (`settings` are for measuring others than the chosen side, upsampling
    and score); ConfigError when its package or its files are missing."""
    missing = _missing()
    if missing:
        raise ConfigError(
            "The dlib face model needs the packages dlib-bin and face_recognition_models, which "
            f"install with photosearch, and this installation lacks {', '.join(missing)}. "
            "Reinstall them with: pip install dlib-bin==20.0.1 face_recognition_models==0.3.0 "
            "(or set face_model to another face model)."
        )
    return DlibFaces(_models_folder(), **settings)
