"""One FAISS file per model, keyed by frame (frame_ids: a photo's one frame by its photo id, a
video's scenes by ids that name the video), inner product over L2-normalised vectors.
Exact (flat) while the collection is small, IVF (approximate, still updatable by id) above
`ann_threshold`, and IVF over 8-bit codes (a quarter of the memory) above
`compressed_threshold`, whose top candidates are re-scored with the exact vectors of the
database. It is a cache of the vectors in the database: the file's name carries the
version of the vectors it holds; a file a few versions behind (another machine indexed) is
brought up to date from the database's log of changed photos, an older one is rebuilt."""

from __future__ import annotations

import contextlib
import logging
import math
import os
import random
import re
from collections.abc import Callable
from functools import partial
from pathlib import Path

import faiss
import numpy as np

from ..files import atomic_write
from .frame_ids import later_frames, split
from .records import ModelInfo

log = logging.getLogger(__name__)
TRAINING_POINTS_PER_LIST = 40  # k-means needs ~39 points per centroid to be stable
SINGLE_THREAD_QUERIES = 8  # up to this many queries at once run on one thread
RERANK_FACTOR, RERANK_MINIMUM = 4, 64  # compressed: candidates re-scored, max(4 k, 64)

# ids (Python ints) -> (ids, float32 vectors) of those stored, in any order: the exact vectors
# for re-ranking
VectorFetch = Callable[[list[int]], tuple[np.ndarray, np.ndarray]]


