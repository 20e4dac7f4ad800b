"""A change of face model on SQLite and PostgreSQL, through the real store and grouping: the faces
of model A (dlib-sized descriptors) grouped and corrected by the user, then the faces of model B
(512 numbers, boxes drawn a little differently) for the same photos, plus a face A missed. Every
person keeps their name, hidden state, merge and the user's corrections; the new face is grouped
with B's own distances; A's faces are forgotten where B looked; a run after that changes
nothing."""

from __future__ import annotations

import numpy as np
import pytest

from photosearch.config import Config
from photosearch.faces.model import FoundFace
from photosearch.metadata import PhotoMeta
from photosearch.people.grouping import Settings
from photosearch.people.service import group_faces, regroup_faces
from photosearch.store import FaceScan, Filters, Store
from photosearch.store.concern import now
from photosearch.store.faces import Faces
from photosearch.store.people import People

pytestmark = pytest.mark.both_databases
A, B = "model-a-1", "model-b-2"
SETTINGS = Settings(distance=0.18)
# Who sits in each photo: Anna, Ben, Carl and Dora, six photos each.
SITTERS = [0] * 6 + [1] * 6 + [2] * 6 + [3] * 6
BOX = (0.4, 0.3, 0.2, 0.2)
SHIFTED = (0.38, 0.27, 0.25, 0.26)  # B's box of the same face: larger, a little up and left
EXTRA = (0.05, 0.1, 0.15, 0.15)  # a face B finds beside Anna in her first photo: Ben's


def unit(vector: np.ndarray) -> np.ndarray:
    return (vector / np.linalg.norm(vector)).astype("float32")


def sitters_of(dimension: int, seed: int) -> list[np.ndarray]:
    """Four people as a face model of `dimension` numbers describes them: as far apart as
    real strangers are (cosine distance about 0.3), each photo's face about 0.07 from its
    person's."""
    rng = np.random.default_rng(seed)
    mean = rng.normal(size=dimension) / np.sqrt(dimension)
    return [unit(1.41 * mean + rng.normal(size=dimension) / np.sqrt(dimension)) for _ in range(4)]


def scans(version: str, dimension: int, box, seed: int, extra: bool = False) -> list[FaceScan]:
    rng = np.random.default_rng(seed + 1)
    people = sitters_of(dimension, seed)
    found = []
    for number, sitter in enumerate(SITTERS):
        noise = rng.normal(size=dimension) * np.sqrt(0.075 / dimension)
        faces = [FoundFace(box, ((0.5, 0.4),) * 5, 0.9, unit(people[sitter] + noise))]
        if extra and number == 0:
            noise = rng.normal(size=dimension) * np.sqrt(0.075 / dimension)
            faces.append(FoundFace(EXTRA, ((0.1, 0.2),) * 5, 0.8, unit(people[1] + noise)))
        found.append(FaceScan(digest(number), version, tuple(faces)))
    return found


def digest(number: int) -> str:
    return f"{number:064x}"


@pytest.fixture
def store(tmp_path, database_url):
    store = Store(Config.load(environ={}, data_dir=tmp_path / "data", database_url=database_url))
    with store.writer() as writer:
        for number, sitter in enumerate(SITTERS):
            writer.add_photo(f"/album/{sitter}-{number}.jpg", 1, 1, digest(number), PhotoMeta())
    yield store
    store.close()


def faces_of(store: Store, version: str) -> list[list]:
    """Each photo's faces that `version` found, photo by photo."""
    return [store.concern(Faces).photo_faces(digest(n), version) for n in range(len(SITTERS))]


def find(store: Store, version: str, first: int, last: int, dimension: int, box, seed: int):
    """The faces of photos first..last found by `version` (a part of a reread), and grouped
    as an index run groups the faces it found: how many kept a person, and what grouping did."""
    started = now()
    with store.writer() as writer:
        writer.concern(Faces).set_faces(scans(version, dimension, box, seed, True)[first:last])
    new = store.concern(Faces).faces_found_since(version, started)
    kept = store.concern(People).placed(new)  # found where a face with a person was
    return kept, group_faces(store, version, SETTINGS, new)


@pytest.fixture
def corrected(store):
    """Model A's faces grouped into four people, then corrected: Anna and Ben named, one of
    Anna's faces "not Anna", one of Ben's moved to Carl, Carl hidden, Dora merged into Anna.
    The people's ids, and the photos of the rejected and the moved face."""
    with store.writer() as writer:
        writer.concern(Faces).set_faces(scans(A, 128, BOX, 1))
    assert len(group_faces(store, A, SETTINGS).new_people) == 4
    first = [faces[0] for faces in faces_of(store, A)]
    anna, ben, carl, dora = (first[SITTERS.index(sitter)].person_id for sitter in range(4))
    with store.writer() as writer:
        people = writer.concern(People)
        people.name_person(anna, "Anna")
        people.name_person(ben, "Ben")
        people.reject_face(first[1].id)  # photo 1: not Anna
        people.move_face(first[7].id, carl)  # photo 7: Ben's face, said to be Carl
        people.hide_person(carl)
        people.merge_people(anna, dora)  # Dora is Anna (a child grown up, say)
    return {"anna": anna, "ben": ben, "carl": carl, "dora": dora, "rejected": 1, "moved": 7}


