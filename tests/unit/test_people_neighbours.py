"""Nearest faces by lists (what a re-grouping of many faces uses) against exact search."""

from __future__ import annotations

import numpy as np

from photosearch.people import neighbours


def clustered(people: int, each: int) -> np.ndarray:
    rng = np.random.default_rng(9)
    centres = rng.normal(size=(people, 64))
    faces = np.repeat(centres, each, axis=0) + 0.3 * rng.normal(size=(people * each, 64))
    return (faces / np.linalg.norm(faces, axis=1, keepdims=True)).astype("float32")


def test_the_lists_find_nearly_every_exact_neighbour_within_the_distance(monkeypatch):
    faces = clustered(60, 50)
    exact_distances, exact = neighbours.nearest(faces, faces, 8, 0.2)
    monkeypatch.setattr(neighbours, "EXACT_PAIRS", 0)
    distances, by_lists = neighbours.nearest(faces, faces, 8, 0.2)
    found = sum(len(set(a[a >= 0]) & set(b[b >= 0])) for a, b in zip(by_lists, exact, strict=True))
    assert found / (exact >= 0).sum() > 0.9
    assert np.all(distances[by_lists >= 0] <= 0.2)
    assert np.all(np.diff(np.where(by_lists >= 0, distances, 2), axis=1) >= 0)  # nearest first
    assert (exact >= 0).sum() > len(faces) * 4  # the clusters are within the distance
    assert np.all(np.isinf(exact_distances[exact < 0]))


def test_nothing_to_search_finds_nothing():
    distances, rows = neighbours.nearest(np.ones((3, 4), "float32"), np.empty((0, 4)), 5, 0.5)
    assert rows.shape == (3, 5) and np.all(rows == -1) and np.all(np.isinf(distances))
