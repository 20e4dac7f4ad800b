"""Indexing real files with the real store, FAISS and the tiny open_clip model."""

from __future__ import annotations

import dataclasses
import os
import shutil

import numpy as np
import pytest

from photosearch.errors import FolderError
from photosearch.store import Filters, VectorIndex

pytestmark = pytest.mark.both_databases


def relative(library, root) -> dict[str, int]:
    """Indexed photos as {path relative to root: id}."""
    known = library.store.known_files([str(root)], library.model.id)
    return {os.path.relpath(path, root): row.id for path, row in known.items()}


def assert_index_matches_database(library):
    """The FAISS file holds exactly the vectors in SQLite, for the current model."""
    model = library.model
    index = VectorIndex.open(library.store, model, library.config)
    ids_in_db = library.store.ids_with_vectors(model.id)
    assert index.size == len(ids_in_db)
    for photo_id in ids_in_db:
        scores, ids = index.search(library.store.vector(photo_id, model.id), 1)
        assert scores[0][0] == pytest.approx(1.0, abs=1e-4)
    return index


def test_full_index_records_every_bad_file_and_indexes_every_good_one(
    library, photo_tree, expected_indexed, expected_failed, count_embeds
):
    counter = count_embeds()
    summary = library.index([photo_tree])

    assert set(relative(library, photo_tree)) == expected_indexed
    assert summary.new == len(expected_indexed)
    assert summary.failed == len(expected_failed)
    assert counter.images == len(expected_indexed)
    failures = {os.path.relpath(f.path, photo_tree): f for f in library.store.failures()}
    assert set(failures) == expected_failed
    assert all(f.kind and f.message for f in failures.values())
    assert failures["bad/decompression-bomb.png"].kind == "too_large"
    assert failures["bad/zero-bytes.jpg"].kind == "empty"
    assert failures["bad/truncated.jpg"].kind == "corrupt"
    assert library.store.counts() == {"photos": 25, "videos": 0, "failed": 6}
    assert_index_matches_database(library)


def test_metadata_is_extracted(library, photo_tree):
    library.index([photo_tree])
    photo = library.store.photo_by_path(str(photo_tree / "edge" / "exif-canon-paris-2017.jpg"))
    assert photo.camera_make == "Canon"
    assert photo.taken_at.isoformat() == "2017-07-15T16:42:10"
    assert photo.latitude == pytest.approx(48.8582, abs=1e-3)
    assert photo.longitude == pytest.approx(2.2945, abs=1e-3)
    rotated = library.store.photo_by_path(str(photo_tree / "edge" / "orientation-6.jpg"))
    assert (rotated.width, rotated.height) == (451, 300)
    big = library.store.photo_by_path(str(photo_tree / "edge" / "big-12mp.jpg"))
    assert (big.width, big.height) == (4000, 3000)


def test_second_run_embeds_nothing(library, photo_tree, count_embeds):
    library.index([photo_tree])
    counter = count_embeds()
    summary = library.index([photo_tree])
    assert counter.images == 0
    assert summary.unchanged == 25 and summary.new == summary.changed == 0
    assert summary.failed == 6  # still failing, not retried: unchanged since


def test_touched_file_is_rehashed_not_reembedded(library, photo_tree, count_embeds):
    library.index([photo_tree])
    cat = photo_tree / "photos" / "animals" / "chelsea-the-cat.jpg"
    os.utime(cat, ns=(1_000_000_000, 1_000_000_000))
    counter = count_embeds()
    summary = library.index([photo_tree])
    assert counter.images == 0 and summary.unchanged == 25
    assert library.store.photo_by_path(str(cat)).mtime_ns == 1_000_000_000


