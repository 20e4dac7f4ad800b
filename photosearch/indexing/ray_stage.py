"""The stage on a Ray cluster: reading, hashing, decoding and embedding run as Ray Data
map_batches over a pool of actors that each load the model once (one GPU each where the
cluster has GPUs, CPU actors otherwise). Answers stream back batch by batch, so memory stays
bounded and the driver commits as they come; the driver alone walks, decides and writes the
store; the content passes run after it on CPU actors of their own. Paths must mean the same file
on every worker: a shared mount at the same path."""

from __future__ import annotations

import dataclasses
import logging
import os
import pickle
import re
import socket
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..config import Config, default_data_dir
from ..errors import ModelLoadError, PhotosearchError
from .stage import FileResult, Job, PassJob, PassResult

if TYPE_CHECKING:
    from .content_pass import ContentPass

WORKER_KEYS = ("host", "device", "runtime")  # columns that say who answered
OVERLAPPED = 2  # batches an embedding actor works on at once


class ClusterError(PhotosearchError):
    """The Ray cluster cannot be reached, or it cannot embed."""


class RayStage:
    """Connects once (a `watch` runs many index runs through it); each run is one Ray Data
    execution whose actors load the model when it starts."""

    def __init__(self, config: Config, model_key: str):
        self.ray = connect(config.ray_address)
        self.address = config.ray_address
        # Workers get no secrets, and leave thumbnails to the web server, which makes them on
        # first view: a worker has no business in the driver's data dir.
        self.config = dataclasses.replace(
            config, database_url="", access_token="", thumbnails_at_index=False
        )
        self.model_key = model_key
        # (host, device, runtime) of every worker that answered this process so far
        self.workers: set[tuple[str, str, str]] = set()

    @property
    def where(self) -> str:
        return f"on the Ray cluster ({self.address}): {self._seen(0) or 'no worker yet'}"

    @property
    def device(self) -> str:
        return self._seen(1) or "none"

    @property
    def runtime(self) -> str:
        return self._seen(2) or "none"

    def _seen(self, column: int) -> str:
        return ", ".join(sorted({worker[column] for worker in self.workers}))

    def run(self, jobs: Sequence[Job], reusable: frozenset[str]) -> Iterator[list[FileResult]]:
        rows = [
            {"number": job.number, "path": os.fsencode(job.path), "indexed_hash": job.indexed_hash}
            for job in jobs
        ]
        # One block per batch: Ray Data hands back a task's answers as one block, and the
        # driver commits per block, so a crash loses a batch, not a task of thousands.
        blocks = -(-len(rows) // self.config.batch_size)
        dataset = self.ray.data.from_items(rows, override_num_blocks=blocks).map_batches(
            EmbeddingActor,
            fn_constructor_kwargs={
                "config": self.config,
                "model_key": self.model_key,
                "reusable": reusable,
            },
            batch_size=self.config.batch_size,
            batch_format="numpy",
            **self._actors(),
        )
        yield from self._answers(dataset, "embed")

    def run_passes(
        self, jobs: Sequence[PassJob], passes: Sequence[ContentPass]
    ) -> Iterator[list[PassResult]]:
        """The content passes on the cluster: one CPU actor per node reads its share of the
        photos with that node's cores, a block of the passes' batch at a time."""
        rows = [
            {
                "number": job.number,
                "path": os.fsencode(job.path),
                "content_hash": job.content_hash,
                "passes": ",".join(job.passes),
            }
            for job in jobs
        ]
        block = min(content_pass.batch for content_pass in passes)
        dataset = self.ray.data.from_items(rows, override_num_blocks=-(-len(rows) // block))
        dataset = dataset.map_batches(
            PassActor,
            fn_constructor_kwargs={"config": self.config, "passes": list(passes)},
            batch_size=block,
            batch_format="numpy",
            **self._cpu_actors(),
        )
        names = ", ".join(content_pass.name for content_pass in passes)
        yield from self._answers(dataset, f"run the {names} pass")

    def _answers(self, dataset, doing: str) -> Iterator[list]:
        """The actors' answers, a block at a time, each job's once."""
        answered: set[int] = set()
        # Without prefetching: with it, each batch waited for the next one to be done.
        batches = dataset.iter_batches(batch_size=None, batch_format="numpy", prefetch_batches=0)
        try:
            for batch in batches:
                self.workers.update(zip(*(batch[key] for key in WORKER_KEYS), strict=True))
                # A batch retried after its worker died may come back twice: once is enough.
                results = [pickle.loads(answer) for answer in batch["result"]]
                fresh = [result for result in results if result.number not in answered]
                answered.update(result.number for result in fresh)
                yield fresh
        except self.ray.exceptions.RayError as exc:
            raise ClusterError(
                f"The Ray cluster could not {doing}: {_reason(exc).rstrip('.')}."
            ) from None

    def _actors(self) -> dict:
        """One actor per GPU where the cluster has GPUs; else one per node, with the cores of
        the smallest node (Ray limits its torch threads to them). Each works on two batches
        at once: one is read and decoded by its decode scheduler while the other is embedded."""
        gpus = int(self.ray.cluster_resources().get("GPU", 0))
        if gpus and self.config.device != "cpu":
            return {"compute": self._pool(gpus, OVERLAPPED), "num_gpus": 1}
        if self.config.device == "cuda":
            raise ClusterError("Device 'cuda' was asked for, but the Ray cluster has no GPU.")
        return self._cpu_actors(OVERLAPPED)

    def _cpu_actors(self, calls: int = 1) -> dict:
        cpus = [node["Resources"].get("CPU", 0) for node in self.ray.nodes() if node["Alive"]]
        cpus = [count for count in cpus if count]
        return {"compute": self._pool(len(cpus), calls), "num_cpus": min(cpus)}

    def _pool(self, size: int, calls: int):
        if calls == 1:
            return self.ray.data.ActorPoolStrategy(size=size)
        return self.ray.data.ActorPoolStrategy(
            size=size, max_concurrent_calls_per_actor=calls, enable_true_multi_threading=True
        )


class EmbeddingActor:
    """One Ray actor: loads the model once, as the driver does and with its settings, then
    runs a ThreadStage on each batch of jobs, two batches at a time on the same decode
    scheduler (CPU workers, and the GPU's batch decoder on a GPU). Read errors name this host."""

    def __init__(self, config: Config, model_key: str, reusable: frozenset[str]):
        from ..imaging.budget import configure
        from ..model.embedder import load_embedder
        from .thread_stage import ThreadStage, gpu_decoder

        configure(config.decode_memory_mb)  # this worker process's decode budget
        host = socket.gethostname()
        if not config.data_dir.is_dir():  # the driver's data dir is not mounted here
            config = dataclasses.replace(config, data_dir=default_data_dir())
        embedder = load_embedder(config.model, config)
        if embedder.identity.key != model_key:
            raise ModelLoadError(
                f"The Ray worker on {host} loaded model {embedder.identity.key}, but the index "
                f"holds {model_key}: give every machine the same weights file."
            )
        gpu = gpu_decoder(embedder, config)
        self.stage = ThreadStage(embedder, config, gpu, host, keep_scheduler=True)
        self.reusable = reusable

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        jobs = [
            Job(int(number), os.fsdecode(bytes(path)), str(indexed_hash))
            for number, path, indexed_hash in zip(
                batch["number"], batch["path"], batch["indexed_hash"], strict=True
            )
        ]
        results = [result for group in self.stage.run(jobs, self.reusable) for result in group]
        return _answered(results, self.stage)


class PassActor:
    """One Ray actor of the content passes: the passes opened once, their models loaded before
    any photo is read, then each batch read on this process's threads."""

    def __init__(self, config: Config, passes: list[ContentPass]):
        from ..imaging.budget import configure
        from .pass_work import PassWork

        configure(config.decode_memory_mb)  # this worker process's decode budget
        self.work = PassWork(config, passes, socket.gethostname())

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        jobs = [
            PassJob(
                int(number), os.fsdecode(bytes(path)), str(digest), tuple(str(names).split(","))
            )
            for number, path, digest, names in zip(
                batch["number"], batch["path"], batch["content_hash"], batch["passes"], strict=True
            )
        ]
        results = [result for group in self.work.results(jobs) for result in group]
        return _answered(results, self.work)


def _answered(results: list, stage) -> dict[str, np.ndarray]:
    """An actor's answers as columns: the pickled results, and who answered."""
    answers = np.array([pickle.dumps(result) for result in results], dtype=object)
    worker = {key: np.full(len(results), getattr(stage, key)) for key in WORKER_KEYS}
    return {"result": answers, **worker}


def connect(address: str):
    """Ray, joined to the cluster at `address` (auto, local, ray://HOST:10001, HOST:6379)
    unless this process already is; quiet, because the CLI shows its own progress."""
    try:
        import ray
        import ray.data
    except ImportError:
        raise ClusterError(
            "Indexing on a Ray cluster needs Ray, here and on every worker: "
            "pip install -e '.[cluster]'."
        ) from None
    if not ray.is_initialized():
        try:
            _reachable(address)
            ray.init(address=address, logging_level=logging.WARNING)
        except (OSError, ValueError, RuntimeError) as exc:  # ConnectionError is an OSError
            raise ClusterError(
                f"Cannot join the Ray cluster at {address!r}: {_reason(exc).rstrip('.')}. Use "
                "auto (the cluster this machine joined with `ray start`), local (start one here "
                "for a try) or ray://HOST:10001 (a remote head)."
            ) from None
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)  # "disabled"
    return ray


def _reachable(address: str) -> None:
    """A HOST:PORT address answers, or OSError now: Ray itself would retry for minutes."""
    host, _, port = address.rpartition(":")
    if "://" not in address and host and port.isdigit():
        socket.create_connection((host, int(port)), timeout=5).close()


def _reason(exc: Exception) -> str:
    """What went wrong, from a Ray error whose last line is the worker's own exception
    ("package.module.Type: message"): "Type: message", without terminal colours."""
    lines = [line.strip() for line in re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).splitlines()]
    last = next((line for line in reversed(lines) if line), type(exc).__name__)
    kind, colon, message = last.partition(": ")
    return f"{kind.rpartition('.')[2]}: {message}" if colon and " " not in kind else last[:500]
