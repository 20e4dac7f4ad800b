"""(a) Index throughput on 12-megapixel JPEGs with ViT-B-32's compute (random weights):
photosearch's indexer against the model-only bound and a naive sequential indexer."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps

from photosearch.decoder import decode
from photosearch.embedder import Embedder
from photosearch.library import PhotoLibrary
from photosearch.models import load_model, parse_model, resolve_device

from .common import SHARED_DATA, Row, config_for, random_checkpoint, timed


def make_photos(directory: Path, count: int) -> list[Path]:
    """12 MP JPEGs (4000x3000, quality 92) made from the shared photos plus sensor-like noise."""
    sources = sorted((SHARED_DATA / "photos").rglob("*.jpg"))
    noise = np.random.default_rng(0).normal(0, 6, (3000, 4000, 3)).astype(np.int16)
    paths = []
    for number in range(count):
        path = directory / f"IMG_{number:04d}.jpg"
        if not path.exists():
            base = Image.open(sources[number % len(sources)]).convert("RGB")
            big = np.asarray(base.resize((4000, 3000), Image.BICUBIC), dtype=np.int16)
            shifted = np.roll(noise, number * 37, axis=1)
            pixels = np.clip(big + shifted, 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(path, "JPEG", quality=92)
        paths.append(path)
    return paths


def naive_read(path: Path, embedder: Embedder) -> torch.Tensor:
    """What a first indexer does: decode every pixel, then let the model's transform shrink it."""
    with Image.open(io.BytesIO(path.read_bytes())) as image:
        image.load()
        return embedder.preprocess(ImageOps.exif_transpose(image).convert("RGB"))


def run(quick: bool, work: Path) -> list[Row]:
    count = 24 if quick else 128
    photos_dir = work / "big-photos"
    photos_dir.mkdir(exist_ok=True)
    paths = make_photos(photos_dir, count)
    model = random_checkpoint(work)
    config = config_for(work / "unused", model)
    device = resolve_device(config.device)
    embedder = Embedder(load_model(parse_model(model, config), config, device), device)
    batch = config.batch_size

    # Model-only bound: tensors decoded beforehand, only encoding is timed.
    pixels = [
        embedder.preprocess(decode(p.read_bytes(), max_pixels=10**9, min_side=224).image)
        for p in paths
    ]
    embedder.embed_pixels(torch.stack(pixels[:batch]))  # warm-up
    bound_seconds, _ = timed(
        lambda: [
            embedder.embed_pixels(torch.stack(pixels[i : i + batch]))
            for i in range(0, len(pixels), batch)
        ]
    )
    bound = count / bound_seconds

    def naive() -> None:
        tensors = []
        for path in paths:
            tensors.append(naive_read(path, embedder))
            if len(tensors) == batch:
                embedder.embed_pixels(torch.stack(tensors))
                tensors = []
        if tensors:
            embedder.embed_pixels(torch.stack(tensors))

    naive_seconds, _ = timed(naive)
    naive_rate = count / naive_seconds

    with tempfile.TemporaryDirectory(dir=work) as data_dir:
        library = PhotoLibrary(config_for(Path(data_dir), model), embedder=embedder)
        summary = library.index([photos_dir])
        library.close()
    ours = summary.embedded / summary.seconds
    name = f"index {count} x 12 MP JPEG, ViT-B-32 on {device}"
    return [
        Row(name, "model-only bound", bound, "images/s"),
        Row(name, "naive: sequential full decode", naive_rate, "images/s", "bound", bound),
        Row(
            name,
            "photosearch index",
            ours,
            "images/s",
            "bound",
            bound,
            ">= 0.90 x bound",
            ours >= 0.9 * bound,
        ),
        Row(name, "photosearch vs naive", ours, "images/s", "naive", naive_rate),
    ]
