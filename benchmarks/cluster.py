"""(i) What the cluster path costs: the same generated 12 MP JPEGs indexed in this process and
through a local Ray on the same machine (one CPU actor with every core), both with ViT-B-32
(random weights) in eager fp32, on fresh data dirs, alternating, best of two each. The ratio
is Ray's overhead: the actor's start (a fresh process that imports torch and loads the model,
a fixed cost per run, shown as the time to the first committed batch) and the answers' trip
between processes (what is left from the first batch on).

And what a burst of new photos costs under `watch --ray`, after the watch's first burst: the
seconds from their arrival in the watched folder to their vectors committed (the watcher's
1 s debounce included), and the model loads it caused, with the actors kept from the earlier
runs and with actors started for the burst, as every run started them before they were kept;
with the tiny test architecture and with ViT-B-32, both random weights saved as checkpoints."""

from __future__ import annotations

import dataclasses
import logging
import os
import queue
import tempfile
import time
from pathlib import Path

from photosearch.config import Config
from photosearch.indexing.watcher import Watcher
from photosearch.library import PhotoLibrary
from photosearch.model.embedder import Embedder
from photosearch.model.loading import TEST_ARCH, load_model, parse_model
from photosearch.progress import Progress

from .common import Row, config_for, random_checkpoint
from .indexing import make_photos

TARGET = 0.8
BURST = 10  # new photos in a burst


class FirstAnswer(Progress):
    """When the first batch of answers was committed, and how many images it held."""

    def __init__(self):
        self.at: float | None = None

    def advance(self, count: int = 1) -> None:
        if self.at is None:
            self.at, self.count = time.perf_counter(), count


def run(quick: bool, work: Path) -> list[Row]:
    import ray

    count = 64 if quick else 512
    photos_dir = work / "big-photos"
    photos_dir.mkdir(exist_ok=True)
    photos = make_photos(photos_dir, count)
    model = random_checkpoint(work)
    settings = config_for(work / "cluster-data", model, device="cpu", runtime="torch", ocr=False)
    settings = dataclasses.replace(settings, precision="fp32")
    embedder = Embedder(load_model(parse_model(model, settings), settings, "cpu"), "cpu")

    def index(ray_address: str) -> tuple[float, float, float]:
        """Images/s of one run; seconds to its first committed batch; images/s after it."""
        with tempfile.TemporaryDirectory(dir=work) as data_dir:
            config = dataclasses.replace(settings, data_dir=Path(data_dir), ray_address=ray_address)
            library = PhotoLibrary(config, embedder=embedder)
            progress = FirstAnswer()
            started = time.perf_counter()
            summary = library.index([photos_dir], progress)
            ended = time.perf_counter()
            library.close()
        assert summary.embedded == count, summary
        steady = (count - progress.count) / (ended - progress.at)
        return count / (ended - started), progress.at - started, steady

    ray.init(address="local", include_dashboard=False, logging_level=logging.WARNING)
    try:
        runs: dict[str, list] = {"here": [], "ray": []}
        for _ in range(2):  # take turns, so a busy moment of the machine hurts both alike
            for where, address in (("here", ""), ("ray", "local")):
                runs[where].append(index(address))
        bursts = [
            *watch_bursts(photos, settings, random_checkpoint(work, TEST_ARCH), "tiny", work),
            *watch_bursts(photos, settings, model, "ViT-B-32", work),
        ]
    finally:
        ray.shutdown()
    (here, here_first, here_steady), (there, there_first, there_steady) = (
        (max(r[0] for r in rs), min(r[1] for r in rs), max(r[2] for r in rs))
        for rs in (runs["here"], runs["ray"])
    )
    name = f"(i) index {count} x 12 MP JPEG, ViT-B-32 eager fp32 on the CPU: local Ray vs here"
    return [
        Row(name, "in this process", here, "images/s"),
        Row(
            name,
            "through a local Ray (one actor, all cores)",
            there,
            "images/s",
            "in this process",
            here,
            f">= {TARGET} x",
            there >= TARGET * here,
        ),
        Row(
            name, "first batch committed, through a local Ray", there_first, "s", "here", here_first
        ),
        Row(
            name,
            "from the first batch on, through a local Ray",
            there_steady,
            "images/s",
            "here",
            here_steady,
        ),
        *bursts,
    ]


def watch_bursts(
    photos: list[Path], settings: Config, model: str, label: str, work: Path
) -> list[Row]:
    """A watch of a folder on the local Ray: its first run, a burst to warm up, then bursts with
    the actors kept and bursts on actors started for them (the kept ones closed first), taking
    turns, best of two each. Each burst's photos are hard links made at once: their arrival."""
    with tempfile.TemporaryDirectory(dir=work) as scratch:
        root = Path(scratch) / "watched"
        root.mkdir()
        config = dataclasses.replace(
            settings, model=model, data_dir=Path(scratch) / "data", ray_address="local"
        )
        library = PhotoLibrary(config)
        groups = (photos[start : start + BURST] for start in range(0, len(photos), BURST))
        for photo in next(groups):
            os.link(photo, root / photo.name)
        library.index([root])  # what `watch` does before it watches
        indexed: queue.Queue = queue.Queue()
        watcher = Watcher(library, [root], on_update=indexed.put).start()

        def burst(kept: bool) -> tuple[float, int]:
            """Seconds from the photos' arrival to their vectors committed; model loads."""
            if not kept:
                library.cluster.close()
            loads = library.cluster.model_loads
            started = time.perf_counter()
            for photo in next(groups):
                os.link(photo, root / photo.name)
            new = 0
            while new < BURST:
                new += indexed.get(timeout=600).new
            return time.perf_counter() - started, library.cluster.model_loads - loads

        try:
            burst(kept=True)
            runs: dict[bool, list] = {True: [], False: []}
            for _ in range(2):
                for kept in (True, False):
                    runs[kept].append(burst(kept))
        finally:
            watcher.stop()
            library.close()
    (kept, kept_loads), (started, started_loads) = (
        (min(seconds for seconds, _ in runs[way]), max(loads for _, loads in runs[way]))
        for way in (True, False)
    )
    name = (
        f"(i) a burst of {BURST} new 12 MP JPEGs under `watch --ray local` after the first, "
        f"{label} eager fp32: from their arrival to their vectors committed"
    )
    return [
        Row(
            name,
            f"actors kept: model loads {kept_loads}",
            kept,
            "s",
            f"actors started for it: model loads {started_loads}",
            started,
            "no model load",
            kept_loads == 0,
        )
    ]
