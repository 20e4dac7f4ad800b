"""Content passes of the tests' own, registered by the tests that run them, as a new capability
would register its pass: the mean brightness of a photo and the colour of its top left corner,
both from the decoded photo, stored in memory. A photo whose name holds "dark" fails the
brightness pass on purpose."""

from __future__ import annotations

import os
import shutil
import threading
from collections import Counter
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from PIL import ImageStat

from photosearch.indexing import passes
from photosearch.indexing.content_pass import Content, ContentPass, Outcome, PassError
from photosearch.indexing.summary import CountNames, PassCounts
from photosearch.store import Failure


class _Mean:
    at_once = 2

    def __call__(self, content: Content) -> tuple[float, tuple[int, int]]:
        if "dark" in os.path.basename(content.path):
            raise PassError("dark", "too dark to measure")
        mean = ImageStat.Stat(content.image.convert("L")).mean[0]
        return mean, content.image.size


class _Corner:
    at_once = 1

    def __call__(self, content: Content) -> tuple[int, ...]:
        return content.image.getpixel((0, 0))


class MemoryPass(ContentPass):
    """A pass whose readings stay in this process's memory, by content hash and version."""

    def __init__(self):
        self.readings: dict[tuple[str, str], Outcome] = {}
        self.recorded = 0  # outcomes recorded, over every run

    def pending(self, store, roots, reread):
        contents = {}
        for known in store.known_files(roots, 0).values():
            outcome = self.readings.get((known.content_hash, self.version))
            if outcome is None or (reread and outcome.problem is not None):
                contents[known.content_hash] = min(
                    known.path, contents.get(known.content_hash, known.path)
                )
        return sorted(contents.items(), key=lambda item: item[1])

    def forget_unused(self, writer) -> None:
        pass

    def record(self, writer, outcomes) -> None:
        for outcome in outcomes:
            self.readings[(outcome.content_hash, self.version)] = outcome
        self.recorded += len(outcomes)

    def found(self, reading) -> bool:
        return True

    def failures(self, store, limit):
        failed = [o for o in self.readings.values() if o.problem is not None][:limit]
        paths = {known.content_hash: known.path for known in store.known_files(["/"], 0).values()}
        return [
            Failure(paths[o.content_hash], f"{self.name}:{o.problem.kind}", o.problem.message,
                    None, None, datetime.now())
            for o in failed
        ]  # fmt: skip

    def status(self, store, config) -> dict:
        return {"read": len(self.readings)}

    def status_line(self, status: dict) -> str:
        return f"{status['read']} photos measured"

    def summary_line(self, counts: PassCounts) -> str:
        return f"measured {counts.read} photos ({counts.failed} failed)"


class BrightnessPass(MemoryPass):
    name = "brightness"
    version = "mean grey 1"
    side = 32
    label = "Measuring brightness"
    doing = "measuring its brightness"
    batch = 2
    counted = CountNames("measured", "bright", "measure_failed", "measure_seconds", "measured_rate")

    def open(self, config):
        return _Mean()


class CornerPass(MemoryPass):
    name = "corner"
    version = "top left 1"
    side = 64
    label = "Looking at corners"
    doing = "looking at its corner"
    counted = CountNames("cornered", "corners", "corner_failed", "corner_seconds", "corner_rate")

    def open(self, config):
        return _Corner()


class CountingDecodes:
    """Wraps a decode function, counting its calls (from any thread), and those of each file
    name."""

    def __init__(self, decode):
        self.decode, self.calls, self._lock = decode, 0, threading.Lock()
        self.of: Counter[str] = Counter()

    def __call__(self, *args, **kwargs):
        with self._lock:
            self.calls += 1
            self.of[os.path.basename(kwargs.get("name", ""))] += 1
        return self.decode(*args, **kwargs)


@contextmanager
def registered(*added: ContentPass):
    """These passes registered (beside the text pass) while the block runs."""
    for content_pass in added:
        passes.register(content_pass)
    try:
        yield added
    finally:
        for content_pass in added:
            passes.unregister(content_pass.name)


def measured_folder(folder: Path, photo_tree: Path) -> Path:
    """Five photos: three, a copy of one, and one that the brightness pass refuses."""
    folder.mkdir()
    things = photo_tree / "photos" / "things"
    for name in sorted(os.listdir(things))[:3]:
        shutil.copy(things / name, folder / name)
    first = sorted(os.listdir(folder))[0]
    shutil.copy(folder / first, folder / f"copy-{first}")
    shutil.copy(folder / first, folder / "dark.jpg")
    with open(folder / "dark.jpg", "ab") as handle:
        handle.write(b"another content")  # the same pixels, another content hash
    return folder