class VectorIndex:
    def __init__(self, config, model: ModelInfo, stored_vectors: VectorFetch | None = None):
        """Without `stored_vectors`, a compressed index answers with its approximate scores."""
        self.config = config
        self.model = model
        self.stored_vectors = stored_vectors
        self.directory = Path(config.index_dir)
        # The creation time tells this database's model apart from one of a deleted database.
        self.prefix = f"model-{model.id}-{model.created_at:%Y%m%d%H%M%S%f}-v"
        self.index = _flat(model.dim)
        self._gpu_index = None
        self._later_frames: np.ndarray | None = None  # held ids of videos' later scenes

    @classmethod
    def open(cls, store, model: ModelInfo, config) -> VectorIndex:
        """The model's index at the database's current version: read from file (and caught up
        with the changes since, if any), or rebuilt."""
        model = store.model(model.id)
        index = cls(config, model, partial(store.vectors_for, model.id))
        saved = index.saved_version()
        usable = saved is not None and saved <= model.vectors_version and index.read()
        current = usable and (saved == model.vectors_version or index.catch_up(store, saved))
        if current and index.kind == index.wanted_kind(index.size):
            if saved != model.vectors_version:
                index.save(model.vectors_version)
            return index
        index.rebuild(store)
        index.save(model.vectors_version)
        return index

    def catch_up(self, store, since: int) -> bool:
        """Apply the vectors changed after version `since`: False, untouched, when the
        database's change log does not reach back that far."""
        changed = store.vector_changes(self.model.id, since, self.model.vectors_version)
        if changed is None:
            return False
        log.info("Updating the index of %s with %d changed items", self.model.key, len(changed))
        self.remove_items(changed)
        self.add(*store.item_vectors(self.model.id, changed))
        return True

    @property
    def size(self) -> int:
        return self.index.ntotal

    @property
    def kind(self) -> str:
        index = faiss.downcast_index(self.index)
        if isinstance(index, faiss.IndexIVFScalarQuantizer):
            return "ivfsq"
        return "ivf" if isinstance(index, faiss.IndexIVF) else "flat"

    def ids(self) -> np.ndarray:
        """Every id the index holds (an IVF index keeps them in its inverted lists)."""
        index = faiss.downcast_index(self.index)
        if not isinstance(index, faiss.IndexIVF):
            return faiss.vector_to_array(index.id_map)
        lists = index.invlists
        held = [
            faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)).copy()
            for i in range(index.nlist)
            if lists.list_size(i)
        ]
        return np.concatenate([np.zeros(0, dtype=np.int64), *held])

    def wanted_kind(self, count: int) -> str:
        setting = self.config.index_type
        if setting != "auto":
            return setting
        if count >= self.config.compressed_threshold:
            return "ivfsq"
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
        self._changed()
        return True

    def rebuild(self, store) -> None:
        """Fill a new index from the database: flat, or an IVF kind trained on a sample."""
        ids = sorted(store.ids_with_vectors(self.model.id))
        kind = self.wanted_kind(len(ids))
        log.info("Building a %s index of %d vectors for %s", kind, len(ids), self.model.key)
        self._changed()
        if kind in ("ivf", "ivfsq") and len(ids) >= 2:
            lists = _list_count(len(ids))
            sample = random.Random(0).sample(ids, min(len(ids), lists * TRAINING_POINTS_PER_LIST))
            _, training = store.vectors_for(self.model.id, sample)
            self.index = _ivf(self.model.dim, lists, training, compressed=kind == "ivfsq")
        else:
            self.index = _flat(self.model.dim)
        for chunk_ids, vectors in store.iter_vectors(self.model.id):
            self.add(chunk_ids, vectors)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Vectors by their FAISS ids."""
        if len(ids):
            self.index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64)
            )
            self._changed()

    def remove_items(self, items) -> None:
        """Every frame of these items (photos and videos, by their ids)."""
        items = np.asarray(list(items), dtype=np.int64)
        if len(items):
            later = self.later_frames()
            self.index.remove_ids(np.concatenate([items, later[np.isin(split(later)[0], items)]]))
            self._changed()

    def later_frames(self) -> np.ndarray:
        """The held ids of videos' scenes after their first (kept until the index changes)."""
        if self._later_frames is None:
            self._later_frames = later_frames(self.ids())
        return self._later_frames

    def _changed(self) -> None:
        self._gpu_index = None
        self._later_frames = None

    def search_items(
        self, query: np.ndarray, k: int, among: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(scores, item ids, frames) of the k items nearest one query, best first, each item
        once, by its best frame: a video ranks by the scene that matches best. With `among`
        (item ids), only those items' frames compete."""
        later = self.later_frames()
        if among is not None and len(later):
            theirs = later[np.isin(split(later)[0], among)]
            among = np.concatenate([np.asarray(among, dtype=np.int64), theirs])
        available = self.size if among is None else len(among)
        wanted = k
        while True:
            scores, ids = self.search(query, wanted, among)
            items, frames = split(ids[0])
            kept = items >= 0
            firsts = np.unique(items[kept], return_index=True)[1]
            best = np.flatnonzero(kept)[np.sort(firsts)][:k]
            if len(best) >= k or wanted >= available:
                return scores[0][best], items[best], frames[best]
            wanted = min(available, wanted * 4)

    def search(
        self, queries: np.ndarray, k: int, among: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids), each (len(queries), k' <= k); ids of -1 mark padding. With `among`,
        only those ids compete, exhaustively, so every one of them is returned when there are
        fewer than k. A compressed index re-scores max(4 k, 64) candidates with the stored
        vectors, so its scores are exact and its order that of exact search among them."""
        available = self.index.ntotal if among is None else len(among)
        k = min(k, available)
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        if k <= 0:
            empty = np.zeros((len(queries), 0))
            return empty.astype(np.float32), empty.astype(np.int64)
        with _threads_for(len(queries)):
            if self.kind != "ivfsq" or self.stored_vectors is None:
                return self._search(queries, k, among)
            wanted = min(available, max(RERANK_FACTOR * k, RERANK_MINIMUM))
            _, candidates = self._search(queries, wanted, among)
            return _rerank(queries, candidates, k, self.stored_vectors)

    def _search(
        self, queries: np.ndarray, k: int, among: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """FAISS's own answer (8-bit approximations of the scores for a compressed index)."""
        ivf = self.kind != "flat"
        if among is None:
            params = faiss.SearchParametersIVF(nprobe=self.config.ivf_nprobe) if ivf else None
            return self._searchable().search(queries, k, params=params)
        # Selectors run on the CPU index (GPU indexes do not take them); an IVF index then
        # visits every list, which makes the filtered search exact (after re-ranking, for a
        # compressed one).
        selector = faiss.IDSelectorBatch(np.ascontiguousarray(among, dtype=np.int64))
        if ivf:
            lists = faiss.downcast_index(self.index).nlist
            params = faiss.SearchParametersIVF(sel=selector, nprobe=lists)
        else:
            params = faiss.SearchParameters(sel=selector)
        return self.index.search(queries, k, params=params)

    def save(self, version: int) -> None:
        """Write atomically (a reader sees a whole file or none), then drop older versions."""
        target = self.directory / f"{self.prefix}{version}.faiss"
        atomic_write(target, lambda temporary: faiss.write_index(self.index, temporary), fsync=True)
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


def _ivf(dim: int, lists: int, training: np.ndarray, compressed: bool):
    """IVF-Flat, or with `compressed` IVF over 8-bit scalar codes of the residuals: one byte
    per dimension instead of four, close enough that re-ranking a few candidates is exact."""
    quantizer = faiss.IndexFlatIP(dim)
    if compressed:
        index = faiss.IndexIVFScalarQuantizer(
            quantizer, dim, lists, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )
    else:
        index = faiss.IndexIVFFlat(quantizer, dim, lists, faiss.METRIC_INNER_PRODUCT)
    index.train(np.ascontiguousarray(training, dtype=np.float32))
    return index


def _rerank(
    queries: np.ndarray, candidates: np.ndarray, k: int, stored_vectors: VectorFetch
) -> tuple[np.ndarray, np.ndarray]:
    """The k best candidates of each query by exact inner product with their stored vectors;
    a candidate whose vector is no longer stored is dropped (padding, id -1)."""
    # Python ints: SQLAlchemy binds NumPy integers as something no id equals.
    found, vectors = stored_vectors(np.unique(candidates[candidates >= 0]).tolist())
    scores = np.full(candidates.shape, np.finfo(np.float32).min, dtype=np.float32)
    ids = np.full(candidates.shape, -1, dtype=np.int64)
    if len(found):
        order = np.argsort(found)
        found, vectors = found[order], vectors[order]
        rows = np.searchsorted(found, candidates).clip(max=len(found) - 1)
        known = found[rows] == candidates
        exact = np.matmul(vectors[rows], queries[:, :, None])[..., 0]
        scores, ids = np.where(known, exact, scores), np.where(known, candidates, ids)
    best = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(scores, best, 1), np.take_along_axis(ids, best, 1)


@contextlib.contextmanager
def _threads_for(queries: int):
    """One OpenMP thread for a query or a few: FAISS splits a single query's scan across
    threads, which measured 4x slower than one thread on a 2-core machine (and serialises
    concurrent searches). The setting is the calling thread's own, and is put back."""
    if queries > SINGLE_THREAD_QUERIES:
        yield
        return
    with one_faiss_thread():
        yield


@contextlib.contextmanager
def one_faiss_thread():
    """FAISS on one OpenMP thread for a while, then as it was."""
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _gpu_count() -> int:
    get_num_gpus = getattr(faiss, "get_num_gpus", None)
    return get_num_gpus() if get_num_gpus else 0
