"""Keep the index live: watchdog events are collected, debounced, and handed to the indexer
as scopes (the paths they name), so a burst of changes becomes one incremental run, a move
keeps its photo's identity, and a save-by-rename is one update. A new or changed video waits
until its size and time have stood still for `video_settle` seconds: a phone or a network copy
writes a video for minutes, with pauses, and half a video is not indexed. A periodic full
reconcile catches whatever the events missed (inotify limits, network drives, sleep)."""

from __future__ import annotations

import errno
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from ..config import Config
from ..imaging.formats import is_video_path
from .summary import IndexSummary

log = logging.getLogger(__name__)
IGNORED_EVENTS = {"opened", "closed_no_write"}
WATCH_LIMIT_ERRORS = {errno.ENOSPC, errno.EMFILE}
# Seconds a video's size and time must stand still before it is read: longer than the pauses
# of a copy from a phone (MTP) or over a network share.
VIDEO_SETTLE = 10.0


class Indexes(Protocol):
    """What a watcher drives: the library (which holds the writer lock and the model)."""

    config: Config

    def index(
        self, roots: list[str], *, scopes: set[str] | None, wait: float, held: frozenset[str]
    ) -> IndexSummary: ...


class _Collector(FileSystemEventHandler):
    def __init__(self, watcher: Watcher):
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in IGNORED_EVENTS:
            return
        paths = [os.fsdecode(event.src_path)]
        if getattr(event, "dest_path", None):
            paths.append(os.fsdecode(event.dest_path))
        self.watcher.changed(paths)


class Watcher:
    """Watches roots and indexes what changes, in a background thread of its own."""

    def __init__(
        self,
        library: Indexes,
        roots: list[Path],
        debounce: float = 1.0,
        max_delay: float = 10.0,
        on_update: Callable[[IndexSummary], None] | None = None,
        video_settle: float = VIDEO_SETTLE,
    ):
        self.library = library
        self.roots = [os.path.abspath(os.path.expanduser(os.fspath(root))) for root in roots]
        self.debounce = debounce
        self.max_delay = max_delay
        self.on_update = on_update or (lambda summary: None)
        self.video_settle = video_settle
        self._videos: dict[str, tuple[tuple[int, int], float]] = {}  # (size, mtime), since
        self.polling = False
        self._pending: set[str] = set()
        self._first_event = self._last_event = 0.0
        self._busy = False
        self._stop = threading.Event()
        self._condition = threading.Condition()
        self._observer = None
        self._thread: threading.Thread | None = None
        self._data_dir = os.path.abspath(library.config.data_dir)

    def start(self) -> Watcher:
        self._observer = self._start_observer()
        self._thread = threading.Thread(target=self._run, name="photosearch-watcher", daemon=True)
        self._thread.start()
        return self

    def _start_observer(self):
        try:
            return self._observe(Observer())
        except OSError as exc:
            if exc.errno not in WATCH_LIMIT_ERRORS:
                raise
            log.warning(
                "The system's limit on file watches is reached (%s); watching by polling "
                "instead, which notices changes more slowly. Raise fs.inotify.max_user_watches "
                "to use events.",
                exc.strerror or exc,
            )
            self.polling = True
            return self._observe(PollingObserver(timeout=2))

    def _observe(self, observer):
        handler = _Collector(self)
        for root in self.roots:
            observer.schedule(handler, root, recursive=True)
        observer.start()
        return observer

    def changed(self, paths: list[str]) -> None:
        paths = [
            p for p in paths if p != self._data_dir and not p.startswith(self._data_dir + os.sep)
        ]
        if not paths:
            return
        with self._condition:
            now = time.monotonic()
            if not self._pending:
                self._first_event = now
            self._pending.update(paths)
            self._last_event = now
            self._condition.notify_all()

    def _run(self) -> None:
        interval = self.library.config.reconcile_interval
        next_reconcile = time.monotonic() + interval if interval else float("inf")
        while not self._stop.is_set():
            scopes = self._next_batch(timeout=max(0.1, min(1.0, next_reconcile - time.monotonic())))
            if scopes is not None:
                self._index(scopes)
            elif time.monotonic() >= next_reconcile:
                self._index(None)
                next_reconcile = time.monotonic() + interval

    def _next_batch(self, timeout: float) -> set[str] | None:
        """The pending paths once events have been quiet for `debounce` (or waited too long)."""
        with self._condition:
            self._condition.wait(timeout)
            if not self._pending:
                return None
            now = time.monotonic()
            quiet = now - self._last_event >= self.debounce
            overdue = now - self._first_event >= self.max_delay
            if not (quiet or overdue):
                return None
            growing = self._growing(self._pending)
            scopes, self._pending = self._pending - growing, growing
            if not scopes:
                return None
            self._busy = True
            return scopes

    def _growing(self, paths: set[str]) -> set[str]:
        """The videos among paths still being written: their size or time changed less than
        video_settle seconds ago (or was first seen now)."""
        now, growing = time.monotonic(), set()
        for path in paths:
            if not is_video_path(path):
                continue
            try:
                info = os.stat(path)
            except OSError:  # gone, or a folder's name: the run decides
                self._videos.pop(path, None)
                continue
            stamp = (info.st_size, info.st_mtime_ns)
            seen = self._videos.get(path)
            if seen is None or seen[0] != stamp:
                self._videos[path] = (stamp, now)
                growing.add(path)
            elif now - seen[1] < self.video_settle:
                growing.add(path)
            else:
                del self._videos[path]
        return growing

    def _index(self, scopes: set[str] | None) -> None:
        try:
            with self._condition:
                held = frozenset(self._videos)  # still being written: left for a later run
            summary = self.library.index(self.roots, scopes=scopes, wait=3600, held=held)
            self.on_update(summary)
        except Exception:  # noqa: BLE001 - the watcher must outlive any one failed run
            log.exception("Indexing after changes failed; the next change or reconcile retries")
            if scopes:
                with self._condition:
                    self._pending.update(scopes)
        finally:
            with self._condition:
                self._busy = False
                self._condition.notify_all()

    def wait_idle(self, timeout: float = 60.0, settle: float | None = None) -> bool:
        """Block until no change is pending or being indexed, and none has arrived for `settle`
        seconds (default: twice the debounce). For tests and orderly shutdown."""
        settle = 2 * self.debounce if settle is None else settle
        called = time.monotonic()
        deadline = called + timeout
        with self._condition:
            while time.monotonic() < deadline:
                # Quiet since the call too: events the OS has not delivered yet must count.
                calm = time.monotonic() - max(self._last_event, called) >= settle
                if not self._pending and not self._busy and calm:
                    return True
                self._condition.wait(0.1)
        return False

    def stop(self) -> None:
        self._stop.set()
        with self._condition:
            self._condition.notify_all()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=10)
        if self._thread is not None:
            self._thread.join(timeout=60)
