"""Names of the library's own (places, people) found among a query's words, as every
recogniser of names needs them: the caller's matcher asked at a word, and whether a bare name
looks like one in its context ("a nice view" is no place, "will" no person)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from .tagger import TAGGER, tags
from .tokens import Words


class NameMatcher(Protocol):
    """The library's own names of something, supplied by the caller."""

    def match(self, folded_words: Sequence[str], start: int) -> tuple[int, object] | None:
        """The longest name starting at folded_words[start]: (number of words it spans,
        what it names), where that has a `label` (or a str()) such as "Lisbon"; None when no
        name starts there. Words are `fold`ed, edge punctuation stripped; "" is never part
        of a name (it stands for quoted words, operators and punctuation)."""


def matched(words: Words, matcher: NameMatcher, index: int) -> tuple[int, object] | None:
    """The matcher's name at `index`, when it spans only plain words none of them negated."""
    if not words.at(index):
        return None
    found = matcher.match(words.words, index)
    if found is None:
        return None
    length, named = found
    span = range(index, index + length)
    if length < 1 or span.stop > len(words.words):
        return None
    if any(not words.words[at] or words.tokens[at].negative for at in span):
        return None
    return length, named


def looks_like_a_name(words: Words, index: int, length: int) -> bool:
    """A bare name: each of its words is capitalised after the query's first word, or can't be
    an ordinary English word, or is tagged a proper noun in this query. A one-word name typed
    in lower case that can be an ordinary word is that word ("nice")."""
    for at in range(index, index + length):
        if at != words.first and words.capitalised(at):
            continue
        if words.unspaced(at):  # 里斯本: a name, never an English word
            continue
        if not TAGGER.ordinary(words.words[at]):
            continue
        if length == 1 and not words.capitalised(at):
            return False
        if _part_of_speech(words, at) != "PROPN":
            return False
    return True


def _part_of_speech(words: Words, index: int) -> str:
    token = words.tokens[index]
    end = words.tokens[len(words.words) - 1].end
    for start, stop, pos in tags(words.query[:end]):
        if start < token.end and stop > token.start:
            return pos
    return ""
