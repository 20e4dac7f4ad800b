"""FAISS ids of frames. A photo is an item of one frame, a video an item of many (its kept
scenes); every frame has a vector, and FAISS knows a vector by one integer. Frame 0 of an item
is known by the item's own id, so a library from before videos keeps its FAISS files; a
video's later frames by ids above FRAME_BASE that hold the item and the frame's number. Ids are
made and read here alone, by arithmetic, with no database lookup on the search path."""

from __future__ import annotations

import hashlib

import numpy as np

FRAME_BITS = 12  # the frame's number in the low bits: up to 4,096 frames a video
MAX_FRAMES = 1 << FRAME_BITS
FRAME_BASE = 1 << 40  # above every item id a database will hand out


def faiss_id(photo_id: int, frame: int) -> int:
    if frame == 0:
        return photo_id
    return FRAME_BASE + (photo_id << FRAME_BITS) + frame


def faiss_ids(photo_ids: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """faiss_id over arrays."""
    photo_ids, frames = np.asarray(photo_ids, np.int64), np.asarray(frames, np.int64)
    encoded = FRAME_BASE + (photo_ids << FRAME_BITS) + frames
    return np.where(frames == 0, photo_ids, encoded)


def split(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(item ids, frame numbers) of FAISS ids; FAISS's padding (-1) stays -1, frame 0."""
    ids = np.asarray(ids, np.int64)
    later = ids >= FRAME_BASE
    offset = np.where(later, ids - FRAME_BASE, 0)
    items = np.where(later, offset >> FRAME_BITS, ids)
    return items, np.where(later, offset & (MAX_FRAMES - 1), 0)


def later_frames(ids: np.ndarray) -> np.ndarray:
    """The ids of frames after a video's first: those whose item is not known by them."""
    ids = np.asarray(ids, np.int64)
    return ids[ids >= FRAME_BASE]


def frame_key(content_hash: str, seconds: float) -> str:
    """What the content passes file a video's scene under, as a photo's content hash: the
    video's bytes and the scene's place in them."""
    return hashlib.sha256(f"{content_hash}@{seconds:.3f}".encode()).hexdigest()
