"""The benchmarks' own parts work (at toy sizes); their timings are not asserted anywhere."""

from __future__ import annotations

import faiss
import numpy as np

from benchmarks import compressed, reindex, search
from benchmarks.common import clustered_vectors


def test_synthetic_vectors_are_unit_length_and_reproducible():
    (_, first), (_, again) = (
        next(clustered_vectors(500, seed=3)),
        next(clustered_vectors(500, seed=3)),
    )
    np.testing.assert_array_equal(first, again)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)


def test_search_benchmark_at_toy_size(tmp_path):
    rows = {row.figure: row for row in search.run_size(tmp_path, 2_000, 20)}
    assert rows["IVF recall@10 vs exact"].value > 0.5
    assert rows["exact (flat) p50"].value > 0


def test_compressed_benchmark_at_toy_size(tmp_path):
    _, vectors = next(clustered_vectors(5_000))
    rows = {row.figure: row for row in compressed.run_size(tmp_path, vectors, search.queries(20))}
    assert rows["recall@10 vs exact, re-ranked"].value >= 0.9
    assert rows["file size per vector"].ratio < 0.3
    assert rows["memory (RSS) added by loading, per vector"].value > 0


def test_chunked_ground_truth_equals_a_flat_search():
    _, vectors = next(clustered_vectors(3_000, seed=5))
    probe = search.queries(10)
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    _, expected = flat.search(probe, 10)
    np.testing.assert_array_equal(compressed.exact_top(vectors, probe, 10, chunk=700), expected + 1)


def test_bare_walk_counts_every_file(tmp_path):
    reindex.make_tree(tmp_path / "tree", 1_200)
    assert reindex.bare_walk(tmp_path / "tree") == 1_200
