"""The stage in this process: worker threads read, hash and decode; the calling thread embeds."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..config import Config
from ..imaging.decoder import DecodeError, decode
from ..imaging.thumbnails import SIZES, ThumbnailSaver
from ..model.lazy_embedder import LazyEmbedder
from ..parallel import WorkerPool, bounded_map
from .scanner import content_hash
from .stage import Failure, FileResult, Job, TextJob, TextResult

if TYPE_CHECKING:  # torch and the model load only when a file needs embedding
    import torch

    from ..imaging.gpu_decode import GpuJpegDecoder, Pending
    from ..model.embedder import Embedder

AUTO = object()  # a GPU decoder to be made when first needed
# A batch also closes after this many times batch_size answers without an image (touched or
# failed files), so a long run of them still commits as it goes.
ANSWERS_PER_IMAGE_BATCH = 8
# Photos whose text is committed together: reading takes about a second a photo on few cores,
# so a crash loses little.
TEXT_BATCH = 16


def gpu_decoder(embedder: Embedder, config: Config) -> GpuJpegDecoder | None:
    """JPEGs decoded on the GPU in batches, when the model runs on CUDA and gpu_decode is on."""
    if not config.gpu_decode or config.device == "cpu" or embedder.device != "cuda":
        return None
    from ..imaging.gpu_decode import GpuJpegDecoder

    thumbnail_size = SIZES["thumbnail"] if config.thumbnails_at_index else 0
    return GpuJpegDecoder.for_model(embedder.loaded.preprocess, embedder.device, thumbnail_size)


@dataclass(slots=True)
class _Read:
    """A worker thread's answer, with the pixels (or the JPEG left for the GPU) it needs."""

    result: FileResult
    path: str = ""  # its name tells a camera RAW file apart
    pixels: torch.Tensor | None = None
    pending: Pending | None = None