def test_move_and_rename_keep_id_and_vector_without_model_call(library, photo_tree, count_embeds):
    library.index([photo_tree])
    before = relative(library, photo_tree)
    cat_id = before["photos/animals/chelsea-the-cat.jpg"]
    coffee_id = before["photos/food/coffee-cup.jpg"]
    cat_vector = library.store.vector(cat_id, library.model.id)

    (photo_tree / "moved").mkdir()
    shutil.move(photo_tree / "photos/animals/chelsea-the-cat.jpg", photo_tree / "moved/cat.jpg")
    os.rename(photo_tree / "photos/food/coffee-cup.jpg", photo_tree / "photos/food/espresso.jpg")
    counter = count_embeds()
    summary = library.index([photo_tree])

    after = relative(library, photo_tree)
    assert counter.images == 0
    assert summary.moved == 2 and summary.deleted == 0 and summary.new == 0
    assert after["moved/cat.jpg"] == cat_id
    assert after["photos/food/espresso.jpg"] == coffee_id
    assert "photos/animals/chelsea-the-cat.jpg" not in after
    np.testing.assert_array_equal(library.store.vector(cat_id, library.model.id), cat_vector)
    hits = library.searcher.like(str(cat_id), limit=1)
    assert hits[0].photo.path == str(photo_tree / "moved/cat.jpg")


def test_delete_removes_row_and_vector(library, photo_tree):
    library.index([photo_tree])
    grass = photo_tree / "photos" / "nature" / "grass.jpg"
    grass_id = relative(library, photo_tree)["photos/nature/grass.jpg"]
    grass.unlink()
    summary = library.index([photo_tree])
    assert summary.deleted == 1
    assert library.store.photo(grass_id) is None
    assert library.store.vector(grass_id, library.model.id) is None
    index = assert_index_matches_database(library)
    _, ids = index.search(np.ones(index.model.dim, dtype=np.float32), 100)
    assert grass_id not in ids[0]


def test_modified_content_is_reembedded_in_place(library, photo_tree, count_embeds):
    library.index([photo_tree])
    target = photo_tree / "photos" / "nature" / "gravel.jpg"
    target_id = relative(library, photo_tree)["photos/nature/gravel.jpg"]
    old_vector = library.store.vector(target_id, library.model.id)
    shutil.copyfile(photo_tree / "photos" / "places" / "moon.jpg", target)
    target.write_bytes(target.read_bytes() + b"\0")  # new bytes: no vector to reuse
    counter = count_embeds()
    summary = library.index([photo_tree])
    assert summary.changed == 1 and counter.images == 1
    assert relative(library, photo_tree)["photos/nature/gravel.jpg"] == target_id
    assert not np.allclose(library.store.vector(target_id, library.model.id), old_vector)
    assert_index_matches_database(library)


def test_copy_reuses_vector_of_identical_content(library, photo_tree, count_embeds):
    library.index([photo_tree])
    shutil.copy2(photo_tree / "photos/things/coins.jpg", photo_tree / "photos/coins-copy.jpg")
    counter = count_embeds()
    summary = library.index([photo_tree])
    assert counter.images == 0 and summary.new == 1 and summary.reused == 1
    ids = relative(library, photo_tree)
    original = library.store.vector(ids["photos/things/coins.jpg"], library.model.id)
    copy = library.store.vector(ids["photos/coins-copy.jpg"], library.model.id)
    np.testing.assert_array_equal(original, copy)
    assert_index_matches_database(library)


def test_failed_file_is_retried_when_it_changes(library, photo_tree):
    library.index([photo_tree])
    broken = photo_tree / "bad" / "truncated.jpg"
    shutil.copyfile(photo_tree / "photos" / "places" / "moon.jpg", broken)
    summary = library.index([photo_tree])
    assert summary.new == 1 and summary.failed == 5
    assert "bad/truncated.jpg" in relative(library, photo_tree)
    assert str(broken) not in {f.path for f in library.store.failures()}


