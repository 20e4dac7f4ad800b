"""(g) On a CUDA GPU: index throughput with ViT-B-32 (fp16) on 12-megapixel JPEGs and on 2 MP
ones (1600x1200, photos as messaging apps share them), against what each part does alone on
the same files in the same run: the model, the GPU's batch decoder, the CPU pool, and on 2 MP
also reading and hashing, and the store's decisions and commits. End to end with every decoder
at once (the default) and with `gpu_decode = false`; the share of files each decoder took;
the JPEG engines' use where `nvidia-smi dmon` reports it. Without CUDA it reports nothing,
unless PHOTOSEARCH_BENCH_GPU_ON_CPU=1 asks for a dry run of the script on the CPU (figures of
no meaning, every row labelled so)."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import torch

from photosearch.imaging.decoder import decode
from photosearch.imaging.gpu_decode import GpuJpegDecoder
from photosearch.imaging.photo_file import content_hash
from photosearch.indexing.indexer import Indexer
from photosearch.indexing.stage import FileResult, Job
from photosearch.indexing.thread_stage import ThreadStage
from photosearch.library import PhotoLibrary
from photosearch.model.embedder import Embedder
from photosearch.model.loading import load_model, parse_model
from photosearch.model.runtime.selection import select_engines

from .common import Row, config_for, random_checkpoint, stage_decoding, timed
from .indexing import make_photos

BATCH = 128
DRY_RUN = "PHOTOSEARCH_BENCH_GPU_ON_CPU"


def run(quick: bool, work: Path) -> list[Row]:
    if torch.cuda.is_available():
        device = "cuda"
    elif os.environ.get(DRY_RUN) == "1":
        device = "cpu"
    else:
        print(f"  (g) skipped: no CUDA GPU here ({DRY_RUN}=1 tries the script on the CPU)")
        return []
    dry = device == "cpu"
    model = random_checkpoint(work)
    settings = config_for(work / "gpu-data", model, device=device, batch_size=BATCH, ocr=False)
    settings = dataclasses.replace(settings, workers=os.cpu_count() or 8)
    loaded = load_model(parse_model(model, settings), settings, device)
    embedder = Embedder(loaded, device, select_engines(loaded, settings, device))
    card = torch.cuda.get_device_name(0) if not dry else "the CPU (dry run, no meaning)"
    bench = GpuBench(embedder, settings, work)
    rows = []
    for label, size, count in (
        ("12 MP", (4000, 3000), 128 if dry else 256 if quick else 2048),
        ("2 MP", (1600, 1200), 128 if dry else 1024 if quick else 4096),
    ):
        photos_dir = work / f"gpu-photos-{size[0]}x{size[1]}"
        photos_dir.mkdir(exist_ok=True)
        started = time.perf_counter()
        paths = make_photos(photos_dir, count, size)
        print(f"  {count} photos of {label} ready in {time.perf_counter() - started:.0f} s")
        name = f"(g) index {count} x {label} JPEG, ViT-B-32 {embedder.runtime} on {card}"
        rows += bench.rows(name, label, photos_dir, paths)
    return rows


class GpuBench:
    def __init__(self, embedder: Embedder, settings, work: Path):
        self.embedder = embedder
        self.settings = settings
        self.work = work
        self.device = embedder.device
        self.bound: float | None = None  # the model alone, whatever the photos' size

    def rows(self, name: str, label: str, photos_dir: Path, paths: list[Path]) -> list[Row]:
        if self.bound is None:
            self.bound = model_only(self.embedder, paths)
        gpu_alone = self.gpu_decoder_alone(paths[: BATCH * 8])
        cpu_alone = self.cpu_pool_alone(paths)
        both = gpu_alone + cpu_alone
        self.index(photos_dir, True)  # warm-up: page cache, nvjpeg and cuDNN start-up
        default, engines = max(
            (self.watched_index(photos_dir) for _ in range(2)), key=lambda pair: pair[0].speed
        )
        on_cpu = self.index(photos_dir, False)
        rows = [
            Row(name, f"M: model alone (batch {BATCH})", self.bound, "images/s"),
            Row(name, "G: GPU decoder alone (decode + preprocess)", gpu_alone, "images/s"),
            Row(name, "C: CPU pool alone (read, hash, decode, thumbnail)", cpu_alone, "images/s"),
            Row(name, "G + C: every decoder at once, at best", both, "images/s"),
        ]
        target_rate, target_name = both, "G + C"
        if label == "2 MP":
            reading = self.read_and_hash_alone(paths)
            store = self.store_alone(photos_dir, paths)
            rows += [
                Row(name, "R: read and hash alone", reading, "images/s"),
                Row(name, "S: store alone (walk, decide, commit)", store, "images/s"),
            ]
            stages = {"R": reading, "G + C": both, "M": self.bound, "S": store}
            target_name = min(stages, key=stages.get)
            target_rate = stages[target_name]
            rows.append(Row(name, f"slowest stage: {target_name}", target_rate, "images/s"))
        met = default.speed >= 0.9 * target_rate
        rows += [
            Row(
                name,
                "photosearch index, default (every decoder)",
                default.speed,
                "images/s",
                target_name,
                target_rate,
                ">= 0.90 x" if not self.dry else "",
                met if not self.dry else None,
            ),
            Row(name, "photosearch index, gpu_decode = false", on_cpu.speed, "images/s"),
            Row(name, "share of files the GPU decoded", default.share("gpu"), "fraction"),
            Row(name, "share of files the CPU pool decoded", default.share("cpu"), "fraction"),
        ]
        if engines is not None:
            rows.append(Row(name, "JPEG engines' use (nvidia-smi dmon, mean)", engines, "%"))
        return rows

    @property
    def dry(self) -> bool:
        return self.device != "cuda"

    def index(self, photos_dir: Path, gpu_decode: bool) -> Run:
        with tempfile.TemporaryDirectory(dir=self.work) as data_dir:
            config = dataclasses.replace(
                self.settings, data_dir=Path(data_dir), gpu_decode=gpu_decode
            )
            library = PhotoLibrary(config, embedder=self.embedder)
            summary = library.index([photos_dir])
            library.close()
        return Run(summary.embedded / summary.seconds, dict(summary.decoded))

    def watched_index(self, photos_dir: Path) -> tuple[Run, float | None]:
        with JpegEngineWatch() as engines:
            run = self.index(photos_dir, True)
        return run, engines.mean

    def gpu_decoder_alone(self, paths: list[Path]) -> float:
        """The batch decoder on bytes already in memory: decode, orient, resize, crop and
        normalise, thumbnails made."""
        decoder = GpuJpegDecoder.for_model(self.embedder.loaded.preprocess, self.device, 320)
        pending = [decoder.header(path.read_bytes(), 10**9) for path in paths]
        decoder.decode(pending[:BATCH])
        synchronise()
        batches = [pending[at : at + BATCH] for at in range(0, len(pending), BATCH)]
        seconds, _ = timed(lambda: [decoder.decode(batch) for batch in batches])
        synchronise()
        return len(pending) / seconds

    def cpu_pool_alone(self, paths: list[Path]) -> float:
        """The stage's CPU workers alone, as `gpu_decode = false` uses them, without the model."""
        return stage_decoding(self.embedder, self.settings, self.work, paths)[0]

    def read_and_hash_alone(self, paths: list[Path]) -> float:
        """The CPU workers reading and hashing: every content's vector counts as reusable,
        so nothing is decoded."""
        reusable = frozenset(content_hash(path.read_bytes()) for path in paths)
        return stage_decoding(self.embedder, self.settings, self.work, paths, reusable)[0]

    def store_alone(self, photos_dir: Path, paths: list[Path]) -> float:
        """An index run whose stage hands back answers made beforehand: the walk, the
        decisions, the commits and the vector index, nothing read or embedded."""
        stage = ThreadStage(self.embedder, self.settings, gpu=None)
        jobs = [Job(number, str(path), "") for number, path in enumerate(paths)]
        answers = {}
        for batch in stage.run(jobs, frozenset()):
            answers.update((jobs[result.number].path, result) for result in batch)
        with tempfile.TemporaryDirectory(dir=self.work) as data_dir:
            config = dataclasses.replace(self.settings, data_dir=Path(data_dir))
            library = PhotoLibrary(config, embedder=self.embedder)
            replay = Replay(answers, BATCH)
            indexer = Indexer(library.store, self.embedder, library.model, config, replay)
            summary = indexer.run([photos_dir])
            library.close()
        assert summary.embedded == len(paths), summary
        return summary.embedded / summary.seconds


