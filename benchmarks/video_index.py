"""(v) Videos indexed end to end: one video alone in a folder, through `PhotoLibrary.index` (walk,
hash, probe, sample, thumbnails, embed every kept scene with the library's model, commit), in ×
real time against the issue's targets (≥ 20 × for 1080p H.264, ≥ 5 × for 4K HEVC), each in a
fresh process with the model loaded and warm and the store open (an index run of an empty folder
first), as a `watch` has them. The model is
ViT-B-32 with random weights in the default runtime (which one ran is printed); the text pass is
off, as in (b). Peak memory (RSS) of the run is measured above the process with its model
loaded, against the decode budget. The videos are (v)'s sampling videos, kept under --work."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from photosearch.video import probe

from .common import Row, random_checkpoint
from .video import HEVC_4K, PHONE_1080, REPO, in_fresh_process, make_video, peak_row

PROBE = """
import json, resource, sys, time
sys.path.insert(0, {repo!r})
from pathlib import Path
import torch
from benchmarks.common import config_for, peak_rss_mb, reset_peak_rss, rss_mb
from photosearch.library import PhotoLibrary
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
library = PhotoLibrary(config_for(Path({data!r}), {model!r}, ocr=False))
embedder = library.embedder
size = embedder.image_size
embedder.embed_pixels(torch.rand(library.config.batch_size, 3, size, size))  # warm
library.index([Path({empty!r})])  # the store opened, what an index run imports imported
reset_peak_rss()
before, started, cpu_before = rss_mb(), time.perf_counter(), cpu()
summary = library.index([Path({folder!r})])
seconds, used = time.perf_counter() - started, cpu() - cpu_before
counts = library.store.counts(library.model.id)
print(json.dumps({{"seconds": seconds, "cpu": used, "peak": peak_rss_mb() - before,
                  "frames": counts["frames"], "videos": counts["videos"],
                  "failed": summary.failed, "runtime": summary.runtime}}))
"""
# what is indexed: the video (as benchmark (v) makes it), its seconds (full, quick), and the
# issue's target in × real time
CASES = [(PHONE_1080, (60, 20), 20), (HEVC_4K, (20, 6), 5)]


def alone(work: Path, video: Path) -> Path:
    """A folder holding only `video` (a hard link to it: nothing copied)."""
    folder = work / "video-index" / video.stem
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / video.name).exists():
        os.link(video, folder / video.name)
    return folder


def fresh_store(work: Path) -> Path:
    """A data dir with no store, thumbnails or index, which keeps what the default runtime
    measured and exported for the model (minutes, once per machine and model)."""
    data = work / "video-data"
    for made in ("photosearch.db", "index", "thumbnails"):
        subprocess.run(["rm", "-rf", str(data / made)], check=True)
    return data


def runtime_shared(work: Path, data: Path) -> None:
    """Give `data` what the default runtime measured and exported in the data dir of
    fresh_store (hard links): not measured again there, and the same choice in every store."""
    source = work / "video-data"
    for kept in ("runtime-choices.json", "models"):
        if (source / kept).exists():
            data.mkdir(parents=True, exist_ok=True)
            subprocess.run(["rm", "-rf", str(data / kept)], check=True)
            subprocess.run(["cp", "-al", str(source / kept), str(data / kept)], check=True)


def measure(work: Path, folder: Path, model: str) -> dict:
    """One index run of `folder` into a fresh store, in a fresh process."""
    data = fresh_store(work)
    empty = work / "video-index" / "empty"
    empty.mkdir(parents=True, exist_ok=True)
    return in_fresh_process(
        PROBE.format(
            repo=str(REPO), data=str(data), model=model, folder=str(folder), empty=str(empty)
        )
    )


def rows_for(name: str, duration: float, measured: dict, target: float) -> list[Row]:
    label = f"(v) video indexed end to end: {name} ({measured['runtime']})"
    speed = duration / measured["seconds"]
    return [
        Row(label, "index speed", speed, "x real", target=f">= {target} x", met=speed >= target),
        Row(label, "wall time per minute of video", 60 * measured["seconds"] / duration, "s"),
        Row(label, "CPU time per minute of video", 60 * measured["cpu"] / duration, "s"),
        Row(label, "scenes embedded per minute", 60 * measured["frames"] / duration, "frames"),
        peak_row(label, "peak RSS above the loaded model", measured["peak"]),
    ]


def run(quick: bool, work: Path) -> list[Row]:
    model = random_checkpoint(work)
    rows = []
    for (video, size, codec, options), lengths, target in CASES:
        seconds = lengths[1] if quick else lengths[0]
        path = make_video(work, video, size, codec, options, seconds)
        measured = measure(work, alone(work, path), model)
        assert measured["videos"] == 1 and not measured["failed"], measured
        duration = probe(str(path)).duration
        rows += rows_for(f"{video}, {duration:.0f} s", duration, measured, target)
    return rows
