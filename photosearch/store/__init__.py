"""Persistence: database rows (SQLite or PostgreSQL, the truth) and per-machine FAISS files (a
rebuildable cache). Each part of the library is a Concern of its own module; a new one needs
no edit here or in Store and Writer."""

from .concern import Concern
from .frame_ids import frame_key
from .records import (
    FaceScan,
    Failure,
    Filters,
    Frames,
    KnownFile,
    ModelInfo,
    Person,
    Photo,
    PhotoFace,
    PhotoText,
    PlaceTerm,
    TextLine,
    display_path,
)
from .store import Store, Writer
from .timeline import UNDATED, Cursor
from .vector_index import VectorIndex

__all__ = [
    "Concern",
    "Cursor",
    "FaceScan",
    "Failure",
    "Filters",
    "Frames",
    "KnownFile",
    "ModelInfo",
    "Person",
    "Photo",
    "PhotoFace",
    "PhotoText",
    "PlaceTerm",
    "Store",
    "TextLine",
    "UNDATED",
    "VectorIndex",
    "frame_key",
    "Writer",
    "display_path",
]
