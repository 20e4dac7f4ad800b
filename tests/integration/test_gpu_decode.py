"""The GPU decoding path. torchvision's decoder runs on the CPU too, so everything but the
device itself is tested here: orientation, preprocessing close to the CPU path's, fallbacks
to the CPU decoder with the same recorded errors, and the indexer's batching. The CUDA test
skips where there is no GPU."""

from __future__ import annotations

import dataclasses
import io

import numpy as np
import pytest
import torch
from PIL import Image, ImageOps

from photosearch.imaging.decoder import decode
from photosearch.imaging.gpu_decode import GpuJpegDecoder, orient
from photosearch.imaging.thumbnails import cache_path, thumbnail
from photosearch.indexing.indexer import Indexer
from photosearch.library import PhotoLibrary

from ..conftest import TEST_DATA

JPEGS = [
    "photos/animals/chelsea-the-cat.jpg",
    "edge/orientation-6.jpg",
    "edge/grayscale.jpg",
    "edge/big-12mp.jpg",
]


def cpu_decoder(embedder, thumbnail_size: int = 320) -> GpuJpegDecoder:
    decoder = GpuJpegDecoder.for_model(embedder.loaded.preprocess, "cpu", thumbnail_size)
    assert decoder is not None
    return decoder


@pytest.mark.parametrize("orientation", range(1, 9))
def test_orientation_matches_pils_exif_transpose(orientation):
    pixels = np.random.default_rng(orientation).integers(0, 255, (5, 7, 3), dtype=np.uint8)
    image = Image.fromarray(pixels)
    exif = image.getexif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    image.save(buffer, "PNG", exif=exif)
    expected = np.asarray(ImageOps.exif_transpose(Image.open(buffer)))
    tensor = torch.from_numpy(pixels).permute(2, 0, 1)
    np.testing.assert_array_equal(orient(tensor, orientation).permute(1, 2, 0).numpy(), expected)


def test_pixels_close_to_the_cpu_path(tiny_embedder):
    decoder = cpu_decoder(tiny_embedder)
    pending = [decoder.header((TEST_DATA / p).read_bytes(), 10**9) for p in JPEGS]
    assert all(pending)
    results = decoder.decode(pending)
    for path, result in zip(JPEGS, results, strict=True):
        cpu = tiny_embedder.preprocess(
            decode((TEST_DATA / path).read_bytes(), max_pixels=10**9, min_side=64).image
        )
        assert result.pixels.shape == cpu.shape
        assert (result.pixels - cpu).abs().mean() < 0.1, path  # resampling differs a little
        gpu_vector, cpu_vector = tiny_embedder.embed_pixels(torch.stack([result.pixels, cpu]))
        assert float(gpu_vector @ cpu_vector) > 0.99


def test_what_the_gpu_should_not_try_goes_to_the_cpu(tiny_embedder):
    decoder = cpu_decoder(tiny_embedder)
    assert decoder.header((TEST_DATA / "edge/cmyk.jpg").read_bytes(), 10**9) is None
    assert decoder.header((TEST_DATA / "bad/random-bytes.jpg").read_bytes(), 10**9) is None
    big = (TEST_DATA / "edge/big-12mp.jpg").read_bytes()
    assert decoder.header(big, max_pixels=1000) is None  # the CPU decoder says too_large
    assert not decoder.accepts((TEST_DATA / "photos/people/cameraman.png").read_bytes())
    progressive = io.BytesIO()
    Image.open(TEST_DATA / JPEGS[0]).save(progressive, "JPEG", progressive=True)
    assert decoder.header(progressive.getvalue(), 10**9) is None  # decoded at a reduced scale
    assert decoder.header((TEST_DATA / JPEGS[0]).read_bytes(), 10**9) is not None


