"""One writer per library. Each lock is released by the system even on kill -9 and carries a
note on who took it, so the next writer can say who is in the way. A SQLite library locks a
file in the data dir; a PostgreSQL one, shared by machines, takes a lock in the database
(store/advisory_lock.py). `Store.writer_lock` picks the one for its database."""

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
    """Another process is writing to this library."""


def holder_note() -> dict:
    """Who takes a lock: this process, its machine and command line, and when."""
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "command": " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv)),
        "since": datetime.now().isoformat(timespec="seconds"),
    }


def describe(note: dict | None) -> str:
    if not note:
        return "a process that left no note"
    return (
        f"pid {note.get('pid')} on {note.get('host')} ({note.get('command')}), "
        f"since {note.get('since')}"
    )


class WriterLock:
    """Waiting for the lock and refusing with the holder's name; subclasses take the lock."""

    where = ""  # what the lock guards, as the refusal names it

    def acquire(self, wait: float = 0.0) -> WriterLock:
        """Take the lock, waiting up to `wait` seconds; DataDirBusy names the holder."""
        deadline = time.monotonic() + wait
        while not self._try_lock():
            if time.monotonic() >= deadline:
                holder = self.holder()
                self.release()
                raise DataDirBusy(
                    f"Another photosearch process is writing to {self.where}: {holder}. "
                    "Wait for it to finish or stop it, then run this again."
                )
            time.sleep(0.2)
        self._leave_note(holder_note())
        return self

    def _try_lock(self) -> bool:
        raise NotImplementedError

    def _leave_note(self, note: dict) -> None:
        raise NotImplementedError

    def holder(self) -> str:
        raise NotImplementedError

    def release(self) -> None:
        """Drop the lock if held (and whatever a failed attempt opened)."""
        raise NotImplementedError


class FileLock(WriterLock):
    """An exclusive flock on `writer.lock` in the data dir, whose content is the note."""

    def __init__(self, data_dir: Path):
        self.path = data_dir / "writer.lock"
        self.where = str(data_dir)
        self._handle = None

    def _try_lock(self) -> bool:
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = open(self.path, "a+")  # noqa: SIM115 - held open as long as the lock
        try:
            fcntl.flock(self._handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _leave_note(self, note: dict) -> None:
        self._handle.seek(0)
        self._handle.truncate()
        self._handle.write(json.dumps(note))
        self._handle.flush()

    def holder(self) -> str:
        try:
            note = json.loads(self.path.read_text() or "{}")
        except (OSError, ValueError):
            note = {}
        return describe(note)

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
