"""Thumbnails made on demand and cached on disk by content hash: upright, RGB, JPEG."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .decoder import decode
from .store import Photo

SIZES = {"thumbnail": 320, "preview": 1600}


def thumbnail(photo: Photo, size: int, cache_dir: Path, max_pixels: int) -> Path:
    """The cached JPEG of `photo` at most `size` pixels on its long side; made if missing.
    Raises OSError if the file cannot be read, DecodeError if it no longer decodes."""
    target = cache_dir / photo.content_hash[:2] / f"{photo.content_hash}-{size}.jpg"
    if target.is_file():
        return target
    with open(photo.path, "rb") as handle:
        image = decode(handle.read(), max_pixels=max_pixels, min_side=size).image
    image.thumbnail((size, size))
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    with os.fdopen(handle, "wb") as output:
        image.save(output, "JPEG", quality=85, optimize=True)
    os.replace(temporary, target)
    return target
