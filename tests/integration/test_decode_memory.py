"""Bounded memory under huge and hostile images: an index run over giant PNGs and a panorama
with many workers, uploads to the web (in-process and to a real `serve`), all within a small
decode budget, with what it refused recorded or answered 413, never 5xx."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import shutil
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from benchmarks.decoding import photo_request
from photosearch.imaging import budget as decode_budget
from photosearch.imaging.budget import MB
from photosearch.imaging.decoder import decode
from photosearch.imaging.photo_file import content_hash
from photosearch.imaging.thumbnails import cache_path
from photosearch.indexing.content_pass import FILE_BYTES
from photosearch.indexing.summary import CountNames
from photosearch.library import PhotoLibrary
from photosearch.web import create_app

from ..brightness_pass import MemoryPass, registered
from ..conftest import TEST_DATA
from ..sample_data import flat_png, layered_tiff
from ..serving import server_env, server_process

GIANT = (15000, 13000)  # 195 MP, just under max_image_pixels: 0.6 MB as a flat PNG


@pytest.fixture(autouse=True)
def automatic_budget_afterwards():
    """The budget is the process's: leave it as other tests expect it."""
    yield
    decode_budget.configure(0)


def status_mb(pid: int | str, field: str) -> float:
    """A process's VmHWM (peak resident memory) or VmRSS, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no {field} for process {pid}")


def reset_peak(pid: int | str) -> None:
    """Start VmHWM afresh from the current size (Linux: 5 to clear_refs)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def panorama_jpeg(path: Path, width: int = 20000, height: int = 2000) -> None:
    pixels = np.random.default_rng(1).integers(0, 256, (20, 200, 3), dtype=np.uint8)
    Image.fromarray(pixels).resize((width, height)).save(path, "JPEG", quality=80)


def test_an_index_run_over_giant_images_with_many_workers_stays_within_the_budget(
    config, tiny_embedder, tmp_path
):
    """Six 20 MP PNGs (80 MB decoded each: one at a time in 100 MB) and a 40 MP panorama JPEG
    are indexed by eight workers; two 48 MP PNGs, larger than the whole budget, are refused and
    recorded; the small photos behind them are indexed as ever."""
    folder = tmp_path / "Giants"
    folder.mkdir()
    for n in range(6):
        (folder / f"scan-{n}.png").write_bytes(flat_png(5000, 4000, (20 * n, 100, 200)))
    for n in range(2):
        (folder / f"poster-{n}.png").write_bytes(flat_png(8000, 6000, (200, 20 * n, 50)))
    panorama_jpeg(folder / "panorama.jpg")
    shutil.copytree(TEST_DATA / "photos", folder / "small")
    settings = {"workers": 8, "decode_memory_mb": 100, "thumbnails_at_index": True}
    library = PhotoLibrary(dataclasses.replace(config, **settings), embedder=tiny_embedder)
    budget = decode_budget.shared_budget()
    assert budget.limit == 100 << 20
    budget.reset_peak()
    decode_budget._trim_heap()  # the freed heap of earlier tests would hide the growth
    reset_peak("self")
    before = status_mb("self", "VmRSS")
    summary = library.index([folder])
    grew = status_mb("self", "VmHWM") - before
    # old decoder: each 20 MP PNG took 160 MB, and eight workers decoded six at once
    assert grew <= 100 + 150, f"peak RSS grew {grew:.0f} MB for a 100 MB decode budget"
    stats = budget.stats()
    assert stats["peak_mb"] <= 100 and stats["waits"] > 0 and stats["in_use_mb"] == 0
    failures = {Path(f.path).name: f for f in library.store.failures()}
    assert set(failures) == {"poster-0.png", "poster-1.png"}
    assert all(f.kind == "too_large" for f in failures.values())
    assert all("decode_memory_mb" in f.message for f in failures.values())
    assert summary.new == 6 + 1 + 13 and summary.failed == 2
    panorama = library.store.photo_by_path(str(folder / "panorama.jpg"))
    assert (panorama.width, panorama.height) == (20000, 2000)
    # a reduced decode is still sharp enough for the thumbnail the web would make
    scan = (folder / "scan-0.png").read_bytes()
    thumbnail = cache_path(library.config, content_hash(scan), 320)
    assert Image.open(thumbnail).size == (320, 256)
    library.close()


def png_upload(width: int, height: int) -> tuple[io.BytesIO, str]:
    return io.BytesIO(flat_png(width, height)), "query.png"


