"""Every decoder at once, fed from one queue of files. CPU workers take the files one at a
time: each reads and hashes its file and, unless a batch decoder (the GPU's) takes it, decodes
it as the CPU path always does (JPEGs at a reduced draft scale). A batch decoder takes a JPEG
it accepts while it has room: the batch it decodes and one batch waiting. When both are full
the CPU worker decodes that JPEG itself, so no decoder waits while another has a backlog.
What the batch decoder refuses goes back to the CPU workers, which record the usual errors.
Answers come out as they are done, with at most `in_flight` files of a run held at once, and
with a `timeout`, a file that a CPU worker spends longer on than the files allow it
(`Files.time_allowed`: the timeout, a video longer by its size) is answered as timed out while
a fresh worker takes the stuck one's place. Several runs may share one scheduler (a Ray
actor overlaps two batches of jobs that way)."""

from __future__ import annotations

import queue
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ..parallel import WorkerPool
from .stage import FileResult, Job

if TYPE_CHECKING:
    import torch

    from ..imaging.gpu_decode import GpuDecoded, Pending
    from ..imaging.photo_file import PhotoFile

# The batch decoder waits at most this long for a full batch while files are still being read.
LINGER = 0.05
WATCH = 0.5  # seconds between checks of running decodes against the time limit


@dataclass(slots=True, eq=False)
class Read:
    """One file's answer on its way through the pipeline, with the pixels the model needs."""

    result: FileResult
    path: str = ""  # its name tells a camera RAW file apart
    pixels: torch.Tensor | None = None
    pending: Pending | None = None  # a JPEG waiting for the batch decoder
    file: PhotoFile | None = None  # its bytes, held in the decode budget while it waits
    slot: int = -1  # its place in its run's list of jobs
    run: Any = field(default=None, repr=False)  # the _Run it belongs to


class BatchDecoder(Protocol):
    """What the scheduler needs of a batch decoder (imaging.gpu_decode.GpuJpegDecoder)."""

    device: str

    def accepts(self, data: bytes) -> bool: ...

    def header(self, data: bytes, max_pixels: int) -> Pending | None: ...

    def decode(self, batch: list[Pending]) -> list[GpuDecoded | None]: ...


class Files(Protocol):
    """What one run does with its files, on the CPU workers."""

    max_pixels: int

    def read(self, job: Job) -> tuple[Read, PhotoFile | None]:
        """Read and hash: the answer so far, and the file to decode (None: nothing to decode,
        because the file failed to read or its content's vector can be reused). The scheduler
        releases the file once it is decoded."""
        ...

    def decode(self, read: Read, file: PhotoFile) -> None:
        """Decode on the CPU into read.pixels and read.result.meta, or read.result.error."""
        ...

    def save_encoded(self, thumbnails: list[tuple[str, Any]]) -> None:
        """Thumbnails the batch decoder made, as (content hash, pixels)."""
        ...

    def timed_out(self, job: Job) -> Read: ...

    def time_allowed(self, job: Job) -> float | None:
        """How long a CPU worker may spend on the file (None: as long as it takes)."""
        ...


