"""People: faces grouped into persons, and the user's corrections of that grouping. The
grouping assigns faces in bulk (`assign_faces`); the user names, merges, hides, moves a face to
a person and says "not this person". What the user set is never undone by the grouping: a face
the user placed stays there, and a face is never assigned to a person it was rejected from."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import delete, func, insert, select, update

from ..text import fold
from .concern import Concern, chunks, now
from .records import Person
from .schema import FaceRejectionRow, FaceRow, PersonRow, PhotoRow, VideoFrameRow

AUTO, USER = "auto", "user"


class UnknownPerson(LookupError):
    """No person (or face) has that id."""


class People(Concern):
    # --- reads ---------------------------------------------------------------------------------

    def people(self, hidden: bool = False) -> list[Person]:
        """Every person with their faces and photos (contents), most faces first; the hidden
        ones too with `hidden`."""
        return self._people(*(() if hidden else (PersonRow.hidden.is_(False),)))

    def person(self, person_id: int) -> Person | None:
        found = self._people(PersonRow.id == person_id)
        return found[0] if found else None

    def _people(self, *where) -> list[Person]:
        # Counted per person on the (person, content) index first, then joined to the people:
        # 0.74 s for 100 people with 200k faces the other way round (SQLite).
        counted = (
            select(
                FaceRow.person_id,
                func.count().label("faces"),
                func.count(FaceRow.content_hash.distinct()).label("photos"),
            )
            .where(FaceRow.person_id.is_not(None))
            .group_by(FaceRow.person_id)
            .subquery()
        )
        faces = func.coalesce(counted.c.faces, 0)
        query = (
            select(PersonRow, faces, func.coalesce(counted.c.photos, 0))
            .outerjoin(counted, counted.c.person_id == PersonRow.id)
            .where(*where)
            .order_by(faces.desc(), PersonRow.id)
        )
        with self.reading() as session:
            return [_person(row, faces, photos) for row, faces, photos in session.execute(query)]

    def person_faces(self, person_id: int) -> list[dict]:
        """A person's faces: id, the id of a photo holding it and its box (fractions of the
        photo: left, top, width, height), in the order they were found."""
        photo = (
            select(func.min(PhotoRow.id))
            .where(PhotoRow.content_hash == FaceRow.content_hash)
            .scalar_subquery()
        )
        query = (
            select(FaceRow.id, photo, FaceRow.left, FaceRow.top, FaceRow.width, FaceRow.height)
            .where(FaceRow.person_id == person_id)
            .order_by(FaceRow.id)
        )
        with self.reading() as session:
            return [
                {"id": face, "photo_id": photo_id, "box": [left, top, width, height]}
                for face, photo_id, left, top, width, height in session.execute(query)
            ]

    def shown_person(self, person_id: int) -> tuple[int, str | None] | None:
        """(id, name) of the person with this id unless hidden: what a search for them needs,
        without counting their faces as `person` does (a quarter of a second with 200k faces,
        SQLite)."""
        query = select(PersonRow.id, PersonRow.name).where(
            PersonRow.id == person_id, PersonRow.hidden.is_(False)
        )
        with self.reading() as session:
            found = session.execute(query).first()
        return tuple(found) if found else None

    def with_faces(self) -> list[tuple[int, str | None, int]]:
        """(id, name, first face id) of the people not hidden, most faces first: a picker's,
        in one scan of the (person, content) index (0.1 s with 200k faces, SQLite)."""
        counted = (
            select(
                FaceRow.person_id,
                func.count().label("faces"),
                func.min(FaceRow.id).label("first"),
            )
            .where(FaceRow.person_id.is_not(None))
            .group_by(FaceRow.person_id)
            .subquery()
        )
        query = (
            select(PersonRow.id, PersonRow.name, counted.c.first)
            .join(counted, counted.c.person_id == PersonRow.id)
            .where(PersonRow.hidden.is_(False))
            .order_by(counted.c.faces.desc(), PersonRow.id)
        )
        with self.reading() as session:
            return [tuple(row) for row in session.execute(query)]

    def first_faces(self) -> dict[int, int]:
        """Each person's first face id, by person id: the People page's crops, in one query."""
        query = (
            select(FaceRow.person_id, func.min(FaceRow.id))
            .where(FaceRow.person_id.is_not(None))
            .group_by(FaceRow.person_id)
        )
        with self.reading() as session:
            return dict(session.execute(query).all())

    def face(self, face_id: int) -> dict | None:
        """One face as person_faces lists it (id, photo id, box), for its crop; None when
        no face has that id."""
        photo = (
            select(func.min(PhotoRow.id))
            .where(PhotoRow.content_hash == FaceRow.content_hash)
            .scalar_subquery()
        )
        query = select(photo, FaceRow.left, FaceRow.top, FaceRow.width, FaceRow.height).where(
            FaceRow.id == face_id
        )
        with self.reading() as session:
            row = session.execute(query).first()
        if row is None or row[0] is None:
            return None
        photo_id, left, top, width, height = row
        return {"id": face_id, "photo_id": photo_id, "box": [left, top, width, height]}

    def people_named(self, name: str) -> list[int]:
        """The ids of the people called `name` (case and accents aside), oldest first."""
        wanted = fold(name.strip())
        query = select(PersonRow.id, PersonRow.name).where(PersonRow.name.is_not(None))
        with self.reading() as session:
            rows = session.execute(query.order_by(PersonRow.id))
            return [person_id for person_id, named in rows if fold(named) == wanted]

    def named_people(self) -> list[tuple[int, str]]:
        """(id, name) of the named people not hidden, oldest first: the names a search knows."""
        query = select(PersonRow.id, PersonRow.name).where(
            PersonRow.name.is_not(None), PersonRow.hidden.is_(False)
        )
        with self.reading() as session:
            return [tuple(row) for row in session.execute(query.order_by(PersonRow.id))]

    def anyone(self) -> bool:
        """Whether any face belongs to a person: a library without (the faces pass is off by
        default) has no people to look up for a page of results."""
        query = select(FaceRow.id).where(FaceRow.person_id.is_not(None)).limit(1)
        with self.reading() as session:
            return session.scalar(query) is not None

    def people_in(self, content_hashes: Iterable[str]) -> dict[str, list[tuple[int, str | None]]]:
        """The people (id, name) not hidden with a face in each content, by any face model:
        one query for a page of hits (in chunks for a longer list)."""
        query = select(FaceRow.content_hash, PersonRow.id, PersonRow.name)
        return self._people_by(query, FaceRow.content_hash, dict.fromkeys(content_hashes))

    def people_in_videos(self, items: Iterable[int]) -> dict[int, list[tuple[int, str | None]]]:
        """The people (id, name) not hidden with a face in any scene of each of these videos:
        one query joining the scenes to the faces, not a list of every scene's key."""
        query = select(VideoFrameRow.photo_id, PersonRow.id, PersonRow.name).join(
            FaceRow, FaceRow.content_hash == VideoFrameRow.content_key
        )
        return self._people_by(query, VideoFrameRow.photo_id, set(items))

    def _people_by(self, query, key, keys: Iterable) -> dict:
        """What people_in and people_in_videos share: each key's people, the named by name,
        then the others by id."""
        query = (
            query.join(PersonRow, PersonRow.id == FaceRow.person_id)
            .where(PersonRow.hidden.is_(False))
            .distinct()
        )
        found: dict = {}
        with self.reading() as session:
            for chunk in chunks(list(keys)):
                for owner, person_id, name in session.execute(query.where(key.in_(chunk))):
                    found.setdefault(owner, []).append((person_id, name))
        for people in found.values():
            people.sort(key=lambda person: (person[1] is None, fold(person[1] or ""), person[0]))
        return found

    def assignments(self, version: str) -> dict[int, tuple[int | None, str | None]]:
        """Face id to (person, who set it: auto or user) for the faces `version` found."""
        query = select(FaceRow.id, FaceRow.person_id, FaceRow.assigned_by).where(
            FaceRow.model_version == version
        )
        with self.reading() as session:
            return {face: (person, by) for face, person, by in session.execute(query)}

    def rejections(self) -> set[tuple[int, int]]:
        """(face, person) pairs the user said are not that person."""
        query = select(FaceRejectionRow.face_id, FaceRejectionRow.person_id)
        with self.reading() as session:
            return {tuple(row) for row in session.execute(query)}

    def placed(self, face_ids: Iterable[int]) -> int:
        """How many of these faces have a person."""
        count = 0
        with self.reading() as session:
            for chunk in chunks(face_ids):
                query = select(func.count()).where(
                    FaceRow.id.in_(chunk), FaceRow.person_id.is_not(None)
                )
                count += session.scalar(query)
        return count

    def people_counts(self) -> dict[str, int]:
        """People listed (not hidden), those named, and those hidden."""
        count = select(func.count()).select_from(PersonRow)
        with self.reading() as session:
            return {
                "people": session.scalar(count.where(PersonRow.hidden.is_(False))),
                "named_people": session.scalar(
                    count.where(PersonRow.hidden.is_(False), PersonRow.name.is_not(None))
                ),
                "hidden_people": session.scalar(count.where(PersonRow.hidden.is_(True))),
            }

    # --- the grouping's writes -----------------------------------------------------------------

    def add_person(self, name: str | None = None) -> int:
        """A new person (of no face yet); its id."""
        values = {"name": _name(name), "hidden": False, "created_at": now()}
        return self.session.execute(insert(PersonRow).values(values)).inserted_primary_key[0]

    def assign_faces(self, persons: Mapping[int, int | None]) -> int:
        """Put each face with its person (None: with nobody), as the grouping decided; faces the
        user placed, and faces rejected from that person, are left as they are, and so are
        those already there. How many changed."""
        wanted: dict[int, int | None] = {}
        for chunk in chunks(persons):
            now_at = select(FaceRow.id, FaceRow.person_id, FaceRow.assigned_by).where(
                FaceRow.id.in_(chunk)
            )
            for face, person, by in self.session.execute(now_at):
                if by != USER and person != persons[face]:
                    wanted[face] = persons[face]
            rejected = select(FaceRejectionRow.face_id, FaceRejectionRow.person_id).where(
                FaceRejectionRow.face_id.in_(chunk)
            )
            for face, person in self.session.execute(rejected):
                if wanted.get(face, -1) == person:
                    del wanted[face]
        by_person: dict[int | None, list[int]] = {}
        for face, person in wanted.items():
            by_person.setdefault(person, []).append(face)
        # A statement per person and chunk of faces: 200k faces one row at a time took 15 s
        # on PostgreSQL.
        for person, faces in by_person.items():
            by = AUTO if person is not None else None
            for chunk in chunks(faces):
                self.session.execute(
                    update(FaceRow)
                    .where(FaceRow.id.in_(chunk))
                    .values(person_id=person, assigned_by=by)
                    .execution_options(synchronize_session=False)
                )
        return len(wanted)

    def prune_people(self) -> int:
        """Forget the people with no face left and no name (the grouping's, emptied); how
        many. A named person is the user's and is kept."""
        with_faces = select(FaceRow.id).where(FaceRow.person_id == PersonRow.id)
        query = delete(PersonRow).where(~with_faces.exists(), PersonRow.name.is_(None))
        return self.session.execute(query).rowcount

    # --- the user's corrections ----------------------------------------------------------------

    def name_person(self, person_id: int, name: str | None) -> None:
        """Name a person (an empty name: unnamed)."""
        self._change(person_id, name=_name(name))

    def hide_person(self, person_id: int, hidden: bool = True) -> None:
        self._change(person_id, hidden=hidden)

    def merge_people(self, kept: int, merged: int) -> None:
        """The user's word that `merged` is `kept`: its faces become `kept`'s (placed by the
        user, so no grouping parts them again), save those rejected from `kept`; its
        rejections become `kept`'s; `kept` takes its name when it has none. `merged` is
        gone."""
        if kept == merged:
            return
        first, second = self._row(kept), self._row(merged)
        refused = select(FaceRejectionRow.face_id).where(FaceRejectionRow.person_id == kept)
        self.session.execute(
            update(FaceRow)
            .where(FaceRow.person_id == merged, FaceRow.id.in_(refused))
            .values(person_id=None, assigned_by=None)
        )
        self.session.execute(
            update(FaceRow)
            .where(FaceRow.person_id == merged)
            .values(person_id=kept, assigned_by=USER)
        )
        moved = select(FaceRejectionRow.face_id).where(
            FaceRejectionRow.person_id == merged, FaceRejectionRow.face_id.not_in(refused)
        )
        rejections = [{"face_id": face, "person_id": kept} for face in self.session.scalars(moved)]
        if rejections:
            self.session.execute(insert(FaceRejectionRow), rejections)
        if first.name is None and second.name is not None:
            first.name = second.name
        self.session.delete(second)
        self.session.flush()

    def move_face(self, face_id: int, person_id: int) -> None:
        """The user's word that this face is that person (undoing a rejection of it there)."""
        self._row(person_id)
        self._face(face_id)
        self.session.execute(
            delete(FaceRejectionRow).where(
                FaceRejectionRow.face_id == face_id, FaceRejectionRow.person_id == person_id
            )
        )
        self.session.execute(
            update(FaceRow)
            .where(FaceRow.id == face_id)
            .values(person_id=person_id, assigned_by=USER)
        )

    def reject_face(self, face_id: int) -> int | None:
        """The user's "not this person": the face leaves its person, never to be assigned to
        them again; the grouping may place it with someone else. The person it left (None: it
        was with nobody, and nothing changes)."""
        person_id = self._face(face_id).person_id
        if person_id is None:
            return None
        self.session.execute(insert(FaceRejectionRow).values(face_id=face_id, person_id=person_id))
        self.session.execute(
            update(FaceRow).where(FaceRow.id == face_id).values(person_id=None, assigned_by=None)
        )
        return person_id

    def _change(self, person_id: int, **values) -> None:
        row = self._row(person_id)
        for key, value in values.items():
            setattr(row, key, value)
        self.session.flush()

    def _row(self, person_id: int) -> PersonRow:
        row = self.session.get(PersonRow, person_id)
        if row is None:
            raise UnknownPerson(f"No person has the id {person_id}.")
        return row

    def _face(self, face_id: int) -> FaceRow:
        row = self.session.get(FaceRow, face_id)
        if row is None:
            raise UnknownPerson(f"No face has the id {face_id}.")
        return row


def _name(name: str | None) -> str | None:
    """A name as kept: spaces around it trimmed, at most 200 characters; empty: none."""
    name = " ".join((name or "").split())[:200]
    return name or None


def _person(row: PersonRow, faces: int, photos: int) -> Person:
    return Person(row.id, row.name, row.hidden, row.created_at, faces, photos)
