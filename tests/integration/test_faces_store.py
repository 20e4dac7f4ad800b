"""The faces and people concerns on SQLite and PostgreSQL: faces kept per content and face-model
version, the user's corrections that no bulk assignment by the grouping undoes, people found by
the filter compiler, and faces forgotten when no photo has their content."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from sqlalchemy import update

from photosearch.config import Config
from photosearch.consistency import check, repair
from photosearch.metadata import PhotoMeta
from photosearch.store import FaceScan, Filters, Store
from photosearch.store.faces import Faces
from photosearch.store.people import People, UnknownPerson
from photosearch.store.schema import FaceRow

both_databases = pytest.mark.both_databases
DLIB = "dlib-test-1"
OTHER = "other-model-1"
BEACH, PARTY, EMPTY = "b" * 64, "p" * 64, "e" * 64


@dataclass(frozen=True)
class Found:
    box: tuple[float, float, float, float]
    landmarks: tuple[tuple[float, float], ...]
    score: float
    descriptor: np.ndarray


def face(left: float, seed: int, dimension: int = 128) -> Found:
    descriptor = np.random.default_rng(seed).normal(size=dimension).astype(np.float32)
    points = tuple((left + 0.01 * i, 0.3) for i in range(5))
    return Found((left, 0.2, 0.1, 0.15), points, 0.9 - left / 10, descriptor / 1.5)


@pytest.fixture
def store(tmp_path, database_url):
    store = Store(Config.load(environ={}, data_dir=tmp_path / "data", database_url=database_url))
    with store.writer() as writer:
        for path, digest in [
            ("/album/beach.jpg", BEACH),
            ("/copies/beach.jpg", BEACH),
            ("/album/party.jpg", PARTY),
            ("/album/empty.jpg", EMPTY),
        ]:
            writer.add_photo(path, 1, 1, digest, PhotoMeta())
    yield store
    store.close()


def scan_album(store: Store, version: str = DLIB) -> tuple[int, int, int]:
    """Two faces on the beach and one at the party, found by `version`: their ids."""
    with store.writer() as writer:
        writer.concern(Faces).set_faces(
            [
                FaceScan(BEACH, version, (face(0.1, 1), face(0.5, 2))),
                FaceScan(PARTY, version, (face(0.2, 3),)),
                FaceScan(EMPTY, version, ()),
            ]
        )
    faces = store.concern(Faces)
    beach = [found.id for found in faces.photo_faces(BEACH, version)]
    return beach[0], beach[1], faces.photo_faces(PARTY, version)[0].id


@both_databases
def test_faces_are_kept_per_content_and_read_back(store):
    faces = store.concern(Faces)
    assert [digest for digest, _ in faces.unscanned(["/album"], None)] == [BEACH, EMPTY, PARTY]
    scan_album(store)
    assert faces.unscanned(["/"], None) == []  # the copy shares its content's scan
    found = faces.photo_faces(BEACH)
    assert [f.number for f in found] == [0, 1]
    first = found[0]
    expected = face(0.1, 1)
    assert first.box == pytest.approx(expected.box)
    assert np.allclose(first.landmarks, expected.landmarks)
    assert first.score == pytest.approx(expected.score)
    assert (first.person_id, first.person_name, first.assigned_by) == (None, None, None)
    ids, matrix = faces.descriptors(DLIB)
    assert len(ids) == 3 and matrix.shape == (3, 128) and matrix.dtype == np.float32
    assert np.array_equal(matrix[0], expected.descriptor)
    some, rows = faces.descriptors(DLIB, [int(ids[2])])
    assert some.tolist() == [ids[2]] and rows.shape == (1, 128)
    assert faces.descriptors(OTHER)[0].size == 0
    assert faces.face_counts() == {
        "faces": 3,
        "faces_scanned": 4,
        "with_faces": 3,
        "faces_failed": 0,
        "faces_unscanned": 0,
    }


@both_databases
def test_a_failed_scan_is_listed_and_looked_at_again_when_asked(store):
    with store.writer() as writer:
        writer.concern(Faces).set_faces([FaceScan(PARTY, DLIB, (), "corrupt", "truncated")])
    faces = store.concern(Faces)
    [failure] = faces.face_failures()
    assert (failure.path, failure.kind, failure.message) == (
        "/album/party.jpg",
        "faces:corrupt",
        "truncated",
    )
    assert PARTY not in dict(faces.unscanned(["/"], None))  # looked at: not again unasked
    assert PARTY in dict(faces.unscanned(["/"], DLIB))  # asked: its failure is tried again
    assert faces.face_counts()["faces_failed"] == 1
    with store.writer() as writer:
        writer.concern(Faces).set_faces([FaceScan(PARTY, DLIB, (face(0.2, 3),))])
    assert faces.face_failures() == []
    assert PARTY not in dict(faces.unscanned(["/"], DLIB))


@both_databases
def test_a_new_face_model_looks_again_only_when_asked(store):
    scan_album(store)
    faces = store.concern(Faces)
    assert faces.unscanned(["/"], None) == []
    assert len(faces.unscanned(["/"], OTHER)) == 3
    with store.writer() as writer:  # the new model looks at the beach, and fails at the party
        writer.concern(Faces).set_faces(
            [
                FaceScan(BEACH, OTHER, (face(0.1, 1, 512),)),
                FaceScan(PARTY, OTHER, (), "corrupt", "truncated"),
            ]
        )
    assert {f.model_version for f in faces.photo_faces(BEACH)} == {OTHER}
    assert faces.photo_faces(BEACH, DLIB) == []  # replaced where the new model looked
    assert [f.model_version for f in faces.photo_faces(PARTY, DLIB)] == [DLIB]  # kept
    assert [f.model_version for f in faces.photo_faces(PARTY)] == [DLIB]  # what it shows
    assert faces.descriptors(DLIB)[1].shape == (1, 128)
    assert faces.descriptors(OTHER)[1].shape == (1, 512)
    assert dict(faces.unscanned(["/album"], OTHER)) == {
        EMPTY: "/album/empty.jpg",
        PARTY: "/album/party.jpg",
    }


@both_databases
def test_the_users_corrections_survive_the_groupings_bulk_assignment(store):
    beach_one, beach_two, party = scan_album(store)
    with store.writer() as writer:
        people = writer.concern(People)
        anna, ben = people.add_person(), people.add_person()
        assert people.assign_faces({beach_one: anna, beach_two: ben, party: anna}) == 3
        people.name_person(anna, "  Anna  Lisboa ")
        people.move_face(party, ben)  # the user: the party face is Ben
        people.reject_face(beach_two)  # the user: this face is not Ben
    people = store.concern(People)
    assert people.people_named("anna lisboa") == [anna]
    assert people.person(anna).name == "Anna Lisboa"
    with store.writer() as writer:
        # The grouping tries to undo both: neither changes.
        assigned = writer.concern(People).assign_faces({party: anna, beach_two: ben})
    assert assigned == 0
    with store.writer() as writer:  # already there, or no such face: nothing changes
        assert writer.concern(People).assign_faces({beach_one: anna, 99999: anna}) == 0
    assert people.assignments(DLIB) == {
        beach_one: (anna, "auto"),
        beach_two: (None, None),
        party: (ben, "user"),
    }
    assert people.rejections() == {(beach_two, ben)}
    with store.writer() as writer:  # it may place the rejected face with someone else
        assert writer.concern(People).assign_faces({beach_two: anna}) == 1
    assert people.assignments(DLIB)[beach_two] == (anna, "auto")
    with store.writer() as writer:  # and the user may give it back after all
        writer.concern(People).move_face(beach_two, ben)
    assert people.rejections() == set()
    assert people.assignments(DLIB)[beach_two] == (ben, "user")


@both_databases
def test_naming_hiding_and_merging_people(store):
    beach_one, beach_two, party = scan_album(store)
    with store.writer() as writer:
        people = writer.concern(People)
        anna, twin, ben = people.add_person(), people.add_person("Anna"), people.add_person()
        people.assign_faces({beach_one: anna, party: twin, beach_two: ben})
        people.reject_face(beach_two)  # not Ben
        people.move_face(beach_two, twin)
        people.reject_face(beach_two)  # not Anna's twin either
        people.hide_person(ben)
    people = store.concern(People)
    assert [p.id for p in people.people()] == [anna, twin]
    assert people.people_counts() == {"people": 2, "named_people": 1, "hidden_people": 1}
    with store.writer() as writer:
        writer.concern(People).merge_people(anna, twin)
    [merged] = [p for p in people.people(hidden=True) if p.id == anna]
    assert (merged.name, merged.faces, merged.photos) == ("Anna", 2, 2)
    assert people.person(twin) is None
    assert people.assignments(DLIB)[party] == (anna, "user")  # no grouping parts them again
    assert people.rejections() == {(beach_two, ben), (beach_two, anna)}
    with store.writer() as writer:
        writer.concern(People).hide_person(ben, hidden=False)
        writer.concern(People).name_person(anna, "")
    assert people.person(anna).name is None and not people.person(ben).hidden
    with pytest.raises(UnknownPerson), store.writer() as writer:
        writer.concern(People).name_person(9999, "Nobody")
    with pytest.raises(UnknownPerson), store.writer() as writer:
        writer.concern(People).move_face(9999, anna)


@both_databases
def test_people_filter_photos_with_every_one_of_them(store):
    beach_one, beach_two, party = scan_album(store)
    with store.writer() as writer:
        people = writer.concern(People)
        anna, ben = people.add_person("Anna"), people.add_person("Ben")
        people.assign_faces({beach_one: anna, beach_two: ben, party: anna})

    def paths(*persons, **more):
        ids = store.filtered_ids(Filters(people=persons, **more))
        return sorted(photo.path for photo in store.photos(ids).values())

    assert paths(anna) == ["/album/beach.jpg", "/album/party.jpg", "/copies/beach.jpg"]
    assert paths(anna, ben) == ["/album/beach.jpg", "/copies/beach.jpg"]
    assert paths(anna, ben, folder="/album") == ["/album/beach.jpg"]
    assert paths(ben, 9999) == []


@both_databases
def test_a_face_found_again_in_its_place_keeps_its_person(store):
    beach_one, beach_two, _ = scan_album(store)
    with store.writer() as writer:
        people = writer.concern(People)
        anna, ben = people.add_person("Anna"), people.add_person("Ben")
        people.move_face(beach_one, anna)
        people.assign_faces({beach_two: ben})
        people.reject_face(beach_two)
    moved = Found((0.12, 0.21, 0.1, 0.15), face(0.1, 1).landmarks, 0.8, face(0.1, 1).descriptor)
    with store.writer() as writer:  # looked at again by the same model: a face moved a little
        writer.concern(Faces).set_faces(
            [FaceScan(BEACH, DLIB, (moved, face(0.5, 2), face(0.8, 5)))]
        )
    found = store.concern(Faces).photo_faces(BEACH)
    assert [(f.person_name, f.assigned_by) for f in found] == [
        ("Anna", "user"),
        (None, None),
        (None, None),
    ]
    assert store.concern(People).rejections() == {(found[1].id, ben)}


@both_databases
def test_faces_no_photo_has_are_forgotten_with_their_scans(store):
    *_, party = scan_album(store)
    with store.writer() as writer:
        people = writer.concern(People)
        anna, nameless = people.add_person("Anna"), people.add_person()
        people.move_face(party, nameless)
        people.reject_face(party)
        writer.delete_photos([store.photo_by_path("/album/party.jpg").id])
    assert store.concern(Faces).unused_faces() == 1
    with store.writer() as writer:
        assert writer.concern(Faces).prune_faces() == 1
        assert writer.concern(People).prune_people() == 1  # the nameless one, now faceless
    assert store.concern(Faces).unused_faces() == 0
    assert store.concern(Faces).face_counts()["faces"] == 2
    assert store.concern(People).rejections() == set()
    assert [p.id for p in store.concern(People).people()] == [anna]  # named: the user's
    with store.writer() as writer:  # moved away and back: looked at again
        writer.add_photo("/album/party.jpg", 1, 1, PARTY, PhotoMeta())
    assert dict(store.concern(Faces).unscanned(["/"], None)) == {PARTY: "/album/party.jpg"}


@both_databases
def test_check_finds_broken_and_unused_faces_and_repair_forgets_them(store, tmp_path):
    beach_one, *_ = scan_album(store)
    with store.writer() as writer:
        writer.session.execute(
            update(FaceRow).where(FaceRow.id == beach_one).values(descriptor=b"\x00" * 100)
        )
        writer.delete_photos([store.photo_by_path("/album/party.jpg").id])
    ids, matrix = store.concern(Faces).descriptors(DLIB)  # the grouping never sees it
    assert beach_one not in ids.tolist() and matrix.shape == (2, 128)
    config = Config.load(environ={}, data_dir=tmp_path / "data")
    report = check(store, config)
    assert (report.broken_faces, report.unused_faces, report.consistent) == ([beach_one], 1, False)
    assert report.to_dict()["broken_faces"] == 1
    repaired = repair(store, config, report)
    assert (repaired.broken_faces, repaired.unused_faces, repaired.consistent) == ([], 0, True)
    assert len(repaired.repaired) == 2
    # The broken face's photo is looked at again (its other face is replaced then).
    assert dict(store.concern(Faces).unscanned(["/album"], DLIB)) == {BEACH: "/album/beach.jpg"}
