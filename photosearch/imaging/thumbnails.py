"""Thumbnails cached on disk by content hash: upright, RGB, JPEG. The web makes them on demand;
the indexer saves the 320 px one from the decode it does anyway, so browsing costs no decoding."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Protocol

from PIL import Image

from ..config import Config
from ..files import atomic_write
from .decoder import Decoded, decode

SIZES = {"thumbnail": 320, "preview": 1600}

log = logging.getLogger(__name__)


class Stored(Protocol):
    """A stored photo as thumbnails need it: the store's Photo, or anything with both."""

    path: str
    content_hash: str


def cache_path(config: Config, content_hash: str, size: int) -> Path:
    """Keyed by content, not path: copies share one file and a moved photo keeps its own."""
    return config.data_dir / "thumbnails" / content_hash[:2] / f"{content_hash}-{size}.jpg"


def thumbnail(photo: Stored, size: int, config: Config) -> Path:
    """The cached JPEG of `photo` at most `size` pixels on its long side; made if missing.
    Raises DecodeError if the file cannot be read (kind `unreadable`) or no longer decodes."""
    target = cache_path(config, photo.content_hash, size)
    if target.is_file():
        return target
    # Decoded from the file, which is read as the decode needs (never held whole), within the
    # decode budget; an image far larger than `size` comes back reduced near it.
    with decode(
        photo.path, max_pixels=config.max_image_pixels, min_side=size, name=photo.path
    ) as done:
        write(done, size, target)
    return target


def write(decoded: Decoded, size: int, target: Path) -> None:
    """Shrink an upright RGB decode to at most `size` on its long side and save it as JPEG.
    The output size comes from the full-resolution size, not from the decoded one, so decodes
    at different JPEG draft scales give the same thumbnail. Atomic: a reader (or a second
    writer of the same content) never sees half a file."""
    write_image(decoded.image, thumbnail_box(decoded.meta.width, decoded.meta.height, size), target)


def write_image(image: Image.Image, box: tuple[int, int], target: Path) -> None:
    """An upright RGB image at `box` (width, height), saved atomically as JPEG."""
    if image.size != box:
        image = image.resize(box, Image.Resampling.BICUBIC, reducing_gap=2.0)
    atomic_write(target, lambda path: image.save(path, "JPEG", quality=85, optimize=True))


def thumbnail_box(width: int, height: int, size: int) -> tuple[int, int]:
    """Width and height of the thumbnail of a full-resolution upright image: never enlarged."""
    scale = min(1.0, size / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


class ThumbnailSaver:
    """The indexer's side, one per run, shared by its worker threads. It saves only a decode as
    sharp as the web's would be, and never fails a photo: the first write error is logged and
    turns saving off for the rest of the run (a full disk will not get emptier per photo)."""

    def __init__(self, config: Config):
        self.config = config
        self.size = SIZES["thumbnail"]
        self.off = not config.thumbnails_at_index
        self._lock = threading.Lock()

    def save(self, content_hash: str, decoded: Decoded) -> None:
        if self.off or not self._sharp_enough(decoded):
            return
        target = cache_path(self.config, content_hash, self.size)
        if not target.is_file():
            self._guarded(target, lambda: write(decoded, self.size, target))

    def save_image(self, key: str, image: Image.Image) -> None:
        """A thumbnail of an image already reduced (a video's scene), at most the thumbnail
        size, filed under `key` (a content hash, or a scene's content key)."""
        target = cache_path(self.config, key, self.size)
        if not self.off and not target.is_file():
            box = thumbnail_box(*image.size, self.size)
            self._guarded(target, lambda: write_image(image, box, target))

    def save_encoded(self, thumbnails: list[tuple[str, object]]) -> None:
        """The GPU path: upright (3, h, w) uint8 tensors already at thumbnail size, encoded
        as JPEG in one batch where they are (nvjpeg on CUDA), then written."""
        targets = [(cache_path(self.config, key, self.size), pixels) for key, pixels in thumbnails]
        missing = [(target, pixels) for target, pixels in targets if not target.is_file()]
        if self.off or not missing:
            return
        from torchvision.io import encode_jpeg

        encoded = encode_jpeg([pixels for _, pixels in missing], quality=85)
        for (target, _), data in zip(missing, encoded, strict=True):
            payload = data.cpu().numpy().tobytes()
            self._guarded(
                target,
                lambda t=target, p=payload: atomic_write(t, lambda path: Path(path).write_bytes(p)),
            )

    def _guarded(self, target: Path, produce) -> None:
        """Run one write; the first failure turns saving off for the rest of the run."""
        if self.off:
            return
        try:
            produce()
        except Exception as exc:  # noqa: BLE001 - a thumbnail must never fail the photo
            with self._lock:
                if not self.off:
                    self.off = True
                    log.warning(
                        "Cannot save thumbnails in %s (%s); skipping them for the rest of this "
                        "run. The web server will make them when they are first shown.",
                        target.parent.parent,
                        exc,
                    )

    def _sharp_enough(self, decoded: Decoded) -> bool:
        """A JPEG decoded at a reduced draft scale below the thumbnail size would make a blurry
        or smaller thumbnail than the web's: those are left to the web."""
        full = (decoded.meta.width, decoded.meta.height)
        return max(decoded.image.size) >= self.size or decoded.image.size == full
