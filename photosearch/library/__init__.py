"""The library: what the entry points (the CLI, the web) drive and ask (see photo_library),
and the one helper they need from below it to show what it answers."""

from ..store import display_path  # a stored path as people read it (undecodable bytes shown)
from .photo_library import PhotoLibrary, RebuiltIndex, SearchResult, canonical_name

__all__ = ["PhotoLibrary", "RebuiltIndex", "SearchResult", "canonical_name", "display_path"]
