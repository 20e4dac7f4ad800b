"""(v) Reading videos: how fast `photosearch.video.sample` picks the frames worth embedding, in ×
real time, on videos made here from scikit-image's photos (six-second shots that cut from photo
to photo, each panning slowly, with sensor noise and at the bitrates phones record at: 16 Mbit/s
at 1080p, 40 Mbit/s at 4K), each sampled in a fresh process for its peak memory:

- 1080p H.264 with a keyframe a second, as phones write it (the keyframes-only path), with the
  default sampling (one keyframe in two, and the one before a cut) and with every keyframe;
- 1080p H.264 with x264's default keyframes (up to 10 s apart, and at cuts): the path that
  decodes the stretches between keyframes far apart;
- 4K HEVC (x265) with a keyframe a second, the same two ways, and its peak memory against
  the decode budget.

The issue's targets are END TO END with the frames embedded (≥ 20 × real time at 1080p, ≥ 5 ×
at 4K): this measures the sampling alone and says how much of the time those targets allow is
left for embedding the frames it keeps. The videos are kept under --work between runs."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from photosearch.imaging.budget import auto_budget_mb
from tests.videos import PHOTOS, Shot, write_video

from .common import Row

REPO = Path(__file__).resolve().parents[1]
MARGIN_MB = 300
SHOT_SECONDS = 6.0
NOISE = 6  # levels of sensor noise: what makes a camera's bitrate, spread over every frame

PROBE = """
import json, resource, sys, time
sys.path.insert(0, {repo!r})
from benchmarks.common import peak_rss_mb, rss_mb, reset_peak_rss
from photosearch.imaging.budget import shared_budget
from photosearch.video import Sampling, probe, sample
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
info = probe({path!r})
reset_peak_rss()
before, started, cpu_before = rss_mb(), time.perf_counter(), cpu()
kept = sum(1 for _ in sample({path!r}, Sampling(**{sampling!r})))
seconds = time.perf_counter() - started
print(json.dumps({{"seconds": seconds, "cpu": cpu() - cpu_before, "kept": kept,
                  "duration": info.duration, "peak": peak_rss_mb() - before,
                  "reserved": shared_budget().stats()["peak_mb"]}}))
"""
PHONE_1080 = ("1080p H.264", (1920, 1080), "libx264", {"g": "30", "preset": "veryfast", "b": "16M"})
X264_1080 = (
    "1080p H.264 x264 keyframes",
    (1920, 1080),
    "libx264",
    {"preset": "veryfast", "b": "16M"},
)
HEVC_4K = (
    "4K HEVC",
    (3840, 2160),
    "libx265",
    {"preset": "ultrafast", "x265-params": "keyint=30:bitrate=40000:log-level=error"},
)
EVERY_KEY = {"key_step": 1.0}  # the default decodes one in two, and the one before a cut
# what is measured, the video (name, size, codec, encoder options), its seconds (full, quick),
# the sampling's settings, and the target in × real time, end to end
CASES = [
    ("1080p H.264, keyframe every 1 s", PHONE_1080, (60, 20), {}, 20),
    (
        "1080p H.264, keyframe every 1 s, every keyframe decoded",
        PHONE_1080,
        (60, 20),
        EVERY_KEY,
        20,
    ),
    ("1080p H.264, x264 default keyframes (10 s)", X264_1080, (60, 20), {}, 20),
    ("4K HEVC, keyframe every 1 s", HEVC_4K, (20, 6), {}, 5),
    ("4K HEVC, keyframe every 1 s, every keyframe decoded", HEVC_4K, (20, 6), EVERY_KEY, 5),
]


def make_video(work: Path, name: str, size, codec: str, options: dict, seconds: float) -> Path:
    path = work / "videos" / f"{name.replace(' ', '_').replace(',', '')}_{seconds:.0f}s.mp4"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        count = round(seconds / SHOT_SECONDS)
        shots = [
            Shot(PHOTOS[i % len(PHOTOS)], SHOT_SECONDS, pan=size[0] // 5) for i in range(count)
        ]
        started = time.perf_counter()
        write_video(
            path.with_suffix(".part.mp4"),
            shots,
            size=size,
            fps=30,
            codec=codec,
            options=options,
            noise=NOISE,
        )
        path.with_suffix(".part.mp4").rename(path)
        print(f"  made {path.name} in {time.perf_counter() - started:.0f} s")
    return path


def bitrate(path: Path, seconds: float) -> float:
    """Mbit/s: what the video's size says."""
    return path.stat().st_size * 8 / seconds / 1e6


def measure(path: Path, sampling: dict) -> dict:
    return in_fresh_process(PROBE.format(repo=str(REPO), path=str(path), sampling=sampling))


def in_fresh_process(script: str) -> dict:
    """What a measuring script prints last (JSON), run in a fresh Python process."""
    output = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=REPO
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def rows_for(name: str, path: Path, measured: dict, target: float) -> list[Row]:
    label = f"(v) video sampling: {name}"
    duration, seconds, kept = measured["duration"], measured["seconds"], measured["kept"]
    speed = duration / seconds
    allowed = 60 / target  # seconds a minute of video may take, end to end
    left = allowed - 60 * seconds / duration
    per_minute = kept * 60 / duration
    return [
        Row(label, "the video's bitrate", bitrate(path, duration), "Mbit/s"),
        Row(label, "CPU time per minute of video", 60 * measured["cpu"] / duration, "s"),
        Row(label, "sampling speed", speed, "x real", target=f">= {target} x end to end"),
        Row(label, "frames kept per minute", per_minute, "frames"),
        Row(label, f"left per minute for embedding (of {allowed:.0f} s)", left, "s"),
        Row(
            label,
            "embedding rate that would meet the target",
            per_minute / left if left > 0 else float("inf"),
            "frames/s",
        ),
        peak_row(label, "peak RSS while sampling", measured["peak"]),
        Row(label, "decoder reserved in the budget", measured["reserved"], "MB"),
    ]


def peak_row(label: str, figure: str, peak: float) -> Row:
    """A peak of memory (MB) against the decode budget plus the issue's margin."""
    budget = auto_budget_mb()
    limit = f"<= budget + {MARGIN_MB} MB"
    return Row(label, figure, peak, "MB", "budget", budget, limit, peak <= budget + MARGIN_MB)


def run(quick: bool, work: Path) -> list[Row]:
    rows = []
    for name, (video, size, codec, options), lengths, sampling, target in CASES:
        seconds = lengths[1] if quick else lengths[0]
        path = make_video(work, video, size, codec, options, seconds)
        rows += rows_for(name, path, measure(path, sampling), target)
    return rows
