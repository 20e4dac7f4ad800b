"""The library: what the entry points (the CLI, the web) drive and ask (see photo_library)."""

from .photo_library import PhotoLibrary, RebuiltIndex, SearchResult, canonical_name

__all__ = ["PhotoLibrary", "RebuiltIndex", "SearchResult", "canonical_name"]