def test_photo_that_becomes_corrupt_is_recorded_and_removed(library, photo_tree):
    library.index([photo_tree])
    brick = photo_tree / "photos" / "things" / "brick-wall.jpg"
    brick.write_bytes(brick.read_bytes()[:2000])
    summary = library.index([photo_tree])
    assert summary.failed == 7
    assert "photos/things/brick-wall.jpg" not in relative(library, photo_tree)
    assert_index_matches_database(library)


def test_deleted_failure_is_forgotten(library, photo_tree):
    library.index([photo_tree])
    (photo_tree / "bad" / "zero-bytes.jpg").unlink()
    library.index([photo_tree])
    assert library.store.counts()["failed"] == 5


def test_unreadable_folder_does_not_count_as_deleted(library, photo_tree, monkeypatch):
    """Tests run as root, who can read anything, so the denial is simulated at os.scandir."""
    library.index([photo_tree])
    real_scandir = os.scandir
    blocked = str(photo_tree / "photos" / "people")

    def scandir(path="."):
        if os.fspath(path) == blocked:
            raise PermissionError(13, "Permission denied", blocked)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    summary = library.index([photo_tree])
    assert summary.deleted == 0
    assert "photos/people/astronaut.jpg" in relative(library, photo_tree)
    kinds = {f.path: f.kind for f in library.store.failures()}
    assert kinds[blocked] == "unreadable"


def test_other_roots_are_left_alone(library, photo_tree):
    library.index([photo_tree / "photos"])
    library.index([photo_tree / "edge"])
    assert library.store.counts()["photos"] == 25


def test_missing_folder_is_a_clear_error(library, tmp_path):
    with pytest.raises(FolderError, match="does not exist"):
        library.index([tmp_path / "nope"])


def test_interrupted_run_resumes_where_it_stopped(library, photo_tree, count_embeds, monkeypatch):
    embedder = library.embedder
    real = embedder.embed_pixels
    calls = {"n": 0}

    def failing_after_two_batches(pixels):
        calls["n"] += 1
        if calls["n"] > 2:
            raise KeyboardInterrupt
        return real(pixels)

    monkeypatch.setattr(embedder, "embed_pixels", failing_after_two_batches)
    with pytest.raises(KeyboardInterrupt):
        library.index([photo_tree])
    committed = library.store.counts()["photos"]
    assert committed == 2 * library.config.batch_size
    monkeypatch.setattr(embedder, "embed_pixels", real)

    counter = count_embeds()
    summary = library.index([photo_tree])
    assert counter.images == 25 - committed
    assert summary.unchanged == committed
    assert library.store.counts()["photos"] == 25
    assert_index_matches_database(library)


def test_stale_or_missing_faiss_file_is_rebuilt(library, photo_tree):
    library.index([photo_tree])
    index_file = VectorIndex(library.config, library.model).path
    index_file.unlink()
    assert assert_index_matches_database(library).size == 25
    index_file.write_bytes(b"garbage")
    assert assert_index_matches_database(library).size == 25


def test_hidden_and_excluded_entries_are_skipped(photo_tree, config, tiny_embedder):
    from photosearch.library import PhotoLibrary

    shutil.copy(photo_tree / "photos/things/coins.jpg", photo_tree / ".hidden.jpg")
    (photo_tree / ".thumbs").mkdir()
    shutil.copy(photo_tree / "photos/things/coins.jpg", photo_tree / ".thumbs" / "t.jpg")
    excluded = dataclasses.replace(config, exclude=("*/bad/*", "*.gif"))
    library = PhotoLibrary(excluded, embedder=tiny_embedder)
    summary = library.index([photo_tree])
    paths = set(relative(library, photo_tree))
    assert summary.failed == 0
    assert "edge/animated.gif" not in paths and ".hidden.jpg" not in paths
    assert not any(path.startswith(".thumbs") for path in paths)
    library.close()


def test_overlapping_roots_index_each_file_once(library, photo_tree):
    summary = library.index([photo_tree, photo_tree / "photos", photo_tree])
    assert summary.new == 25 and library.store.counts()["photos"] == 25


