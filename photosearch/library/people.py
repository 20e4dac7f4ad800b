"""The people of a library as the entry points see them: listed, corrected (named, merged,
hidden, a face moved or dropped) and grouped, the faces an index run found joining them. A
person is asked for by id or by name; one not there is UnknownPerson (exit 2, HTTP 404)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..config import Config
from ..errors import UnknownPerson
from ..indexing.passes.faces.finding import ModelChoice, face_model
from ..people.grouping import Changes, Settings
from ..people.service import group_faces, regroup_faces
from ..search.known_people import FoundPerson
from ..store import Store
from ..store import people as stored
from ..store.concern import now
from ..store.faces import Faces
from ..store.people import People
from ..store.records import Person


@dataclass(frozen=True)
class Grouped:
    """What a grouping did: faces that joined people (new ones included), people founded."""

    joined: int
    new_people: int

    @classmethod
    def of(cls, changes: Changes) -> Grouped:
        founders = sum(len(group) for group in changes.new_people)
        return cls(len(changes.assigned) + founders, len(changes.new_people))

    def to_dict(self) -> dict[str, int]:
        return {"faces_joined": self.joined, "new_people": self.new_people}


class LibraryPeople:
    """The people of one store, grouped with the configured face model's version and
    distance (the model is loaded when a grouping first needs it)."""

    def __init__(self, store: Store, config: Config):
        self.store, self.config = store, config

    def listed(self, hidden: bool = False) -> list[Person]:
        return self.store.concern(People).people(hidden=hidden)

    def person(self, person: str | int) -> Person:
        """A person by id, or by name (case and accents aside; the oldest of that name)."""
        concern = self.store.concern(People)
        text = str(person).strip()
        if text.isdigit():
            found = concern.person(int(text))
            if found is not None:
                return found
        named = concern.people_named(text) if text else []
        if named:
            found = concern.person(named[0])
            if found is not None:
                return found
        raise UnknownPerson.said("No person has the id or name {person!r}.", person=text)

    def shown_by_id(self, asked: str) -> FoundPerson | None:
        """The person not hidden whose id is `asked`, as search takes them: how the People
        page and the search page's picker ask for a person, an unnamed one too. None when
        `asked` is not such an id (a name, then)."""
        is_id = asked.isascii() and asked.isdigit() and len(asked) < 19  # a 64-bit integer
        found = self.store.concern(People).shown_person(int(asked)) if is_id else None
        return FoundPerson(found[1] or asked, (found[0],)) if found else None

    def with_faces(self) -> list[tuple[int, str | None, int]]:
        """(id, name, first face id) of the people not hidden, most faces first."""
        return self.store.concern(People).with_faces()

    def faces(self, person: str | int) -> list[dict]:
        """A person's faces: id, photo id and box."""
        return self.store.concern(People).person_faces(self.person(person).id)

    def face(self, face: int) -> dict:
        """One face: id, photo id and box; UnknownPerson when there is none of that id."""
        found = self.store.concern(People).face(face)
        if found is None:
            raise UnknownPerson.said("No face has the id {id}.", id=face)
        return found

    def first_faces(self) -> dict[int, int]:
        return self.store.concern(People).first_faces()

    def photo_faces(self, content_hash: str) -> list[dict]:
        """The faces of a photo's content with their people, for its page."""
        return [face.to_dict() for face in self.store.concern(Faces).photo_faces(content_hash)]

    def name(self, person: str | int, name: str) -> Person:
        return self._correct(person, lambda people, id_: people.name_person(id_, name))

    def hide(self, person: str | int, hidden: bool = True) -> Person:
        return self._correct(person, lambda people, id_: people.hide_person(id_, hidden))

    def merge(self, kept: str | int, merged: str | int) -> Person:
        """`merged`'s faces become `kept`'s; `merged` is gone."""
        gone = self.person(merged).id
        return self._correct(kept, lambda people, id_: people.merge_people(id_, gone))

    def move_face(self, face: int, person: str | int) -> Person:
        return self._correct(person, lambda people, id_: people.move_face(face, id_), face)

    def drop_face(self, face: int) -> int | None:
        """The user's "not this person" for the face's person: the person it left (None: it
        was with nobody)."""
        return self._write(lambda people: people.reject_face(face), face)

    def group_new(self, since: datetime) -> Grouped:
        """Group the faces found since `since` (an index run's start) into people."""
        version, settings = self._model()
        new = self.store.concern(Faces).faces_found_since(version, since)
        if not new:
            return Grouped(0, 0)
        return Grouped.of(group_faces(self.store, version, settings, new))

    def kept_since(self, since: datetime) -> int:
        """Of the faces found since `since`, those that took the person of the face found at
        their place before (by this face model or an older one): before they are grouped."""
        version, _ = self._model()
        new = self.store.concern(Faces).faces_found_since(version, since)
        return self.store.concern(People).placed(new)

    def moment(self) -> datetime:
        """Now, as the store records it: an index run's faces are those found after."""
        return now()

    def regroup(self) -> Grouped:
        """Every face grouped again from nothing; the user's corrections kept."""
        version, settings = self._model()
        return Grouped.of(regroup_faces(self.store, version, settings))

    def _model(self) -> tuple[str, Settings]:
        model = face_model(ModelChoice.of(self.config))
        return model.version, Settings(distance=model.same_person)

    def _correct(self, person: str | int, change, face: int | None = None) -> Person:
        person_id = self.person(person).id
        self._write(lambda people: change(people, person_id), face)
        return self.person(person_id)

    def _write(self, change, face: int | None = None):
        """The change in one writer transaction, and what it gave; the person was checked
        before, so a face is what the store can still not find."""
        try:
            with self.store.writer() as writer:
                return change(writer.concern(People))
        except stored.UnknownPerson:
            raise UnknownPerson.said("No face has the id {id}.", id=face) from None
