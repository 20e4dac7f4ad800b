"""The faces of one decoded photo, for the faces pass: the face model chosen by the settings,
loaded once a process, and what its memory is for a photo (reserved with the shared decode)."""

from __future__ import annotations

import functools
import queue
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ....faces.model import FaceModel, FoundFace, load_face_model
from ....ocr.reader import usable_cores
from ...content_pass import Content

if TYPE_CHECKING:
    from ....config import Config

# The face model's memory in bytes per pixel of the copy it detects on: dlib's HOG (no upsample)
# and descriptors measured at 12.1 on 1.6 and 2.2 MP copies (dlib 20, peak resident memory),
# and the reduced copy itself (3). The decoded photo is the shared decode's to reserve.
FINDING_BYTES_PER_PIXEL = 16


@dataclass(frozen=True, slots=True)
class ModelChoice:
    """Which face model the settings name, and where its files are: what loads it."""

    name: str
    models_dir: Path = Path()
    offline: bool = True

    @classmethod
    def of(cls, config: Config) -> ModelChoice:
        return cls(config.face_model, config.models_dir, config.offline)


@functools.cache
def face_model(choice: ModelChoice) -> FaceModel:
    """The face model, loaded once a process (the passes' threads share it)."""
    return load_face_model(choice.name, choice.models_dir, choice.offline)


@dataclass(frozen=True, slots=True)
class FacesFound:
    """The faces of one content, with the version of the model that found them."""

    version: str
    faces: list[FoundFace]


def finding_bytes(width: int, height: int, side: int) -> int:
    """The face model's memory for a decoded photo of width x height, detected on a copy
    whose shortest side is at most `side`."""
    scale = min(1.0, side / max(1, min(width, height)))
    return FINDING_BYTES_PER_PIXEL * int(width * scale) * int(height * scale)


# Face models that threads may share: ONNX Runtime's sessions run calls from many threads.
SHARED_BY_THREADS = {"buffalo_l"}


class FaceFinder:
    """A photo looked at on each core. dlib's detector keeps its work in the object, and two
    threads in one detector mixed up their photos' faces (one photo's boxes came back with
    another's): each thread takes a model of its own, all loaded here, on the opening thread."""

    def __init__(self, choice: ModelChoice):
        self.at_once = usable_cores()
        self.models: queue.SimpleQueue[FaceModel] = queue.SimpleQueue()
        first = face_model(choice)
        for number in range(self.at_once):
            if number == 0 or choice.name in SHARED_BY_THREADS:
                self.models.put(first)
            else:
                self.models.put(load_face_model(choice.name, choice.models_dir, choice.offline))

    def __call__(self, content: Content) -> FacesFound:
        model = self.models.get()
        try:
            return FacesFound(model.version, model.find(content.image))
        finally:
            self.models.put(model)
