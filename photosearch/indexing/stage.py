"""The seam of an index run. The Indexer decides which files must be read and what each answer
means for the store; a stage turns those files into answers: stat, content hash and, unless
the content's vector can be reused, metadata and a vector; and in a second pass, what the
content passes (content_pass) read in each photo. Two stages do it: this process's threads
(thread_stage.ThreadStage) and a Ray cluster (ray_stage.RayStage)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from ..metadata import PhotoMeta
from .problem import Problem

if TYPE_CHECKING:
    from .content_pass import ContentPass


@dataclass(frozen=True, slots=True)
class Job:
    number: int  # the file's place in the run's list: its answer carries it back
    path: str
    indexed_hash: str  # content hash of the photo with a vector at this path; "" if none
    size: int = 0  # bytes, as the walk saw it


@dataclass(slots=True)
class FileResult:
    """A stage's answer for one file. It crosses processes (Ray), so it holds plain data."""

    number: int
    size: int = 0
    mtime_ns: int = 0
    content_hash: str = ""
    meta: PhotoMeta | None = None
    vector: np.ndarray | None = None  # a photo's (dim,); a video's (scenes, dim)
    seconds: tuple[float, ...] = ()  # a video's: where each scene of `vector` is
    fresh: bool = False  # the vector came from a model call, not from an identical file
    error: Problem | None = None
    decoder: str = ""  # who decoded it: "cpu" or "gpu"; empty when nothing was decoded


@dataclass(frozen=True, slots=True)
class PassJob:
    number: int
    path: str
    content_hash: str  # the content the photo had when it was indexed; a video scene's key
    passes: tuple[str, ...]  # the names of the passes that have not read this content yet
    seconds: float | None = None  # a video scene's place in the video at `path`: its content


@dataclass(slots=True)
class PassResult:
    """What the passes read in one file. It crosses processes (Ray): each pass's reading is
    its own picklable value."""

    number: int
    content_hash: str = ""  # of the bytes that were read (the file may have changed since)
    readings: dict[str, Any] = field(default_factory=dict)  # by pass name
    problems: dict[str, Problem] = field(default_factory=dict)  # passes that failed, and why
    unreadable: Problem | None = None  # the file was not there to read: nothing to record


class Stage(Protocol):
    """Answers for jobs, in batches that the Indexer commits one transaction each, in any order.
    Contents in `reusable` are hashed but neither decoded nor embedded."""

    where: str  # e.g. "in this process": where the files were read and embedded
    device: str
    runtime: str

    def run(self, jobs: Sequence[Job], reusable: frozenset[str]) -> Iterator[list[FileResult]]: ...

    def run_passes(
        self, jobs: Sequence[PassJob], passes: Sequence[ContentPass]
    ) -> Iterator[list[PassResult]]:
        """Each job's file read once for the passes it names, in batches, in any order."""
        ...
