"""Embedding on a Ray cluster, here a local one (2 CPUs, started once for the module), with the
tiny test model: the same photos, vectors and search results as in this process, bad files
recorded through it, a worker killed mid-run replaced and a driver killed mid-run resumed,
each with exact counts; a watch's bursts on the actors of its first run, no model loaded
again."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from photosearch.consistency import check
from photosearch.indexing.watcher import Watcher
from photosearch.library import PhotoLibrary
from photosearch.progress import Progress
from photosearch.search.request import parse_search
from photosearch.store.faces import Faces

from ..brightness_pass import BrightnessPass, CornerPass, measured_folder, registered
from ..text_photos import write_photos
from .test_faces_pass import write_scenes
from .test_robustness import COFFEE, REPO, make_tree

ray = pytest.importorskip("ray", reason="Ray is not installed: pip install -e '.[cluster]'")


@pytest.fixture(scope="module")
def ray_address():
    ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.WARNING)
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


@pytest.fixture
def cluster_library(config, tiny_embedder, ray_address):
    """A second library on its own data dir that embeds on the cluster, with the runtime of
    the tiny embedder that the in-process library uses."""
    on_ray = dataclasses.replace(
        config,
        data_dir=config.data_dir.parent / "ray-data",
        ray_address=ray_address,
        runtime="torch",
        precision="fp32",
    )
    library = PhotoLibrary(on_ray, embedder=tiny_embedder)
    yield library
    library.close()


def indexed(library, root) -> dict[str, int]:
    known = library.store.known_files([str(root)], library.model.id)
    return {os.path.relpath(path, root): row.id for path, row in known.items()}


def test_the_cluster_indexes_as_this_process_does(
    library, cluster_library, photo_tree, expected_indexed, expected_failed
):
    (photo_tree / "worker-cannot-read.jpg").symlink_to("/proc/self/mem")  # EIO when read
    here = library.index([photo_tree])
    there = cluster_library.index([photo_tree])

    assert (there.new, there.failed, there.embedded) == (here.new, here.failed, here.embedded)
    assert there.new == len(expected_indexed) and there.embedded == there.new
    assert there.where.startswith("on the Ray cluster") and socket.gethostname() in there.where
    assert (there.device, there.runtime) == ("cpu", "torch fp32")
    failures = {os.path.relpath(f.path, photo_tree): f for f in cluster_library.store.failures()}
    assert set(failures) == {*expected_failed, "worker-cannot-read.jpg"}
    here_failures = {os.path.relpath(f.path, photo_tree): f for f in library.store.failures()}
    assert {p: f.kind for p, f in failures.items()} == {p: f.kind for p, f in here_failures.items()}
    unreadable = failures["worker-cannot-read.jpg"]
    assert unreadable.kind == "unreadable" and f"(on {socket.gethostname()})" in unreadable.message

    ids_here, ids_there = indexed(library, photo_tree), indexed(cluster_library, photo_tree)
    assert set(ids_there) == set(ids_here) == expected_indexed
    for path, photo_id in ids_here.items():
        a = library.store.vector(photo_id, library.model.id)
        b = cluster_library.store.vector(ids_there[path], cluster_library.model.id)
        assert float(a @ b) >= 0.9999, path
    for query in ("a rocket on a launch pad", "a cat"):
        hits = [
            [os.path.relpath(hit.photo.path, photo_tree) for hit in lib.searcher.text(query, 10)]
            for lib in (library, cluster_library)
        ]
        assert hits[0] == hits[1], query

    # The driver applies the incremental rules: a move and a copy are hashed on the
    # cluster, never decoded or embedded; unchanged files never leave the driver.
    os.rename(photo_tree / "edge/cat.webp", photo_tree / "cat.webp")
    shutil.copy(photo_tree / "photos/things/coins.jpg", photo_tree / "coins-copy.jpg")
    again = cluster_library.index([photo_tree])
    assert (again.moved, again.new, again.reused, again.embedded) == (1, 1, 1, 0)
    assert again.unchanged == len(expected_indexed) - 1
    assert indexed(cluster_library, photo_tree)["cat.webp"] == ids_there["edge/cat.webp"]


def test_the_cluster_embeds_a_videos_scenes_as_this_process_does(
    library, cluster_library, tmp_path
):
    from ..videos import Shot, write_video

    folder = tmp_path / "videos"
    folder.mkdir()
    write_video(folder / "clip.mp4", [Shot("coffee", 3), Shot("chelsea", 3)])
    here, there = library.index([folder]), cluster_library.index([folder])
    assert there.where.startswith("on the Ray cluster") and (there.new, here.new) == (1, 1)
    scenes = [
        lib.store.frames(lib.store.photo_by_path(str(folder / "clip.mp4")).id, lib.model.id)
        for lib in (library, cluster_library)
    ]
    assert len(scenes[0].seconds) >= 2 and scenes[1].seconds == scenes[0].seconds
    assert (scenes[0].vectors * scenes[1].vectors).sum(axis=1).min() >= 0.9999


class KillWorkerOnce(Progress):
    """Kills the cluster's embedding actor (SIGKILL) once the driver has its first answers,
    then watches for the process that replaces it."""

    def __init__(self):
        self.answers = 0
        self.killed: list[int] = []
        self.replaced: set[int] = set()

    def advance(self, count: int = 1) -> None:
        self.answers += count
        if not self.killed:
            self.killed = actor_processes()
            for pid in self.killed:
                os.kill(pid, signal.SIGKILL)
        elif not self.replaced:
            self.replaced = set(actor_processes()) - set(self.killed)


def actor_processes() -> list[int]:
    """Processes of this machine whose title names the stage's Ray actor."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            title = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if entry.name.isdigit() and b"ray::" in title and b"EmbeddingActor" in title:
            found.append(int(entry.name))
    return found


