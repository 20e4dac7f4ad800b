"""Each face's nearest faces within a cosine distance, on FAISS: inner product over unit
descriptors. Exact (one matrix product) for a few queries, as adding a batch of faces asks;
for every face against every face, as a re-grouping asks, the faces are split into lists of
about FACES_A_LIST around k-means centres (a person seen in thousands of photos is many lists),
and each list is compared with the PROBED_LISTS lists nearest its centre. Measured by
`python -m benchmarks --only people` on 200k faces: exact search takes minutes on two cores,
FAISS's inverted file (probing for each face, OpenMP threads) over a minute, the lists under
half a minute, finding 96 % of the exact neighbours within the distance."""

from __future__ import annotations

import math

import faiss
import numpy as np

from ..store.vector_index import one_faiss_thread

EXACT_PAIRS = 500_000_000  # 2,000 new faces against 250,000: a second or two on two cores
PROBED_LISTS = 4
TRAINING_FACES_A_LIST = 20  # a short k-means: it would cost as much as the search otherwise
FACES_A_LIST = 128
INNER_PRODUCT = faiss.METRIC_INNER_PRODUCT


def nearest(
    queries: np.ndarray, base: np.ndarray, k: int, distance: float
) -> tuple[np.ndarray, np.ndarray]:
    """The cosine distances and rows in `base` of each query's `k` nearest faces, nearest
    first; rows beyond `distance` (or missing, when `base` is small) are -1."""
    queries = np.ascontiguousarray(queries, "float32")
    base = np.ascontiguousarray(base, "float32")
    if len(base) == 0 or len(queries) == 0:
        return np.full((len(queries), k), np.inf, "float32"), np.full((len(queries), k), -1)
    if len(queries) * len(base) <= EXACT_PAIRS:
        similarities, rows = faiss.knn(queries, base, k, INNER_PRODUCT)
    else:
        similarities, rows = _by_lists(queries, base, k)
    distances = 1 - similarities
    far = (rows < 0) | (distances > distance)
    rows[far] = -1
    distances[far] = np.inf
    return distances, rows


def _by_lists(queries: np.ndarray, base: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    centres = _centres(base)
    base_list = _nearest_centre(centres, base)
    query_list = _nearest_centre(centres, queries)
    probed = faiss.knn(centres, centres, PROBED_LISTS, INNER_PRODUCT)[1]
    members, starts = _grouped(base_list, len(centres))
    asking_order, asking_starts = _grouped(query_list, len(centres))
    similarities = np.full((len(queries), k), -np.inf, "float32")
    rows = np.full((len(queries), k), -1)
    with one_faiss_thread():  # small blocks: threads would spend more time waiting than working
        for number in range(len(centres)):
            asking = asking_order[asking_starts[number] : asking_starts[number + 1]]
            if len(asking) == 0:
                continue
            near = np.concatenate([members[starts[n] : starts[n + 1]] for n in probed[number]])
            found, at = faiss.knn(queries[asking], base[near], min(k, len(near)), INNER_PRODUCT)
            similarities[asking, : found.shape[1]] = found
            rows[asking, : at.shape[1]] = np.where(at >= 0, near[np.maximum(at, 0)], -1)
    return similarities, rows


def _centres(base: np.ndarray) -> np.ndarray:
    """Centres of lists of about FACES_A_LIST faces: a few coarse lists, each split by its own
    k-means, so that a person seen in thousands of photos is many lists, not one."""
    coarse = _kmeans(base, max(1, int(math.sqrt(len(base)) / 8)))
    belongs = _nearest_centre(coarse, base)
    centres = []
    for number in range(len(coarse)):
        inside = base[belongs == number]
        if len(inside):
            centres.append(_kmeans(inside, math.ceil(len(inside) / FACES_A_LIST)))
    return np.concatenate(centres)


def _kmeans(vectors: np.ndarray, count: int) -> np.ndarray:
    if count <= 1 or len(vectors) <= count:
        return vectors[:count] if count > 1 else vectors.mean(axis=0, keepdims=True)
    sample = np.random.default_rng(0).choice(
        len(vectors), min(len(vectors), TRAINING_FACES_A_LIST * count), replace=False
    )
    kmeans = faiss.Kmeans(
        vectors.shape[1], count, niter=10, spherical=True, min_points_per_centroid=1, seed=1
    )
    kmeans.train(vectors[sample])
    return kmeans.centroids


def _grouped(lists: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows ordered by their list, and where each list starts in that order."""
    order = np.argsort(lists, kind="stable")
    return order, np.searchsorted(lists[order], np.arange(count + 1))


def _nearest_centre(centres: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    return faiss.knn(vectors, np.ascontiguousarray(centres), 1, INNER_PRODUCT)[1][:, 0]
