"""Hostile folders, files that change under the indexer, hung decodes, two writers, a full or
read-only database, and kill -9 at random moments."""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import event

from photosearch.errors import StoreError
from photosearch.lock import DataDirBusy, FileLock

from ..conftest import TEST_DATA
from ..sample_data import make_hostile_tree
from ..serving import watching

REPO = Path(__file__).resolve().parents[2]
COFFEE = (TEST_DATA / "photos/food/coffee-cup.jpg").read_bytes()


def relative(library, root) -> set[str]:
    return {
        os.path.relpath(path, root)
        for path in library.store.known_files([str(root)], library.model.id)
    }


def failures(library, root) -> dict[str, str]:
    return {os.path.relpath(f.path, root): f.kind for f in library.store.failures()}


def test_hostile_tree_and_bad_files_index_without_a_crash(library, tmp_path, expected_failed):
    root = tmp_path / "hostile"
    make_hostile_tree(root, TEST_DATA / "photos/animals/chelsea-the-cat.jpg")
    shutil.copytree(TEST_DATA / "bad", root / "bad")
    try:
        summary = library.index([root])
    finally:
        os.chmod(root / "locked", 0o755)
    deep = os.path.join("deep", *["d"] * 60, "deep.jpg")
    expected = {
        "real/a.jpg", "real/copy-of-a.jpg", "link-to-photo.jpg", os.fsdecode(b"caf\xe9.jpg"),
        "folder.jpg/inner.jpg", deep,
        "locked/secret.jpg", "unreadable.jpg",  # chmod 000 does not stop root
    }  # fmt: skip
    assert relative(library, root) == expected
    recorded = failures(library, root)
    assert set(recorded) == {"dangling.jpg", "fifo.jpg", *expected_failed}
    assert recorded["dangling.jpg"] == "unreadable" and recorded["fifo.jpg"] == "not_a_file"
    assert all(recorded.values())
    assert summary.failed == 8 and summary.embedded == 1  # same bytes: one model call
    assert library.index([root]).embedded == 0


def test_file_deleted_between_listing_and_reading_is_gone_not_failed(
    library, photo_tree, monkeypatch
):
    library.index([photo_tree])
    victim = photo_tree / "photos/things/coins.jpg"
    victim.write_bytes(victim.read_bytes() + b"changed")  # must be re-read
    import photosearch.imaging.photo_file as photo_file

    real_open = open

    def vanishing_open(path, *args, **kwargs):
        if os.fspath(path) == str(victim):
            victim.unlink(missing_ok=True)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(photo_file, "open", vanishing_open, raising=False)
    summary = library.index([photo_tree])
    assert summary.deleted == 1 and "photos/things/coins.jpg" not in relative(library, photo_tree)
    assert "photos/things/coins.jpg" not in failures(library, photo_tree)


def test_a_decode_that_hangs_is_skipped_with_a_reason(library, photo_tree, monkeypatch):
    import dataclasses

    import photosearch.indexing.thread_stage as stage_module

    real_decode = stage_module.decode

    def slow_decode(data, **kwargs):
        if data[:4] == COFFEE[:4] and len(data) == len(COFFEE):
            time.sleep(30)  # stands in for a decoder stuck on a pathological file
        return real_decode(data, **kwargs)

    monkeypatch.setattr(stage_module, "decode", slow_decode)
    library.config = dataclasses.replace(library.config, decode_timeout=1)
    started = time.monotonic()
    summary = library.index([photo_tree])
    assert time.monotonic() - started < 20
    recorded = failures(library, photo_tree)
    assert recorded["photos/food/coffee-cup.jpg"] == "timeout"
    assert summary.new == 24 and summary.failed == 7


def test_second_writer_is_refused_naming_the_holder(library, photo_tree):
    holder = library.store.writer_lock().acquire()
    try:
        with pytest.raises(DataDirBusy, match=f"pid {os.getpid()}"):
            library.index([photo_tree])
    finally:
        holder.release()
    assert library.index([photo_tree]).new == 25


