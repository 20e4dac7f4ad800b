"""Faces of the store grouped into people: read them, run the grouping, write what changed in
one writer transaction. The grouping runs outside the writer (a re-grouping takes seconds and
would hold up an index run); a correction the user makes meanwhile still wins, since the
store's bulk assignment never moves a face the user placed nor puts one back where it was
rejected."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from photosearch.store.faces import Faces as StoredDescriptors
from photosearch.store.people import People

from .grouping import NO_PERSON, Assignments, Changes, Faces, Settings, add_faces, regroup
from .stored_faces import StoredFaces


def group_faces(
    store, version: str, settings: Settings, new_faces: Iterable[int] | None = None
) -> Changes:
    """Group the faces `version` found that wait for a person (or only `new_faces`, those an
    index run just added) into the people there are, or new ones."""
    faces, now = _read(store, version)
    if new_faces is None:
        new = (now.people == NO_PERSON) & ~now.by_user
    else:
        new = np.isin(faces.ids, np.fromiter(new_faces, "int64"))
    return _write(store, add_faces(faces, now, new, settings))


def regroup_faces(store, version: str, settings: Settings) -> Changes:
    """Group every face `version` found again from nothing, keeping what the user said and the
    people they named, hid, merged or gave faces."""
    faces, now = _read(store, version)
    return _write(store, regroup(faces, now, settings))


def _read(store, version: str) -> tuple[Faces, Assignments]:
    """Every face `version` found with a whole descriptor (the store leaves broken ones out:
    `check` lists them), and what is said of each."""
    ids, descriptors = store.concern(StoredDescriptors).descriptors(version)
    facts = store.concern(StoredFaces).facts(version)
    whole = np.isin(facts["ids"], ids)  # both by id
    faces = Faces(ids, descriptors, facts["contents"][whole], facts["scores"][whole])
    people, by_user = facts["people"][whole], facts["by_user"][whole]
    listed = store.concern(People)
    kept = {person.id for person in listed.people(hidden=True) if person.name or person.hidden}
    kept |= set(people[by_user & (people != NO_PERSON)].tolist())
    return faces, Assignments(people, by_user, frozenset(listed.rejections()), frozenset(kept))


def _write(store, changes: Changes) -> Changes:
    with store.writer() as writer:
        people = writer.concern(People)
        persons: dict[int, int | None] = dict.fromkeys(changes.unassigned)
        persons.update(changes.assigned)
        for group in changes.new_people:
            persons.update(dict.fromkeys(group, people.add_person()))
        people.assign_faces(persons)
        people.prune_people()
    return changes
