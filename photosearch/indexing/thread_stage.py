"""The stage in this process: the decode scheduler's workers (and the GPU's batch decoder, on
CUDA) read, hash and decode (a video: its kept scenes, see scenes); the thread that iterates the
run embeds. The content passes run on worker threads of their own (pass_work)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..config import Config
from ..imaging.budget import MB
from ..imaging.decoder import DecodeError, decode
from ..imaging.formats import is_video_path
from ..imaging.photo_file import PhotoFile, read_photo
from ..imaging.thumbnails import SIZES, ThumbnailSaver
from ..model.lazy_embedder import LazyEmbedder
from .decode_scheduler import DecodeScheduler, Read
from .pass_work import PassWork
from .problem import Problem
from .scenes import SECONDS_PER_MB, read_scenes
from .stage import FileResult, Job, PassJob, PassResult

if TYPE_CHECKING:  # torch and the model load only when a file needs embedding
    from ..imaging.gpu_decode import GpuJpegDecoder
    from ..model.embedder import Embedder
    from .content_pass import ContentPass

AUTO = object()  # a GPU decoder to be made when first needed
# A batch also closes after this many times batch_size answers without an image (touched or
# failed files), so a long run of them still commits as it goes.
ANSWERS_PER_IMAGE_BATCH = 8


def gpu_decoder(embedder: Embedder, config: Config) -> GpuJpegDecoder | None:
    """JPEGs decoded on the GPU in batches, when the model runs on CUDA and gpu_decode is on."""
    if not config.gpu_decode or config.device == "cpu" or embedder.device != "cuda":
        return None
    from ..imaging.gpu_decode import GpuJpegDecoder

    thumbnail_size = SIZES["thumbnail"] if config.thumbnails_at_index else 0
    return GpuJpegDecoder.for_model(embedder.loaded.preprocess, embedder.device, thumbnail_size)


class ThreadStage:
    """The stage in one process: files are read, hashed and decoded by the decode scheduler
    (its CPU workers, and the GPU's batch decoder when there is one) and embedded on the
    thread that iterates the run, batch_size images per model call. A Ray actor runs one too,
    with its host named in read errors, keeping one scheduler for all its batches."""

    def __init__(
        self,
        embedder: Embedder | LazyEmbedder,
        config: Config,
        gpu: GpuJpegDecoder | None | object = AUTO,
        host: str = "",
        keep_scheduler: bool = False,
    ):
        self.embedder = embedder  # a LazyEmbedder is loaded by the first file to decode
        self.config = config
        self._gpu = gpu  # AUTO: made from the embedder when a file first needs decoding
        self._lock = threading.Lock()
        self.host = host
        self.on_host = f" (on {host})" if host else ""  # read errors say where they happened
        self.where = f"on {host}" if host else "in this process"
        # One for every run (the actor's runs overlap on it); None: one per run
        self.scheduler = self.new_scheduler() if keep_scheduler else None

    @property
    def gpu(self) -> GpuJpegDecoder | None:
        if self._gpu is AUTO:
            with self._lock:
                if self._gpu is AUTO:
                    self._gpu = gpu_decoder(self.embedder, self.config)
        return self._gpu

    @property
    def device(self) -> str:
        return self.embedder.device if self.embedder.is_loaded else ""

    @property
    def runtime(self) -> str:
        loaded = self.embedder.is_loaded
        return self.embedder.image_runtime if loaded else "model not loaded: nothing to embed"

    def run(self, jobs: Sequence[Job], reusable: frozenset[str]) -> Iterator[list[FileResult]]:
        """Answers in batches of batch_size images, embedded while the workers decode the next
        ones (and, through the Indexer, while the previous batch is committed)."""
        embedded: set[str] = set()  # contents embedded in this run
        size = self.config.batch_size
        batch: list[Read] = []
        images = 0
        for read in self.decoded(jobs, reusable):
            batch.append(read)
            images += 0 if read.pixels is None else _image_count(read.pixels)
            if images >= size or len(batch) >= ANSWERS_PER_IMAGE_BATCH * size:
                yield self._embedded(batch, embedded)
                batch, images = [], 0
        if batch:
            yield self._embedded(batch, embedded)

    def decoded(self, jobs: Sequence[Job], reusable: frozenset[str]) -> Iterator[Read]:
        """Every job read, hashed and, unless its content's vector can be reused, decoded (and
        its thumbnail saved), as they are done: everything but the model."""
        files = _Files(self, reusable)
        in_flight = max(64, 2 * self.config.batch_size)
        if self.scheduler is not None:  # kept between runs (a Ray actor's)
            yield from self.scheduler.decoded(jobs, files, in_flight)
            return
        with self.new_scheduler() as scheduler:
            yield from scheduler.decoded(jobs, files, in_flight)

    def new_scheduler(self) -> DecodeScheduler:
        """The CPU pool, with the GPU's batch decoder where there is one."""
        return DecodeScheduler(
            self.config.decode_workers,
            lambda: self.gpu,
            self.config.batch_size,
            self.config.decode_timeout or None,
        )

    def _read(self, job: Job, reusable: frozenset[str]) -> tuple[Read, PhotoFile | None]:
        """Runs in a worker thread: read once (a small file's bytes held in the decode budget;
        a large one's streamed, see imaging.photo_file) and hash; the file is left to decode
        unless a vector can be reused."""
        read = Read(FileResult(job.number), job.path)
        result = read.result
        try:
            file = read_photo(job.path)
        except FileNotFoundError:
            result.error = Problem("vanished", self._not_found())
            return read, None
        except OSError as exc:
            result.error = Problem("unreadable", (exc.strerror or str(exc)) + self.on_host)
            return read, None
        result.size, result.mtime_ns = file.size, file.mtime_ns
        result.content_hash = file.content_hash
        if result.content_hash == job.indexed_hash or result.content_hash in reusable:
            file.release()
            return read, None  # touched, not changed; or a move or copy of an embedded photo
        return read, file

    def _not_found(self) -> str:
        if not self.host:
            return "deleted after it was listed"
        return f"not found on {self.host} (is the folder mounted at the same path there?)"

    def _decode_on_cpu(self, read: Read, file: PhotoFile, thumbnails: ThumbnailSaver) -> None:
        result = read.result
        if is_video_path(read.path):
            self._read_video(read, thumbnails)
            return
        try:
            decoded = decode(
                file.source,
                max_pixels=self.config.max_image_pixels,
                min_side=self.embedder.image_size,
                name=read.path,
            )
            result.meta = decoded.meta
            read.pixels = self.embedder.preprocess(decoded.image)
            thumbnails.save(result.content_hash, decoded)
        except DecodeError as exc:
            result.error = Problem(exc.kind, exc.message)
        except Exception as exc:  # noqa: BLE001 - one bad file must never stop the run
            result.error = Problem("corrupt", f"{type(exc).__name__}: {exc}")

    def _read_video(self, read: Read, thumbnails: ThumbnailSaver) -> None:
        """A video's facts and kept scenes, by its path (the reader seeks in it)."""
        from ..video import VideoError

        result = read.result
        try:
            scenes = read_scenes(
                read.path, result.content_hash, self.embedder.preprocess, thumbnails
            )
        except VideoError as exc:
            result.error = Problem(exc.kind, exc.message)
            return
        except Exception as exc:  # noqa: BLE001 - one bad file must never stop the run
            result.error = Problem("corrupt", f"{type(exc).__name__}: {exc}")
            return
        result.meta, result.seconds, read.pixels = scenes.meta, scenes.seconds, scenes.pixels

    def time_allowed(self, job: Job) -> float | None:
        """How long a file may take to read and decode: a video longer, by its size."""
        limit = self.config.decode_timeout or None
        if limit and is_video_path(job.path):
            return limit + SECONDS_PER_MB * job.size / MB
        return limit

    def _embedded(self, reads: list[Read], embedded: set[str]) -> list[FileResult]:
        """One model call for the batch's images. Identical contents go through it once, and
        contents embedded in an earlier batch of this run not again: the Indexer decides on
        this batch only after committing that one, so it reuses their vector."""
        firsts: dict[str, Read] = {}
        for read in reads:
            digest = read.result.content_hash
            if read.pixels is not None and digest not in embedded:
                firsts.setdefault(digest, read)
        vector_of = {}
        if firsts:
            device = self.gpu.device if self.gpu else "cpu"  # CPU fallbacks join GPU decodes
            import torch

            stacks = [_stacked(read.pixels).to(device) for read in firsts.values()]
            vectors = self.embedder.embed_pixels(torch.cat(stacks))
            bounds = np.cumsum([0] + [len(stack) for stack in stacks])
            for (digest, read), start, end in zip(firsts.items(), bounds, bounds[1:], strict=False):
                vector_of[digest] = vectors[start:end] if read.result.seconds else vectors[start]
            embedded.update(vector_of)
        for read in reads:
            if read.pixels is not None:
                read.result.vector = vector_of.get(read.result.content_hash)
                read.result.fresh = firsts.get(read.result.content_hash) is read
        return [read.result for read in reads]

    def run_passes(
        self, jobs: Sequence[PassJob], passes: Sequence[ContentPass]
    ) -> Iterator[list[PassResult]]:
        """Each photo read once for its passes, on worker threads of their own, as many at
        once as the passes read well on this machine's cores."""
        yield from PassWork(self.config, passes, self.host).results(jobs)

    def _timed_out(self, job: Job) -> Read:
        limit = self.config.decode_timeout
        message = f"reading and decoding took longer than {limit} s (decode_timeout); skipped"
        return Read(FileResult(job.number, error=Problem("timeout", message)))


class _Files:
    """One run's files, as the decode scheduler's workers handle them."""

    def __init__(self, stage: ThreadStage, reusable: frozenset[str]):
        self.stage = stage
        self.reusable = reusable
        self.max_pixels = stage.config.max_image_pixels
        self.thumbnails = ThumbnailSaver(stage.config)

    def read(self, job: Job) -> tuple[Read, PhotoFile | None]:
        return self.stage._read(job, self.reusable)

    def decode(self, read: Read, file: PhotoFile) -> None:
        self.stage._decode_on_cpu(read, file, self.thumbnails)

    def save_encoded(self, thumbnails: list) -> None:
        self.thumbnails.save_encoded(thumbnails)

    def timed_out(self, job: Job) -> Read:
        return self.stage._timed_out(job)

    def time_allowed(self, job: Job) -> float | None:
        return self.stage.time_allowed(job)


def _image_count(pixels) -> int:
    """Images in a read's pixels: a photo's one (3, h, w), a video's scenes (n, 3, h, w)."""
    return len(pixels) if pixels.dim() == 4 else 1


def _stacked(pixels):
    return pixels if pixels.dim() == 4 else pixels[None]