def expected(ids: dict) -> list[tuple[int | None, str | None]]:
    """(person, who put the face there) of each photo's sitter after the corrections."""
    person = [ids["anna"], ids["ben"], ids["carl"], ids["anna"]]
    by = ["auto", "auto", "auto", "user"]  # a merge is the user's word
    found = [(person[sitter], by[sitter]) for sitter in SITTERS]
    found[ids["rejected"]] = (None, None)
    found[ids["moved"]] = (ids["carl"], "user")
    return found


def test_the_new_models_faces_keep_people_names_and_corrections(store, corrected):
    kept, changes = find(store, B, 0, len(SITTERS), 512, SHIFTED, 2)
    assert kept == len(SITTERS) - 1  # all but "not Anna"'s face (and the extra one)
    assert changes.new_people == []  # Ben's extra face joined Ben: no new person
    found = faces_of(store, B)
    assert [(faces[0].person_id, faces[0].assigned_by) for faces in found] == expected(corrected)
    assert (found[0][1].person_id, found[0][1].assigned_by) == (corrected["ben"], "auto")
    assert store.concern(People).rejections() == {(found[1][0].id, corrected["anna"])}
    people = {person.id: person for person in store.concern(People).people(hidden=True)}
    assert sorted(people) == sorted([corrected["anna"], corrected["ben"], corrected["carl"]])
    assert (people[corrected["anna"]].name, people[corrected["anna"]].faces) == ("Anna", 11)
    assert (people[corrected["ben"]].name, people[corrected["ben"]].faces) == ("Ben", 6)
    assert (people[corrected["carl"]].hidden, people[corrected["carl"]].faces) == (True, 7)
    # A's faces are forgotten where B looked: one model's faces a photo, counted once.
    assert faces_of(store, A) == [[]] * len(SITTERS)
    assert store.concern(Faces).descriptors(B)[1].shape == (len(SITTERS) + 1, 512)
    assert store.concern(Faces).photos_by_model() == {B: len(SITTERS)}

    # Nothing is left to look at with B, and grouping or regrouping again moves no face.
    assert store.concern(Faces).unscanned(["/album"], B) == []
    assignments = store.concern(People).assignments(B)
    group_faces(store, B, SETTINGS)
    regroup_faces(store, B, SETTINGS)
    assert store.concern(People).assignments(B) == assignments
    assert {p.id: (p.name, p.hidden) for p in store.concern(People).people(hidden=True)} == {
        p.id: (p.name, p.hidden) for p in people.values()
    }


def test_until_the_new_model_has_looked_everywhere_people_keep_the_old_faces(store, corrected):
    """The setting changed and half the photos looked at again: search by person finds every
    photo, the grouping compares B's descriptors only, and no person is lost."""
    find(store, B, 0, 12, 512, SHIFTED, 2)  # Anna's and Ben's photos
    assert store.concern(Faces).photos_by_model() == {A: 12, B: 12}
    assert store.concern(Faces).descriptors(B)[1].shape == (13, 512)
    assert store.concern(Faces).descriptors(A)[1].shape == (12, 128)
    people = {person.id: person for person in store.concern(People).people(hidden=True)}
    assert people[corrected["anna"]].faces == 11  # 5 of B in her photos, 6 of A in Dora's
    assert people[corrected["carl"]].faces == 7  # 1 of B (the moved face), 6 of A
    ids = store.filtered_ids(Filters(people=(corrected["anna"],)))
    assert {photo.path for photo in store.photos(ids).values()} == {
        f"/album/{SITTERS[n]}-{n}.jpg" for n in [0, 2, 3, 4, 5, *range(18, 24)]
    }
    find(store, B, 12, 24, 512, SHIFTED, 2)  # the rest
    assert [faces[0].person_id for faces in faces_of(store, B)] == [
        person for person, _ in expected(corrected)
    ]


def test_a_face_the_new_model_misses_takes_its_person_nowhere(store, corrected):
    """B finds no face in Carl's first photo and a face elsewhere in Dora's first: Carl keeps
    his other faces and his hidden state, the stranger's face takes nobody's place."""
    with store.writer() as writer:
        writer.concern(Faces).set_faces(
            [
                FaceScan(digest(12), B, ()),
                FaceScan(digest(18), B, (scans(B, 512, (0.7, 0.7, 0.2, 0.2), 2)[18].faces[0],)),
            ]
        )
    assert [face.person_id for face in faces_of(store, B)[18]] == [None]
    assert faces_of(store, A)[12] == [] and faces_of(store, A)[18] == []
    carl = store.concern(People).person(corrected["carl"])
    assert (carl.hidden, carl.faces) == (True, 6)
