"""(n) Decoding within the decode budget, each case in a fresh process: (1) the peak RSS of
decoding huge images of several formats against the budget's estimate of it; (2) four
concurrent uploads of a 195 MP PNG to a real `serve`, with the default upload limit and with
one that lets them be decoded; (3) an index run over eight 195 MP PNGs with eight workers;
(4) an index run over eight 3 GB files at once (TIFFs whose 24 MP first page is followed by
zeros left as a hole on disk: large to read and hash, cheap to make, small to decode).

PHOTOSEARCH_BENCH_BASELINE=/path/to/an/older/checkout runs (2), (3) and (4) with that
checkout's code instead, for the figures before the budget (it must have `manage.py`).
PHOTOSEARCH_BENCH_LARGE_GB sizes (4)'s files (3 GB; 1 with --quick): the code before file bytes were
inside the budget holds eight of them at once, more memory than a small machine has."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

from photosearch.imaging.budget import auto_budget_mb
from photosearch.library import PhotoLibrary
from tests.sample_data import album_jpegs, flat_png, layered_tiff

from .common import Row, config_for, random_checkpoint

REPO = Path(__file__).resolve().parents[1]
GIANT = (15000, 13000)  # 195 MP, just under max_image_pixels
MARGIN_MB = 300

PROBE = """
import json, sys
sys.path.insert(0, {repo!r})
from benchmarks.common import peak_rss_mb, rss_mb, reset_peak_rss
from photosearch.imaging.budget import DecodeBudget
from photosearch.imaging.decoder import decode
data = open({path!r}, "rb").read()
budget = DecodeBudget(1 << 40)  # no waiting, no refusal: the estimate alone is measured
reset_peak_rss()
before = rss_mb()
decoded = decode(data, max_pixels=10**10, min_side={min_side}, budget=budget, name={path!r})
print(json.dumps({{"peak": peak_rss_mb() - before, "estimate": budget.stats()["peak_mb"],
                  "size": decoded.image.size}}))
"""

INDEX_PROBE = """
import json, sys, time
sys.path.insert(0, {repo!r})
from pathlib import Path
from benchmarks.common import config_for, peak_rss_mb, rss_mb, reset_peak_rss
from photosearch.library import PhotoLibrary
config = config_for(Path({data!r}), {model!r}, workers=8, ocr=False, decode_timeout={timeout})
library = PhotoLibrary(config)
library.embedder.embed_texts(["warm"])  # the model loaded: what the peak is measured above
reset_peak_rss()
before = rss_mb()
summary = library.index([Path({photos!r})])
print(json.dumps({{"peak": peak_rss_mb() - before, "model": before, "new": summary.new,
                  "failed": summary.failed, "seconds": summary.seconds}}))
