"""Persistence: database rows (SQLite or PostgreSQL, the truth) and per-machine FAISS files (a
rebuildable cache)."""

from .records import (
    Failure,
    Filters,
    KnownFile,
    ModelInfo,
    Photo,
    PhotoText,
    PlaceTerm,
    TextLine,
    display_path,
)
from .store import Store, Writer
from .vector_index import VectorIndex

__all__ = [
    "Failure",
    "Filters",
    "KnownFile",
    "ModelInfo",
    "Photo",
    "PhotoText",
    "PlaceTerm",
    "Store",
    "TextLine",
    "VectorIndex",
    "Writer",
    "display_path",
]
