"""The faces pass end to end with the real dlib model on real faces (tests/faces.py): found while
indexing, kept per content (moved and copied photos are not looked at again), incremental and
resumable, a photo whose faces could not be looked for recorded while it keeps its vector, the
faces of photos that are gone forgotten, and `status`, `errors` and the summary saying so, on
SQLite and PostgreSQL; and the faces an index run found grouped into people (on SQLite: the
people's store is tested on both in test_people_service.py and test_people_commands.py)."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil

import pytest

from photosearch.cli.progress import print_update
from photosearch.indexing.passes import faces as faces_pass
from photosearch.store.faces import Faces

from ..faces import astronaut_album, background, overlap, paste, portrait

both_databases = pytest.mark.both_databases
SIZE = (1600, 1200)


def two_people() -> tuple:
    scene = background("rocket", SIZE)
    faces = [
        paste(scene, "astronaut", 300, (0.25, 0.4)),
        paste(scene, "astronaut", 240, (0.7, 0.5), angle=5, exposure=0.8),
    ]
    return scene, faces


def write_scenes(folder) -> dict[str, list]:
    """A portrait, the same face twice in one photo and a photo of nobody, written into
    folder; where their faces are, by name."""
    folder.mkdir(exist_ok=True)
    placed = {}
    for name, (scene, faces) in {
        "portrait.jpg": portrait(200, size=SIZE),
        "group.jpg": two_people(),
        "nobody.jpg": (background("chelsea", SIZE), []),
    }.items():
        scene.save(folder / name, quality=92)
        placed[name] = [face.as_fractions(SIZE) for face in faces]
    return placed


@pytest.fixture(scope="module")
def scenes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scenes")
    return folder, write_scenes(folder)


@pytest.fixture
def album(tmp_path, scenes):
    folder, placed = scenes
    album = tmp_path / "album"
    shutil.copytree(folder, album)
    return album, placed


@pytest.fixture
def face_library(library):
    library.config = dataclasses.replace(library.config, faces=True)
    return library


def faces_of(library, path) -> list:
    content_hash = library.store.photo_by_path(str(path)).content_hash
    return library.store.concern(Faces).photo_faces(content_hash)


@both_databases
def test_faces_are_found_while_indexing_and_kept_per_content(face_library, album):
    folder, placed = album
    summary = face_library.index([folder])
    assert (summary.new, summary.faces_looked, summary.with_faces, summary.faces_failed) == (
        3,
        3,
        2,
        0,
    )
    for name, boxes in placed.items():
        found = faces_of(face_library, folder / name)
        assert len(found) == len(boxes), name
        for box in boxes:  # each pasted face found where it was put
            assert max(overlap(box, face.box) for face in found) > 0.5, name
    assert all(
        face.model_version.startswith("dlib")
        for face in faces_of(face_library, folder / "group.jpg")
    )

    status = face_library.status()["faces"]
    assert (status["faces"], status["with_faces"], status["faces_scanned"]) == (3, 2, 3)
    assert (status["faces_unscanned"], status["people"], status["finding"]) == (0, 0, True)

    # Moved and copied: the same contents, not looked at again.
    os.rename(folder / "portrait.jpg", folder / "moved.jpg")
    shutil.copy(folder / "group.jpg", folder / "group copy.jpg")
    again = face_library.index([folder])
    assert (again.moved, again.new, again.faces_looked) == (1, 1, 0)
    assert len(faces_of(face_library, folder / "group copy.jpg")) == 2

    # Gone: its faces are forgotten at the next run.
    os.remove(folder / "group.jpg")
    os.remove(folder / "group copy.jpg")
    face_library.index([folder])
    assert face_library.status()["faces"]["faces"] == 1


@both_databases
def test_a_photo_whose_faces_cannot_be_found_is_recorded_and_keeps_its_vector(
    face_library, album, monkeypatch
):
    folder, _ = album
    real = faces_pass.FaceFinder.__call__

    def failing(finder, content):
        if content.path.endswith("group.jpg"):
            raise RuntimeError("the detector gave up")
        return real(finder, content)

    monkeypatch.setattr(faces_pass.FaceFinder, "__call__", failing)
    summary = face_library.index([folder])
    assert (summary.embedded, summary.faces_looked, summary.faces_failed) == (3, 3, 1)
    (failure,) = [f for f in face_library.failures() if f.kind.startswith("faces:")]
    assert failure.path == str(folder / "group.jpg") and failure.kind == "faces:faces"
    assert "RuntimeError: the detector gave up" in failure.message
    assert face_library.store.photo_by_path(str(folder / "group.jpg")) is not None
    assert face_library.status()["faces"]["faces_failed"] == 1

    monkeypatch.setattr(faces_pass.FaceFinder, "__call__", real)
    assert face_library.index([folder]).faces_looked == 0  # not again unasked
    again = face_library.index([folder], reread={"faces"})
    assert (again.faces_looked, again.faces_failed) == (1, 0)
    assert len(faces_of(face_library, folder / "group.jpg")) == 2


def test_finding_faces_is_off_unless_asked(library, album):
    folder, _ = album
    summary = library.index([folder])
    assert summary.faces_looked == 0
    status = library.status()["faces"]
    assert (status["faces_unscanned"], status["finding"]) == (3, False)


@both_databases
def test_a_run_stopped_midway_goes_on_from_there(face_library, album, monkeypatch):
    folder, _ = album
    real = faces_pass.FaceFinder.__call__
    seen = []

    def stopping(finder, content):
        seen.append(content.path)
        if len(seen) == 3:
            raise KeyboardInterrupt
        return real(finder, content)

    monkeypatch.setattr(faces_pass.FacesPass, "batch", 1)
    monkeypatch.setattr(faces_pass.FaceFinder, "__call__", stopping)
    with pytest.raises(KeyboardInterrupt):
        face_library.index([folder])
    looked = face_library.status()["faces"]["faces_scanned"]
    assert 0 < looked < 3
    monkeypatch.setattr(faces_pass.FaceFinder, "__call__", real)
    assert face_library.index([folder]).faces_looked == 3 - looked


def test_the_command_line_finds_faces_when_asked_and_says_so(run_cli, album):
    folder, _ = album
    off = json.loads(run_cli("index", str(folder), "--json").stdout)
    assert off["faces_looked"] == 0
    assert "finding faces is off (faces = false)" in run_cli("status").stdout
    indexed = run_cli("index", str(folder), "--faces").stdout
    assert "looked for faces in 3 photos (2 with faces)" in indexed
    status = run_cli("status", env={"PHOTOSEARCH_FACES": "1"}).stdout
    assert "3 of 3 photos looked at; 3 faces in 2 photos; 0 people, 0 named" in status
    assert json.loads(run_cli("status", "--json").stdout)["faces"]["faces"] == 3


def test_a_face_model_whose_files_are_missing_stops_the_pass_with_one_paragraph(run_cli, album):
    folder, _ = album
    env = {"PHOTOSEARCH_FACES": "1", "PHOTOSEARCH_FACE_MODEL": "buffalo_l"}
    result = run_cli("index", str(folder), env=env, check=False)
    assert result.returncode != 0
    assert "buffalo_l" in result.stderr and "Traceback" not in result.stderr
    assert json.loads(run_cli("status", "--json").stdout)["photos"] == 3  # embedded all the same


def test_an_index_run_groups_the_faces_it_found(library, tmp_path, run_cli, capsys):
    album = astronaut_album(tmp_path / "album")
    library.config = dataclasses.replace(library.config, faces=True)
    summary = library.index([album])
    assert (summary.faces_joined, summary.new_people) == (5, 1)
    assert summary.to_dict()["new_people"] == 1
    print_update(summary)  # what a watch prints of each run
    assert "5 faces joined people (1 new)" in capsys.readouterr().out
    (person,) = library.people()
    assert (person.faces, person.photos) == (5, 5)
    again = library.index([album])  # nothing new: nothing grouped
    assert (again.faces_joined, again.new_people) == (0, 0)
    scene, _ = portrait(260, name="chelsea", size=(1200, 900), angle=4)
    scene.save(album / "astronaut-later.jpg", quality=92)
    env = {"PHOTOSEARCH_DATABASE_URL": library.config.database_url, "PHOTOSEARCH_FACES": "1"}
    said = run_cli("index", str(album), env=env).stdout  # a new photo joins the person
    assert "1 faces joined people, 0 new people (photosearch people)" in said
    assert library.person(person.id).faces == 6
