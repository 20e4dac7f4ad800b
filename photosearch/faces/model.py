"""The seam every face model stands behind: what a found face is (`FoundFace`, from found.py),
what a face model offers, the face models known, and loading one by its name (the `face_model`
setting)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PIL import Image

from photosearch.config import FACE_MODELS
from photosearch.errors import ConfigError
from photosearch.faces import dlib_faces, insightface
from photosearch.faces.found import FoundFace

__all__ = [
    "FaceModel",
    "FaceModelInfo",
    "FoundFace",
    "face_models",
    "load_face_model",
    "model_version",
]


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


@dataclass(frozen=True, slots=True)
class FaceModelInfo:
    """What `models` says of a face model, without loading it."""

    name: str
    dimension: int
    description: str
    files: Path | None  # where its files are on this machine; None: not here


def face_models(models_dir: Path) -> list[FaceModelInfo]:
    """The face models photosearch knows, and whether their files are here."""
    return [
        FaceModelInfo("dlib", 128, dlib_faces.DESCRIPTION, dlib_faces.files_folder()),
        FaceModelInfo(
            "buffalo_l", 512, insightface.DESCRIPTION, insightface.files_folder(models_dir)
        ),
    ]


def model_version(name: str) -> str | None:
    """The version the face model called `name` stores with its faces, without loading it
    (`status` compares it with the faces kept); None for a name it does not know."""
    versions = {"dlib": dlib_faces.version(), "buffalo_l": insightface.BuffaloL.version}
    return versions.get(name)


def load_face_model(name: str, models_dir: Path, offline: bool) -> FaceModel:
    """The face model called `name`; ConfigError with one clear paragraph when the name is
    unknown or its files are missing (and, for buffalo_l, cannot be downloaded)."""
    if name == "dlib":
        return dlib_faces.load_dlib()
    if name == "buffalo_l":
        return insightface.load_buffalo_l(models_dir, offline)
    raise ConfigError(
        f"face_model is {name!r}, which is not a face model photosearch knows. "
        f"Choose one of: {', '.join(FACE_MODELS)} (dlib is the default and needs no download)."
    )
