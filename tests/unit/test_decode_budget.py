"""The decode budget: bytes in flight never exceed it, waiting is first come first served and
never wedges, and the decoder plans within it (reduced scales, refusals, reduced results)."""

from __future__ import annotations

import gc
import io
import logging
import random
import threading
import time

import numpy as np
import pytest
from PIL import Image

from photosearch.imaging import budget as budget_module
from photosearch.imaging.budget import MB, DecodeBudget, auto_budget_mb
from photosearch.imaging.decoder import DecodeError, decode, decoded_size
from photosearch.imaging.planning import REDUCED_LONG_SIDE, plan

from ..sample_data import flat_png

GIANT = (15000, 13000)  # 195 MP, just under max_image_pixels


def run_threads(targets, timeout: float = 60) -> None:
    """Start one thread per callable, join them all; fail (not hang) if any is still stuck."""
    threads = [threading.Thread(target=target, daemon=True) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a request never got its turn"


def test_bytes_in_flight_never_exceed_the_budget():
    budget = DecodeBudget(100)
    in_flight, most, lock = [0], [0], threading.Lock()
    rng = random.Random(0)
    sizes = [rng.randint(1, 100) for _ in range(200)]

    def work(size):
        with budget.reserve(size):
            with lock:
                in_flight[0] += size
                most[0] = max(most[0], in_flight[0])
            time.sleep(0.001)
            with lock:
                in_flight[0] -= size

    run_threads([lambda s=size: work(s) for size in sizes])
    assert 100 >= most[0] > 100 // 2  # bounded, and not run one at a time either
    stats = budget.stats()
    assert stats["in_use_mb"] == 0 and stats["waiting"] == 0 and stats["waits"] > 0


def test_one_larger_than_the_budget_does_not_wedge_the_small_ones_behind_it():
    budget = DecodeBudget(100)
    first = budget.reserve(60)
    done = []
    started = threading.Event()

    def large():
        started.set()
        with budget.reserve(500, "giant.png"):  # more than all of it: alone, when it is empty
            done.append(("large", budget.stats()["in_use_mb"]))

    def small(n):
        with budget.reserve(10):
            done.append(("small", n))

    waiting = threading.Thread(target=large, daemon=True)
    waiting.start()
    started.wait()
    while budget.stats()["waiting"] < 1:
        time.sleep(0.001)
    smalls = [threading.Thread(target=small, args=(n,), daemon=True) for n in range(20)]
    for thread in smalls:
        thread.start()
    while budget.stats()["waiting"] < 21:
        time.sleep(0.001)
    assert done == []  # all wait: the large one is first in line, the small ones behind it
    first.release()
    for thread in [waiting, *smalls]:
        thread.join(30)
    assert not waiting.is_alive() and not any(thread.is_alive() for thread in smalls)
    assert done[0][0] == "large" and len(done) == 21  # first come, first served
    assert budget.stats()["in_use_mb"] == 0


def test_anything_proceeds_when_nothing_else_is_in_flight():
    budget = DecodeBudget(10)
    with budget.reserve(1000) as held:
        assert held.nbytes == 1000
    run_threads([lambda: budget.reserve(1000).release() for _ in range(5)])


def test_a_thread_holding_part_of_the_budget_never_waits_for_itself():
    budget = DecodeBudget(100)
    result = []

    def nested():
        with budget.reserve(80), budget.reserve(80):  # would wait forever for its own 80
            result.append(budget.stats()["in_use_mb"])

    run_threads([nested], timeout=10)
    assert result and budget.stats()["in_use_mb"] == 0


def test_threads_that_hold_bytes_and_wait_for_more_never_wait_for_each_other():
    """The text pass keeps its detection copy while it decodes the photo whole: two readers
    that both hold part of the budget and both want more than is left must not wait forever."""
    budget = DecodeBudget(130)
    both_hold = threading.Barrier(2)
    done = []

    def reader(n):
        with budget.reserve(60):
            both_hold.wait(10)
            with budget.reserve(60):  # 180 > 130: neither fits while the other holds
                done.append(n)

    run_threads([lambda n=n: reader(n) for n in range(2)], timeout=10)
    assert sorted(done) == [0, 1] and budget.stats()["in_use_mb"] == 0


def test_waiting_is_logged_once_a_run_with_the_photo_that_waits(caplog):
    budget = DecodeBudget(100 * MB)
    held = budget.reserve(90 * MB)
    caplog.set_level(logging.WARNING, logger=budget_module.__name__)
    threads = [
        threading.Thread(target=lambda n=n: budget.reserve(50 * MB, f"big-{n}.png").release())
        for n in range(3)
    ]
    for thread in threads:
        thread.start()
    while budget.stats()["waiting"] < 3:
        time.sleep(0.001)
    held.release()
    for thread in threads:
        thread.join(10)
    waits = [r.getMessage() for r in caplog.records if "waits for memory" in r.getMessage()]
    assert len(waits) == 1 and "big-" in waits[0] and "decode_memory_mb" in waits[0]
    assert budget.stats()["waits"] == 3
    # A new index run (a watcher's next one) logs its first wait again
    budget.log_next_wait()
    held = budget.reserve(90 * MB)
    waiting = threading.Thread(target=lambda: budget.reserve(50 * MB, "next.png").release())
    waiting.start()
    while budget.stats()["waiting"] < 1:
        time.sleep(0.001)
    held.release()
    waiting.join(10)
    waits = [r.getMessage() for r in caplog.records if "waits for memory" in r.getMessage()]
    assert len(waits) == 2 and "next.png" in waits[1]


def test_a_decoded_image_holds_its_bytes_until_it_is_collected_or_its_block_ends():
    budget = DecodeBudget(1 << 30)
    data = flat_png(400, 300)
    decoded = decode(data, max_pixels=10**9, min_side=1 << 30, budget=budget)
    assert budget.stats()["in_use_mb"] == pytest.approx(400 * 300 * 4 / MB, abs=0.1)
    del decoded
    gc.collect()
    assert budget.stats()["in_use_mb"] == 0
    with decode(data, max_pixels=10**9, budget=budget) as decoded:
        assert budget.stats()["in_use_mb"] > 0
        assert decoded.image.size == (400, 300)
    assert budget.stats()["in_use_mb"] == 0


@pytest.mark.parametrize(
    "memory_gb, expected_mb", [(24, 2048), (64, 2048), (8, 682), (4, 341), (2, 256)]
)
def test_the_automatic_budget_is_a_twelfth_of_the_memory_within_bounds(memory_gb, expected_mb):
    assert auto_budget_mb(memory_gb << 30) == expected_mb


def test_a_giant_png_is_planned_from_its_header_and_reduced_to_what_its_caller_needs():
    image = Image.open(io.BytesIO(flat_png(*GIANT)))
    for_the_model = plan(image, 224)
    assert for_the_model.size == GIANT and for_the_model.factor > 1
    # the pixels once (Pillow keeps RGB in 4 bytes), no full-size copies after them
    assert 195e6 * 4 <= for_the_model.peak <= 195e6 * 4 * 1.02
    at_full_size = plan(image, 1 << 30)  # the text pass: turned (perhaps) at full size
    assert at_full_size.factor == 1 and at_full_size.peak > for_the_model.peak
    with pytest.raises(DecodeError) as refused:
        plan(image, 224, limit=512 * MB)  # a PNG has no reduced scale to decode at
    assert refused.value.kind == "too_large"
    assert "512 MB" in refused.value.message and "decode_memory_mb" in refused.value.message


def test_a_large_png_decodes_reduced_within_a_budget_that_holds_it_once():
    budget = DecodeBudget(100 * MB)
    decoded = decode(flat_png(5000, 4000, (10, 200, 30)), max_pixels=10**9, budget=budget)
    width, height = decoded.image.size
    assert min(width, height) >= 224 and max(width, height) >= REDUCED_LONG_SIDE
    assert width * height < 5000 * 4000 / 100  # reduced before it was handed back
    assert (decoded.meta.width, decoded.meta.height) == (5000, 4000)  # the full size recorded
    assert decoded.image.getpixel((10, 10)) == (10, 200, 30)
    assert budget.stats()["peak_mb"] <= 100


@pytest.mark.parametrize(
    "colour, depth, expected",
    [
        ((0, 0, 255, 0), 8, (255, 255, 255)),  # transparent: white
        ((200, 100, 50, 255), 8, (200, 100, 50)),
        ((90, 255), 8, (90, 90, 90)),  # gray with alpha
        ((32768,), 16, (127, 127, 127)),  # 16-bit: scaled, not clipped
    ],
)
def test_reduced_decodes_convert_every_mode_as_full_ones_do(colour, depth, expected):
    data = flat_png(4800, 4000, colour, depth)
    reduced = decode(data, max_pixels=10**9, min_side=224, budget=DecodeBudget(1 << 30))
    assert reduced.image.size[0] < 4800 and reduced.image.mode == "RGB"
    assert reduced.image.getpixel((5, 5)) == expected


def test_an_exif_orientation_turns_a_reduced_decode_upright():
    exif = Image.Exif()
    exif[0x0112] = 6  # turn 90 degrees clockwise to view
    data = flat_png(6000, 4000, exif=exif)
    decoded = decode(data, max_pixels=10**9, budget=DecodeBudget(1 << 30))
    width, height = decoded.image.size
    assert height > width and width < 4000  # reduced, then turned: portrait
    assert (decoded.meta.width, decoded.meta.height) == (4000, 6000)
    turned = plan(Image.open(io.BytesIO(data)), 1 << 30)  # at full size: the turn is a copy
    assert (
        turned.peak
        > plan(Image.open(io.BytesIO(flat_png(4000, 6000, exif=Image.Exif()))), 1 << 30).peak
    )


def panorama_jpeg(width: int = 12000, height: int = 1500, **options) -> bytes:
    pixels = np.random.default_rng(0).integers(0, 256, (15, 120, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).resize((width, height)).save(buffer, "JPEG", quality=80, **options)
    return buffer.getvalue()


def test_a_jpeg_larger_than_the_budget_is_decoded_at_a_smaller_draft_scale():
    data = panorama_jpeg()  # 18 MP: 72 MB at full size
    budget = DecodeBudget(24 * MB)
    decoded = decode(data, max_pixels=10**9, min_side=1 << 30, budget=budget)  # full size asked
    assert decoded.image.size in [(6000, 750), (3000, 375)]  # 1/2 or 1/4, whatever fits
    assert budget.stats()["peak_mb"] <= 24
    progressive = panorama_jpeg(progressive=True)  # every coefficient is kept at full size
    with pytest.raises(DecodeError) as refused:
        decode(progressive, max_pixels=10**9, min_side=224, budget=DecodeBudget(16 * MB))
    assert refused.value.kind == "too_large" and "even at its smallest scale" in str(refused.value)


class ThumbnailedHeic:
    """Stands in for an opened HEIC with a 512x384 embedded thumbnail (pillow-heif cannot
    write one here); draft() switches to it, as pillow-heif's does."""

    format, mode, info = "HEIF", "RGB", {}

    def __init__(self):
        self.size = (8000, 6000)

    def getbands(self):
        return ("R", "G", "B")

    def getexif(self):
        return Image.Exif()

    def draft(self, mode, size):
        if size[0] > 512 or size[1] > 384 or self.size == (512, 384):
            return None
        self.size = (512, 384)
        return "RGB", (0, 0, 512, 384)


def test_a_heic_larger_than_the_budget_uses_its_embedded_thumbnail():
    assert plan(ThumbnailedHeic(), 224).size == (8000, 6000)  # within budget: the image
    chosen = plan(ThumbnailedHeic(), 224, limit=64 * MB)
    assert chosen.size == (512, 384) and chosen.peak <= 64 * MB


def test_many_threads_decoding_large_pngs_stay_within_the_budget():
    budget = DecodeBudget(64 * MB)
    data = flat_png(3000, 2500)  # 30 MB decoded: two at a time
    sizes = []
    run_threads(
        [
            lambda: sizes.append(decode(data, max_pixels=10**9, budget=budget).image.size)
            for _ in range(8)
        ]
    )
    assert sizes == [(3000, 2500)] * 8  # under REDUCE_ABOVE_PIXELS: as decoded
    stats = budget.stats()
    assert stats["peak_mb"] <= 64 and stats["waits"] > 0 and stats["in_use_mb"] == 0


def test_an_upload_is_measured_at_the_size_it_decodes_at():
    assert decoded_size(flat_png(*GIANT), min_side=224) == GIANT
    assert decoded_size(panorama_jpeg(), min_side=224) == (3000, 375)  # at 1/4
    assert decoded_size(panorama_jpeg(progressive=True), min_side=224) == (3000, 375)
    assert decoded_size(b"not an image", min_side=224) is None


def test_a_floating_point_tiff_decodes_to_rgb():
    buffer = io.BytesIO()
    Image.new("F", (64, 48), 0.5).save(buffer, "TIFF")
    decoded = decode(buffer.getvalue(), max_pixels=10**9, budget=DecodeBudget(1 << 30))
    assert decoded.image.mode == "RGB" and decoded.image.getpixel((0, 0)) == (127, 127, 127)
