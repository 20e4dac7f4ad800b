"""A photo's file as the indexer's readers get it, inside the decode budget.

A file no larger than `whole_limit` (READ_WHOLE_MAX, or a WHOLE_SHARE-th of the budget where
that is less) is read once, whole: its bytes are reserved in the decode budget for as long as
they are held, and the hash, the decode and every content pass share that one read. A larger
file (a multi-GB TIFF, PSB or scan) is never held: it is hashed as it streams past in chunks,
and each reader opens it again by its path and reads only what it needs (Pillow and LibRaw read
the header, then the pixels they decode). That costs a second read of a few large files, rather
than gigabytes outside the budget while eight workers hold eight of them.

A held file's reservation waits its turn like a decode's; the decode that follows is asked for
by a thread that already holds bytes, so it is not queued behind the others, which may be
waiting for it (budget.py). The files held are small beside the budget: eight of them at most
a quarter of it."""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass
from typing import BinaryIO

from .budget import MB, DecodeBudget, Reservation, shared_budget

READ_WHOLE_MAX = 64 * MB  # a 48 MP JPEG or a RAW file is read whole; a layered TIFF is not
WHOLE_SHARE = 32  # all the decode workers' files together stay a small part of the budget

# What a decoder reads: a file's bytes held in memory, or its path (opened, read as needed).
Source = bytes | str


def content_hash(data: bytes) -> str:
    """The sha256 of a photo's bytes: what identifies its content in the store."""
    return hashlib.sha256(data).hexdigest()


def streamed_hash(handle: BinaryIO) -> str:
    """content_hash of what is left of an open file, read in chunks: never held whole."""
    return hashlib.file_digest(handle, "sha256").hexdigest()


def open_source(source: Source) -> BinaryIO:
    """The bytes as a file, or the file at the path (OSError when it cannot be opened)."""
    return io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")  # noqa: SIM115


def whole_limit(budget: DecodeBudget) -> int:
    """The largest file read whole and held in `budget`."""
    return min(READ_WHOLE_MAX, budget.limit // WHOLE_SHARE)


@dataclass(eq=False)
class PhotoFile:
    """A file read for indexing: its stat and hash, and its bytes when it was small enough to
    hold (reserved in the budget until `release`; use it as a context manager)."""

    path: str
    size: int
    mtime_ns: int
    content_hash: str
    data: bytes | None = None  # None: too large to hold, readers open the path
    held: Reservation | None = None

    @property
    def source(self) -> Source:
        """What a decoder reads: the bytes held, or else the path."""
        return self.path if self.data is None else self.data

    def hand_over(self) -> None:
        """Held by no thread from now on: the bytes wait in a queue for another thread (the
        GPU's pending batches), so the reading thread's next reservation queues as usual."""
        if self.held is not None:
            self.held.hand_over()

    def release(self) -> None:
        """Let go of the bytes and give their reservation back (again: nothing)."""
        self.data = None
        if self.held is not None:
            self.held.release()
            self.held = None

    def __enter__(self) -> PhotoFile:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def read_photo(path: str, budget: DecodeBudget | None = None) -> PhotoFile:
    """Open, stat and hash a file; hold its bytes (reserved in the budget) if it is small
    enough, else stream it past the hash. Raises OSError when it cannot be read."""
    budget = budget or shared_budget()
    with open(path, "rb") as handle:
        info = os.fstat(handle.fileno())
        if info.st_size > whole_limit(budget):
            return PhotoFile(path, info.st_size, info.st_mtime_ns, streamed_hash(handle))
        held = budget.reserve(info.st_size, path)
        try:
            data = handle.read()
        except BaseException:
            held.release()
            raise
    held.shrink(len(data))  # a file that shrank since its stat
    return PhotoFile(path, info.st_size, info.st_mtime_ns, content_hash(data), data, held)