def test_indexer_with_gpu_decoding_matches_the_cpu_path(config, tiny_embedder, photo_tree):
    """The whole hostile tree through the decode scheduler with the GPU decoder (here on the
    CPU) beside the CPU pool: same photos, same failures with the same reasons, each JPEG
    decoded once by one of them, vectors close to the CPU path's, thumbnails saved."""
    cpu_library = PhotoLibrary(config, embedder=tiny_embedder)
    expected = cpu_library.index([photo_tree])
    expected_failures = {(f.path, f.kind) for f in cpu_library.store.failures()}
    gpu_config = dataclasses.replace(config, data_dir=config.data_dir.parent / "gpu", batch_size=4)
    library = PhotoLibrary(gpu_config, embedder=tiny_embedder)
    indexer = Indexer(library.store, tiny_embedder, library.model, gpu_config)
    indexer.gpu = cpu_decoder(tiny_embedder)
    decoded_on_gpu = []
    original = indexer.gpu.decode
    indexer.gpu.decode = lambda batch: decoded_on_gpu.extend(batch) or original(batch)
    summary = indexer.run([photo_tree])
    assert (summary.new, summary.failed, summary.embedded) == (
        expected.new,
        expected.failed,
        expected.embedded,
    )
    assert decoded_on_gpu  # the first JPEG read finds the GPU with room
    # The summary counts who decoded what: the same files, shared between the two
    assert set(expected.decoded) == {"cpu"} and summary.decoded["gpu"] >= 1
    assert sum(summary.decoded.values()) == expected.decoded["cpu"]
    on_gpu = [item.data for item in decoded_on_gpu]
    assert len(on_gpu) == len(set(on_gpu))  # none twice
    assert {(f.path, f.kind) for f in library.store.failures()} == expected_failures
    for path in JPEGS:
        gpu_photo = library.store.photo_by_path(str(photo_tree / path))
        cpu_photo = cpu_library.store.photo_by_path(str(photo_tree / path))
        assert (gpu_photo.width, gpu_photo.height) == (cpu_photo.width, cpu_photo.height)
        gpu_vector = library.store.vector(gpu_photo.id, library.model.id)
        cpu_vector = cpu_library.store.vector(cpu_photo.id, cpu_library.model.id)
        assert float(gpu_vector @ cpu_vector) > 0.99
        # A GPU decode saves the thumbnail; the CPU's draft decode for this tiny model (64 px)
        # is too small for one and leaves it to the web.
        if (photo_tree / path).read_bytes() in on_gpu:
            thumb = Image.open(cache_path(gpu_config, gpu_photo.content_hash, 320))
            web = Image.open(thumbnail(cpu_photo, 320, config))  # as the web makes it
            assert thumb.size == web.size
    cpu_library.close()
    library.close()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_decoding_matches_the_cpu_decoder(tiny_embedder):
    cuda = GpuJpegDecoder.for_model(tiny_embedder.loaded.preprocess, "cuda", 320)
    cpu = cpu_decoder(tiny_embedder)
    pending = [cpu.header((TEST_DATA / p).read_bytes(), 10**9) for p in JPEGS]
    for on_gpu, on_cpu in zip(cuda.decode(pending), cpu.decode(pending), strict=True):
        assert on_gpu.pixels.device.type == "cuda"
        assert (on_gpu.pixels.cpu() - on_cpu.pixels).abs().mean() < 0.05


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_stage_uses_every_decoder_at_once(config, tiny_embedder, photo_tree):
    """On CUDA: the thread stage's scheduler decodes JPEGs on the GPU and the rest (and JPEGs
    while the GPU is full) on the CPU, each once, with the CPU path's failures."""
    from photosearch.indexing.stage import Job
    from photosearch.indexing.thread_stage import ThreadStage

    cuda = GpuJpegDecoder.for_model(tiny_embedder.loaded.preprocess, "cuda", 320)
    files = sorted(p for p in photo_tree.rglob("*") if p.is_file())
    jobs = [Job(number, str(path), "") for number, path in enumerate(files)]
    stage = ThreadStage(tiny_embedder, dataclasses.replace(config, batch_size=4), cuda)
    with stage.new_scheduler() as scheduler:
        stage.scheduler = scheduler
        reads = list(stage.decoded(jobs, frozenset()))
    assert sorted(read.result.number for read in reads) == list(range(len(jobs)))
    assert scheduler.shares["gpu"] >= 1
    on_gpu = [read for read in reads if read.result.decoder == "gpu"]
    assert all(read.pixels.device.type == "cuda" for read in on_gpu)
    assert all(files[read.result.number].suffix.lower() in (".jpg", ".jpeg") for read in on_gpu)
