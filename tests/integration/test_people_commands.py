"""People listed and corrected through the library, the `people` commands and the people's
JSON API, on SQLite and PostgreSQL: faces written with chosen descriptors (under the dlib
model's version, the one the library groups with) are grouped on demand, named, found by name,
merged, hidden, a face moved and dropped; unknown people and faces are clear errors. (An index
run grouping the faces it found: tests/integration/test_faces_pass.py.)"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from photosearch.errors import UnknownPerson
from photosearch.faces.model import FoundFace
from photosearch.indexing.passes.faces.finding import ModelChoice, face_model
from photosearch.metadata import PhotoMeta
from photosearch.store import FaceScan
from photosearch.store.faces import Faces
from photosearch.web import create_app

pytestmark = pytest.mark.both_databases
TOKEN = "people-token"


def unit(vector: np.ndarray) -> np.ndarray:
    return (vector / np.linalg.norm(vector)).astype("float32")


@pytest.fixture
def people_library(library):
    """Two people in six photos each and a stranger in one, faces found by the configured
    model's version; photo ids by sitter."""
    version = face_model(ModelChoice.of(library.config)).version
    rng = np.random.default_rng(3)
    sitters = [unit(rng.normal(size=128)) for _ in range(3)]
    scans = []
    with library.store.writer() as writer:
        for number, sitter in enumerate([0] * 6 + [1] * 6 + [2]):
            digest = f"{number:064x}"
            writer.add_photo(f"/album/{sitter}-{number}.jpg", 1, 1, digest, PhotoMeta())
            descriptor = unit(sitters[sitter] + rng.normal(size=128) * 0.004)
            found = FoundFace((0.4, 0.3, 0.2, 0.2), ((0.5, 0.4),) * 5, 0.9, descriptor)
            scans.append(FaceScan(digest, version, (found,)))
        writer.concern(Faces).set_faces(scans)
    return library


def test_people_are_grouped_named_merged_hidden_and_faces_moved(people_library):
    lib = people_library
    grouped = lib.regroup_people()
    assert (grouped.joined, grouped.new_people) == (12, 2)
    first, second = lib.people()
    assert (first.faces, first.photos) == (6, 6)
    assert lib.name_person(first.id, "  Anna  ").name == "Anna"
    assert lib.person("anna").id == first.id and lib.person(str(first.id)).id == first.id
    faces = lib.person_faces("Anna")
    assert len(faces) == 6 and len(faces[0]["box"]) == 4 and faces[0]["photo_id"]
    moved = faces[0]["id"]
    assert lib.move_face(moved, second.id).faces == 7
    lib.drop_face(moved)
    assert lib.person(second.id).faces == 6
    lib.hide_person("Anna")
    assert [person.id for person in lib.people()] == [second.id]
    assert lib.hide_person("Anna", hidden=False).hidden is False
    kept = lib.merge_people("Anna", second.id)
    assert kept.faces == 11 and [person.id for person in lib.people()] == [first.id]
    again = lib.regroup_people()  # the user's merge and names stay
    assert lib.person("Anna").faces == 11 and again.new_people == 0
    for asked in (lambda: lib.person("Nobody"), lambda: lib.person(999999)):
        with pytest.raises(UnknownPerson, match="No person has the id or name"):
            asked()
    with pytest.raises(UnknownPerson, match="No face has the id 999999"):
        lib.move_face(999999, "Anna")
    with pytest.raises(UnknownPerson, match="No face has the id 999999"):
        lib.drop_face(999999)


