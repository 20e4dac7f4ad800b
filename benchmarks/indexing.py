"""(a) Model-only images/s of each runtime and precision against eager fp32 torch, with the
cosine of each one's embeddings to eager fp32; (b) end-to-end index of 12-megapixel JPEGs with
the default runtime against eager fp32 torch (`--runtime torch --precision fp32`), against a
naive sequential indexer, and against the shared-core bound of its two stages measured alone
on the same files (D: the CPU pool, M: the model). ViT-B-32's compute with random weights."""

from __future__ import annotations

import dataclasses
import io
import tempfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps

from photosearch.imaging.decoder import decode
from photosearch.library import PhotoLibrary
from photosearch.model.embedder import Embedder
from photosearch.model.loading import load_model, parse_model, resolve_device
from photosearch.model.runtime.selection import select_engines
from tests.sample_data import album_jpegs

from .common import Row, config_for, random_checkpoint, stage_decoding, timed

RUNTIMES = [("torch", "bf16"), ("onnx", "fp32"), ("onnx", "int8")]
COSINE_TARGET = 0.999


def make_photos(directory: Path, count: int, size: tuple[int, int] = (4000, 3000)) -> list[Path]:
    """JPEGs of `size` (12 MP unless told, quality 92) of the sample album photos plus
    sensor-like noise. Past the first 32, each is a copy of one of those with its own JPEG
    comment: other bytes (so it is hashed, decoded and embedded like a new photo), the same
    pixels, quickly made."""
    sources = album_jpegs()
    noise = None
    paths = []
    for number in range(count):
        path = directory / f"IMG_{number:05d}.jpg"
        if not path.exists() and number < 32:
            if noise is None:
                noise = np.random.default_rng(0).normal(0, 6, (size[1], size[0], 3))
                noise = noise.astype(np.int16)
            base = sources[number % len(sources)].convert("RGB")
            big = np.asarray(base.resize(size, Image.BICUBIC), dtype=np.int16)
            shifted = np.roll(noise, number * 37, axis=1)
            pixels = np.clip(big + shifted, 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(path, "JPEG", quality=92)
        elif not path.exists():
            data = paths[number % 32].read_bytes()
            comment = f"copy {number}".encode()
            marker = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
            path.write_bytes(data[:2] + marker + data[2:])  # right after the SOI marker
        paths.append(path)
    return paths


def naive_read(path: Path, embedder: Embedder) -> torch.Tensor:
    """What a first indexer does: decode every pixel, then let the model's transform shrink it."""
    with Image.open(io.BytesIO(path.read_bytes())) as image:
        image.load()
        return embedder.preprocess(ImageOps.exif_transpose(image).convert("RGB"))


def encode_all(embedder: Embedder, pixels: list[torch.Tensor], batch: int) -> np.ndarray:
    return np.concatenate(
        [
            embedder.embed_pixels(torch.stack(pixels[i : i + batch]))
            for i in range(0, len(pixels), batch)
        ]
    )


def run(quick: bool, work: Path) -> list[Row]:
    count = 32 if quick else 128
    photos_dir = work / "big-photos"
    photos_dir.mkdir(exist_ok=True)
    paths = make_photos(photos_dir, count)
    model = random_checkpoint(work)
    settings = config_for(work / "runtime-data", model)
    device = resolve_device(settings.device)
    loaded = load_model(parse_model(model, settings), settings, device)
    eager = Embedder(loaded, device)
    default = Embedder(loaded, device, select_engines(loaded, settings, device))
    batch = settings.batch_size
    rows = model_only(loaded, eager, default, paths, settings, device, batch)
    rows += end_to_end(eager, default, paths, photos_dir, model, work, count)
    return rows


def model_only(loaded, eager, default, paths, settings, device, batch) -> list[Row]:
    """(a) Tensors decoded beforehand; only encoding is timed."""
    pixels = [
        eager.preprocess(decode(p.read_bytes(), max_pixels=10**9, min_side=224).image)
        for p in paths[:64]
    ]
    name = f"(a) model only, ViT-B-32 on {device}, {len(pixels)} images in batches of {batch}"
    embedders = [("eager torch fp32", eager), (f"default: {default.runtime}", default)]
    if device == "cpu":
        for runtime, precision in RUNTIMES:
            config = dataclasses.replace(settings, runtime=runtime, precision=precision)
            engines = select_engines(loaded, config, device)
            embedders.append((f"{runtime} {precision}", Embedder(loaded, device, engines)))
    for _, embedder in embedders:
        encode_all(embedder, pixels[:batch], batch)  # warm-up
    rates = {}
    for _ in range(2):  # take turns, so a busy moment of the machine hurts all alike
        for label, embedder in embedders:
            seconds, vectors = timed(encode_all, embedder, pixels, batch)
            best = rates.get(label, (0.0, None))[0]
            rates[label] = (max(best, len(pixels) / seconds), vectors)
    base_rate, base_vectors = rates["eager torch fp32"]
    rows = [Row(name, "eager torch fp32 images/s", base_rate, "images/s")]
    for label, (rate, vectors) in rates.items():
        if label == "eager torch fp32":
            continue
        cosine = float((vectors * base_vectors).sum(axis=1).min())
        default_row = label.startswith("default")
        target = ">= 3.0 x, cosine >= 0.999" if default_row else ""
        met = (rate >= 3.0 * base_rate and cosine >= COSINE_TARGET) if default_row else None
        if device == "cuda":
            target, met = "", None
        rows.append(
            Row(name, f"{label} images/s", rate, "images/s", "eager fp32", base_rate, target, met)
        )
        rows.append(Row(name, f"{label} lowest cosine to eager fp32", cosine, "cosine"))
    return rows


def end_to_end(eager, default, paths, photos_dir, model, work, count) -> list[Row]:
    """(b) Whole index runs on fresh data dirs: the default runtime against eager fp32 torch
    and against the shared-core bound 1/(1/D + 1/M) of the same files, where D is the CPU
    pool alone (read, hash, decode, thumbnail; no model) and M the model alone; alternating,
    best of two each; and a naive sequential indexer. OCR is off: (m) measures the text pass."""
    batch = 32

    def naive() -> None:
        tensors = []
        for path in paths:
            tensors.append(naive_read(path, eager))
            if len(tensors) == batch:
                eager.embed_pixels(torch.stack(tensors))
                tensors = []
        if tensors:
            eager.embed_pixels(torch.stack(tensors))

    def index(embedder: Embedder) -> float:
        with tempfile.TemporaryDirectory(dir=work) as data_dir:
            library = PhotoLibrary(config_for(Path(data_dir), model, ocr=False), embedder=embedder)
            summary = library.index([photos_dir])
            library.close()
        assert summary.embedded == count
        return summary.embedded / summary.seconds

    rates = {"eager": 0.0, "default": 0.0, "D": 0.0, "M": 0.0}
    for _ in range(2):  # take turns, so a busy moment of the machine hurts all alike
        # D: the CPU pool alone; its pixels, for the model alone
        config = config_for(work, model, ocr=False)
        decode_rate, pixels = stage_decoding(default, config, work, paths, keep=True)
        assert len(pixels) == count and all(p is not None for p in pixels)
        rates["D"] = max(rates["D"], decode_rate)
        encode_all(default, pixels[:batch], batch)  # warm-up
        seconds, _ = timed(encode_all, default, pixels, batch)
        rates["M"] = max(rates["M"], len(pixels) / seconds)
        rates["eager"] = max(rates["eager"], index(eager))
        rates["default"] = max(rates["default"], index(default))
    naive_seconds, _ = timed(naive)
    naive_rate = count / naive_seconds
    bound = 1 / (1 / rates["D"] + 1 / rates["M"])
    on_cpu = eager.device == "cpu"  # on a GPU the model does not share the decoders' cores
    name = f"(b) index {count} x 12 MP JPEG, ViT-B-32 on {eager.device}, thumbnails on"
    eager_label = "photosearch index, --runtime torch --precision fp32"
    default_label = f"photosearch index, default ({default.runtime})"
    return [
        Row(name, "naive: sequential full decode, eager fp32", naive_rate, "images/s"),
        Row(name, eager_label, rates["eager"], "images/s", "naive", naive_rate),
        Row(
            name,
            default_label,
            rates["default"],
            "images/s",
            "--runtime torch",
            rates["eager"],
            ">= 1.6 x" if on_cpu else "",
            rates["default"] >= 1.6 * rates["eager"] if on_cpu else None,
        ),
        Row(name, "D: CPU pool alone (read, hash, decode, thumbnail)", rates["D"], "images/s"),
        Row(name, f"M: model alone ({default.runtime})", rates["M"], "images/s"),
        Row(name, "shared-core bound 1/(1/D + 1/M)", bound, "images/s"),
        Row(
            name,
            f"{default_label} against the bound",
            rates["default"],
            "images/s",
            "bound",
            bound,
            ">= 0.90 x" if on_cpu else "",
            rates["default"] >= 0.9 * bound if on_cpu else None,
        ),
    ]
