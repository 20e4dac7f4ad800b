"""One writer per data dir: an exclusive lock on a file, released by the kernel even on kill -9,
holding a note on who took it so the next writer can say who is in the way."""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import time
from datetime import datetime
from pathlib import Path

from .errors import PhotosearchError


class DataDirBusy(PhotosearchError):
    """Another process is writing to this data dir."""


class WriterLock:
    def __init__(self, data_dir: Path):
        self.path = data_dir / "writer.lock"
        self._handle = None

    def acquire(self, wait: float = 0.0) -> WriterLock:
        """Take the lock, waiting up to `wait` seconds; DataDirBusy names the holder."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")  # noqa: SIM115 - held open for as long as the lock is
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = self.holder()
                    handle.close()
                    raise DataDirBusy(
                        f"Another photosearch process is writing to {self.path.parent}: "
                        f"{holder}. Wait for it to finish or stop it, then run this again."
                    ) from None
                time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        handle.write(
            json.dumps(
                {
                    "pid": os.getpid(),
                    "host": socket.gethostname(),
                    "command": " ".join(
                        os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv)
                    ),
                    "since": datetime.now().isoformat(timespec="seconds"),
                }
            )
        )
        handle.flush()
        self._handle = handle
        return self

    def holder(self) -> str:
        try:
            note = json.loads(self.path.read_text() or "{}")
        except (OSError, ValueError):
            note = {}
        if not note:
            return "a process that left no note"
        return (
            f"pid {note.get('pid')} on {note.get('host')} ({note.get('command')}), "
            f"since {note.get('since')}"
        )

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
