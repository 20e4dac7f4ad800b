"""Which files are images and videos, by name: the walk lists them, the decoder sends RAW files
to LibRaw, the index stage videos to the video reader."""

from __future__ import annotations

import os
from pathlib import Path

# Camera RAW formats that LibRaw reads (a RAW file is recognised by its extension, since most
# are TIFF containers that would otherwise open as their tiny first image).
RAW_EXTENSIONS = frozenset(
    {".cr2", ".cr3", ".crw", ".nef", ".nrw", ".arw", ".srf", ".sr2", ".dng", ".orf", ".rw2",
     ".raf", ".pef", ".srw", ".3fr", ".erf", ".kdc", ".dcr", ".mrw", ".x3f", ".iiq", ".mos",
     ".mef", ".rwl", ".raw"}
)  # fmt: skip


def is_raw(name: str) -> bool:
    """A camera RAW file, by its extension."""
    dot = name.rfind(".")
    return dot > 0 and name[dot:].lower() in RAW_EXTENSIONS


IMAGE_EXTENSIONS = (
    frozenset({".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".heic", ".heif"})
    | RAW_EXTENSIONS
)


def is_image_name(name: str) -> bool:
    dot = name.rfind(".")
    return dot > 0 and name[dot:].lower() in IMAGE_EXTENSIONS


VIDEO_EXTENSIONS = frozenset(
    {".mp4", ".mov", ".m4v", ".3gp", ".mkv", ".webm", ".avi", ".mts", ".m2ts"}
)


def is_video_path(path: Path | str) -> bool:
    """Whether a file's name says it is a video (its content is checked when it is opened)."""
    name = os.fspath(path)
    dot = name.rfind(".")
    return dot > name.rfind(os.sep) + 1 and name[dot:].lower() in VIDEO_EXTENSIONS