def test_the_people_commands(people_library, run_cli, tmp_path):
    env = {"PHOTOSEARCH_DATABASE_URL": people_library.config.database_url}
    assert str(people_library.config.data_dir) == run_cli.env["PHOTOSEARCH_HOME"]

    def cli(*args, check=True):
        return run_cli("people", *args, env=env, check=check)

    assert "No people yet" in cli().stdout
    assert "12 faces joined people, 2 new people" in cli("regroup").stdout
    listed = json.loads(cli("--json").stdout)
    assert [(person["faces"], person["photos"]) for person in listed] == [(6, 6), (6, 6)]
    first, second = (person["id"] for person in listed)
    # A setting given before the correction is the correction's (here: not the environment's)
    data_dir = str(people_library.config.data_dir)
    elsewhere = {**env, "PHOTOSEARCH_HOME": str(tmp_path / "elsewhere")}
    named = run_cli("people", "--data-dir", data_dir, "name", str(first), "Anna", env=elsewhere)
    assert "Anna" in named.stdout
    assert f"{first}  Anna  6 faces, 6 photos" in cli().stdout
    cli("hide", "anna")
    assert "Anna" not in cli().stdout and "(hidden)" in cli("--all").stdout
    cli("unhide", "Anna")
    face = people_library.person_faces(second)[0]["id"]
    assert "Anna, 7 faces" in cli("move", str(face), "Anna").stdout
    assert f"face {face} is no longer with person {first}" in cli("drop", str(face)).stdout
    assert f"face {face} is with nobody: nothing to drop" in cli("drop", str(face)).stdout
    assert "Anna, 11 faces" in cli("merge", "Anna", str(second)).stdout
    assert json.loads(cli("regroup", "--json").stdout)["new_people"] == 0
    for args, said in (
        (("name", "Bob", "Robert"), "No person has the id or name 'Bob'."),
        (("move", "999999", "Anna"), "No face has the id 999999."),
        (("drop", "999999"), "No face has the id 999999."),
        (("move", "x", "Anna"), "is not a valid integer"),
    ):
        result = cli(*args, check=False)
        assert result.returncode == 2 and said in result.stderr
        assert "Traceback" not in result.stderr


def test_the_people_api(people_library):
    config = dataclasses.replace(people_library.config, access_token=TOKEN)
    client = create_app(config, people_library).test_client()
    headers = {"Authorization": f"Bearer {TOKEN}"}
    assert client.get("/api/people").status_code == 401
    assert client.post("/api/people/regroup", headers=headers).json == {
        "faces_joined": 12,
        "new_people": 2,
    }
    first, second = client.get("/api/people", headers=headers).json["people"]
    person = client.get(f"/api/people/{first['id']}", headers=headers).json
    assert person["faces"] == 6 and len(person["faces_found"]) == 6
    face = person["faces_found"][0]
    assert set(face) == {"id", "photo_id", "box"}
    named = client.post(f"/api/people/{first['id']}/name", json={"name": "Anna"}, headers=headers)
    assert named.json["name"] == "Anna"
    hidden = client.post(f"/api/people/{first['id']}/hide", headers=headers)
    assert hidden.json["hidden"] is True
    assert len(client.get("/api/people", headers=headers).json["people"]) == 1
    assert len(client.get("/api/people?all=1", headers=headers).json["people"]) == 2
    client.post(f"/api/people/{first['id']}/unhide", headers=headers)
    moved = client.post(
        f"/api/faces/{face['id']}/move", data={"person": second["id"]}, headers=headers
    )
    assert moved.json["faces"] == 7
    dropped = client.post(f"/api/faces/{face['id']}/drop", headers=headers)
    assert dropped.json == {"face": face["id"], "dropped": True, "person": second["id"]}
    again = client.post(f"/api/faces/{face['id']}/drop", headers=headers)  # with nobody now
    assert again.json == {"face": face["id"], "dropped": False, "person": None}
    merged = client.post(
        f"/api/people/{first['id']}/merge", json={"person": second["id"]}, headers=headers
    )
    assert merged.json["faces"] == 11
    for method, url, body, status in (
        ("get", "/api/people/999999", None, 404),
        ("post", "/api/people/999999/name", {"name": "X"}, 404),
        ("post", f"/api/people/{first['id']}/merge", {"person": "Nobody"}, 404),
        ("post", "/api/faces/999999/move", {"person": "Anna"}, 404),
        ("post", "/api/faces/999999/drop", None, 404),
        ("post", f"/api/people/{first['id']}/name", {}, 400),
        ("post", f"/api/people/{first['id']}/merge", {"person": ["x"]}, 400),
    ):
        answer = getattr(client, method)(url, json=body, headers=headers)
        assert answer.status_code == status and answer.json["error"]["status"] == status
    chinese = {**headers, "Accept-Language": "zh-CN,zh;q=0.9"}
    said = client.get("/api/people/999999", headers=chinese).json["error"]["message"]
    assert said == "没有编号或名字为 '999999' 的人物。"
