"""The named people of one library as search sees them: the names the query reader may take
for a person, and what `--person` (the API's `person=`) accepts. Hidden and unnamed people
are not known by name."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..errors import QueryError
from ..text import fold
from .known_places import shortened


@dataclass(frozen=True)
class FoundPerson:
    """A person named in a query or asked for: the name to show, and the people it stands
    for (usually one; several when the user gave one name to several people)."""

    label: str
    ids: tuple[int, ...]

    @property
    def term(self) -> int | tuple[int, ...]:
        """As the store's `people` filter takes one person."""
        return self.ids[0] if len(self.ids) == 1 else self.ids


class KnownPeople:
    """Built from (id, name) of the library's named people, oldest first."""

    def __init__(self, rows: Iterable[tuple[int, str]]):
        self.rows = tuple(rows)
        by_name: dict[tuple[str, ...], list[tuple[int, str]]] = {}
        for person_id, name in self.rows:
            words = tuple(fold(name).split())
            if words:
                by_name.setdefault(words, []).append((person_id, name))
        self._people = {
            words: FoundPerson(people[0][1], tuple(person_id for person_id, _ in people))
            for words, people in by_name.items()
        }
        self._longest = max((len(words) for words in self._people), default=0)

    def match(self, folded_words: Sequence[str], start: int) -> tuple[int, FoundPerson] | None:
        """The query reader's name matcher: the longest name starting at `start` ("Ana
        Maria" before "Ana"), as (words it spans, person)."""
        for length in range(min(self._longest, len(folded_words) - start), 0, -1):
            found = self._people.get(tuple(folded_words[start : start + length]))
            if found is not None:
                return length, found
        return None

    def resolve(self, name: str) -> FoundPerson:
        """What `--person NAME` means here: a named person of this library, case and accents
        ignored; a clear error for a name nobody has."""
        found = self._people.get(tuple(fold(name).split()))
        if found is not None:
            return found
        known = ", ".join(dict.fromkeys(person.label for person in self._people.values()))
        if not known:
            raise QueryError.said(
                "Nobody in this library is named {name!r}: nobody is named yet "
                "(photosearch people name PERSON NAME).",
                name=name.strip(),
            )
        raise QueryError.said(
            "Nobody in this library is named {name!r}. People named: {known}.",
            name=name.strip(),
            known=shortened(known),
        )
