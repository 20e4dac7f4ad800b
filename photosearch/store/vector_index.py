"""One FAISS file per model, keyed by photo id, inner product over L2-normalised vectors.
Exact (flat) while the collection is small, IVF (approximate, still updatable by id) above
`ann_threshold`. It is a cache of the vectors in the database: the file's name carries the
version of the vectors it holds, and a file of another version is stale and rebuilt."""

from __future__ import annotations

import logging
import math
import os
import random
import re
import tempfile
from pathlib import Path

import faiss
import numpy as np

from .records import ModelInfo

log = logging.getLogger(__name__)
TRAINING_POINTS_PER_LIST = 40  # k-means needs ~39 points per centroid to be stable


class VectorIndex:
    def __init__(self, config, model: ModelInfo):
        self.config = config
        self.model = model
        self.directory = Path(config.index_dir)
        # The creation time tells this database's model apart from one of a deleted database.
        self.prefix = f"model-{model.id}-{model.created_at:%Y%m%d%H%M%S%f}-v"
        self.index = _flat(model.dim)
        self._gpu_index = None

    @classmethod
    def open(cls, store, model: ModelInfo, config) -> VectorIndex:
        """The model's index at the database's current version: read from file or rebuilt."""
        model = store.model(model.id)
        index = cls(config, model)
        fresh = index.saved_version() == model.vectors_version and index.read()
        if fresh and index.kind == index.wanted_kind(index.size):
            return index
        index.rebuild(store)
        index.save(model.vectors_version)
        return index

    @property
    def size(self) -> int:
        return self.index.ntotal

    @property
    def kind(self) -> str:
        return "ivf" if isinstance(faiss.downcast_index(self.index), faiss.IndexIVF) else "flat"

    def wanted_kind(self, count: int) -> str:
        setting = self.config.index_type
        if setting != "auto":
            return setting
        return "ivf" if count >= self.config.ann_threshold else "flat"

    def _saved(self) -> dict[int, Path]:
        pattern = re.compile(re.escape(self.prefix) + r"(\d+)\.faiss")
        try:
            names = os.listdir(self.directory)
        except OSError:
            return {}
        found = {}
        for name in names:
            match = pattern.fullmatch(name)
            if match:
                found[int(match.group(1))] = self.directory / name
        return found

    def saved_version(self) -> int | None:
        """The newest version of the vectors saved to a file, if any."""
        return max(self._saved(), default=None)

    @property
    def path(self) -> Path:
        """The newest saved file (or where version 0 would go)."""
        saved = self._saved()
        return saved[max(saved)] if saved else self.directory / f"{self.prefix}0.faiss"

    def read(self) -> bool:
        """Load the newest file; False (and an empty index) if unreadable or of the wrong shape."""
        try:
            index = faiss.read_index(str(self.path))
        except (RuntimeError, OSError) as exc:
            log.warning("FAISS file %s unreadable (%s); rebuilding", self.path, exc)
            return False
        if index.d != self.model.dim:
            return False
        self.index = index
        self._gpu_index = None
        return True

    def rebuild(self, store) -> None:
        """Fill a new index from the database: flat, or IVF trained on a sample when large."""
        ids = sorted(store.ids_with_vectors(self.model.id))
        kind = self.wanted_kind(len(ids))
        log.info("Building a %s index of %d vectors for %s", kind, len(ids), self.model.key)
        self._gpu_index = None
        if kind == "ivf" and len(ids) >= 2:
            lists = _list_count(len(ids))
            sample = random.Random(0).sample(ids, min(len(ids), lists * TRAINING_POINTS_PER_LIST))
            _, training = store.vectors_for(self.model.id, sample)
            self.index = _ivf(self.model.dim, lists, training)
        else:
            self.index = _flat(self.model.dim)
        for chunk_ids, vectors in store.iter_vectors(self.model.id):
            self.add(chunk_ids, vectors)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            self.index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64)
            )
            self._gpu_index = None

    def remove(self, ids) -> None:
        ids = np.asarray(list(ids), dtype=np.int64)
        if len(ids):
            self.index.remove_ids(ids)
            self._gpu_index = None

    def search(
        self, queries: np.ndarray, k: int, among: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids), each (len(queries), k' <= k); ids of -1 mark padding. With `among`,
        only those ids compete, exhaustively, so every one of them is returned when there are
        fewer than k."""
        k = min(k, self.index.ntotal if among is None else len(among))
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        if k <= 0:
            empty = np.zeros((len(queries), 0))
            return empty.astype(np.float32), empty.astype(np.int64)
        ivf = self.kind == "ivf"
        if among is None:
            params = faiss.SearchParametersIVF(nprobe=self.config.ivf_nprobe) if ivf else None
            return self._searchable().search(queries, k, params=params)
        # Selectors run on the CPU index (GPU indexes do not take them); an IVF index then
        # visits every list, which makes the filtered search exact.
        selector = faiss.IDSelectorBatch(np.ascontiguousarray(among, dtype=np.int64))
        if ivf:
            lists = faiss.downcast_index(self.index).nlist
            params = faiss.SearchParametersIVF(sel=selector, nprobe=lists)
        else:
            params = faiss.SearchParameters(sel=selector)
        return self.index.search(queries, k, params=params)

    def save(self, version: int) -> None:
        """Write atomically (a reader sees a whole file or none), then drop older versions."""
        self.directory.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".faiss.tmp")
        os.close(handle)
        try:
            faiss.write_index(self.index, temporary)
            _fsync(Path(temporary))
            os.replace(temporary, self.directory / f"{self.prefix}{version}.faiss")
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
        for older, path in self._saved().items():
            if older < version:
                path.unlink(missing_ok=True)

    def _searchable(self):
        """The GPU copy of the index when faiss has a GPU (faiss-gpu), else the CPU index."""
        if _gpu_count() == 0:
            return self.index
        if self._gpu_index is None:
            try:
                self._gpu_index = faiss.index_cpu_to_all_gpus(self.index)
            except RuntimeError as exc:  # an index type the GPU build cannot hold
                log.warning("FAISS GPU copy failed (%s); searching on the CPU", exc)
                return self.index
        return self._gpu_index


def _flat(dim: int):
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


def _list_count(count: int) -> int:
    """About sqrt(n) inverted lists: k-means stays affordable on a CPU, lists stay short."""
    return max(1, min(65536, int(math.sqrt(count)), count // TRAINING_POINTS_PER_LIST))


def _ivf(dim: int, lists: int, training: np.ndarray):
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, lists, faiss.METRIC_INNER_PRODUCT)
    index.train(np.ascontiguousarray(training, dtype=np.float32))
    return index


def _gpu_count() -> int:
    get_num_gpus = getattr(faiss, "get_num_gpus", None)
    return get_num_gpus() if get_num_gpus else 0


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())
