"""One FAISS file per model: inner product over L2-normalised vectors, keyed by photo id.
It is a cache of the vectors in the database, rebuilt whenever its saved version is stale."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import faiss
import numpy as np

from .records import ModelInfo

log = logging.getLogger(__name__)


class VectorIndex:
    def __init__(self, index_dir: Path, model: ModelInfo):
        self.model = model
        self.path = index_dir / f"model-{model.id}.faiss"
        self.meta_path = index_dir / f"model-{model.id}.json"
        self.index = _empty(model.dim)
        self._gpu_index = None

    @classmethod
    def open(cls, store, model: ModelInfo, index_dir: Path) -> VectorIndex:
        """The model's index at the database's current version: read from file or rebuilt."""
        model = store.model(model.id)
        index = cls(index_dir, model)
        if index.saved_version() == model.vectors_version and index.read():
            return index
        index.rebuild(store)
        index.save(model.vectors_version)
        return index

    @property
    def size(self) -> int:
        return self.index.ntotal

    def saved_version(self) -> int | None:
        try:
            meta = json.loads(self.meta_path.read_text())
        except (OSError, ValueError):
            return None
        if meta.get("model_key") != self.model.key or not self.path.exists():
            return None
        return meta.get("version")

    def read(self) -> bool:
        """Load the file; False (and an empty index) if it is unreadable or does not fit."""
        try:
            index = faiss.read_index(str(self.path))
            meta = json.loads(self.meta_path.read_text())
        except (RuntimeError, OSError, ValueError) as exc:
            log.warning("FAISS file %s unreadable (%s); rebuilding", self.path, exc)
            return False
        if index.d != self.model.dim or index.ntotal != meta.get("count"):
            return False
        self.index = index
        self._gpu_index = None
        return True

    def rebuild(self, store) -> None:
        log.info("Rebuilding the vector index of %s from the database", self.model.key)
        self.index = _empty(self.model.dim)
        self._gpu_index = None
        for ids, vectors in store.iter_vectors(self.model.id):
            self.add(ids, vectors)

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
        only those ids compete, so every one of them is returned when there are fewer than k."""
        k = min(k, self.index.ntotal if among is None else len(among))
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        if k <= 0:
            empty = np.zeros((len(queries), 0))
            return empty.astype(np.float32), empty.astype(np.int64)
        if among is None:
            return self._searchable().search(queries, k)
        selector = faiss.IDSelectorBatch(np.ascontiguousarray(among, dtype=np.int64))
        # Selectors run on the CPU index: GPU indexes do not take them.
        return self.index.search(queries, k, params=faiss.SearchParameters(sel=selector))

    def save(self, version: int) -> None:
        """Write atomically: a reader sees the old file or the new one, never half of one."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".faiss.tmp")
        faiss.write_index(self.index, str(temporary))
        _fsync(temporary)
        os.replace(temporary, self.path)
        meta = {"model_key": self.model.key, "version": version, "count": self.index.ntotal}
        temporary_meta = self.meta_path.with_suffix(".json.tmp")
        temporary_meta.write_text(json.dumps(meta))
        _fsync(temporary_meta)
        os.replace(temporary_meta, self.meta_path)

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


def _empty(dim: int):
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


def _gpu_count() -> int:
    get_num_gpus = getattr(faiss, "get_num_gpus", None)
    return get_num_gpus() if get_num_gpus else 0


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())
