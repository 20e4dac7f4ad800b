"""The decode scheduler's routing, with files in memory and a fake batch decoder (a real class,
no CUDA) that takes baseline JPEGs and refuses the rest: every file answered and decoded
exactly once, each decoder's share, errors recorded, answers carrying their own job's number,
and each file's bytes reserved in the decode budget until it is decoded, on the CPU or the GPU."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass

import pytest

from photosearch.imaging.budget import DecodeBudget
from photosearch.imaging.photo_file import PhotoFile
from photosearch.indexing.decode_scheduler import DecodeScheduler, Read
from photosearch.indexing.problem import Problem
from photosearch.indexing.stage import FileResult, Job

BATCH = 4


@dataclass
class FakePending:
    data: bytes
    meta: str


@dataclass
class FakeDecoded:
    pixels: tuple
    thumbnail: object


class FakeGpu:
    """Takes data starting with JPEG; leaves progressive ones to the CPU at the header, and
    refuses those marked `refuse` when decoding (as nvjpeg refuses a damaged file). With a
    gate, each batch waits for it."""

    device = "fake"

    def __init__(self, gate: threading.Event | None = None, fail: bool = False):
        self.gate = gate
        self.fail = fail
        self.batches: list[list[bytes]] = []

    def accepts(self, data: bytes) -> bool:
        return data.startswith(b"JPEG")

    def header(self, data: bytes, max_pixels: int) -> FakePending | None:
        return None if b"progressive" in data else FakePending(data, f"meta of {data!r}")

    def decode(self, batch: list[FakePending]) -> list[FakeDecoded | None]:
        if self.gate is not None:
            self.gate.wait()
        if self.fail:
            raise RuntimeError("the device is gone")
        self.batches.append([item.data for item in batch])
        return [
            None if b"refuse" in item.data else FakeDecoded(("gpu", item.data), item.data[:4])
            for item in batch
        ]


class MemoryFiles:
    """Files held in memory by path: None cannot be read, `reuse` needs no decode, `broken`
    fails to decode, `hang` decodes only when released."""

    max_pixels = 10**9

    def __init__(self, files: dict[str, bytes | None]):
        self.files = files
        self.decoded: Counter[bytes] = Counter()
        self.thumbnails: list[tuple[str, object]] = []
        self.release = threading.Event()
        self._lock = threading.Lock()
        self.budget = DecodeBudget(1 << 30)  # what the files' bytes hold while they wait

    def read(self, job: Job) -> tuple[Read, PhotoFile | None]:
        read = Read(FileResult(job.number), job.path)
        data = self.files[job.path]
        if data is None:
            read.result.error = Problem("unreadable", "Permission denied")
            return read, None
        read.result.content_hash = job.path
        if data.startswith(b"reuse"):
            return read, None
        held = self.budget.reserve(len(data))
        return read, PhotoFile(job.path, len(data), 0, job.path, data, held)

    def decode(self, read: Read, file: PhotoFile) -> None:
        data = file.data
        if b"hang" in data:
            self.release.wait()
        if b"late" in data:  # after a hung one is released, so its late answer comes first
            self.release.wait()
            time.sleep(0.2)
        with self._lock:
            self.decoded[data] += 1
        if b"broken" in data:
            read.result.error = Problem("corrupt", "image data is damaged")
        else:
            read.pixels = ("cpu", data)

    def save_encoded(self, thumbnails: list[tuple[str, object]]) -> None:
        with self._lock:
            self.thumbnails.extend(thumbnails)

    def timed_out(self, job: Job) -> Read:
        return Read(FileResult(job.number, error=Problem("timeout", "took too long")))

    def time_allowed(self, job: Job) -> float:
        return 0.5


def all_given_back(budget: DecodeBudget) -> bool:
    """Whether every reservation is given back within 10 s: a request for the whole budget
    goes only when nothing else is in flight."""
    done = threading.Event()

    def whole() -> None:
        budget.reserve(budget.limit).release()
        done.set()

    threading.Thread(target=whole, daemon=True).start()
    return done.wait(10)


def album(jpegs: int = 3 * BATCH) -> dict[str, bytes | None]:
    files: dict[str, bytes | None] = {"refused.jpg": b"JPEG refuse"}
    files.update({f"{n:02d}.jpg": b"JPEG baseline %d" % n for n in range(jpegs)})
    files.update(
        {
            "progressive.jpg": b"JPEG progressive",
            "a.png": b"PNG",
            "broken.png": b"PNG broken",
            "locked.jpg": None,
            "moved.jpg": b"reuse",
        }
    )
    return files


def jobs_of(files) -> list[Job]:
    return [Job(10 + number, path, "") for number, path in enumerate(files)]


def answered(reads: list[Read], jobs: list[Job]) -> dict[str, Read]:
    """Each job's answer by path; every job answered once, under its own number."""
    numbers = [read.result.number for read in reads]
    assert sorted(numbers) == [job.number for job in jobs]
    path_of = {job.number: job.path for job in jobs}
    return {path_of[read.result.number]: read for read in reads}