class ThreadStage:
    """The stage in one process: files are read, hashed and decoded on worker threads (JPEGs
    on the GPU when there is a GPU decoder) and embedded on the calling thread, batch_size
    images per model call. A Ray actor runs one too, with its host named in read errors."""

    def __init__(
        self,
        embedder: Embedder | LazyEmbedder | None,
        config: Config,
        gpu: GpuJpegDecoder | None | object = AUTO,
        host: str = "",
    ):
        # A LazyEmbedder is loaded by the first file to decode; None: a stage that reads text
        self.embedder = embedder
        self.config = config
        self._gpu = gpu  # AUTO: made from the embedder when a file first needs decoding
        self._lock = threading.Lock()
        self.host = host
        self.on_host = f" (on {host})" if host else ""  # read errors say where they happened
        self.where = f"on {host}" if host else "in this process"

    @property
    def gpu(self) -> GpuJpegDecoder | None:
        if self._gpu is AUTO:
            with self._lock:
                if self._gpu is AUTO:
                    self._gpu = gpu_decoder(self.embedder, self.config)
        return self._gpu

    @property
    def device(self) -> str:
        if self.embedder is None:
            return "cpu"  # text recognition runs on ONNX Runtime's CPU provider
        return self.embedder.device if self.embedder.is_loaded else ""

    @property
    def runtime(self) -> str:
        if self.embedder is None:
            return "onnxruntime (text)"
        loaded = self.embedder.is_loaded
        return self.embedder.image_runtime if loaded else "model not loaded: nothing to embed"

    def run(self, jobs: Sequence[Job], reusable: frozenset[str]) -> Iterator[list[FileResult]]:
        self.thumbnails = ThumbnailSaver(self.config)
        embedded: set[str] = set()  # contents embedded in this run
        size = self.config.batch_size
        with WorkerPool(self.config.decode_workers) as pool:
            reads = bounded_map(
                pool,
                lambda job: self._read(job, reusable),
                jobs,
                in_flight=max(64, 2 * size),
                timeout=self.config.decode_timeout or None,
                on_timeout=self._timed_out,
            )
            batch: list[_Read] = []
            images = 0
            for read in self._decoded_on_gpu(reads):
                batch.append(read)
                images += read.pixels is not None
                if images >= size or len(batch) >= ANSWERS_PER_IMAGE_BATCH * size:
                    yield self._embedded(batch, embedded)
                    batch, images = [], 0
            if batch:
                yield self._embedded(batch, embedded)

    def _read(self, job: Job, reusable: frozenset[str]) -> _Read:
        """Runs in a worker thread: read once, hash, and decode only if no vector can be reused.
        With a GPU decoder, a JPEG's header is read here and its pixels are left to the GPU."""
        read = _Read(FileResult(job.number), job.path)
        result = read.result
        try:
            with open(job.path, "rb") as handle:
                info = os.fstat(handle.fileno())
                data = handle.read()
        except FileNotFoundError:
            result.error = Failure("vanished", self._not_found())
            return read
        except OSError as exc:
            result.error = Failure("unreadable", (exc.strerror or str(exc)) + self.on_host)
            return read
        result.size, result.mtime_ns = info.st_size, info.st_mtime_ns
        result.content_hash = content_hash(data)
        if result.content_hash == job.indexed_hash or result.content_hash in reusable:
            return read  # touched, not changed; or a move or copy of an embedded photo
        if self.gpu is not None and self.gpu.accepts(data):
            read.pending = self.gpu.header(data, self.config.max_image_pixels)
            if read.pending is not None:
                return read
        self._decode_on_cpu(read, data)
        return read

    def _not_found(self) -> str:
        if not self.host:
            return "deleted after it was listed"
        return f"not found on {self.host} (is the folder mounted at the same path there?)"

    def _decode_on_cpu(self, read: _Read, data: bytes) -> None:
        result = read.result
        try:
            decoded = decode(
                data,
                max_pixels=self.config.max_image_pixels,
                min_side=self.embedder.image_size,
                name=read.path,
            )
            result.meta = decoded.meta
            read.pixels = self.embedder.preprocess(decoded.image)
            self.thumbnails.save(result.content_hash, decoded)
        except DecodeError as exc:
            result.error = Failure(exc.kind, exc.message)
        except Exception as exc:  # noqa: BLE001 - one bad file must never stop the run
            result.error = Failure("corrupt", f"{type(exc).__name__}: {exc}")

    def _decoded_on_gpu(self, reads: Iterable[_Read]) -> Iterator[_Read]:
        """JPEGs that workers left for the GPU are decoded there in batches; those it refuses
        are decoded on the CPU as usual, with the usual errors."""
        waiting: list[_Read] = []
        for read in reads:
            if read.pending is None:  # decoded on the CPU, or nothing to decode
                yield read
                continue
            waiting.append(read)
            if len(waiting) >= self.config.batch_size:
                yield from self._gpu_batch(waiting)
                waiting = []
        yield from self._gpu_batch(waiting)

    def _gpu_batch(self, reads: list[_Read]) -> Iterator[_Read]:
        if not reads:
            return
        decoded = self.gpu.decode([read.pending for read in reads])
        thumbnails = []
        for read, on_gpu in zip(reads, decoded, strict=True):
            pending, read.pending = read.pending, None
            if on_gpu is None:
                self._decode_on_cpu(read, pending.data)
                continue
            read.result.meta, read.pixels = pending.meta, on_gpu.pixels
            if on_gpu.thumbnail is not None:
                thumbnails.append((read.result.content_hash, on_gpu.thumbnail))
        self.thumbnails.save_encoded(thumbnails)
        yield from reads

    def _embedded(self, reads: list[_Read], embedded: set[str]) -> list[FileResult]:
        """One model call for the batch's images. Identical contents go through it once, and
        contents embedded in an earlier batch of this run not again: the Indexer committed
        that batch before asking for this one, so it reuses their vector."""
        firsts: dict[str, _Read] = {}
        for read in reads:
            digest = read.result.content_hash
            if read.pixels is not None and digest not in embedded:
                firsts.setdefault(digest, read)
        vector_of = {}
        if firsts:
            device = self.gpu.device if self.gpu else "cpu"  # CPU fallbacks join GPU decodes
            import torch

            pixels = torch.stack([read.pixels.to(device) for read in firsts.values()])
            vector_of = dict(zip(firsts, self.embedder.embed_pixels(pixels), strict=True))
            embedded.update(vector_of)
        for read in reads:
            if read.pixels is not None:
                read.result.vector = vector_of.get(read.result.content_hash)
                read.result.fresh = firsts.get(read.result.content_hash) is read
        return [read.result for read in reads]

    def read_texts(self, jobs: Sequence[TextJob]) -> Iterator[list[TextResult]]:
        """Each photo read and its text recognised on worker threads, as many at once (and
        with as many threads each) as reading_plan measured best for this machine's cores."""
        from ..ocr.reader import shared_reader, usable_cores
        from .text_reading import reading_plan

        photos, threads = reading_plan(usable_cores())
        reader = shared_reader(threads)
        batch: list[TextResult] = []
        with WorkerPool(photos) as pool:
            for result in bounded_map(
                pool,
                lambda job: self._read_text(job, reader),
                jobs,
                in_flight=2 * photos,
                timeout=3 * self.config.decode_timeout or None,
                on_timeout=self._text_timed_out,
            ):
                batch.append(result)
                if len(batch) >= TEXT_BATCH:
                    yield batch
                    batch = []
        if batch:
            yield batch

    def _read_text(self, job: TextJob, reader) -> TextResult:
        """Runs in a worker thread: a photo's bytes, their hash, the text in them."""
        from ..ocr.reader import OcrError
        from .text_reading import read_text

        result = TextResult(job.number)
        try:
            with open(job.path, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            result.unreadable = True
            result.error = Failure("unreadable", (exc.strerror or str(exc)) + self.on_host)
            return result
        result.content_hash = content_hash(data)
        try:
            found = read_text(data, job.path, reader, self.config.max_image_pixels)
        except DecodeError as exc:
            result.error = Failure(exc.kind, exc.message)
            return result
        except OcrError as exc:
            result.error = Failure("ocr", str(exc))
            return result
        except Exception as exc:  # noqa: BLE001 - one bad file must never stop the run
            result.error = Failure("ocr", f"{type(exc).__name__}: {exc}")
            return result
        result.lines = [(line.text, line.confidence, line.box) for line in found.lines]
        result.width, result.height = found.width, found.height
        return result

    def _text_timed_out(self, job: TextJob) -> TextResult:
        limit = 3 * self.config.decode_timeout
        message = f"reading its text took longer than {limit} s (3 x decode_timeout); skipped"
        return TextResult(job.number, job.content_hash, error=Failure("timeout", message))

    def _timed_out(self, job: Job) -> _Read:
        limit = self.config.decode_timeout
        message = f"reading and decoding took longer than {limit} s (decode_timeout); skipped"
        return _Read(FileResult(job.number, error=Failure("timeout", message)))