def test_uploads_over_the_upload_limit_are_refused_from_their_header(
    config, tiny_embedder, tmp_path
):
    shutil.copytree(TEST_DATA / "photos/animals", tmp_path / "few")
    settings = {"max_upload_pixels": 4_000_000, "min_score_photo": -1.0}
    library = PhotoLibrary(dataclasses.replace(config, **settings), embedder=tiny_embedder)
    library.index([tmp_path / "few"])
    client = create_app(library.config, library).test_client()
    decode_budget.shared_budget().reset_peak()
    refused = client.post("/api/search", data={"photo": png_upload(2500, 2000)})
    assert refused.status_code == 413
    message = refused.get_json()["error"]["message"]
    assert "2500x2000" in message and "4 MP (max_upload_pixels)" in message
    assert decode_budget.shared_budget().stats()["peak_mb"] < 5  # never decoded
    page = client.post("/", data={"photo": png_upload(2500, 2000)})
    assert page.status_code == 413 and b"max_upload_pixels" in page.data
    # a 12 MP camera JPEG decodes at 1/8 for the model: a query photo like any other
    buffer = io.BytesIO()
    Image.new("RGB", (4000, 3000), (40, 90, 160)).save(buffer, "JPEG")
    buffer.seek(0)
    found = client.post("/api/search", data={"photo": (buffer, "camera.jpg")})
    assert found.status_code == 200 and found.get_json()["results"]
    broken = client.post("/api/search", data={"photo": (io.BytesIO(b"\x89PNG junk"), "x.png")})
    assert broken.status_code == 400
    assert broken.get_json()["error"]["message"].startswith("The uploaded photo is not a usable")
    library.config = dataclasses.replace(library.config, max_upload_pixels=0)  # no limit of its own
    unlimited = client.post("/api/search", data={"photo": png_upload(2500, 2000)})
    assert unlimited.status_code == 200
    library.close()


def test_an_upload_larger_than_the_decode_budget_is_refused_with_413(
    config, tiny_embedder, tmp_path
):
    shutil.copytree(TEST_DATA / "photos/animals", tmp_path / "few")
    settings = {"max_upload_pixels": 200_000_000, "decode_memory_mb": 64}
    library = PhotoLibrary(dataclasses.replace(config, **settings), embedder=tiny_embedder)
    library.index([tmp_path / "few"])
    client = create_app(library.config, library).test_client()
    refused = client.post("/api/search", data={"photo": png_upload(*GIANT)})
    assert refused.status_code == 413
    assert "decode budget of 64 MB (decode_memory_mb)" in refused.get_json()["error"]["message"]
    status = client.get("/api/status").get_json()["decoding"]
    assert status["budget_mb"] == 64 and status["refused"] >= 1 and status["in_use_mb"] == 0
    library.close()


def post_photo(url: str, data: bytes) -> tuple[int, dict]:
    request = photo_request(url, data)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_concurrent_giant_uploads_to_a_real_server_stay_within_the_budget(
    config, tiny_embedder, tiny_model_name, tmp_path
):
    """Six 30 MP PNGs at once (120 MB decoded each: one at a time in 128 MB), two 195 MP ones
    over the upload limit and a 42 MP one over the budget: 200 or 413, never 5xx, and the
    server's peak memory grows by the budget and a margin, not by six decodes."""
    shutil.copytree(TEST_DATA / "photos/animals", tmp_path / "few")
    library = PhotoLibrary(config, embedder=tiny_embedder)
    library.index([tmp_path / "few"])
    library.close()
    env = server_env(
        config.data_dir, tiny_model_name, decode_memory_mb="128", max_upload_pixels="50000000"
    )
    log = tmp_path / "server.log"
    uploads = [flat_png(6000, 5000, (10 * n, 90, 160)) for n in range(6)]
    uploads += [flat_png(*GIANT)] * 2 + [flat_png(7000, 6000)]
    with server_process(env, log, "--threads", "9") as (base, server):
        idle = status_mb(server.pid, "VmRSS")
        reset_peak(server.pid)
        with ThreadPoolExecutor(len(uploads)) as clients:
            answers = list(
                clients.map(lambda data: post_photo(f"{base}/api/search", data), uploads)
            )
        grew = status_mb(server.pid, "VmHWM") - idle
        after = status_mb(server.pid, "VmRSS") - idle
        with urllib.request.urlopen(f"{base}/api/status", timeout=30) as response:
            decoding = json.load(response)["decoding"]
    codes = [code for code, _ in answers]
    assert codes == [200] * 6 + [413] * 3, [body for _, body in answers]
    assert "max_upload_pixels" in answers[6][1]["error"]["message"]
    assert "decode_memory_mb" in answers[8][1]["error"]["message"]
    # old decoder: 240 MB for each 30 MP PNG, six at once
    assert grew <= 128 + 150, f"the server's peak RSS grew {grew:.0f} MB for a 128 MB budget"
    assert after <= 150, f"the server kept {after:.0f} MB after the uploads"
    assert decoding["peak_mb"] <= 128 and decoding["waits"] > 0 and decoding["in_use_mb"] == 0
    waits = [line for line in log.read_text().splitlines() if "waits for memory" in line]
    assert len(waits) == 1


def test_status_shows_the_budget_and_the_upload_limit(run_cli):
    table = run_cli("status", env={"PHOTOSEARCH_DECODE_MEMORY_MB": "300"}).stdout
    line = next(line for line in table.splitlines() if line.startswith("decoding"))
    assert "at most 300 MB of images at once (decode_memory_mb, set)" in line
    assert "uploads up to 40 MP (max_upload_pixels)" in line
    auto = json.loads(run_cli("status", "--json").stdout)["decoding"]
    assert auto["auto"] and auto["budget_mb"] == decode_budget.auto_budget_mb()
    assert auto["max_upload_pixels"] == 40_000_000


