"""The place of a query, by the library's own place names (the caller's matcher).

A place name needs the matcher to know it; after in/at/near/from it is taken as is. Alone, a
name that is also an ordinary English word ("nice") must look like a name in context:
capitalised after the first word, or tagged a proper noun by spaCy ("a nice view" stays text)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Protocol

from ..lexicon import lexicon
from ..results import Found, place_label
from ..tagger import TAGGER, tags
from ..tokens import Words


class PlaceMatcher(Protocol):
    """The library's own place names, supplied by the caller."""

    def match(self, folded_words: Sequence[str], start: int) -> tuple[int, object] | None:
        """The longest place name starting at folded_words[start]: (number of words it spans,
        place), where `place` has a `label` (or a str()) such as "Lisbon"; None when no name
        starts there. Words are `fold`ed, edge punctuation stripped; "" is never part of a
        name (it stands for quoted words, operators and punctuation)."""


class PlaceRecogniser:
    """Finds at most one place in a query: none without a matcher."""

    kind = "place"

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
        if self.at(index) in _prepositions() and (named := self._match(index + 1)):
            return self._found(named[0] + 1, named[1])
        named = self._match(index)
        if named and self._looks_like_a_name(index, named[0]):
            return self._found(*named)
        return None

    @staticmethod
    def _found(length: int, place: object) -> Found:
        return Found(length, f"in {place_label(place)}", place=place)

    def _match(self, index: int) -> tuple[int, object] | None:
        if not self.at(index):
            return None
        words = self.words.words
        matched = self.matcher.match(words, index)
        if matched is None:
            return None
        length, place = matched
        span = range(index, index + length)
        if length < 1 or span.stop > len(words):
            return None
        if any(not words[at] or self.words.tokens[at].negative for at in span):
            return None
        return length, place

    def _looks_like_a_name(self, index: int, length: int) -> bool:
        """A bare place name: each of its words is capitalised after the query's first word,
        or can't be an ordinary English word, or is tagged a proper noun in this query. A
        one-word name typed in lower case that can be an ordinary word is that word ("nice")."""
        for at in range(index, index + length):
            if at != self.words.first and self.words.capitalised(at):
                continue
            if self.words.unspaced(at):  # 里斯本: a name, never an English word
                continue
            if not TAGGER.ordinary(self.words.words[at]):
                continue
            if length == 1 and not self.words.capitalised(at):
                return False
            if self._part_of_speech(at) != "PROPN":
                return False
        return True

    def _part_of_speech(self, index: int) -> str:
        token = self.words.tokens[index]
        end = self.words.tokens[len(self.words.words) - 1].end
        for start, stop, pos in tags(self.words.query[:end]):
            if start < token.end and stop > token.start:
                return pos
        return ""