def test_unreadable_folder_stays_recorded_while_unreadable(library, photo_tree, monkeypatch):
    real_scandir = os.scandir
    blocked = str(photo_tree / "edge")

    def scandir(path="."):
        if os.fspath(path) == blocked:
            raise PermissionError(13, "Permission denied", blocked)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    library.index([photo_tree])
    library.index([photo_tree])
    assert blocked in {f.path for f in library.store.failures()}
    monkeypatch.setattr(os, "scandir", real_scandir)
    library.index([photo_tree])
    assert blocked not in {f.path for f in library.store.failures()}
    assert library.store.counts()["photos"] == 25


def test_switching_model_embeds_again_and_never_mixes_vectors(
    tmp_path, config, photo_tree, tiny_embedder, count_embeds
):
    from photosearch.library import PhotoLibrary
    from photosearch.model.embedder import Embedder
    from photosearch.model.loading import TEST_ARCH, load_model, parse_model

    from ..conftest import save_tiny_checkpoint

    first = PhotoLibrary(config, embedder=tiny_embedder)
    first.index([photo_tree])
    other_name = f"{TEST_ARCH}:{save_tiny_checkpoint(tmp_path / 'other.pt', seed=5)}"
    other_config = dataclasses.replace(config, model=other_name)
    other_embedder = Embedder(
        load_model(parse_model(other_name, other_config), other_config, "cpu"), "cpu"
    )
    second = PhotoLibrary(other_config, embedder=other_embedder)

    summary = second.index([photo_tree])
    assert other_embedder.images_embedded == 25 and summary.unchanged == 25
    assert second.model.id != first.model.id
    assert second.store.counts(second.model.id)["vectors"] == 25
    assert second.store.counts(first.model.id)["vectors"] == 25
    assert_index_matches_database(first)
    assert_index_matches_database(second)
    photo_id = relative(first, photo_tree)["photos/things/coins.jpg"]
    assert not np.allclose(
        first.store.vector(photo_id, first.model.id), second.store.vector(photo_id, second.model.id)
    )

    counter = count_embeds()
    assert first.index([photo_tree]).unchanged == 25 and counter.images == 0
    first.close()
    second.close()


def test_large_collections_switch_to_an_approximate_index_and_back(
    config, tiny_embedder, photo_tree
):
    from photosearch.library import PhotoLibrary

    small = dataclasses.replace(config, ann_threshold=20, ivf_nprobe=4)
    library = PhotoLibrary(small, embedder=tiny_embedder)
    library.index([photo_tree])
    index = assert_index_matches_database(library)
    assert index.kind == "ivf" and index.size == 25

    coins = library.store.photo_by_path(str(photo_tree / "photos/things/coins.jpg"))
    among = library.store.filtered_ids(Filters(formats=("PNG",)))
    scores, ids = index.search(np.ones(64, dtype=np.float32), 50, among)
    assert sorted(ids[0][ids[0] >= 0]) == sorted(among)  # filtered IVF search is complete
    assert library.searcher.like(str(coins.id), limit=1)[0].photo.id == coins.id

    for name in ("grass.jpg", "gravel.jpg"):
        (photo_tree / "photos/nature" / name).unlink()
    library.index([photo_tree])  # incremental removal keeps the IVF index
    assert assert_index_matches_database(library).kind == "ivf"

    shutil.rmtree(photo_tree / "edge")
    library.index([photo_tree])  # 11 photos: back under the threshold, exact again
    index = assert_index_matches_database(library)
    assert index.kind == "flat" and index.size == 11
    library.close()


def test_pipeline_vectors_equal_the_simple_path(library, photo_tree, tiny_embedder):
    """Threads, batching and draft decoding change the speed, never the vectors."""
    from photosearch.imaging.decoder import decode

    library.index([photo_tree])
    for name in ("photos/things/motorcycle.png", "edge/big-12mp.jpg", "edge/orientation-6.jpg"):
        path = photo_tree / name
        image = decode(path.read_bytes(), max_pixels=10**9, min_side=tiny_embedder.image_size).image
        expected = tiny_embedder.embed_images([image])[0]
        stored = library.store.vector(library.store.photo_by_path(str(path)).id, library.model.id)
        np.testing.assert_allclose(stored, expected, atol=1e-5)