def test_the_text_of_a_giant_photo_is_read_within_the_budget(config, tiny_embedder, tmp_path):
    """A 48 MP JPEG with a word on it, and a 48 MP PNG: the text pass decodes each whole and
    runs the detector on a copy no larger than DETECTION_MAX_SIDE, all of it reserved in the
    budget (before: the detector alone took 1.7 GB on this photo's 4000 px copy). The word is
    read, with its box in the photo's own pixels."""
    from photosearch.ocr.reader import DETECTION_MAX_SIDE, detection_size

    from ..text_photos import WRITTEN, written_photo

    assert max(detection_size(8000, 6000)) <= DETECTION_MAX_SIDE
    folder = tmp_path / "Posters"
    folder.mkdir()
    poster = written_photo(*WRITTEN["parking.jpg"]).resize((8000, 6000), Image.BICUBIC)
    poster.save(folder / "poster.jpg", quality=90)
    poster.save(folder / "poster.png")
    del poster
    settings = {"decode_memory_mb": 900, "ocr": True}
    library = PhotoLibrary(dataclasses.replace(config, **settings), embedder=tiny_embedder)
    warm_up = tmp_path / "Warm-up"  # the OCR models load outside the measurement
    warm_up.mkdir()
    written_photo(*WRITTEN["sign.jpg"]).save(warm_up / "sign.jpg", quality=92)
    library.index([warm_up])
    budget = decode_budget.shared_budget()
    budget.reset_peak()
    decode_budget._trim_heap()
    reset_peak("self")
    before = status_mb("self", "VmRSS")
    summary = library.index([folder])
    grew = status_mb("self", "VmHWM") - before
    assert summary.texts_read == 2 and summary.with_text == 2 and summary.text_failed == 0
    assert budget.stats()["peak_mb"] <= 900
    assert grew <= 900 + 300, f"peak RSS grew {grew:.0f} MB for a 900 MB decode budget"
    for name in ("poster.jpg", "poster.png"):
        photo = library.store.photo_by_path(str(folder / name))
        text = library.store.texts([photo.content_hash])[photo.content_hash]
        assert "PARKING" in text.text and (text.width, text.height) == (8000, 6000)
        xs = [x for line in text.lines for x, _ in line.box]
        assert min(xs) >= 0 and max(xs) <= 8000 and max(xs) - min(xs) > 1000  # full-size pixels
    library.close()


class SizingPass(MemoryPass):
    """A pass that takes the file's bytes (FILE_BYTES) and decodes them itself, noting what it
    was given and what the decode budget held meanwhile."""

    name = "sizing"
    version = "size 1"
    side = FILE_BYTES
    label = "Sizing"
    doing = "sizing it"
    counted = CountNames("sized", "sizes", "size_failed", "size_seconds", "sized_rate")

    def __init__(self):
        super().__init__()
        self.given: dict[str, tuple[type, int]] = {}

    def open(self, config):
        def read(content):
            self.given[os.path.basename(content.path)] = (
                type(content.data),
                decode_budget.shared_budget().in_use,
            )
            with decode(content.data, max_pixels=10**8, name=content.path) as decoded:
                return decoded.image.size

        read.at_once = 2
        return read


def test_a_file_larger_than_the_budget_is_hashed_and_indexed_without_holding_it(
    config, tiny_embedder, tmp_path
):
    """decode_memory_mb 64: a file of up to 2 MB is read once and its bytes held in the budget
    (for the hash, the decode and the passes); a 200 MB TIFF (its first page, then zeros: a
    hole on disk) is hashed as it streams and read again from its path by the decode and by a
    pass that takes the file's bytes. Both are indexed under sha256 of their files, and the
    budget's own peak stays within it."""
    folder = tmp_path / "Scans"
    folder.mkdir()
    layered_tiff(folder / "layered.tif", 200 * MB)
    (folder / "small.jpg").write_bytes((TEST_DATA / "photos/food/coffee-cup.jpg").read_bytes())
    sizing = SizingPass()
    with registered(sizing):
        library = PhotoLibrary(
            dataclasses.replace(config, decode_memory_mb=64), embedder=tiny_embedder
        )
        budget = decode_budget.shared_budget()
        budget.reset_peak()
        summary = library.index([folder])
    assert summary.new == 2 and summary.failed == 0
    for name in ("layered.tif", "small.jpg"):
        photo = library.store.photo_by_path(str(folder / name))
        assert photo.content_hash == hashlib.sha256((folder / name).read_bytes()).hexdigest()
        reading = sizing.readings[(photo.content_hash, sizing.version)]
        assert reading.problem is None and reading.reading == (photo.width, photo.height)
    assert sizing.given["layered.tif"][0] is str  # its path: too large to hold
    kind, held = sizing.given["small.jpg"]
    assert kind is bytes and held >= (folder / "small.jpg").stat().st_size  # held in the budget
    assert budget.stats()["peak_mb"] <= 64 and budget.in_use == 0
