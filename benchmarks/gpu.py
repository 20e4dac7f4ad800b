"""(g) On a CUDA GPU: end-to-end index throughput on 12-megapixel JPEGs with ViT-B-32 (fp16),
JPEGs decoded on the GPU (nvjpeg) against the model-only bound on the same card, and against
the same run with JPEGs decoded on the CPU. Without CUDA it reports nothing."""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from pathlib import Path

import torch

from photosearch.imaging.decoder import decode
from photosearch.imaging.gpu_decode import GpuJpegDecoder
from photosearch.library import PhotoLibrary
from photosearch.model.embedder import Embedder
from photosearch.model.loading import load_model, parse_model
from photosearch.model.runtime.selection import select_engines

from .common import Row, config_for, random_checkpoint
from .indexing import make_photos

BATCH = 128


def run(quick: bool, work: Path) -> list[Row]:
    if not torch.cuda.is_available():
        print("  (g) skipped: no CUDA GPU here")
        return []
    count = 256 if quick else 2048
    photos_dir = work / "big-photos"
    photos_dir.mkdir(exist_ok=True)
    started = time.perf_counter()
    paths = make_photos(photos_dir, count)
    print(f"  {count} photos ready in {time.perf_counter() - started:.0f} s")
    model = random_checkpoint(work)
    workers = os.cpu_count() or 8
    settings = config_for(work / "gpu-data", model, device="cuda", batch_size=BATCH, ocr=False)
    settings = dataclasses.replace(settings, workers=workers)
    loaded = load_model(parse_model(model, settings), settings, "cuda")
    embedder = Embedder(loaded, "cuda", select_engines(loaded, settings, "cuda"))
    card = torch.cuda.get_device_name(0)
    name = f"(g) index {count} x 12 MP JPEG, ViT-B-32 {embedder.runtime} on {card}"

    bound = model_only(embedder, paths)
    decode_only = gpu_decode_only(embedder, paths[: BATCH * 4])

    def index(gpu_decode: bool) -> float:
        with tempfile.TemporaryDirectory(dir=work) as data_dir:
            config = dataclasses.replace(settings, data_dir=Path(data_dir), gpu_decode=gpu_decode)
            library = PhotoLibrary(config, embedder=embedder)
            summary = library.index([photos_dir])
            library.close()
        assert summary.embedded == count, summary
        return summary.embedded / summary.seconds

    index(True)  # warm-up: page cache, nvjpeg and cuDNN start-up
    on_gpu = max(index(True), index(True))
    on_cpu = index(False)
    return [
        Row(name, f"model-only bound (batch {BATCH})", bound, "images/s"),
        Row(name, "GPU decode + preprocess only", decode_only, "images/s"),
        Row(
            name,
            "photosearch index, GPU decode",
            on_gpu,
            "images/s",
            "bound",
            bound,
            ">= 1,500 images/s and >= 0.90 x bound",
            on_gpu >= 1500 and on_gpu >= 0.9 * bound,
        ),
        Row(name, "photosearch index, CPU decode", on_cpu, "images/s", "GPU decode", on_gpu),
    ]


def model_only(embedder: Embedder, paths: list[Path]) -> float:
    """Preprocessed tensors already on the GPU; only the model is timed."""
    one = embedder.preprocess(decode(paths[0].read_bytes(), max_pixels=10**9).image)
    pixels = one[None].repeat(BATCH, 1, 1, 1).cuda()
    for _ in range(3):
        embedder.embed_pixels(pixels)
    torch.cuda.synchronize()
    rounds = 40
    started = time.perf_counter()
    for _ in range(rounds):
        embedder.embed_pixels(pixels)
    torch.cuda.synchronize()
    return rounds * BATCH / (time.perf_counter() - started)


def gpu_decode_only(embedder: Embedder, paths: list[Path]) -> float:
    """nvjpeg decode plus orientation, resize, crop and normalise, bytes already in memory."""
    decoder = GpuJpegDecoder.for_model(embedder.loaded.preprocess, "cuda", 320)
    pending = [decoder.header(path.read_bytes(), 10**9) for path in paths]
    decoder.decode(pending[:BATCH])
    torch.cuda.synchronize()
    started = time.perf_counter()
    for start in range(0, len(pending), BATCH):
        decoder.decode(pending[start : start + BATCH])
    torch.cuda.synchronize()
    return len(pending) / (time.perf_counter() - started)
