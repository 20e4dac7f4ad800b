"""The seam every face model stands behind: what a found face is, what a face model offers, and
loading one by its name (the `face_model` setting)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
from PIL import Image

from photosearch.config import FACE_MODELS
from photosearch.errors import ConfigError


@dataclass(frozen=True, slots=True)
class FoundFace:
    """One face in an upright photo; positions are fractions of its width and height, so they
    hold whatever size the photo was detected at."""

    box: tuple[float, float, float, float]  # left, top, width, height (0..1)
    landmarks: tuple[tuple[float, float], ...]  # 5 points: eyes, nose, mouth corners
    score: float  # the detector's confidence
    descriptor: np.ndarray  # float32, unit length, `dimension` long


class FaceModel(Protocol):
    """Finds faces and describes them. Distances between descriptors are cosine distances
    (1 - dot product), so one inner-product index serves every model."""

    name: str  # "dlib", "buffalo_l"
    version: str  # stored with each face: a change re-detects only when asked
    dimension: int  # 128 for dlib, 512 for buffalo_l
    side: int  # the shortest side of the decoded copy it detects on, chosen by measurement
    same_person: float  # cosine distance under which two faces are likely one person

    def find(self, image: Image.Image) -> list[FoundFace]:
        """The faces in an upright RGB photo, best first."""
        ...


def reduced(image: Image.Image, side: int) -> Image.Image:
    """`image` brought down to `side` on its shortest side, its shape kept (as it is when it is
    not larger): a model given a larger photo than the pass's copy takes no longer for it."""
    if min(image.size) <= side:
        return image
    scale = side / min(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)


def load_face_model(name: str, models_dir: Path, offline: bool) -> FaceModel:
    """The face model called `name`; ConfigError with one clear paragraph when the name is
    unknown or its files are missing (and, for buffalo_l, cannot be downloaded)."""
    if name == "dlib":
        from photosearch.faces.dlib_faces import load_dlib

        return load_dlib()
    if name == "buffalo_l":
        from photosearch.faces.insightface import load_buffalo_l

        return load_buffalo_l(models_dir, offline)
    raise ConfigError(
        f"face_model is {name!r}, which is not a face model photosearch knows. "
        f"Choose one of: {', '.join(FACE_MODELS)} (dlib is the default and needs no download)."
    )