@pytest.mark.slow
def test_a_worker_killed_mid_run_is_replaced(cluster_library, tmp_path):
    root = tmp_path / "photos"
    make_tree(root, 160)
    progress = KillWorkerOnce()
    summary = cluster_library.index([root], progress)
    assert progress.killed and progress.replaced and progress.answers == 160
    assert (summary.new, summary.failed, summary.embedded) == (160, 0, 160)
    report = check(cluster_library.store, cluster_library.config)
    assert report.consistent and report.photos == 160
    assert report.models[0].vectors == 160 and report.models[0].index_vectors == 160


@pytest.mark.slow
def test_a_driver_killed_mid_run_resumes_with_exact_counts(run_cli, ray_address, tmp_path):
    root = tmp_path / "photos"
    count = 400
    make_tree(root, count)
    command = [sys.executable, str(REPO / "manage.py"), "index", str(root), "--ray", ray_address]
    driver = subprocess.Popen(
        [*command, "--batch-size", "4"], env=run_cli.env, stdout=subprocess.DEVNULL
    )
    database = tmp_path / "data" / "photosearch.db"
    committed = 0
    deadline = time.monotonic() + 120
    while committed == 0 and driver.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
        committed = photos_in(database)
    driver.kill()
    driver.wait()
    assert 0 < photos_in(database) < count, "the driver was not killed mid-run"

    summary = json.loads(run_cli("index", str(root), "--ray", ray_address, "--json").stdout)
    assert summary["failed"] == 0 and summary["new"] + summary["unchanged"] == count
    report = json.loads(run_cli("check", "--json").stdout)
    assert report["consistent"], report
    (model,) = report["models"]
    assert report["photos"] == model["vectors"] == model["index_vectors"] == count


def photos_in(database: Path) -> int:
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as connection:
            return connection.execute("SELECT COUNT(*) FROM photos").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def test_the_cluster_reads_the_text_in_photos(cluster_library, tmp_path):
    folder = tmp_path / "Written"
    written = write_photos(folder, ["parking.jpg", "welcome.jpg", "gravel.jpg"])
    library = PhotoLibrary(
        dataclasses.replace(cluster_library.config, ocr=True), embedder=cluster_library.embedder
    )
    summary = library.index([folder])
    assert (summary.texts_read, summary.with_text, summary.text_failed) == (3, 2, 0)
    assert summary.where.startswith("on the Ray cluster")
    photos = library.store.photos(range(1, 10)).values()
    texts = library.store.texts(photo.content_hash for photo in photos)
    read = {os.path.basename(p.path): texts[p.content_hash].text for p in photos}
    assert read == written
    hits = library.search(parse_search({"q": "parking", "min_score": "-1"})).hits
    assert os.path.basename(hits[0].photo.path) == "parking.jpg" and hits[0].text is not None
    library.close()