class DecodeScheduler:
    """A pool of CPU workers and, once the first file needs decoding, the batch decoder that
    `batch_decoder()` returns (None: the CPU pool alone) with a thread of its own."""

    def __init__(
        self,
        workers: int,
        batch_decoder: Callable[[], BatchDecoder | None] | None = None,
        batch_size: int = 32,
        timeout: float | None = None,
        linger: float = LINGER,
    ):
        self.pool = WorkerPool(workers)
        self.batch_size = batch_size
        self.timeout = timeout or None
        self.linger = linger
        self.shares: Counter[str] = Counter()  # files decoded by "cpu" and by "gpu"
        self._make_batch_decoder = batch_decoder
        self._batch_decoder: BatchDecoder | None = None
        self._asked = False
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # waiting or routing changed
        self._waiting: deque[Read] = deque()  # JPEGs for the batch decoder
        self._decoding = 0  # JPEGs in the batch it decodes now
        self._routing = 0  # files being read whose way is not decided yet
        self._closed = False

    @property
    def batch_decoder(self) -> BatchDecoder | None:
        """Made when a file first needs decoding: making it may load the model."""
        if not self._asked:
            with self._lock:
                if not self._asked and self._make_batch_decoder is not None:
                    self._batch_decoder = self._make_batch_decoder()
                    if self._batch_decoder is not None:
                        threading.Thread(
                            target=self._decode_batches, name="photosearch-gpu-decode", daemon=True
                        ).start()
                self._asked = True
        return self._batch_decoder

    def decoded(self, jobs: Sequence[Job], files: Files, in_flight: int = 64) -> Iterator[Read]:
        """Each job's answer once, as it is done. With a batch decoder, `in_flight` grows by
        what it can hold (two batches), so the CPU workers keep files of their own."""
        run = _Run(files)
        queued = iter(enumerate(jobs))
        outstanding: dict[int, Job] = {}
        watched = time.monotonic()
        try:
            while True:
                room = in_flight + (2 * self.batch_size if self._batch_decoder else 0)
                while len(outstanding) < room:
                    slot, job = next(queued, (None, None))
                    if job is None:
                        break
                    outstanding[slot] = job
                    self._submit(run, slot, job)
                if not outstanding:
                    return
                try:
                    read = run.done.get(timeout=WATCH)
                except queue.Empty:
                    read = None
                if isinstance(read, BaseException):
                    raise read
                if read is not None and outstanding.pop(read.slot, None) is not None:
                    run.tasks.pop(read.slot, None)
                    if read.result.decoder:
                        self.shares[read.result.decoder] += 1
                    yield read
                if self.timeout and time.monotonic() - watched >= WATCH:
                    watched = time.monotonic()
                    yield from self._timed_out(run, outstanding)
        finally:
            run.closed = True

    def _submit(self, run: _Run, slot: int, job: Job) -> None:
        with self._lock:
            self._routing += 1
        task = self.pool.submit(lambda _: self._read(run, slot, job), None)
        task.time_allowed = run.files.time_allowed(job) if self.timeout else None
        run.tasks[slot] = task

    def _read(self, run: _Run, slot: int, job: Job) -> None:
        """A CPU worker: read and hash; hand a JPEG to the batch decoder if it has room, else
        decode here."""
        read = file = None
        try:
            if not run.closed:
                read, file = run.files.read(job)
                read.slot, read.run = slot, run
                if file is not None and self._handed_over(read, file):
                    return
        except BaseException as exc:  # noqa: BLE001 - raised in the run's thread
            if file is not None:
                file.release()
            self._routed()
            run.done.put(exc)
            return
        self._routed()
        if read is not None:
            self._answer(read, file)

    @staticmethod
    def _answer(read: Read, file: PhotoFile | None) -> None:
        """On a CPU worker: decode (unless there is nothing to decode), let go of the file's
        bytes and hand the answer, or what went wrong, to its run."""
        try:
            if file is not None:
                with file:
                    read.run.files.decode(read, file)
                read.result.decoder = "cpu"
            read.run.done.put(read)
        except BaseException as exc:  # noqa: BLE001 - raised in the run's thread
            read.run.done.put(exc)

    def _handed_over(self, read: Read, file: PhotoFile) -> bool:
        """Whether the batch decoder took the file: its bytes are held, it accepts them and
        has room for them. They stay reserved in the decode budget until it has decoded them."""
        decoder = self.batch_decoder
        if file.data is None or decoder is None or not self._has_room():
            return False
        if not decoder.accepts(file.data):
            return False
        read.pending = decoder.header(file.data, read.run.files.max_pixels)
        if read.pending is None:
            return False
        with self._lock:
            if self._closed:
                return False
            read.file = file
            file.hand_over()
            self._waiting.append(read)
            self._routing -= 1
            self._changed.notify_all()
        return True

    def _routed(self) -> None:
        with self._lock:
            self._routing -= 1
            self._changed.notify_all()

    def _has_room(self) -> bool:
        """Room for two batches: the one being decoded and the next."""
        with self._lock:
            return len(self._waiting) + self._decoding < 2 * self.batch_size

    def _decode_on_cpu(self, read: Read) -> None:
        """A CPU worker, for a file the batch decoder refused."""
        read.pending, file, read.file = None, read.file, None
        if read.run.closed:
            file.release()
        else:
            self._answer(read, file)

    def _decode_batches(self) -> None:
        """The batch decoder's thread: a batch as soon as one is full, or as soon as no file
        being read could join it (or after `linger` seconds)."""
        while True:
            with self._lock:
                while not self._waiting and not self._closed:
                    self._changed.wait()
                if self._closed:
                    return
                deadline = time.monotonic() + self.linger
                while len(self._waiting) < self.batch_size and self._routing > 0:
                    left = deadline - time.monotonic()
                    if left <= 0 or self._closed:
                        break
                    self._changed.wait(left)
                count = min(self.batch_size, len(self._waiting))
                batch = [self._waiting.popleft() for _ in range(count)]
                self._decoding = count
            for read in batch:
                if read.run.closed:
                    read.file.release()
            batch = [read for read in batch if not read.run.closed]
            if batch:
                self._decode_batch(batch)
            with self._lock:
                self._decoding = 0

    def _decode_batch(self, batch: list[Read]) -> None:
        try:
            decoded = self._batch_decoder.decode([read.pending for read in batch])
            thumbnails: dict[int, tuple[Files, list]] = {}
            for read, on_gpu in zip(batch, decoded, strict=True):
                if on_gpu is None:  # refused: decoded on the CPU, with the usual errors
                    read.run.tasks[read.slot] = self.pool.submit(self._decode_on_cpu, read)
                    continue
                read.file.release()
                pending, read.pending, read.file = read.pending, None, None
                read.result.meta, read.pixels = pending.meta, on_gpu.pixels
                read.result.decoder = "gpu"
                if on_gpu.thumbnail is not None:
                    files = read.run.files
                    thumbnails.setdefault(id(files), (files, []))[1].append(
                        (read.result.content_hash, on_gpu.thumbnail)
                    )
            for files, made in thumbnails.values():
                files.save_encoded(made)
        except BaseException as exc:  # noqa: BLE001 - a broken device stops the runs waiting
            for read in batch:
                if read.file is not None:
                    read.file.release()
            for run in {id(read.run): read.run for read in batch}.values():
                run.done.put(exc)
            return
        for read, on_gpu in zip(batch, decoded, strict=True):
            if on_gpu is not None:
                read.run.done.put(read)

    def _timed_out(self, run: _Run, outstanding: dict[int, Job]) -> Iterator[Read]:
        """Files a CPU worker has spent longer than the time limit on: answered now, and a
        fresh worker takes the stuck one's place."""
        now = time.monotonic()
        for slot, task in list(run.tasks.items()):
            started = getattr(task, "started_at", None)
            allowed = getattr(task, "time_allowed", None)
            if task.done() or started is None or allowed is None or now - started <= allowed:
                continue
            job = outstanding.pop(slot, None)
            run.tasks.pop(slot, None)
            if job is not None:
                self.pool.add_worker()
                yield run.files.timed_out(job)

    def close(self) -> None:
        """Stop; the files still waiting for the batch decoder let go of their bytes."""
        with self._lock:
            self._closed = True
            waiting, self._waiting = self._waiting, deque()
            self._changed.notify_all()
        for read in waiting:
            read.file.release()
        self.pool.close()

    def __enter__(self) -> DecodeScheduler:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Run:
    """One call of DecodeScheduler.decoded: its files' handling, its answers, its CPU tasks."""

    def __init__(self, files: Files):
        self.files = files
        self.done: queue.SimpleQueue = queue.SimpleQueue()
        self.tasks: dict[int, Future] = {}  # the CPU task now working on each slot
        self.closed = False
