"""Faces grouped into people, as pure functions over arrays: what changes, never how it is kept.

The rules, the same for a batch of new faces (`add_faces`) and for everything again
(`regroup`):
- A face joins the person most of its nearest faces within `distance` belong to (nearest first
  on a tie), never a person it was rejected from, never a person already in its photo.
- A new person needs a core: faces with at least `core` neighbours within `distance` from as
  many other photos, linked only to core faces they share `core - 1` neighbours with (one close
  pair between two siblings does not make them one person), more than `core` faces in all;
  groups whose average faces nearly coincide are pieces of one person. The other faces wait
  and join later: with a new face's person, when that face is among their neighbours.
- Two faces of one photo are never one person automatically: the user's face stays, else the
  face the detector is surest of; the others wait.
- The user's assignments never change, and a full re-grouping keeps every person in `kept`
  (named, hidden, merged, given faces by the user): a new group goes to the person that held most
  of its faces, so ids and names stay."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

from photosearch.people.neighbours import nearest

NO_PERSON = -1
PIECES = 1 / 3  # of the distance: pieces of one person, not two siblings (0.6 of it apart)
REPRESENTATIVES = 64  # faces of a person a new face is compared with


@dataclass(frozen=True)
class Faces:
    """Every face of one face model, row by row."""

    ids: np.ndarray  # int64
    descriptors: np.ndarray  # float32, unit length, one row a face
    photos: np.ndarray  # int64: the photo each face is in
    scores: np.ndarray  # float32: the detector's confidence


@dataclass(frozen=True)
class Assignments:
    """Who each face (row for row with Faces) belongs to now, and what the user said."""

    people: np.ndarray  # int64 person id per face, NO_PERSON for none
    by_user: np.ndarray  # bool: the user put it there (or left it out: NO_PERSON)
    rejected: frozenset[tuple[int, int]] = frozenset()  # (face id, person id): "not this person"
    kept: frozenset[int] = frozenset()  # people the user named, hid, merged or gave faces


@dataclass(frozen=True)
class Settings:
    distance: float  # the face model's `same_person`: cosine distance
    # Neighbours, from other photos, that make a face a core face; a person needs more faces.
    # 2 on benchmark (s)'s album of real faces: 3 left three people of three faces waiting.
    core: int = 2
    neighbours: int = 16  # how many nearest faces are looked at


@dataclass
class Changes:
    """What a grouping run changes; `auto` assignments only."""

    assigned: dict[int, int] = field(default_factory=dict)  # face id -> existing person
    unassigned: list[int] = field(default_factory=list)  # face ids that lose their person
    new_people: list[list[int]] = field(default_factory=list)  # each new person's face ids
    emptied: list[int] = field(default_factory=list)  # people not kept, left with no face


def add_faces(faces: Faces, now: Assignments, new: np.ndarray, settings: Settings) -> Changes:
    """Changes for the faces marked `new`: they join people, or found people with the faces
    that wait; everyone else stays."""
    labels = now.people.copy()
    joining = np.flatnonzero(new & (labels == NO_PERSON))
    shown = _representatives(labels, now.by_user)
    _join(faces, now, labels, joining, _neighbours(faces, joining, shown, settings))
    waiting = labels == NO_PERSON
    unplaced = np.flatnonzero(new & waiting)
    near = _neighbours(faces, unplaced, waiting, settings)
    candidates = np.union1d(unplaced, near[near >= 0])
    groups = _found(faces, candidates, _neighbours(faces, candidates, waiting, settings), settings)
    next_label = _new_label(labels)
    for group in groups:
        labels[group] = next_label
        next_label -= 1
    _one_person_per_photo(faces, now, labels)
    _waiting_join(faces, now, labels, new, settings)
    return _changes(faces, now, labels)


def _waiting_join(
    faces: Faces, now: Assignments, labels: np.ndarray, new: np.ndarray, settings: Settings
) -> None:
    """Faces that waited and now have new faces of a person among their neighbours join the
    person most of those new faces went to. Photo by photo, a face that came before its person
    and lies too far from the faces that founded them would otherwise wait for good, while the
    faces near it join that person one by one. Only the new faces are searched: a second
    search of every person's faces would double the time of adding a batch."""
    waiting = (labels == NO_PERSON) & ~now.by_user & ~new
    placed_new = new & (labels != NO_PERSON)
    if not waiting.any() or not placed_new.any():
        return
    near = _neighbours(faces, np.flatnonzero(placed_new), waiting, settings)
    again = np.unique(near[near >= 0])
    _join(faces, now, labels, again, _neighbours(faces, again, placed_new, settings))


