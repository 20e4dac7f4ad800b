"""One database, several machines: one writer at a time (a database lock on PostgreSQL, named
in the refusal, gone with a killed holder's session), searchers that catch up with vectors
written elsewhere from the change log, and a server restart that ends a run cleanly."""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
import threading

import numpy as np
import pytest
from sqlalchemy import delete

from photosearch.consistency import BEHIND, NOT_BUILT_HERE, check
from photosearch.errors import DatabaseUnavailable
from photosearch.library import PhotoLibrary
from photosearch.lock import DataDirBusy
from photosearch.metadata import PhotoMeta
from photosearch.progress import Progress
from photosearch.store import VectorIndex, change_log
from photosearch.store.schema import VectorChangeRow

from ..conftest import REPO

both_databases = pytest.mark.both_databases
postgresql_only = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

HOLD_THE_LOCK = """
import time
from photosearch.config import Config
from photosearch.store import Store
lock = Store(Config.load()).writer_lock().acquire()
print("locked", flush=True)
time.sleep(300)
"""


@pytest.fixture
def machine_2(library, tmp_path, tiny_embedder):
    """The same library seen from a second machine: its own data dir, the same database."""
    config = dataclasses.replace(
        library.config,
        data_dir=tmp_path / "machine-2",
        database_url=library.config.resolved_database_url,
    )
    other = PhotoLibrary(config, embedder=tiny_embedder)
    yield other
    other.close()


@pytest.fixture
def rebuilt(monkeypatch) -> list:
    """The data dirs whose vector index is rebuilt from scratch from now on."""
    calls = []
    real = VectorIndex.rebuild

    def spy(self, store):
        calls.append(self.config.data_dir)
        real(self, store)

    monkeypatch.setattr(VectorIndex, "rebuild", spy)
    return calls


@both_databases
def test_change_log_names_each_versions_photos_and_forgets_old_versions(library, monkeypatch):
    store = library.store
    model = store.ensure_model("test-model", "arch", None, None, 4)
    monkeypatch.setattr(change_log, "CHANGE_LOG_VERSIONS", 3)
    ids = []
    for number in range(5):
        with store.writer() as writer:
            ids.append(writer.add_photo(f"/p/{number}.jpg", 1, 1, f"{number:064x}", PhotoMeta()))
            writer.set_vector(ids[-1], model.id, np.ones(4))
    assert store.model(model.id).vectors_version == 5
    assert store.vector_changes(model.id, 3, 5) == {ids[3], ids[4]}
    assert store.vector_changes(model.id, 2, 5) == set(ids[2:])
    assert store.vector_changes(model.id, 1, 5) is None  # version 2 is pruned
    with store.writer() as writer:
        writer.delete_photos([ids[0]])
    assert store.vector_changes(model.id, 5, 6) == {ids[0]}
    with store.writer() as writer:
        writer.vectors_changed(model.id)  # a bulk load that does not say which photos
    assert store.vector_changes(model.id, 5, 7) is None


@both_databases
def test_a_searcher_elsewhere_updates_its_index_from_the_change_log(
    library, machine_2, photo_tree, rebuilt
):
    library.index([photo_tree / "photos"])
    searcher = machine_2.searcher
    query = np.ones(machine_2.model.dim, dtype=np.float32)
    first = len(searcher.vector(query, 100))
    assert machine_2.config.data_dir in rebuilt  # its first index: built from the database

    rebuilt.clear()
    library.index([photo_tree])  # more photos, written by the other machine
    (photo_tree / "photos/nature/gravel.jpg").unlink()
    library.index([photo_tree])  # and one fewer
    assert first < len(searcher.vector(query, 100)) == 24
    assert machine_2.config.data_dir not in rebuilt  # updated, not rebuilt
    index = searcher.index
    assert sorted(index.ids()) == sorted(machine_2.store.ids_with_vectors(machine_2.model.id))
    assert index.saved_version() == machine_2.store.model(machine_2.model.id).vectors_version

    (photo_tree / "photos/things/coins.jpg").unlink()
    library.index([photo_tree])
    with library.store.engine.begin() as connection:  # a log that no longer reaches back
        connection.execute(delete(VectorChangeRow))
    assert len(searcher.vector(query, 100)) == 23
    assert machine_2.config.data_dir in rebuilt


@both_databases
def test_a_killed_writers_lock_is_released(library):
    config = library.config
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_LOCK],
        env={
            **os.environ,
            "PHOTOSEARCH_HOME": str(config.data_dir),
            "PHOTOSEARCH_DATABASE_URL": config.database_url,  # empty: SQLite in the data dir
        },
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "locked"
        with pytest.raises(DataDirBusy, match=f"pid {child.pid} on "):
            library.store.writer_lock().acquire()
    finally:
        child.kill()
        child.wait()
    library.store.writer_lock().acquire(wait=10).release()


