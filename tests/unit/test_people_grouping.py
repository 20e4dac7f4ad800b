"""The grouping rules on synthetic descriptors: people as clusters on the unit sphere, spread
as dlib's faces are (one person's faces some 0.07 apart in cosine distance, different people
some 0.3), strangers seen once, and two siblings closer to each other than the distance."""

from __future__ import annotations

import numpy as np

from photosearch.people import neighbours
from photosearch.people.grouping import (
    NO_PERSON,
    Assignments,
    Faces,
    Settings,
    add_faces,
    regroup,
)

DIMENSION = 128
SETTINGS = Settings(distance=0.18)


def unit(vectors: np.ndarray) -> np.ndarray:
    return (vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)).astype("float32")


class Scene:
    """Faces of known people, one face a photo unless placed together; ids from 100 up."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)
        self.mean = unit(self.rng.normal(size=DIMENSION))
        self.truth: list[int] = []
        self.descriptors: list[np.ndarray] = []
        self.photos: list[int] = []
        self.scores: list[float] = []

    def centre(self, near: np.ndarray | None = None, apart: float = 0.5) -> np.ndarray:
        if near is not None:
            return unit(near + apart * self.rng.normal(size=DIMENSION) / np.sqrt(DIMENSION))
        return unit(1.41 * self.mean + self.rng.normal(size=DIMENSION) / np.sqrt(DIMENSION))

    def face(self, person: int, centre: np.ndarray, photo: int | None = None, score=0.9) -> int:
        spread = np.sqrt(0.075 / DIMENSION) * self.rng.uniform(0.5, 1.5)
        self.descriptors.append(unit(centre + spread * self.rng.normal(size=DIMENSION)))
        self.truth.append(person)
        self.photos.append(len(self.photos) + 1000 if photo is None else photo)
        self.scores.append(score)
        return len(self.truth) - 1 + 100

    def person(self, person: int, count: int, centre: np.ndarray | None = None) -> np.ndarray:
        centre = self.centre() if centre is None else centre
        return np.array([self.face(person, centre) for _ in range(count)])

    def faces(self) -> Faces:
        count = len(self.truth)
        return Faces(
            np.arange(count) + 100,
            np.array(self.descriptors),
            np.array(self.photos),
            np.array(self.scores, "float32"),
        )

    def truth_of(self, face_ids) -> set[int]:
        return {self.truth[face - 100] for face in face_ids}


def nobody(count: int, **corrections) -> Assignments:
    return Assignments(np.full(count, NO_PERSON), np.zeros(count, bool), **corrections)


def applied(scene: Scene, now: Assignments, changes, first_id: int = 1) -> Assignments:
    """The assignments after the changes, new people numbered from first_id as a store would."""
    people = now.people.copy()
    for face, person in changes.assigned.items():
        people[face - 100] = person
    for face in changes.unassigned:
        people[face - 100] = NO_PERSON
    for number, group in enumerate(changes.new_people):
        people[np.array(group) - 100] = first_id + number
    return Assignments(people, now.by_user, now.rejected, now.kept)


def test_people_are_found_and_strangers_wait():
    scene = Scene()
    for person in range(12):
        scene.person(person, 10)
    strangers = [scene.face(-1 - n, scene.centre()) for n in range(40)]
    changes = regroup(scene.faces(), nobody(len(scene.truth)), SETTINGS)
    assert sorted(len(group) for group in changes.new_people) == [10] * 12
    assert all(len(scene.truth_of(group)) == 1 for group in changes.new_people)
    placed = {face for group in changes.new_people for face in group}
    assert placed.isdisjoint(strangers)


def test_siblings_closer_than_the_distance_stay_two_people():
    scene = Scene(1)
    elder = scene.centre()
    younger = scene.centre(near=elder)
    scene.person(0, 20, elder)
    scene.person(1, 20, younger)
    faces = scene.faces()
    across = 1 - faces.descriptors[:20] @ faces.descriptors[20:].T
    assert (across < SETTINGS.distance).mean() > 0.5  # most pairs across are within it
    changes = regroup(faces, nobody(40), SETTINGS)
    assert sorted(scene.truth_of(group) for group in changes.new_people) == [{0}, {1}]


def test_a_person_needs_a_core_and_the_waiting_faces_found_it_later():
    scene = Scene(2)
    centre = scene.centre()
    scene.person(0, 2, centre)
    assert regroup(scene.faces(), nobody(2), SETTINGS).new_people == []
    scene.person(0, 2, centre)
    new = np.array([False, False, True, True])
    changes = add_faces(scene.faces(), nobody(4), new, SETTINGS)
    assert [sorted(group) for group in changes.new_people] == [[100, 101, 102, 103]]


def test_new_faces_join_their_people_and_strangers_wait():
    scene = Scene(3)
    centres = [scene.centre() for _ in range(5)]
    for person, centre in enumerate(centres):
        scene.person(person, 8, centre)
    before = len(scene.truth)
    now = applied(scene, nobody(before), regroup(scene.faces(), nobody(before), SETTINGS), 50)
    joining = [scene.face(person, centre) for person, centre in enumerate(centres)]
    stranger = scene.face(-1, scene.centre())
    count = len(scene.truth)
    now = Assignments(np.append(now.people, [NO_PERSON] * 6), np.zeros(count, bool))
    changes = add_faces(scene.faces(), now, np.arange(count) >= before, SETTINGS)
    assert changes.new_people == [] and stranger not in changes.assigned
    for face in joining:
        person_faces = np.flatnonzero(now.people == changes.assigned[face]) + 100
        assert scene.truth_of(person_faces) == scene.truth_of([face])


def test_a_rejected_face_never_rejoins_on_adding_or_regrouping():
    scene = Scene(4)
    scene.person(0, 10)
    first = regroup(scene.faces(), nobody(10), SETTINGS)
    now = applied(scene, nobody(10), first, 7)
    # the user says face 100 is not person 7 (the store takes it out, as the user's)
    rejected = frozenset({(100, 7)})
    by_user = np.arange(10) == 0
    people = np.where(by_user, NO_PERSON, now.people)
    refused = Assignments(people, np.zeros(10, bool), rejected, frozenset({7}))
    assert 100 not in regroup(scene.faces(), refused, SETTINGS).assigned
    changes = add_faces(scene.faces(), refused, by_user, SETTINGS)
    assert 100 not in changes.assigned
    assert all(100 not in group for group in changes.new_people)


def test_two_faces_of_one_photo_never_go_to_one_person_automatically():
    scene = Scene(5)
    centre = scene.centre()
    scene.person(0, 8, centre)
    surer = scene.face(0, centre, photo=1, score=0.99)
    doubt = scene.face(0, centre, photo=1, score=0.6)  # a mirror, a photo of a photo
    changes = regroup(scene.faces(), nobody(10), SETTINGS)
    (group,) = changes.new_people
    assert surer in group and doubt not in group


def test_regrouping_keeps_names_merges_and_the_users_faces():
    scene = Scene(6)
    anna, ben, carl = (scene.person(person, 8) for person in range(3))
    count = len(scene.truth)
    people = np.full(count, NO_PERSON)
    people[anna - 100] = 7  # named Anna
    people[ben - 100] = 7  # the user merged Ben's group into Anna
    people[carl - 100] = 9  # an unnamed group
    by_user = np.zeros(count, bool)
    people[carl[0] - 100], by_user[carl[0] - 100] = 7, True  # moved to Anna by the user
    now = Assignments(people, by_user, kept=frozenset({7}))
    changes = regroup(scene.faces(), now, SETTINGS)
    assert changes.new_people == [] and changes.unassigned == []
    assert carl[0] not in changes.assigned
    after = applied(scene, now, changes)
    assert set(after.people[np.concatenate([anna, ben, [carl[0]]]) - 100]) == {7}
    assert set(after.people[carl[1:] - 100]) == {9}


def test_a_regrouping_splits_what_nobody_kept_and_reports_the_emptied():
    scene = Scene(7)
    first, second = scene.person(0, 8), scene.person(1, 8)
    stranger = scene.face(-1, scene.centre())
    people = np.append(np.full(16, 4), 5)  # 4 holds two people's faces, 5 a stranger alone
    changes = regroup(scene.faces(), Assignments(people, np.zeros(17, bool)), SETTINGS)
    assert len(changes.new_people) == 1
    assert set(changes.new_people[0]) in ({*first.tolist()}, {*second.tolist()})
    assert changes.unassigned == [stranger] and changes.emptied == [5]


def test_a_person_in_thousands_of_photos_is_one_person(monkeypatch):
    scene = Scene(8)
    scene.person(0, 3_000)
    monkeypatch.setattr(neighbours, "EXACT_PAIRS", 0)  # neighbours by lists, as for many faces
    changes = regroup(scene.faces(), nobody(3_000), SETTINGS)
    assert [len(group) for group in changes.new_people] == [3_000]


def test_a_new_face_finds_a_person_seen_in_more_photos_than_it_is_compared_with():
    scene = Scene(10)
    centre = scene.centre()
    scene.person(0, 200, centre)
    first = regroup(scene.faces(), nobody(200), SETTINGS)
    now = applied(scene, nobody(200), first, 3)
    newcomer = scene.face(0, centre)
    grown = Assignments(np.append(now.people, NO_PERSON), np.zeros(201, bool))
    changes = add_faces(scene.faces(), grown, np.arange(201) == 200, SETTINGS)
    assert changes.assigned == {newcomer: 3}


def test_a_person_whose_faces_fall_in_two_lists_is_one_person(monkeypatch):
    scene = Scene(12)
    for person in range(100):
        scene.person(person, 60)
    monkeypatch.setattr(neighbours, "EXACT_PAIRS", 0)  # neighbours by lists, as for many faces
    changes = regroup(scene.faces(), nobody(6_000), SETTINGS)
    assert len(changes.new_people) == 100
    assert all(len(scene.truth_of(group)) == 1 for group in changes.new_people)


def test_a_face_that_came_before_its_person_joins_when_a_face_near_it_does():
    # One person's faces along a line: the first at one end, too far from the three that
    # found the person to be found with them; the fifth lies between and joins the person.
    along = np.zeros((5, DIMENSION))
    along[:, 0] = 1
    along[:, 1] = (0.8, -0.05, 0.0, 0.05, 0.45)
    along[np.arange(5), np.arange(2, 7)] = 0.01  # no two photos alike
    faces = Faces(np.arange(5) + 100, unit(along), np.arange(5), np.full(5, 0.9, "float32"))
    settings = Settings(distance=0.18, core=2)
    now = nobody(5)
    for arrived in ([0], [1, 2, 3], [4]):
        changes = add_faces(faces, now, np.isin(np.arange(5), arrived), settings)
        now = applied(Scene(), now, changes, first_id=int(now.people.max()) + 2)
    assert len(set(now.people.tolist())) == 1 and now.people[0] != NO_PERSON