"""


def _python(script: str, cwd: Path) -> dict:
    output = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=cwd
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def _picture(width: int, height: int) -> Image.Image:
    """Smooth random colour, like a photo's large shapes (flat PNGs are all one colour)."""
    pixels = np.random.default_rng(0).integers(0, 256, (height // 500 + 2, width // 500 + 2, 3))
    return Image.fromarray(pixels.astype(np.uint8)).resize((width, height), Image.BILINEAR)


def calibration(work: Path) -> list[Row]:
    """(1) Peak RSS of one decode against the budget's estimate: the estimate must not be
    below it (else the budget would let more through than it says)."""
    folder = work / "decoding"
    folder.mkdir(exist_ok=True)
    cases = [
        ("PNG RGB 195 MP", "rgb.png", lambda: flat_png(*GIANT)),
        ("PNG RGBA 195 MP", "rgba.png", lambda: flat_png(*GIANT, (90, 140, 200, 128))),
        ("PNG 16-bit gray 195 MP", "gray16.png", lambda: flat_png(*GIANT, (30000,), 16)),
        ("JPEG progressive 48 MP", "progressive.jpg", lambda: _encoded(progressive=True)),
        ("WebP 30 MP", "photo.webp", lambda: _encoded("WEBP", (6000, 5000), method=0)),
        ("HEIC 30 MP", "photo.heic", lambda: _encoded("HEIF", (6000, 5000), quality=50)),
    ]
    name = "(n) decoding: peak RSS of one decode against its estimate, fresh process"
    rows = []
    for label, file_name, make in cases:
        path = folder / file_name
        if not path.exists():
            path.write_bytes(make())
        sides = [("for the model", 224)]
        if not label.startswith(("PNG RGBA", "PNG 16")):  # full size: the text pass's decode
            sides.append(("at full size", 1 << 30))
        for purpose, min_side in sides:
            script = PROBE.format(repo=str(REPO), path=str(path), min_side=min_side)
            measured = _python(script, REPO)
            rows.append(
                Row(
                    name,
                    f"{label}, {purpose} ({measured['size'][0]}x{measured['size'][1]})",
                    measured["peak"],
                    "MB",
                    "estimate",
                    measured["estimate"],
                    "<= 1.0 x estimate",
                    measured["peak"] <= measured["estimate"],
                )
            )
    return rows


def _encoded(format: str = "JPEG", size=(8000, 6000), **options) -> bytes:
    buffer = io.BytesIO()
    _picture(*size).save(buffer, format, **options)
    return buffer.getvalue()


def _status_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def photo_request(url: str, data: bytes) -> urllib.request.Request:
    """A POST of `data` as the multipart field `photo`, as the search page sends it."""
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="q.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    return urllib.request.Request(url, body, headers)


def _post_photo(url: str, data: bytes) -> int:
    try:
        with urllib.request.urlopen(photo_request(url, data), timeout=600):
            return 200
    except urllib.error.HTTPError as error:
        return error.code


def _library(work: Path, model: str) -> Path:
    """A data dir with the 13 album photos indexed by the benchmark's model."""
    data = work / "decoding-library"
    if not (data / "photosearch.db").exists():
        photos = work / "decoding-album"
        photos.mkdir(exist_ok=True)
        for n, image in enumerate(album_jpegs()):
            image.convert("RGB").save(photos / f"album-{n:02d}.jpg", quality=90)
        library = PhotoLibrary(config_for(data, model, ocr=False))
        library.index([photos])
        library.close()
    return data


def uploads(work: Path, model: str, repo: Path) -> list[Row]:
    """(2) Four concurrent uploads of a 195 MP PNG to `serve`: peak RSS above the idle server,
    and what is left of it 10 s later."""
    from tests.serving import server_env, server_process

    data = _library(work, model)
    giant = flat_png(*GIANT)
    small = flat_png(640, 480)
    budget = auto_budget_mb()
    name = f"(n) 4 concurrent uploads of a 195 MP PNG to serve (decode budget {budget} MB, auto)"
    rows = []
    for label, settings in [
        ("default max_upload_pixels (40 MP)", {}),
        ("max_upload_pixels = 200 MP: decoded", {"max_upload_pixels": "200000000"}),
    ]:
        env = server_env(data, model, offline="1", ocr="0", **settings)
        with tempfile.TemporaryDirectory() as logs:
            log = Path(logs) / "server.log"
            with server_process(env, log, "--threads", "8", repo=repo) as (base, server):
                _post_photo(f"{base}/api/search", small)  # what a first upload sets up
                idle = _status_mb(server.pid, "VmRSS")
                Path(f"/proc/{server.pid}/clear_refs").write_text("5")
                started = time.perf_counter()
                with ThreadPoolExecutor(4) as clients:
                    codes = list(clients.map(lambda _: _post_photo(f"{base}/api/search", giant),
                                             range(4)))  # fmt: skip
                seconds = time.perf_counter() - started
                peak = _status_mb(server.pid, "VmHWM") - idle
                time.sleep(10)
                later = _status_mb(server.pid, "VmRSS") - idle
        answered = ", ".join(f"{codes.count(code)} x {code}" for code in sorted(set(codes)))
        rows += [
            Row(name, f"{label}: answered {answered} in {seconds:.1f} s", peak, "MB",
                "budget", budget, f"<= budget + {MARGIN_MB} MB, no 5xx",
                peak <= budget + MARGIN_MB and max(codes) < 500),
            Row(name, f"{label}: RSS above idle 10 s later", later, "MB",
                target=f"<= {MARGIN_MB} MB", met=later <= MARGIN_MB),
        ]  # fmt: skip
    return rows


def indexing(work: Path, model: str, repo: Path) -> list[Row]:
    """(3) Eight 195 MP PNGs indexed by eight workers: peak RSS above the loaded model's."""
    photos = work / "decoding-giants"
    photos.mkdir(exist_ok=True)
    for n in range(8):
        path = photos / f"scan-{n}.png"
        if not path.exists():
            path.write_bytes(flat_png(*GIANT, (30 * n, 120, 200)))
    return _indexed(work, model, repo, photos, "8 x 195 MP PNG, 8 workers", timeout=60)


def large_files(work: Path, model: str, repo: Path, quick: bool) -> list[Row]:
    """(4) Eight large files indexed by eight workers at once: peak RSS above the loaded
    model's, against the budget. Each file is read, hashed and its first page decoded."""
    size_gb = float(os.environ.get("PHOTOSEARCH_BENCH_LARGE_GB") or (1 if quick else 3))
    photos = work / f"decoding-layered-{size_gb:g}gb"
    photos.mkdir(exist_ok=True)
    for n in range(8):
        path = photos / f"layered-{n}.tif"
        if not path.exists():
            layered_tiff(path, int(size_gb * (1 << 30)), pixels=(6000, 4000))
    # No time limit: hashing 3 GB takes this 2-core machine about 25 s, eight at once longer
    # than decode_timeout's 60 s, which counts reading a file too.
    what = f"8 x {size_gb:g} GB files at once, 8 workers"
    return _indexed(work, model, repo, photos, what, timeout=0)


def _indexed(work: Path, model: str, repo: Path, photos: Path, what: str, timeout: int):
    """An index run of `photos` in a fresh process: its peak RSS against the budget."""
    budget = auto_budget_mb()
    with tempfile.TemporaryDirectory(dir=work) as data:
        script = INDEX_PROBE.format(
            repo=str(repo), data=data, model=model, photos=str(photos), timeout=timeout
        )
        measured = _python(script, repo)
    name = f"(n) index {what} (decode budget {budget} MB, auto)"
    figure = (
        f"peak RSS above the model's ({measured['new']} indexed, {measured['failed']} failed, "
        f"{measured['seconds']:.0f} s)"
    )
    return [
        Row(name, figure, measured["peak"], "MB", "budget", budget,
            f"<= budget + {MARGIN_MB} MB", measured["peak"] <= budget + MARGIN_MB),
    ]  # fmt: skip


def run(quick: bool, work: Path) -> list[Row]:
    model = random_checkpoint(work)
    repo = Path(os.environ.get("PHOTOSEARCH_BENCH_BASELINE") or REPO).resolve()
    rows = [] if repo != REPO else calibration(work)
    rows += uploads(work, model, repo)
    rows += indexing(work, model, repo)
    rows += large_files(work, model, repo, quick)
    return rows
