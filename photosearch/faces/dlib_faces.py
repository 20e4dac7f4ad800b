"""dlib's faces, from the files the face_recognition_models package installs (never downloaded):
the HOG frontal face detector, the 5-point landmark predictor and the ResNet that turns a face,
aligned and cut to 150x150 (`dlib.get_face_chip`), into 128 numbers, made unit length here so
that distances are cosine distances as for every face model.

How SIDE, UPSAMPLE and MIN_SCORE were chosen (benchmark (s), benchmarks/face_detection.py): the
astronaut's face pasted at widths of 60-400 px into 12 MP (4000x3000) scenes, upright and turned
10 degrees, on two backgrounds; the scene reduced to the side, then `find`. The smallest face
found in every scene, in the 12 MP photo's pixels, and the pixels the detector scans:

    side 640, no upsample:  300 px   (0.55 MP)     side 640, one upsample: 140 px (2.2 MP)
    side 800, no upsample:  250 px   (0.85 MP)     side 800, one upsample: 120 px (3.4 MP)
    side 1024, no upsample: 200 px   (1.4 MP)
    side 1280, no upsample: 140 px   (2.2 MP)

Side 1280 without upsampling finds the faces that 640 with one upsample finds for the same
detection work, and describes them from twice the pixels (a 140 px face is 60 px in the copy,
30 px at 640); 800 with one upsample finds 120 px faces for half as much work again. Time, one
thread, the copy of a 12 MP scene with one face, this 2-core machine shared with other work
(load 5), best and median of 6: detection 0.11/0.11 s at 1024, 0.18/0.21 s at 1280, 0.19/0.22 s
at 640 with one upsample, 0.29/0.36 s at 800 with one upsample; each face found adds about
0.09 s (landmarks, chip, descriptor), so one find() at 1280 took 0.27/0.31 s.

Scores: on 12 photos of nobody (scikit-image's, scaled to 12 MP, as they are and mirrored) no
detection scored above -0.29 at any of these sides; on the 512x512 astronaut photo HOG finds a
false face on her suit at 0.12 with one upsample, and in a group scene one at 0.04 beside a
profile face. At side 1280 the real faces of 140 px and more scored 0.65 or more (the
smallest found at the other sides, 0.03-0.49). MIN_SCORE 0.3 drops those false faces and
none of these."""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import numpy as np
from PIL import Image

from photosearch.errors import ConfigError
from photosearch.faces.found import FoundFace, reduced

SIDE = 1280
UPSAMPLE = 0
MIN_SCORE = 0.3
# The smallest face found at SIDE, in the copy's pixels (140 px in a 12 MP photo).
SMALLEST_FACE = 60
# dlib's ResNet was trained to put one person's faces within 0.6 of one another (Euclidean, on
# its raw descriptors, which are 1.27-1.46 long here): about 0.09 as a cosine distance of unit
# descriptors. Provisional until measured on the benchmark album of real faces.
SAME_PERSON = 0.09

DESCRIPTION = (
    f"dlib's HOG detector and ResNet descriptor, installed with photosearch: frontal faces "
    f"from {SMALLEST_FACE} px on a {SIDE} px copy (140 px in a 12 MP photo); misses profiles "
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
