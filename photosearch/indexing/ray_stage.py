"""The stage on a Ray cluster: reading, hashing, decoding and embedding run on actors that
load the model once and are kept for every run through the stage (one GPU each where the
cluster has GPUs, a CPU actor per machine otherwise). Answers stream back batch by batch, so
memory stays bounded and the driver commits as they come; the driver alone walks, decides and
writes the store; the content passes run after it on CPU actors of their own, kept too. Paths
must mean the same file on every worker: a shared mount at the same path."""

from __future__ import annotations

import dataclasses
import logging
import re
import socket
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..config import Config, default_data_dir
from ..errors import ModelLoadError, PhotosearchError
from .kept_actors import KeptActors
from .stage import FileResult, Job, PassJob, PassResult

if TYPE_CHECKING:
    from .content_pass import ContentPass

WORKER_KEYS = ("host", "device", "runtime")  # what says who answered
OVERLAPPED = 2  # batches an embedding actor works on at once


class ClusterError(PhotosearchError):
    """The Ray cluster cannot be reached, or it cannot embed."""


@dataclass(slots=True)
class Answers:
    """An actor's answers for one batch, who gave them (host, device, runtime), and which
    load of its models they came from: a new one each time an actor starts."""

    results: list
    worker: tuple[str, str, str]
    load: str


class RayStage:
    """Connects once, and keeps its actors with their models loaded for every run through it
    (a `watch` makes many) until it is closed; the cluster ends them too when this process
    ends. An actor that dies is restarted by Ray and its unanswered batches are read again; a
    run that fails anyway closes them, and the next run starts new ones."""

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
        self.loads: set[str] = set()  # the actors' loads of their models that answered so far
        self._embedders: KeptActors | None = None
        self._readers: KeptActors | None = None  # the content passes' actors

    @property
    def where(self) -> str:
        return f"on the Ray cluster ({self.address}): {self._seen(0) or 'no worker yet'}"

    @property
    def device(self) -> str:
        return self._seen(1) or "none"

    @property
    def runtime(self) -> str:
        return self._seen(2) or "none"

    @property
    def model_loads(self) -> int:
        """How many times an actor of this stage loaded its models (the embedding model, or
        the content passes'): once per actor while they are kept, again for one restarted."""
        return len(self.loads)

    def _seen(self, column: int) -> str:
        return ", ".join(sorted({worker[column] for worker in self.workers}))

    def run(self, jobs: Sequence[Job], reusable: frozenset[str]) -> Iterator[list[FileResult]]:
        if not jobs:
            return
        self._embedders = self._kept(
            self._embedders, EmbeddingActor, (self.config, self.model_key), self._embedding_shape()
        )
        shared = self.ray.put(reusable)  # once per run: each node fetches it once
        size = self.config.batch_size
        batches = ((list(jobs[at : at + size]), shared) for at in range(0, len(jobs), size))
        yield from self._answers(self._embedders.map("embed", batches), "embed")

    def run_passes(
        self, jobs: Sequence[PassJob], passes: Sequence[ContentPass]
    ) -> Iterator[list[PassResult]]:
        """The content passes on the cluster: one CPU actor per node reads its share of the
        photos with that node's cores, a batch of the passes' size at a time."""
        if not jobs:
            return
        names = tuple(content_pass.name for content_pass in passes)
        nodes = len(self._node_cpus())
        # They reserve no core (and Ray gives them one OpenMP thread, what the passes use per
        # photo): they read only after the run's embedding, while the embedding actors wait.
        shape = (nodes, 1, {"num_cpus": 0, "scheduling_strategy": "SPREAD"}, names)
        self._readers = self._kept(self._readers, PassActor, (self.config, list(passes)), shape)
        block = min(content_pass.batch for content_pass in passes)
        batches = ((list(jobs[at : at + block]),) for at in range(0, len(jobs), block))
        doing = f"run the {', '.join(names)} pass"
        yield from self._answers(self._readers.map("read", batches), doing)

    def _answers(self, answers: Iterator[Answers], doing: str) -> Iterator[list]:
        try:
            for answer in answers:
                self.workers.add(answer.worker)
                self.loads.add(answer.load)
                yield answer.results
        except self.ray.exceptions.RayError as exc:
            self.close()  # the next run starts from new actors
            raise ClusterError(
                f"The Ray cluster could not {doing}: {_reason(exc).rstrip('.')}."
            ) from None

    def _kept(self, kept: KeptActors | None, actor_class: type, args: tuple, shape: tuple):
        """The actors kept from an earlier run while the cluster calls for the same ones."""
        if kept is not None and kept.shape == shape:
            return kept
        if kept is not None:
            kept.close()
        return KeptActors(self.ray, actor_class, args, shape)

    def _embedding_shape(self) -> tuple:
        """(actors, calls each, their resources): one actor per GPU where the cluster has GPUs;
        else one per node, with the cores of the smallest node (Ray limits its torch threads
        to them). Each works on two batches at once: one is read and decoded by its decode
        scheduler while the other is embedded."""
        gpus = int(self.ray.cluster_resources().get("GPU", 0))
        if gpus and self.config.device != "cpu":
            return gpus, OVERLAPPED, {"num_gpus": 1, "num_cpus": 1}
        if self.config.device == "cuda":
            raise ClusterError("Device 'cuda' was asked for, but the Ray cluster has no GPU.")
        cpus = self._node_cpus()
        return len(cpus), OVERLAPPED, {"num_cpus": min(cpus)}

    def _node_cpus(self) -> list[float]:
        """The cores of each live node that has any."""
        cpus = [node["Resources"].get("CPU", 0) for node in self.ray.nodes() if node["Alive"]]
        return [count for count in cpus if count]

    def close(self) -> None:
        """End the kept actors (a watch that stops): their memory, cores and GPUs are freed."""
        for kept in (self._embedders, self._readers):
            if kept is not None:
                kept.close()
        self._embedders = self._readers = None


class EmbeddingActor:
    """One Ray actor: loads the model once, as the driver does and with its settings, then
    runs a ThreadStage on each batch of jobs, two batches at a time on the same decode
    scheduler (CPU workers, and the GPU's batch decoder on a GPU). Read errors name this host."""

    def __init__(self, config: Config, model_key: str):
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
        self.load = uuid.uuid4().hex

    def embed(self, jobs: list[Job], reusable: frozenset[str]) -> Answers:
        results = [result for group in self.stage.run(jobs, reusable) for result in group]
        return Answers(results, _worker(self.stage), self.load)


class PassActor:
    """One Ray actor of the content passes: the passes opened once, their models loaded before
    any photo is read, then each batch read on this process's threads."""

    def __init__(self, config: Config, passes: list[ContentPass]):
        from ..imaging.budget import configure
        from .pass_work import PassWork

        configure(config.decode_memory_mb)  # this worker process's decode budget
        self.work = PassWork(config, passes, socket.gethostname())
        self.load = uuid.uuid4().hex

    def read(self, jobs: list[PassJob]) -> Answers:
        results = [result for group in self.work.results(jobs) for result in group]
        return Answers(results, _worker(self.work), self.load)


def _worker(stage) -> tuple[str, str, str]:
    host, device, runtime = (getattr(stage, key) for key in WORKER_KEYS)
    return host, device, runtime


def connect(address: str):
    """Ray, joined to the cluster at `address` (auto, local, ray://HOST:10001, HOST:6379)
    unless this process already is; quiet, because the CLI shows its own progress."""
    try:
        import ray
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