def assert_the_usual_answers(by_path: dict[str, Read], files: MemoryFiles) -> None:
    assert by_path["locked.jpg"].result.error.kind == "unreadable"
    assert by_path["broken.png"].result.error.kind == "corrupt"
    moved = by_path["moved.jpg"]
    assert moved.pixels is None and moved.result.error is None and moved.result.decoder == ""
    for path, read in by_path.items():
        data = files.files[path]
        if read.pixels is not None:
            assert read.pixels[1] == data  # this job's own pixels
            assert read.path == path
    decoded_anywhere = {data for data in files.files.values() if data and b"reuse" not in data}
    gpu = [data for batch in files.gpu.batches for data in batch if b"refuse" not in data]
    assert Counter(gpu) + files.decoded == Counter(decoded_anywhere)  # each once, somewhere
    assert files.budget.in_use == 0  # every file's bytes given back


def test_the_cpu_pool_alone_decodes_everything_once():
    files = MemoryFiles(album())
    jobs = jobs_of(files.files)
    with DecodeScheduler(workers=3, batch_size=BATCH) as scheduler:
        reads = list(scheduler.decoded(jobs, files, in_flight=4))
    by_path = answered(reads, jobs)
    files.gpu = FakeGpu()  # took nothing
    assert_the_usual_answers(by_path, files)
    assert all(read.pixels is None or read.pixels[0] == "cpu" for read in reads)
    assert scheduler.shares == {"cpu": len(files.files) - 2}  # not the unreadable, the reused


def test_the_gpu_takes_two_batches_while_busy_and_the_cpu_the_rest():
    """One worker reads in order and the fake GPU holds its first batch until the CPU has
    answered everything else: the GPU took exactly its two batches (the first eight JPEGs
    it accepts, the refused one among them, back to the CPU), the CPU every other file."""
    gate = threading.Event()
    gpu = FakeGpu(gate)
    files = MemoryFiles(album())
    files.gpu = gpu
    jobs = jobs_of(files.files)
    scheduler = DecodeScheduler(1, lambda: gpu, batch_size=BATCH, linger=60)
    accepted = [path for path in files.files if path.endswith(".jpg") and path != "locked.jpg"]
    accepted = [path for path in accepted if path not in ("progressive.jpg", "moved.jpg")]
    held = accepted[: 2 * BATCH]
    reads = []
    with scheduler:
        for read in scheduler.decoded(jobs, files, in_flight=64):
            reads.append(read)
            if len(reads) == len(jobs) - 2 * BATCH:
                # the GPU's two batches wait, their bytes in the budget and no thread's
                assert files.budget.in_use == sum(len(files.files[path]) for path in held)
                assert files.budget._held == {0: files.budget.in_use}
                gate.set()
    by_path = answered(reads, jobs)
    assert_the_usual_answers(by_path, files)
    assert [files.files[path] for path in held] == [data for b in gpu.batches for data in b]
    assert len(gpu.batches) == 2 and all(len(batch) == BATCH for batch in gpu.batches)
    for path, read in by_path.items():
        data = files.files[path]
        on_gpu = path in held and path != "refused.jpg"
        nothing = data is None or data.startswith(b"reuse")
        assert read.result.decoder == ("" if nothing else "gpu" if on_gpu else "cpu"), path
        if on_gpu:
            assert read.pixels == ("gpu", files.files[path])
            assert read.result.meta == f"meta of {files.files[path]!r}"
    assert by_path["refused.jpg"].pixels == ("cpu", b"JPEG refuse")
    assert by_path["progressive.jpg"].pixels == ("cpu", b"JPEG progressive")
    assert scheduler.shares == {"gpu": 2 * BATCH - 1, "cpu": len(files.files) - 2 * BATCH - 1}
    assert sorted(key for key, _ in files.thumbnails) == sorted(set(held) - {"refused.jpg"})