@postgresql_only
def test_a_writer_on_another_machine_is_refused_or_waited_for(library, machine_2, photo_tree):
    holder = machine_2.store.writer_lock().acquire()
    try:
        with pytest.raises(DataDirBusy) as refused:
            library.index([photo_tree])
        message = refused.value.message
        assert f"pid {os.getpid()} on {socket.gethostname()}" in message and "since" in message
        assert "the database postgresql" in message
        releaser = threading.Timer(1.0, holder.release)
        releaser.start()
        summary = library.index([photo_tree], wait=30)  # as the watcher waits
        releaser.join()
    finally:
        holder.release()
    assert summary.new == 25


@postgresql_only
def test_a_server_restart_mid_run_is_a_clear_error_and_the_next_run_completes(
    library, photo_tree, postgres_server
):
    class RestartMidRun(Progress):
        seen, restarted = 0, False

        def advance(self, count: int = 1) -> None:
            self.seen += count
            if self.seen >= 8 and not self.restarted:  # with batches of 8 still to come
                self.restarted = True
                postgres_server.restart()

    with pytest.raises(DatabaseUnavailable) as stopped:
        library.index([photo_tree], progress=RestartMidRun())
    assert "was lost" in stopped.value.message and "\n" not in stopped.value.message
    committed = library.store.counts()["photos"]
    assert committed < 25
    summary = library.index([photo_tree])
    assert summary.new == 25 - committed
    assert library.store.counts() == {"photos": 25, "videos": 0, "failed": 6}
    assert check(library.store, library.config).consistent


def test_an_unreachable_server_is_a_clear_cli_error(run_cli):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there once the probe is closed
    url = f"postgresql://photos:secret@127.0.0.1:{port}/photos"
    result = run_cli("status", env={"PHOTOSEARCH_DATABASE_URL": url}, check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "could not be made" in result.stderr and "secret" not in result.stderr


@both_databases
def test_vectors_for_numpy_ids(library, photo_tree):
    library.index([photo_tree / "photos"])
    ids = sorted(library.store.ids_with_vectors(library.model.id))[:5]
    from_ints = library.store.vectors_for(library.model.id, ids)
    from_numpy = library.store.vectors_for(library.model.id, np.array(ids, dtype=np.int64))
    assert from_numpy[0].tolist() == ids == from_ints[0].tolist()
    assert np.array_equal(from_numpy[1], from_ints[1])


@postgresql_only
def test_check_tells_a_cache_not_built_here_or_behind_from_a_disagreement(
    library, machine_2, photo_tree, run_cli
):
    library.index([photo_tree / "photos"])
    shared = {"PHOTOSEARCH_DATABASE_URL": library.config.database_url}
    said = run_cli("check", env={**shared, "PHOTOSEARCH_HOME": str(machine_2.config.data_dir)})
    assert f"index {NOT_BUILT_HERE}" in said.stdout and said.stdout.endswith("consistent\n")

    query = np.ones(machine_2.model.dim, dtype=np.float32)
    machine_2.searcher.vector(query, 10)  # machine 2 builds its own file
    library.index([photo_tree])  # the other machine adds photos: machine 2's file is behind
    (model,) = check(machine_2.store, machine_2.config).models
    assert model.index_state == BEHIND and check(machine_2.store, machine_2.config).consistent

    machine_2.searcher.vector(query, 10)  # caught up; then broken at its own version
    index = VectorIndex(machine_2.config, machine_2.model)
    assert index.read()
    index.remove_items(index.ids()[:2])
    index.save(machine_2.store.model(machine_2.model.id).vectors_version)
    report = check(machine_2.store, machine_2.config)
    assert report.models[0].index_state == "mismatch" and not report.consistent


@postgresql_only
def test_rebuild_index_on_postgresql_needs_no_writer_lock(library, machine_2, photo_tree, run_cli):
    library.index([photo_tree / "photos"])
    holder = library.store.writer_lock().acquire()  # another machine is indexing
    try:
        env = {
            "PHOTOSEARCH_DATABASE_URL": library.config.database_url,
            "PHOTOSEARCH_HOME": str(machine_2.config.data_dir),
        }
        said = run_cli("rebuild-index", env=env)
    finally:
        holder.release()
    assert "flat index of 13 vectors" in said.stdout
    assert check(machine_2.store, machine_2.config).models[0].index_state == "fresh"
