"""Near-duplicate groups: photos whose vectors have cosine similarity at or above a threshold,
joined transitively (A~B and B~C put A, B and C in one group), largest groups first. A video
takes part by its own vector (its first scene's), so its scenes are not each other's
duplicates."""

from __future__ import annotations

import faiss
import numpy as np

from .store import Store
from .store.frame_ids import split


def near_duplicate_groups(store: Store, model_id: int, threshold: float) -> list[list[int]]:
    ids, vectors = _all_vectors(store, model_id)
    if len(ids) < 2:
        return []
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    limits, _, neighbours = index.range_search(vectors, threshold)
    parent = np.arange(len(ids))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for row in range(len(ids)):
        for column in neighbours[limits[row] : limits[row + 1]]:
            a, b = root(row), root(int(column))
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for row in range(len(ids)):
        groups.setdefault(root(row), []).append(int(ids[row]))
    found = [sorted(group) for group in groups.values() if len(group) > 1]
    return sorted(found, key=lambda group: (-len(group), group[0]))


def _all_vectors(store: Store, model_id: int) -> tuple[np.ndarray, np.ndarray]:
    chunks = []
    for ids, vectors in store.iter_vectors(model_id):
        own = split(ids)[1] == 0
        chunks.append((ids[own], vectors[own]))
    if not chunks:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
    return np.concatenate([c[0] for c in chunks]), np.vstack([c[1] for c in chunks])
