"""A change of face model from the command line, on SQLite and PostgreSQL: photos indexed with
dlib (the real model on tests/faces.py scenes) and their person named; `index --face-model
buffalo_l` (its stand-in files) looks at nothing again, says how to, and search by person goes
on finding her photos; `--reread-faces` looks again, the new faces at her old faces' places are
hers, and the notice is gone."""

from __future__ import annotations

import json
import re

import pytest

from photosearch.faces.model import model_version
from photosearch.store.faces import Faces
from photosearch.store.faces_again import matched

from ..faces import astronaut_album, write_buffalo_stand_ins

pytestmark = pytest.mark.both_databases
NOTICE = "5 photos have the faces of another face model (search by person uses them)"


def test_a_new_face_model_looks_again_only_when_asked_and_keeps_the_people(
    library, tmp_path, run_cli
):
    album = astronaut_album(tmp_path / "album")
    photos = sorted(album.iterdir())
    env = {"PHOTOSEARCH_DATABASE_URL": library.config.database_url, "PHOTOSEARCH_FACES": "1"}
    assert NOTICE not in run_cli("index", str(album), env=env).stdout
    (person,) = library.people()
    run_cli("people", "name", str(person.id), "Anna", env=env)
    write_buffalo_stand_ins(tmp_path / "data" / "models")
    buffalo = ("--face-model", "buffalo_l")

    said = run_cli("index", str(album), *buffalo, env=env).stdout
    assert NOTICE in said and "--reread-faces" in said and "looked for faces" not in said
    assert library.person("Anna").faces == 5
    found = run_cli("search", "--person", "Anna", "--json", *buffalo, env=env).stdout
    assert len(json.loads(found)) == 5
    assert NOTICE in run_cli("status", *buffalo, env=env).stdout
    assert (
        json.loads(run_cli("status", "--json", *buffalo, env=env).stdout)["faces_of_other_models"]
        == 5
    )
    assert NOTICE not in run_cli("status", env=env).stdout  # dlib's own faces: nothing to say

    faces = library.store.concern(Faces)
    contents = [library.store.photo_by_path(str(path)).content_hash for path in photos]
    dlib_faces = [faces.photo_faces(content)[0] for content in contents]
    run_cli("people", "move", str(dlib_faces[0].id), "Anna", env=env)  # the user's word now

    said = run_cli("index", str(album), *buffalo, "--reread-faces", env=env).stdout
    assert "looked for faces in 5 photos" in said and NOTICE not in said
    assert re.search(r"\b[2-5] faces found again kept the people of the faces at their place", said)
    anna = library.person("Anna")
    # The stand-in detector finds bright squares, 64 px in its 640 px input: one of them is at
    # the place of Anna's two smallest dlib faces (not too small beside them), and is hers.
    for number, by in ((0, "user"), (4, "auto")):
        found = faces.photo_faces(contents[number])
        [(at, _)] = matched([face.box for face in found], [dlib_faces[number].box]).items()
        assert (found[at].person_id, found[at].assigned_by) == (anna.id, by)
    assert faces.photos_by_model() == {model_version("buffalo_l"): 5}
    assert "another face model" not in run_cli("status", *buffalo, env=env).stdout
