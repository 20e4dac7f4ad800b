"""The library: what the entry points (the CLI, the web) drive and ask (see photo_library),
and the one helper they need from below it to show what it answers. Its names are imported on
first use, so that `library.running` (asking a running server) costs no database or model
imports to a search that a server answers."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..store import display_path
    from .photo_library import PhotoLibrary, RebuiltIndex, SearchResult, canonical_name

__all__ = ["PhotoLibrary", "RebuiltIndex", "SearchResult", "canonical_name", "display_path"]
_HOMES = {"display_path": "..store", **dict.fromkeys(__all__[:4], ".photo_library")}


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name], __name__), name)
