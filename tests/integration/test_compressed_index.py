"""The compressed vector index (IVF over 8-bit codes, re-ranked with the stored vectors) over a
real SQLite store: chosen by size, updated by id, as good as exact search on vectors shaped
like photo embeddings, complete under filters, and small."""

from __future__ import annotations

import dataclasses
import shutil
from functools import partial

import faiss
import numpy as np
import pytest

from benchmarks.search import build_store, queries
from photosearch.consistency import check
from photosearch.library import PhotoLibrary
from photosearch.store import Filters, VectorIndex

COUNT = 3_000


@pytest.fixture
def clustered(tmp_path):
    """(config, store, model): 3,000 clustered 512-d vectors, every 100th photo a PNG."""
    config, store, model = build_store(tmp_path / "clustered", COUNT)
    yield config, store, model
    store.close()


def opened(clustered, **settings) -> VectorIndex:
    config, store, model = clustered
    return VectorIndex.open(store, model, dataclasses.replace(config, **settings))


def exact_scores(store, model, probe: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Inner products of each query with the stored vectors of its row of ids."""
    found, vectors = store.vectors_for(model.id, np.unique(ids).tolist())
    rows = {photo_id: row for row, photo_id in enumerate(found)}
    pairs = zip(probe, ids, strict=True)
    return np.array([[vectors[rows[i]] @ q for i in row] for q, row in pairs])


def test_kind_follows_the_collection_size_down(clustered):
    _, store, model = clustered
    sizes = {"ann_threshold": 1_000, "compressed_threshold": 2_500}
    assert opened(clustered, **sizes).kind == "ivfsq"
    # The same file, fresh, is rebuilt when the threshold moves past its size.
    assert opened(clustered, ann_threshold=1_000, compressed_threshold=5_000).kind == "ivf"
    expected = [(2_000, "ivf"), (800, "flat")]
    for remaining, kind in expected:
        with store.writer() as writer:
            writer.delete_photos(range(1, COUNT - remaining + 1))
        index = opened(clustered, **sizes)
        assert (index.kind, index.size) == (kind, remaining)


def test_indexing_switches_flat_ivf_compressed_and_back(config, tiny_embedder, photo_tree):
    sizes = dataclasses.replace(config, ann_threshold=10, compressed_threshold=20, ivf_nprobe=4)
    library = PhotoLibrary(sizes, embedder=tiny_embedder)

    def index_after(*roots):
        library.index(list(roots))
        index = VectorIndex.open(library.store, library.model, sizes)
        ids = library.store.ids_with_vectors(library.model.id)
        assert sorted(index.ids()) == sorted(ids)
        for photo_id in ids:  # every photo finds itself first (copies tie), at its exact score
            _, vector = library.store.vectors_for(library.model.id, [photo_id])
            scores, found = index.search(vector, 3)
            assert photo_id in found[0][scores[0] > 1 - 1e-5]
        return index.kind, index.size

    assert index_after(photo_tree / "photos") == ("ivf", 13)
    assert index_after(photo_tree) == ("ivfsq", 25)
    for name in ("grass.jpg", "gravel.jpg"):
        (photo_tree / "photos/nature" / name).unlink()
    assert index_after(photo_tree) == ("ivfsq", 23)  # removed by id, in place
    shutil.rmtree(photo_tree / "edge")
    assert index_after(photo_tree) == ("ivf", 11)
    shutil.rmtree(photo_tree / "photos/places")
    assert index_after(photo_tree) == ("flat", 9)
    library.close()


def test_compressed_search_agrees_with_exact_search(clustered):
    config, store, model = clustered
    probe = queries(50)
    _, exact = opened(clustered, index_type="flat").search(probe, 10)
    compressed = opened(clustered, index_type="ivfsq")
    scores, found = compressed.search(probe, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, exact, strict=True)])
    assert recall >= 0.95
    np.testing.assert_allclose(scores, exact_scores(store, model, probe, found), atol=1e-5)
    assert (np.diff(scores, axis=1) <= 0).all()

    unranked = VectorIndex(compressed.config, model)  # no stored vectors: 8-bit scores
    assert unranked.read() and unranked.kind == "ivfsq"
    rough, rough_ids = unranked.search(probe, 10)
    assert not np.allclose(rough, exact_scores(store, model, probe, rough_ids), atol=1e-5)


def test_compressed_index_is_updated_by_id_and_saved(clustered):
    config, store, model = clustered
    index = opened(clustered, index_type="ivfsq")
    ids, vectors = store.vectors_for(model.id, [5, 6, 7])
    index.remove_items(ids)
    assert index.size == COUNT - 3
    assert not set(index.search(vectors, 10)[1].ravel()) & {5, 6, 7}

    index.add(ids, vectors)
    index.add(np.array([10**6]), vectors[:1])  # in the index, no longer in the database
    index.save(model.vectors_version)
    again = VectorIndex(index.config, model, partial(store.vectors_for, model.id))
    assert again.read() and again.kind == "ivfsq" and again.size == COUNT + 1
    assert again.path.name == f"{again.prefix}{model.vectors_version}.faiss"
    scores, found = again.search(vectors, 2)
    assert list(found[:, 0]) == list(ids) and 10**6 not in found
    np.testing.assert_allclose(scores[:, 0], 1.0, atol=1e-5)


def test_filtered_compressed_search_is_exact_among_the_matches(clustered):
    config, store, model = clustered
    among = store.filtered_ids(Filters(formats=("PNG",)))
    assert len(among) == COUNT // 100
    probe = queries(5)
    compressed = opened(clustered, index_type="ivfsq")
    scores, found = compressed.search(probe, 50, among)
    for row in found:
        assert sorted(row) == sorted(among)  # fewer than k match: every one of them
    np.testing.assert_allclose(scores, exact_scores(store, model, probe, found), atol=1e-5)

    _, top = compressed.search(probe, 10, among)
    _, exact = opened(clustered, index_type="flat").search(probe, 10, among)
    np.testing.assert_array_equal(top, exact)


def test_compressed_index_is_under_a_third_of_the_raw_vectors(clustered):
    index = opened(clustered, index_type="ivfsq")
    raw = COUNT * 512 * 4
    assert faiss.downcast_index(index.index).code_size == 512  # one byte a dimension
    assert index.path.stat().st_size <= 0.3 * raw
    assert opened(clustered, index_type="ivf").path.stat().st_size > 0.9 * raw


def test_check_sees_the_ids_of_a_compressed_index(clustered):
    config, store, model = clustered
    settings = dataclasses.replace(config, index_type="ivfsq")
    index = VectorIndex.open(store, model, settings)
    assert check(store, settings).models[0].index_state == "fresh"
    index.remove_items([1])
    index.save(model.vectors_version)
    assert check(store, settings).models[0].index_state == "mismatch"