def test_a_file_saved_by_a_search_during_the_run_is_caught_up_not_rebuilt(
    library, photo_tree, monkeypatch
):
    """A web server's search saves a newer FAISS file while a run commits; the run's end then
    applies the change log since that file instead of rebuilding from every vector."""
    from photosearch.indexing.reconciler import Reconciler

    library.index([photo_tree / "photos"])
    commit, rebuild = Reconciler.commit, VectorIndex.rebuild
    searched, rebuilds = [], []

    def commit_then_search_once(self):
        commit(self)
        if not searched:
            searched.append(VectorIndex.open(self.store, self.model, self.config).size)

    def counted_rebuild(self, store):
        rebuilds.append(self.model.vectors_version)
        rebuild(self, store)

    monkeypatch.setattr(Reconciler, "commit", commit_then_search_once)
    monkeypatch.setattr(VectorIndex, "rebuild", counted_rebuild)
    summary = library.index([photo_tree])
    assert searched and summary.new == 12 and rebuilds == []
    index = VectorIndex.open(library.store, library.model, library.config)
    assert index.size == library.store.counts(library.model.id)["vectors"] == 25


def test_copies_across_batches_of_one_run_are_embedded_once(
    config, tiny_embedder, photo_tree, count_embeds
):
    """The model runs a batch ahead of the commits, yet each batch is decided after the one
    before it is committed: a content embedded in an earlier batch of the same run is reused
    from the store, never embedded again nor read a second time."""
    from photosearch.library import PhotoLibrary

    root = photo_tree.parent / "copies"
    originals = sorted((photo_tree / "photos").rglob("*.jpg"))[:5]
    for copy in range(4):
        for number, original in enumerate(originals):
            (root / f"album{copy}").mkdir(parents=True, exist_ok=True)
            shutil.copy2(original, root / f"album{copy}" / f"{number}.jpg")
    library = PhotoLibrary(dataclasses.replace(config, batch_size=2), embedder=tiny_embedder)
    counter = count_embeds()
    summary = library.index([root])
    assert (summary.new, summary.embedded, summary.reused) == (20, 5, 15)
    assert counter.images == 5
    ids = relative(library, root)
    for number in range(len(originals)):
        vectors = [
            library.store.vector(ids[f"album{c}/{number}.jpg"], library.model.id) for c in range(4)
        ]
        for vector in vectors[1:]:
            np.testing.assert_array_equal(vector, vectors[0])
    assert_index_matches_database(library)
    library.close()


def test_the_model_embeds_the_next_batch_while_this_one_commits(library, photo_tree, monkeypatch):
    """Overlap, shown without timing: the first commit waits until the model has started on
    the second batch, which only an overlapped pipeline reaches."""
    import threading

    from photosearch.indexing.reconciler import Reconciler

    embedder, commit = library.embedder, Reconciler.commit
    real_embed = embedder.embed_pixels
    calls, second_batch, seen = [], threading.Event(), []

    def embed(pixels):
        calls.append(threading.current_thread().name)
        if len(calls) == 2:
            second_batch.set()
        return real_embed(pixels)

    def first_commit_waits(self):
        if not seen:
            seen.append(second_batch.wait(timeout=30))
        commit(self)

    monkeypatch.setattr(embedder, "embed_pixels", embed)
    monkeypatch.setattr(Reconciler, "commit", first_commit_waits)
    summary = library.index([photo_tree])
    assert seen == [True]
    assert threading.current_thread().name not in calls  # the model ran on the stage's thread
    assert summary.new == 25 and library.store.counts()["photos"] == 25