def test_disk_full_is_a_clear_error_and_the_next_run_recovers(library, photo_tree):
    library.index([photo_tree / "photos"])
    engine = library.store.engine

    @event.listens_for(engine, "connect")
    def tiny_disk(connection, _record):
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        connection.execute(f"PRAGMA max_page_count = {pages}")

    engine.dispose()
    with pytest.raises(StoreError, match="could not be written: database or disk is full"):
        library.index([photo_tree])
    event.remove(engine, "connect", tiny_disk)
    engine.dispose()
    summary = library.index([photo_tree])
    assert library.store.counts()["photos"] == 25 and summary.failed == 6
    database = library.config.data_dir / "photosearch.db"
    assert sqlite3.connect(database).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_read_only_database_is_a_clear_error(run_cli, photo_tree, tmp_path):
    run_cli("index", str(photo_tree / "photos"))
    database = tmp_path / "data" / "photosearch.db"
    read_only = f"sqlite:///file:{database}?mode=ro&uri=true"
    result = run_cli(
        "index", str(photo_tree), env={"PHOTOSEARCH_DATABASE_URL": read_only}, check=False
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "could not be written" in result.stderr and "readonly" in result.stderr
    assert json.loads(run_cli("index", str(photo_tree), "--json").stdout)["new"] == 12


def make_tree(root: Path, count: int) -> None:
    for number in range(count):
        folder = root / f"album{number % 6}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{number:04d}.jpg").write_bytes(COFFEE + number.to_bytes(4, "big"))


def photos_in(database: Path) -> int:
    """The photos committed so far by another process; -1 before its database has a table."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
            return db.execute("SELECT count(*) FROM photos").fetchone()[0]
    except sqlite3.Error:
        return -1


def kill_and_resume(run_cli, root: Path, count: int, rng: random.Random) -> None:
    process = subprocess.Popen(
        [sys.executable, str(REPO / "manage.py"), "index", str(root), "--batch-size", "8"],
        env=run_cli.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    committed = rng.randrange(count)  # 0: once the database exists (scanning, embedding...)
    database = Path(run_cli.env["PHOTOSEARCH_HOME"]) / "photosearch.db"
    deadline = time.monotonic() + 120
    while process.poll() is None and photos_in(database) < committed:
        assert time.monotonic() < deadline, f"{committed} photos were never committed"
        time.sleep(0.02)
    process.kill()
    process.wait()
    summary = json.loads(run_cli("index", str(root), "--json").stdout)
    assert summary["failed"] == 0
    report = json.loads(run_cli("check", "--json").stdout)
    assert report["consistent"], report
    assert report["photos"] == count
    (model,) = report["models"]
    assert model["vectors"] == count and model["index_vectors"] == count


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kill_minus_9_then_resume_leaves_sqlite_and_faiss_in_agreement(run_cli, tmp_path, seed):
    root = tmp_path / "photos"
    make_tree(root, 120)
    kill_and_resume(run_cli, root, 120, random.Random(seed))


@pytest.mark.slow
def test_kill_minus_9_many_times(run_cli, tmp_path):
    root = tmp_path / "photos"
    rng = random.Random(2026)
    count = 0
    for _ in range(20):
        make_tree(root, count + 40)  # new photos each round, so each run has work to cut
        count += 40
        kill_and_resume(run_cli, root, count, rng)


def test_cli_second_indexer_refuses_and_watch_follows_changes(run_cli, tmp_path):
    from photosearch.config import Config

    root = tmp_path / "photos"
    make_tree(root, 3)
    holder = FileLock(Config.load(environ=run_cli.env).data_dir).acquire()
    try:
        refused = run_cli("index", str(root), check=False)
    finally:
        holder.release()
    assert refused.returncode == 2 and f"pid {os.getpid()}" in refused.stderr
    assert "Traceback" not in refused.stderr

    with watching(run_cli.env, root):
        (root / "album0" / "new.jpg").write_bytes(COFFEE + b"new")
        deadline = time.monotonic() + 60
        while json.loads(run_cli("status", "--json").stdout)["photos"] != 4:
            assert time.monotonic() < deadline, "the watcher did not index the new file"
