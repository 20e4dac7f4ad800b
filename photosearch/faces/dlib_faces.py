"""dlib's faces, from the files the face_recognition_models package installs (never downloaded):
the HOG frontal face detector, the 5-point landmark predictor and the ResNet that turns a face,
aligned and cut to 150x150 (`dlib.get_face_chip`), into 128 numbers, made unit length here so
that distances are cosine distances as for every face model.

Measured figures (benchmarks/face_detection.py) are being filled in."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
from PIL import Image

from photosearch.errors import ConfigError
from photosearch.faces.found import FoundFace, reduced

SIDE = 800
UPSAMPLE = 1
MIN_SCORE = 0.3
SAME_PERSON = 0.07

DESCRIPTION = (
    "dlib's HOG detector and ResNet descriptor, installed with photosearch: frontal faces "
    "from about 40 px in the detection copy; misses profiles and faces turned far from the "
    "camera, and mixes up children"
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
        self.version = f"dlib-hog-resnet-v1 side {side} upsample {upsample} score {min_score}"

        self._dlib = dlib
        self._detector = dlib.get_frontal_face_detector()
        self._landmarks = dlib.shape_predictor(str(folder / _FILES[0]))
        self._describer = dlib.face_recognition_model_v1(str(folder / _FILES[1]))

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
