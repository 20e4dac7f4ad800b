"""Files that readers never see half-written: thumbnails, FAISS indexes, ONNX exports,
checkpoints and the runtime memory are all written whole beside their target, then renamed."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def atomic_write(target: Path, produce: Callable[[str], None], *, fsync: bool = False) -> None:
    """`produce(path)` writes the whole file at a temporary path beside `target`, which then
    replaces `target` in one rename: a reader (or a second writer of the same content) sees
    the old file or the new one. With `fsync`, the bytes reach the disk before the rename, for
    files whose loss after a power cut would cost more than a rebuild."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    os.close(handle)
    try:
        produce(temporary)
        if fsync:
            with open(temporary, "rb") as written:
                os.fsync(written.fileno())
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide the file from other readers
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