def regroup(faces: Faces, now: Assignments, settings: Settings) -> Changes:
    """Changes that group every face not placed by the user again, from nothing (one search of
    every face's neighbours serves it all)."""
    free = np.flatnonzero(~now.by_user)
    near = _neighbours(faces, free, np.ones(len(faces.ids), bool), settings)
    labels = now.people.copy()
    labels[free] = NO_PERSON
    groups = _found(faces, free, near, settings)
    next_label = _new_label(labels)
    for group, person in zip(groups, _people_for(groups, now), strict=True):
        if person is None:
            person, next_label = next_label, next_label - 1
        labels[group] = person
    _drop_rejected(faces, now, labels)
    _one_person_per_photo(faces, now, labels)
    waiting = labels[free] == NO_PERSON
    _join(faces, now, labels, free[waiting], near[waiting])
    return _changes(faces, now, labels)


def _representatives(labels: np.ndarray, by_user: np.ndarray) -> np.ndarray:
    """A mask of up to REPRESENTATIVES faces of each person, the user's first, then the newest
    (a face changes over the years): what a new face is compared with. A person in thousands of
    photos is found as surely from these, and adding a batch takes half the time."""
    placed = np.flatnonzero(labels != NO_PERSON)
    order = placed[np.lexsort((-placed, ~by_user[placed], labels[placed]))]
    starts = np.flatnonzero(np.diff(labels[order], prepend=labels[order][:1] - 1))
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.append(starts, len(order))))
    shown = np.zeros(len(labels), bool)
    shown[order[rank < REPRESENTATIVES]] = True
    return shown


def _neighbours(faces: Faces, queries: np.ndarray, among: np.ndarray, settings: Settings):
    """The rows of each query's nearest faces `among` (a mask) within the distance, nearest
    first, itself left out; -1 where there are fewer."""
    base = np.flatnonzero(among)
    descriptors = faces.descriptors
    rows = nearest(
        descriptors[queries], descriptors[base], settings.neighbours + 1, settings.distance
    )[1]
    near = np.where(rows >= 0, np.append(base, -1)[rows], -1)
    near[near == queries[:, None]] = -1
    return near


def _found(faces: Faces, candidates: np.ndarray, near: np.ndarray, settings: Settings) -> list:
    """Groups of rows among the candidates (their neighbours `near`) that found a person:
    core faces linked by shared neighbours, and the faces next to them."""
    if len(candidates) == 0:
        return []
    core = _other_photos(faces.photos, candidates, near) >= settings.core
    position = np.full(len(faces.ids) + 1, -1)  # the last stands for "no neighbour"
    position[candidates] = np.arange(len(candidates))
    at = position[near]  # each neighbour's place among the candidates, or -1
    sources, columns = np.nonzero(at >= 0)
    targets = at[sources, columns]
    links = core[sources] & core[targets]
    sources, targets = sources[links], targets[links]
    links = _shared(near, sources, targets) >= settings.core - 1
    count = len(candidates)
    graph = coo_matrix(
        (np.ones(int(links.sum())), (sources[links], targets[links])), shape=(count, count)
    )
    _, component = connected_components(graph, directed=False)
    # a face that is not core follows its nearest core neighbour, if it has one
    core_next = (at >= 0) & core[np.maximum(at, 0)]
    first = np.argmax(core_next, axis=1)
    nearest_core = np.where(core_next.any(axis=1), at[np.arange(count), first], -1)
    component = np.where(core, component, np.where(nearest_core >= 0, component[nearest_core], -1))
    component = _pieces_joined(faces, candidates, component, settings)
    placed = component >= 0
    order = np.argsort(component[placed], kind="stable")
    members, starts = candidates[placed][order], component[placed][order]
    groups = np.split(members, np.flatnonzero(np.diff(starts)) + 1) if len(members) else []
    return [group for group in groups if len(group) > settings.core]  # the rest wait


def _pieces_joined(
    faces: Faces, candidates: np.ndarray, component: np.ndarray, settings: Settings
) -> np.ndarray:
    """Groups whose average faces nearly coincide (under PIECES of the distance) are pieces of
    one person, cut where the neighbours found by lists missed the links between them."""
    placed = np.flatnonzero(component >= 0)
    groups, member_of = np.unique(component[placed], return_inverse=True)
    if len(groups) < 2:
        return component
    belongs = csr_matrix(
        (np.ones(len(placed), "float32"), (member_of, np.arange(len(placed)))),
        shape=(len(groups), len(placed)),
    )
    averages = belongs @ faces.descriptors[candidates[placed]]
    averages /= np.linalg.norm(averages, axis=1, keepdims=True)
    rows = nearest(averages, averages, settings.neighbours, settings.distance * PIECES)[1]
    sources, columns = np.nonzero(rows >= 0)
    graph = coo_matrix(
        (np.ones(len(sources)), (sources, rows[sources, columns])), shape=(len(groups),) * 2
    )
    person = connected_components(graph, directed=False)[1]
    joined = component.copy()
    joined[placed] = person[member_of]
    return joined


