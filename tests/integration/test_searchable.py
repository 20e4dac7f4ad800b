"""The first index of a library is searchable long before it ends: once every photo has its
vector (and the FAISS file is saved), `index` says so and what its content passes do next; a
search in another process finds the photos while the text pass reads them, `status` shows the
pass's progress, and Ctrl-C keeps what was read, the next `index` going on from there."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from photosearch.indexing.passes.text import TextPass
from photosearch.progress import Progress, time_left

from ..brightness_pass import BrightnessPass, measured_folder, registered
from ..conftest import REPO
from ..text_photos import write_photos

NO_MODEL = {"PHOTOSEARCH_MODEL": ""}  # as if nothing were configured: the library's model


def test_time_left_in_words():
    assert time_left(100, 0) == "time left: measuring"
    assert time_left(100, 4) == "under a minute left"
    assert time_left(600, 2) == "about 5 min left"
    assert time_left(12_326, 2.4) == "about 1 h 26 min left"
    assert time_left(0, 2.4) == "done"


@pytest.mark.slow
def test_searchable_while_the_text_pass_reads_and_ctrl_c_keeps_what_is_done(run_cli, tmp_path):
    folder = tmp_path / "photos"
    for copy in range(2):  # 20 photos of their own contents, 14 with words written in them
        write_photos(folder / f"set{copy}")
        for photo in (folder / f"set{copy}").iterdir():
            with open(photo, "ab") as handle:
                handle.write(bytes([copy]) * 8)
    last = folder / "zz.jpg"  # the text pass reads it last, after a batch is committed
    shutil.copy(folder / "set0" / "sign.jpg", last)
    with open(last, "ab") as handle:
        handle.write(b"last")
    env = {**run_cli.env, **NO_MODEL, "PHOTOSEARCH_OCR": "1"}
    command = [sys.executable, str(REPO / "manage.py"), "index", str(folder)]
    model = ["--model", run_cli.env["PHOTOSEARCH_MODEL"]]  # named for this run alone
    indexer = subprocess.Popen(
        [*command, *model], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        said = []
        for line in indexer.stdout:
            said.append(line)
            if line.startswith("Ctrl-C"):
                break
        # The pass is next: the last photo becomes a file whose bytes never come (as from a
        # stalled network drive), which holds the run in its text pass.
        data = last.read_bytes()
        last.unlink()
        os.mkfifo(last)
        assert said == [
            "All 21 photos can be searched now (photosearch search, or in the browser with "
            "photosearch serve), while this run goes on.\n",
            "Next, the text pass reads the text in photos: 21 to go (time left: measuring).\n",
            "Ctrl-C stops the run and keeps what is done; the next index goes on from there.\n",
        ]
        database = Path(run_cli.env["PHOTOSEARCH_HOME"]) / "photosearch.db"
        assert TextPass.batch == 16  # the photos whose readings it commits together
        wait_for_texts(database, TextPass.batch, indexer)

        hits = json.loads(run_cli("search", "a cat", "--limit", "50", "--json", env=env).stdout)
        assert len(hits) == 21  # by picture, with the model the running index uses
        written = run_cli("search", "text:lisboa", "--json", env=env).stdout
        assert [hit["path"] for hit in json.loads(written)] == [
            str(folder / "set0" / "sign.jpg")  # read in the first batch (set1's is not yet)
        ]
        status = run_cli("status", env=env).stdout
        assert "text       16 of 21 photos read (5 to go); " in status
        report = json.loads(run_cli("status", "--json", env=env).stdout)
        assert (report["vectors"], report["index_state"]) == (21, "fresh")
        assert indexer.poll() is None  # all of that while the run reads text

        indexer.send_signal(signal.SIGINT)
        assert indexer.wait(timeout=60) == 130
        stderr = indexer.stderr.read()
        assert "Interrupted. Work committed so far is kept" in stderr
        assert "Traceback" not in stderr
    finally:
        if indexer.poll() is None:
            indexer.kill()
        indexer.wait()
        indexer.stdout.close()
        indexer.stderr.close()

    last.unlink()
    last.write_bytes(data)
    resumed = json.loads(run_cli("index", str(folder), "--json", env=env).stdout)
    assert (resumed["embedded"], resumed["unchanged"], resumed["texts_read"]) == (0, 21, 5)
    assert "text       21 of 21 photos read; " in run_cli("status", env=env).stdout
    assert "can be searched" not in run_cli("index", str(folder), env=env).stdout  # none to read


def wait_for_texts(database: Path, count: int, indexer: subprocess.Popen) -> None:
    """Until the running index has committed the readings of `count` photos' contents."""
    deadline = time.monotonic() + 120
    while texts_in(database) < count:
        assert indexer.poll() is None, indexer.stderr.read()
        assert time.monotonic() < deadline, f"{count} texts were never committed"
        time.sleep(0.05)


def texts_in(database: Path) -> int:
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        return db.execute("SELECT count(*) FROM photo_texts").fetchone()[0]


class Noted(Progress):
    """The notes a run's progress line shows, in order."""

    def __init__(self):
        self.notes = []

    def note(self, text):
        self.notes.append(text)


@pytest.mark.both_databases
def test_searchable_before_the_passes_read_and_their_time_left_as_they_go(
    library, tmp_path, photo_tree
):
    folder = measured_folder(tmp_path / "measured", photo_tree)
    brightness = BrightnessPass()
    moments = []

    def searchable(moment):
        indexed = library.store.last_indexed_model()
        moments.append((moment, brightness.recorded, indexed and indexed.id))

    progress = Noted()
    with registered(brightness):
        library.index([folder], progress, on_searchable=searchable)
    ((moment, recorded, indexed),) = moments
    assert (moment.photos, recorded, indexed) == (5, 0, library.model.id)  # before any reading
    assert moment.plan.passes == [brightness]  # the text pass is off in the tests' config
    assert moment.plan.to_read(brightness) == 4  # a copy shares its content's reading
    assert progress.notes[0] == "time left: measuring"
    assert len(progress.notes) == 3  # and one a batch of two, at the rate so far
    assert progress.notes[1].endswith(" left") and progress.notes[2] == "done"
