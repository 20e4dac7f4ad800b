"""Each face's nearest faces within a cosine distance, on FAISS: inner product over unit
descriptors, exact up to EXACT_UP_TO faces and an inverted-file index above (what
`python -m benchmarks --only people` measured: exact search of 200k faces against themselves
takes minutes on two cores, the inverted file seconds, with the same neighbours for 99 % of
faces)."""

from __future__ import annotations

import math

import faiss
import numpy as np

EXACT_UP_TO = 20_000
PROBED_LISTS = 16


def nearest(
    queries: np.ndarray, base: np.ndarray, k: int, distance: float
) -> tuple[np.ndarray, np.ndarray]:
    """The cosine distances and rows in `base` of each query's `k` nearest faces, nearest
    first; rows beyond `distance` (or missing, when `base` is small) are -1."""
    if len(base) == 0 or len(queries) == 0:
        return np.full((len(queries), k), np.inf, "float32"), np.full((len(queries), k), -1)
    similarities, rows = _index(base).search(np.ascontiguousarray(queries, "float32"), k)
    distances = 1 - similarities
    far = (rows < 0) | (distances > distance)
    rows[far] = -1
    distances[far] = np.inf
    return distances, rows


def _index(base: np.ndarray) -> faiss.Index:
    base = np.ascontiguousarray(base, "float32")
    dimension = base.shape[1]
    if len(base) <= EXACT_UP_TO:
        index = faiss.IndexFlatIP(dimension)
    else:
        lists = int(4 * math.sqrt(len(base)))
        quantizer = faiss.IndexFlatIP(dimension)
        index = faiss.IndexIVFFlat(quantizer, dimension, lists, faiss.METRIC_INNER_PRODUCT)
        sample = np.random.default_rng(0).choice(len(base), min(len(base), 40 * lists), False)
        index.train(base[sample])
        index.nprobe = PROBED_LISTS
    index.add(base)
    return index
