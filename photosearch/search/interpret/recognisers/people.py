"""The people of a query, by the names the user gave the library's people (the caller's
matcher): "Anna and Ben at the beach" is Anna, Ben and the words "at the beach".

After "with" (and its like in each language) a name is taken as is; alone, a name that is also
an ordinary English word ("Will", "Rose") must look like a name in context, as a place's
must. A word that joins two names ("and", "und") goes with the second: each person is a find
of their own, undone on their own."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from ..lexicon import lexicon
from ..names import NameMatcher, looks_like_a_name, matched
from ..results import Found, place_label
from ..tokens import Words


class PersonRecogniser:
    """Finds every person named in a query: none without a matcher."""

    kind = "person"
    several = True

    def __init__(self, matcher: NameMatcher | None):
        self.matcher = matcher

    def reading(self, words: Words) -> Callable[[int], Found | None]:
        matcher = self.matcher
        if matcher is None:
            return lambda index: None

        def named(index: int) -> Found | None:
            if words.at(index) in _prepositions() and (name := matched(words, matcher, index + 1)):
                return _found(name[0] + 1, name[1])
            name = matched(words, matcher, index)
            if name and looks_like_a_name(words, index, name[0]):
                return _found(*name)
            return None

        names = {index: named(index) for index in range(len(words.words))}
        ends = {index + found.length for index, found in names.items() if found}

        def found(index: int) -> Found | None:
            joined = names.get(index + 1)
            if joined and index in ends and words.at(index) in _conjunctions():
                return _found(joined.length + 1, joined.person)
            return names.get(index)

        return found


@cache
def _prepositions() -> frozenset[str]:
    return lexicon().words("person_prepositions")


@cache
def _conjunctions() -> frozenset[str]:
    return lexicon().words("person_conjunctions")


def _found(length: int, person: object) -> Found:
    return Found(length, f"with {place_label(person)}", person=person)