def test_the_cluster_finds_faces_as_this_process_does(library, cluster_library, tmp_path):
    folder = tmp_path / "Faces"
    write_scenes(folder)
    found = {}
    for each in (library, cluster_library):
        each.config = dataclasses.replace(each.config, faces=True)
        summary = each.index([folder])
        assert (summary.faces_looked, summary.with_faces, summary.faces_failed) == (3, 2, 0)
        found[each] = {
            os.path.basename(photo.path): [
                (face.number, face.box)
                for face in each.store.concern(Faces).photo_faces(photo.content_hash)
            ]
            for photo in each.store.photos(range(1, 10)).values()
        }
    assert summary.where.startswith("on the Ray cluster")
    assert found[cluster_library] == found[library]
    assert [len(found[library][name]) for name in sorted(found[library])] == [2, 0, 1]


def test_a_pass_of_its_own_runs_on_the_cluster(library, cluster_library, photo_tree, tmp_path):
    """A pass registered by the test alone (tests.brightness_pass) runs on the cluster's actors
    and reads there what it reads in this process."""
    folder = measured_folder(tmp_path / "Measured", photo_tree)
    here, there = (BrightnessPass(), CornerPass()), (BrightnessPass(), CornerPass())
    with registered(*here):
        library.index([folder])
    with registered(*there):
        summary = cluster_library.index([folder])
    assert summary.where.startswith("on the Ray cluster")
    assert (summary.measured, summary.measure_failed, summary.cornered) == (4, 1, 4)
    for mine, theirs in zip(here, there, strict=True):
        assert theirs.readings == mine.readings and len(theirs.readings) == 4


@pytest.mark.slow
def test_a_watch_keeps_its_actors_and_their_models(cluster_library, tmp_path):
    """Every burst of a watch goes to the actors of its first run, with the models they loaded
    then: a second burst of new photos loads none. An actor that dies between bursts is
    replaced, and loads its model again; closing the library ends the actors."""
    root = tmp_path / "watched"
    make_tree(root, 2)
    updates = []

    def burst(number: int) -> None:
        before = len(updates)
        (root / f"burst{number}").mkdir()
        for photo in range(3):
            unique = COFFEE + (1000 * number + photo).to_bytes(4, "big")
            (root / f"burst{number}" / f"{photo}.jpg").write_bytes(unique)
        assert watcher.wait_idle(timeout=90), "the watcher did not settle"
        runs = updates[before:]
        assert sum(run.new for run in runs) == sum(run.embedded for run in runs) == 3
        assert sum(run.measured for run in runs) == 3  # the brightness pass read them

    with registered(BrightnessPass()):
        cluster_library.index([root])  # as `watch` does before it watches
        stage = cluster_library.cluster
        (embedding_actor,) = actor_processes()
        assert stage.model_loads == 2  # the embedding actor's model, the pass actor's passes
        images_here = cluster_library.embedder.images_embedded
        watcher = Watcher(cluster_library, [root], debounce=0.3, on_update=updates.append)
        watcher.start()
        try:
            burst(1)
            burst(2)
            assert stage.model_loads == 2 and actor_processes() == [embedding_actor]
            os.kill(embedding_actor, signal.SIGKILL)
            burst(3)
        finally:
            watcher.stop()
    assert stage.model_loads == 3 and actor_processes() not in ([], [embedding_actor])
    assert cluster_library.embedder.images_embedded == images_here  # none in this process
    cluster_library.close()
    deadline = time.monotonic() + 60
    while actor_processes() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert actor_processes() == []