def test_every_decoder_at_once_each_file_once():
    gpu = FakeGpu()
    files = MemoryFiles(album(jpegs=200))
    files.gpu = gpu
    jobs = jobs_of(files.files)
    with DecodeScheduler(4, lambda: gpu, batch_size=BATCH) as scheduler:
        reads = list(scheduler.decoded(jobs, files, in_flight=16))
    assert_the_usual_answers(answered(reads, jobs), files)
    assert scheduler.shares["gpu"] >= 1  # the first JPEG always finds the GPU with room
    assert sum(scheduler.shares.values()) == len(files.files) - 2
    assert all(len(batch) <= BATCH for batch in gpu.batches)


def test_runs_sharing_a_scheduler_get_their_own_answers():
    gpu = FakeGpu()
    with DecodeScheduler(3, lambda: gpu, batch_size=BATCH) as scheduler:
        runs = [MemoryFiles(album(jpegs=40)) for _ in range(2)]
        results: list[list[Read]] = [[], []]

        def run(number: int) -> None:
            results[number] = list(scheduler.decoded(jobs_of(runs[number].files), runs[number]))

        threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    for files, reads in zip(runs, results, strict=True):
        files.gpu = gpu
        by_path = answered(reads, jobs_of(files.files))
        for path, read in by_path.items():
            if read.pixels is not None:
                assert read.pixels[1] == files.files[path]
        assert all(read.run.files is files for read in reads)


def test_a_decode_that_hangs_is_answered_as_timed_out_and_the_rest_go_on():
    """The stuck file is answered as timed out, a fresh worker takes the next one, and the
    stuck worker's late answer (it is released then) is not given a second time."""
    files = MemoryFiles({"ok.png": b"PNG ok", "stuck.png": b"PNG hang", "after.png": b"PNG late"})
    jobs = jobs_of(files.files)
    reads = []
    try:
        with DecodeScheduler(workers=1, timeout=0.5) as scheduler:
            for read in scheduler.decoded(jobs, files):
                reads.append(read)
                if read.result.error is not None:
                    files.release.set()
    finally:
        files.release.set()
    by_path = answered(reads, jobs)
    assert by_path["stuck.png"].result.error.kind == "timeout"
    assert by_path["after.png"].pixels == ("cpu", b"PNG late")  # a fresh worker took it


def test_a_failing_batch_decoder_stops_the_run_with_its_error():
    gpu = FakeGpu(fail=True)
    files = MemoryFiles(album())
    scheduler = DecodeScheduler(2, lambda: gpu, batch_size=BATCH)
    with scheduler, pytest.raises(RuntimeError, match="the device is gone"):
        list(scheduler.decoded(jobs_of(files.files), files))
    assert all_given_back(files.budget)  # the failed batch's, and those that waited


def test_a_worker_error_reaches_the_run():
    class Unlucky(MemoryFiles):
        def decode(self, read, file):
            raise MemoryError("no memory for the pixels")

    files = Unlucky({"a.png": b"PNG"})
    scheduler = DecodeScheduler(2)
    with scheduler, pytest.raises(MemoryError):
        list(scheduler.decoded(jobs_of(files.files), files))
    assert files.budget.in_use == 0
