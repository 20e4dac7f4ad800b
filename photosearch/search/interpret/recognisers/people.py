"""The person of a query, by the names the user gave the library's people (the caller's
matcher): "Anna at the beach" is Anna and the words "at the beach".

After "with" (and its like in each language) a name is taken as is; alone, a name that is also
an ordinary English word ("Will", "Rose") must look like a name in context, as a place's
must."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from ..lexicon import lexicon
from ..names import NameMatcher, looks_like_a_name, matched
from ..results import Found, place_label
from ..tokens import Words


class PersonRecogniser:
    """Finds at most one person in a query: none without a matcher."""

    kind = "person"

    def __init__(self, matcher: NameMatcher | None):
        self.matcher = matcher

    def reading(self, words: Words) -> Callable[[int], Found | None]:
        matcher = self.matcher
        if matcher is None:
            return lambda index: None

        def found(index: int) -> Found | None:
            if words.at(index) in _prepositions() and (named := matched(words, matcher, index + 1)):
                return _found(named[0] + 1, named[1])
            named = matched(words, matcher, index)
            if named and looks_like_a_name(words, index, named[0]):
                return _found(*named)
            return None

        return found


@cache
def _prepositions() -> frozenset[str]:
    return lexicon().words("person_prepositions")


def _found(length: int, person: object) -> Found:
    return Found(length, f"with {place_label(person)}", person=person)
