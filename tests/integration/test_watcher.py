"""The watcher on real files in tmp_path, with real inotify: the index must equal the disk."""

from __future__ import annotations

import dataclasses
import errno
import os
import shutil
import time

import pytest

from photosearch.indexing.watcher import Watcher
from photosearch.library import PhotoLibrary

from ..conftest import TEST_DATA

COFFEE = (TEST_DATA / "photos/food/coffee-cup.jpg").read_bytes()
CAT = (TEST_DATA / "photos/animals/chelsea-the-cat.jpg").read_bytes()


def unique_jpeg(number: int) -> bytes:
    """A valid JPEG with its own bytes: decoders stop at the end-of-image marker."""
    return COFFEE + number.to_bytes(4, "big")


def indexed(library, root) -> dict[str, int]:
    known = library.store.known_files([str(root)], library.model.id)
    return {os.path.relpath(path, root): row.id for path, row in known.items()}


def on_disk(root) -> set[str]:
    return {
        os.path.relpath(os.path.join(folder, name), root)
        for folder, _, names in os.walk(root)
        for name in names
        if name.endswith(".jpg")
    }


@pytest.fixture
def watched(library, tmp_path):
    root = tmp_path / "watched"
    (root / "album").mkdir(parents=True)
    (root / "album" / "cat.jpg").write_bytes(CAT)
    library.index([root])
    updates = []
    watcher = Watcher(library, [root], debounce=0.3, on_update=updates.append).start()
    yield root, watcher, updates
    watcher.stop()


def settled(watcher) -> None:
    assert watcher.wait_idle(timeout=90), "the watcher did not settle"


def test_create_modify_rename_move_delete(watched, library, count_embeds):
    root, watcher, _ = watched
    cat_id = indexed(library, root)["album/cat.jpg"]

    (root / "album" / "new.jpg").write_bytes(unique_jpeg(1))
    settled(watcher)
    assert set(indexed(library, root)) == {"album/cat.jpg", "album/new.jpg"}

    new_id = indexed(library, root)["album/new.jpg"]
    (root / "album" / "new.jpg").write_bytes(unique_jpeg(2))
    settled(watcher)
    assert indexed(library, root)["album/new.jpg"] == new_id
    assert library.store.photo(new_id).size == len(unique_jpeg(2))

    counter = count_embeds()
    os.rename(root / "album" / "cat.jpg", root / "album" / "kitty.jpg")
    (root / "other").mkdir()
    shutil.move(root / "album" / "new.jpg", root / "other" / "moved.jpg")
    settled(watcher)
    after = indexed(library, root)
    assert after == {"album/kitty.jpg": cat_id, "other/moved.jpg": new_id}
    assert counter.images == 0  # moves never re-embed

    shutil.rmtree(root / "other")
    settled(watcher)
    assert set(indexed(library, root)) == {"album/kitty.jpg"}
    assert library.store.photo(new_id) is None


def test_moving_a_whole_folder_keeps_identities(watched, library, count_embeds):
    root, watcher, _ = watched
    before = indexed(library, root)["album/cat.jpg"]
    counter = count_embeds()
    os.rename(root / "album", root / "renamed")
    settled(watcher)
    assert indexed(library, root) == {"renamed/cat.jpg": before}
    assert counter.images == 0


def test_save_by_rename_is_one_update(watched, library):
    root, watcher, updates = watched
    cat_id = indexed(library, root)["album/cat.jpg"]
    temporary = root / "album" / "cat.jpg.tmp-edit"
    temporary.write_bytes(unique_jpeg(7))
    os.replace(temporary, root / "album" / "cat.jpg")
    settled(watcher)
    assert indexed(library, root) == {"album/cat.jpg": cat_id}
    assert sum(u.changed for u in updates) == 1 and sum(u.failed for u in updates) == 0
    assert library.store.counts()["failed"] == 0


def test_burst_of_500_files_ends_with_the_index_equal_to_the_disk(watched, library):
    root, watcher, _ = watched
    for number in range(500):
        folder = root / f"burst{number % 5}"
        folder.mkdir(exist_ok=True)
        (folder / f"{number:03d}.jpg").write_bytes(unique_jpeg(1000 + number))
    for number in range(0, 500, 50):  # some vanish again, some move, mid-burst
        (root / f"burst{number % 5}" / f"{number:03d}.jpg").unlink()
    os.rename(root / "burst1", root / "burst-one")
    settled(watcher)
    assert set(indexed(library, root)) == on_disk(root)
    assert len(on_disk(root)) == 1 + 490


def test_watch_limit_falls_back_to_polling(library, tmp_path, monkeypatch, caplog):
    class LimitedObserver:
        def schedule(self, *args, **kwargs):
            raise OSError(errno.ENOSPC, "inotify watch limit reached")

    monkeypatch.setattr("photosearch.indexing.watcher.Observer", LimitedObserver)
    root = tmp_path / "polled"
    root.mkdir()
    watcher = Watcher(library, [root], debounce=0.3).start()
    try:
        assert watcher.polling and "limit on file watches" in caplog.text
        (root / "a.jpg").write_bytes(unique_jpeg(3))
        for _ in range(30):
            if watcher.wait_idle(timeout=5) and indexed(library, root):
                break
        assert set(indexed(library, root)) == {"a.jpg"}
    finally:
        watcher.stop()


def test_reconcile_catches_what_events_missed(config, tiny_embedder, tmp_path, monkeypatch):
    monkeypatch.setattr(
        "photosearch.indexing.watcher._Collector.on_any_event", lambda self, event: None
    )
    library = PhotoLibrary(
        dataclasses.replace(config, reconcile_interval=1), embedder=tiny_embedder
    )
    root = tmp_path / "missed"
    root.mkdir()
    updates = []
    watcher = Watcher(library, [root], on_update=updates.append).start()
    try:
        (root / "a.jpg").write_bytes(unique_jpeg(4))
        for _ in range(100):
            if indexed(library, root):
                break
            watcher.wait_idle(timeout=1, settle=0.2)
        assert set(indexed(library, root)) == {"a.jpg"}
    finally:
        watcher.stop()
        library.close()


def test_a_video_is_read_once_it_is_whole(library, tmp_path):
    """A video copied with a pause (as from a phone) is not read half-written: once whole."""
    from ..videos import Shot, write_video

    made = write_video(tmp_path / "made.mp4", [Shot("coffee", 3), Shot("rocket", 3)])
    whole = made.read_bytes()
    root = tmp_path / "watched"
    root.mkdir()
    library.index([root])
    updates = []
    watcher = Watcher(library, [root], debounce=0.3, video_settle=2.0, on_update=updates.append)
    watcher.start()
    try:
        with open(root / "copied.mp4", "wb") as copy:
            copy.write(whole[: len(whole) // 2])
            copy.flush()
            time.sleep(1.2)  # a pause longer than the debounce, shorter than the settle time
            copy.write(whole[len(whole) // 2 :])
        settled(watcher)
    finally:
        watcher.stop()
    video = library.store.photo_by_path(str(root / "copied.mp4"))
    assert video is not None and video.duration == pytest.approx(6, abs=0.2)
    assert library.store.failures() == [] and sum(update.failed for update in updates) == 0
