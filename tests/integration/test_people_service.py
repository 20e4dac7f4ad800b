"""Faces of the store grouped into people and written back, on SQLite and PostgreSQL: people
found, strangers left waiting, and the user's name, rejection and moved face kept through a
later grouping and a full re-grouping."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import update

from photosearch.config import Config
from photosearch.faces.model import FoundFace
from photosearch.metadata import PhotoMeta
from photosearch.people.grouping import Changes, Settings
from photosearch.people.service import group_faces, regroup_faces
from photosearch.store import FaceScan, Store
from photosearch.store.faces import Faces
from photosearch.store.people import People
from photosearch.store.schema import FaceRow

pytestmark = pytest.mark.both_databases
VERSION = "synthetic-1"
SETTINGS = Settings(distance=0.18)


def unit(vector: np.ndarray) -> np.ndarray:
    return (vector / np.linalg.norm(vector)).astype("float32")


@pytest.fixture
def store(tmp_path, database_url):
    """Three people in six photos each, alone, and two strangers; faces found by VERSION."""
    rng = np.random.default_rng(5)
    mean = rng.normal(size=128) / np.sqrt(128)
    people = [unit(1.41 * mean + rng.normal(size=128) / np.sqrt(128)) for _ in range(5)]
    sitters = [0] * 6 + [1] * 6 + [2] * 6 + [3, 4]
    store = Store(Config.load(environ={}, data_dir=tmp_path / "data", database_url=database_url))
    scans = []
    with store.writer() as writer:
        for number, sitter in enumerate(sitters):
            digest = f"{number:064x}"
            writer.add_photo(f"/album/{sitter}-{number}.jpg", 1, 1, digest, PhotoMeta())
            noise = rng.normal(size=128) * np.sqrt(0.075 / 128)
            found = FoundFace(
                (0.4, 0.3, 0.2, 0.2), ((0.5, 0.4),) * 5, 0.9, unit(people[sitter] + noise)
            )
            scans.append(FaceScan(digest, VERSION, (found,)))
        writer.concern(Faces).set_faces(scans)
    yield store
    store.close()


def sitter_faces(store: Store) -> dict[int, list[int]]:
    """Face ids by the sitter named in their photo's path."""
    by_sitter: dict[int, list[int]] = {}
    for number in range(20):
        for face in store.concern(Faces).photo_faces(f"{number:064x}"):
            sitter = [0] * 6 + [1] * 6 + [2] * 6 + [3, 4]
            by_sitter.setdefault(sitter[number], []).append(face.id)
    return by_sitter


def person_of(store: Store) -> dict[int, int | None]:
    return {
        face: person for face, (person, _) in store.concern(People).assignments(VERSION).items()
    }


def test_people_are_found_written_and_strangers_wait(store):
    changes = group_faces(store, VERSION, SETTINGS)
    assert len(changes.new_people) == 3
    sitters, persons = sitter_faces(store), person_of(store)
    for sitter in (0, 1, 2):
        assert len({persons[face] for face in sitters[sitter]}) == 1
        assert persons[sitters[sitter][0]] is not None
    assert persons[sitters[3][0]] is None and persons[sitters[4][0]] is None
    assert len(store.concern(People).people()) == 3
    assert group_faces(store, VERSION, SETTINGS).new_people == []  # nothing new: nothing moves


def test_corrections_survive_grouping_and_regrouping(store):
    group_faces(store, VERSION, SETTINGS)
    sitters, persons = sitter_faces(store), person_of(store)
    anna, ben, carl = (persons[sitters[sitter][0]] for sitter in (0, 1, 2))
    refused, moved = sitters[0][1], sitters[1][0]
    with store.writer() as writer:
        people = writer.concern(People)
        people.name_person(anna, "Anna")
        people.reject_face(refused)  # not Anna
        people.move_face(moved, carl)  # Ben's face given to Carl by the user
    for run in (group_faces, regroup_faces):
        run(store, VERSION, SETTINGS)
        persons = person_of(store)
        assert store.concern(People).person(anna).name == "Anna"
        assert {persons[face] for face in sitters[0] if face != refused} == {anna}
        assert persons[refused] != anna
        assert persons[moved] == carl
        assert {persons[face] for face in sitters[1] if face != moved} == {ben}


def test_a_broken_descriptor_is_left_out_and_nothing_to_group_is_no_change(store):
    broken = sitter_faces(store)[0][0]
    with store.writer() as writer:
        writer.session.execute(
            update(FaceRow).where(FaceRow.id == broken).values(descriptor=b"\x00\x01")
        )
    changes = group_faces(store, VERSION, SETTINGS)
    assert len(changes.new_people) == 3 and person_of(store)[broken] is None
    assert group_faces(store, "no-such-model-1", SETTINGS) == Changes()
    assert regroup_faces(store, "no-such-model-1", SETTINGS) == Changes()