def _other_photos(photos: np.ndarray, rows: np.ndarray, neighbours: np.ndarray) -> np.ndarray:
    """How many other photos each row's neighbours come from."""
    theirs = np.where(neighbours >= 0, photos[np.maximum(neighbours, 0)], -1)
    theirs[theirs == photos[rows][:, None]] = -1
    theirs.sort(axis=1)
    distinct = (theirs[:, 1:] != theirs[:, :-1]) & (theirs[:, 1:] >= 0)
    return distinct.sum(axis=1) + (theirs[:, 0] >= 0)


def _shared(neighbours: np.ndarray, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """How many neighbours each linked pair of candidates have in common."""
    left_rows = np.where(neighbours >= 0, neighbours, -1).astype("int32")
    right_rows = np.where(neighbours >= 0, neighbours, -2).astype("int32")  # -1 never meets -2
    shared = np.empty(len(sources), "int64")
    for start in range(0, len(sources), 50_000):
        left = left_rows[sources[start : start + 50_000]]
        right = right_rows[targets[start : start + 50_000]]
        shared[start : start + 50_000] = (left[:, :, None] == right[:, None, :]).sum(axis=(1, 2))
    return shared


def _people_for(groups: list, now: Assignments) -> list:
    """The person each new group goes to: the one that held most of its faces; a kept person
    may take several groups (the user merged them), any other only its largest."""
    claims = []
    for number, group in enumerate(groups):
        held = Counter(int(person) for person in now.people[group] if person != NO_PERSON)
        claims += [(count, number, person) for person, count in held.items()]
    chosen: list = [None] * len(groups)
    taken = set()
    for _, number, person in sorted(claims, reverse=True):
        if chosen[number] is None and (person in now.kept or person not in taken):
            chosen[number] = person
            taken.add(person)
    return chosen


def _join(
    faces: Faces, now: Assignments, labels: np.ndarray, joiners: np.ndarray, near: np.ndarray
) -> None:
    """Each joiner joins the person most of its nearest faces (`near`) belong to, nearest first
    on a tie; of two faces of one photo, the surer joins first."""
    placed = np.flatnonzero(labels != NO_PERSON)
    in_photo = set(zip(labels[placed].tolist(), faces.photos[placed].tolist(), strict=True))
    surest = np.argsort(-faces.scores[joiners], kind="stable")
    joiners, near = joiners[surest], near[surest]
    people_near = np.where(near >= 0, labels[np.maximum(near, 0)], NO_PERSON)
    for row, people in zip(joiners.tolist(), people_near.tolist(), strict=True):
        face, photo = int(faces.ids[row]), int(faces.photos[row])
        votes = Counter(
            person
            for person in people
            if person != NO_PERSON
            and (person, photo) not in in_photo
            and (face, person) not in now.rejected
        )
        if votes:
            person = votes.most_common(1)[0][0]
            labels[row] = person
            in_photo.add((person, photo))


def _drop_rejected(faces: Faces, now: Assignments, labels: np.ndarray) -> None:
    for row in np.flatnonzero(~now.by_user & (labels != NO_PERSON)):
        if (int(faces.ids[row]), int(labels[row])) in now.rejected:
            labels[row] = NO_PERSON


def _one_person_per_photo(faces: Faces, now: Assignments, labels: np.ndarray) -> None:
    """Of the faces of one photo given one person, the user's stays, else the surest."""
    placed = np.flatnonzero(labels != NO_PERSON)
    order = np.lexsort((-faces.scores[placed], ~now.by_user[placed]))
    rows = placed[order]
    keys = list(zip(labels[rows].tolist(), faces.photos[rows].tolist(), strict=True))
    seen = set()
    for row, key in zip(rows, keys, strict=True):
        if key in seen and not now.by_user[row]:
            labels[row] = NO_PERSON
        seen.add(key)


def _new_label(labels: np.ndarray) -> int:
    """Labels below NO_PERSON stand for people not made yet."""
    return min(int(labels.min(initial=0)), NO_PERSON) - 1


def _changes(faces: Faces, now: Assignments, labels: np.ndarray) -> Changes:
    changes = Changes()
    new_people: dict[int, list[int]] = {}
    for row in np.flatnonzero((labels != now.people) & ~now.by_user):
        face, label = int(faces.ids[row]), int(labels[row])
        if label == NO_PERSON:
            changes.unassigned.append(face)
        elif label < NO_PERSON:
            new_people.setdefault(label, []).append(face)
        else:
            changes.assigned[face] = label
    changes.new_people = list(new_people.values())
    remaining = set(labels.tolist())
    changes.emptied = sorted(
        {int(p) for p in now.people if p != NO_PERSON} - remaining - set(now.kept)
    )
    return changes
