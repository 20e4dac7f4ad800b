"""(i) What the cluster path costs: the same generated 12 MP JPEGs indexed in this process and
through a local Ray on the same machine (one CPU actor with every core), both with ViT-B-32
(random weights) in eager fp32, on fresh data dirs, alternating, best of two each. The ratio
is Ray's overhead: the actor's start (a fresh process that imports torch and loads the model,
a fixed cost per run, shown as the time to the first committed batch) and the answers' trip
between processes (what is left from the first batch on)."""

from __future__ import annotations

import dataclasses
import logging
import tempfile
import time
from pathlib import Path

from photosearch.library import PhotoLibrary
from photosearch.model.embedder import Embedder
from photosearch.model.loading import load_model, parse_model
from photosearch.progress import Progress

from .common import Row, config_for, random_checkpoint
from .indexing import make_photos

TARGET = 0.8


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
    make_photos(photos_dir, count)
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
    ]
