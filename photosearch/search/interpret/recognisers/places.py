"""The place of a query, by the library's own place names (the caller's matcher).

A place name needs the matcher to know it; after in/at/near/from it is taken as is. Alone, a
name that is also an ordinary English word ("nice") must look like a name in context:
capitalised after the first word, or tagged a proper noun by spaCy ("a nice view" stays text)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from ..lexicon import lexicon
from ..names import NameMatcher, looks_like_a_name, matched
from ..results import Found, place_label
from ..tokens import Words

PlaceMatcher = NameMatcher  # the library's own place names, supplied by the caller


class PlaceRecogniser:
    """Finds at most one place in a query: none without a matcher."""

    kind = "place"
    several = False

    def __init__(self, matcher: PlaceMatcher | None):
        self.matcher = matcher

    def reading(self, words: Words) -> Callable[[int], Found | None]:
        if self.matcher is None:
            return lambda index: None
        return _Reading(words, self.matcher).found


@cache
def _prepositions() -> frozenset[str]:
    return lexicon().words("place_prepositions")


class _Reading:
    def __init__(self, words: Words, matcher: PlaceMatcher):
        self.words = words
        self.matcher = matcher
        self.at = words.at  # asked for most, so bound once

    def found(self, index: int) -> Found | None:
        if self.at(index) in _prepositions() and (
            named := matched(self.words, self.matcher, index + 1)
        ):
            return self._found(named[0] + 1, named[1])
        named = matched(self.words, self.matcher, index)
        if named and looks_like_a_name(self.words, index, named[0]):
            return self._found(*named)
        return None

    @staticmethod
    def _found(length: int, place: object) -> Found:
        return Found(length, f"in {place_label(place)}", place=place)