@dataclasses.dataclass
class Run:
    speed: float
    decoded: dict[str, int]

    def share(self, decoder: str) -> float:
        total = sum(self.decoded.values())
        return self.decoded.get(decoder, 0) / total if total else 0.0


class Replay:
    """A stage that answers each job with the answer made for its path beforehand."""

    device, runtime, where = "replay", "replay", "in this process"

    def __init__(self, answers: dict[str, FileResult], batch: int):
        self.answers = answers
        self.batch = batch

    def run(self, jobs, reusable):
        for at in range(0, len(jobs), self.batch):
            yield [
                dataclasses.replace(self.answers[job.path], number=job.number)
                for job in jobs[at : at + self.batch]
            ]


class JpegEngineWatch:
    """The JPEG engines' use, sampled each second by `nvidia-smi dmon` while the block runs;
    mean is None where there is no nvidia-smi or it has no "jpg" column."""

    def __init__(self):
        self.mean: float | None = None
        self.samples: list[float] = []
        self.process = None

    def __enter__(self) -> JpegEngineWatch:
        command = shutil.which("nvidia-smi")
        if command:
            self.process = subprocess.Popen(
                [command, "dmon", "-s", "u", "-d", "1"],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            self.reader = threading.Thread(target=self._read, daemon=True)
            self.reader.start()
        return self

    def _read(self) -> None:
        column = None
        for line in self.process.stdout:
            fields = line.split()
            if line.startswith("#") and "jpg" in fields:
                column = fields.index("jpg") - 1  # "#" is a field of the header alone
            elif column is not None and not line.startswith("#") and len(fields) > column:
                with contextlib.suppress(ValueError):  # "-": not supported
                    self.samples.append(float(fields[column]))

    def __exit__(self, *exc) -> None:
        if self.process is None:
            return
        self.process.terminate()
        self.process.wait()
        self.reader.join(timeout=5)
        if self.samples:
            self.mean = sum(self.samples) / len(self.samples)


def synchronise() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def model_only(embedder: Embedder, paths: list[Path]) -> float:
    """Preprocessed tensors already on the device; only the model is timed."""
    one = embedder.preprocess(decode(paths[0].read_bytes(), max_pixels=10**9).image)
    pixels = one[None].repeat(BATCH, 1, 1, 1).to(embedder.device)
    for _ in range(3):
        embedder.embed_pixels(pixels)
    synchronise()
    rounds = 40 if embedder.device == "cuda" else 2
    started = time.perf_counter()
    for _ in range(rounds):
        embedder.embed_pixels(pixels)
    synchronise()
    return rounds * BATCH / (time.perf_counter() - started)
