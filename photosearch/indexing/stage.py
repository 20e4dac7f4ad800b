"""The seam of an index run. The Indexer decides which files must be read and what each answer
means for the store; a stage turns those files into answers: stat, content hash and, unless
the content's vector can be reused, metadata and a vector; and in a second pass, the text
written in photos. Two stages do it: this process's
threads (thread_stage.ThreadStage) and a Ray cluster (ray_stage.RayStage)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

import numpy as np

from ..metadata import PhotoMeta


@dataclass(frozen=True, slots=True)
class Job:
    number: int  # the file's place in the run's list: its answer carries it back
    path: str
    indexed_hash: str  # content hash of the photo with a vector at this path; "" if none


class Failure(NamedTuple):
    kind: str  # empty, corrupt, unsupported, too_large, unreadable, timeout, vanished
    message: str


@dataclass(slots=True)
class FileResult:
    """A stage's answer for one file. It crosses processes (Ray), so it holds plain data."""

    number: int
    size: int = 0
    mtime_ns: int = 0
    content_hash: str = ""
    meta: PhotoMeta | None = None
    vector: np.ndarray | None = None
    fresh: bool = False  # the vector came from a model call, not from an identical file
    error: Failure | None = None
    decoder: str = ""  # who decoded it: "cpu" or "gpu"; empty when nothing was decoded


@dataclass(frozen=True, slots=True)
class TextJob:
    number: int
    path: str
    content_hash: str  # the content the photo had when it was indexed


@dataclass(slots=True)
class TextResult:
    """The text read in one file, as plain data: (text, confidence, four (x, y) corners) per
    line, in pixels of the upright photo of width x height."""

    number: int
    content_hash: str = ""  # of the bytes that were read (the file may have changed since)
    lines: list[tuple[str, float, tuple]] | None = None
    width: int = 0
    height: int = 0
    error: Failure | None = None  # the file could not be read, decoded, or its text read
    unreadable: bool = False  # the file itself was not there to read: nothing to record


class Stage(Protocol):
    """Answers for jobs, in batches that the Indexer commits one transaction each, in any order.
    Contents in `reusable` are hashed but neither decoded nor embedded."""

    where: str  # e.g. "in this process": where the files were read and embedded
    device: str
    runtime: str

    def run(self, jobs: Sequence[Job], reusable: frozenset[str]) -> Iterator[list[FileResult]]: ...

    def read_texts(self, jobs: Sequence[TextJob]) -> Iterator[list[TextResult]]:
        """The text written in each photo, in batches, in any order."""
        ...
