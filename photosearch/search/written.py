"""What a query looks for in the text written in photos. Quoted phrases and `text:` terms are
written words alone: a photo must hold them. The other words of a plain query are matched
against the text as well as the picture: a photo that holds every one of them (words such as
"the" and "on" aside, and "la" and "sur" in a query in French) joins the ranking. Matching
ignores case and accents; a word of a script written with spaces must start a word of the text
("receipt" finds RECEIPTS, "cat" does not find EDUCATION; digits and letters side by side are
two words), while Chinese and Japanese words match anywhere, as they are written without spaces."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ..text import fold
from .languages import LANGUAGES, words_of
from .query_language import language_of
from .scripts import UNSPACED
from .terms import Query

_WORD = re.compile(r"\w+")
MIN_WORD = 2  # shorter words find too much to rank by
STOP_WORDS = frozenset(words_of("en")["stop_words"])


@cache
def stop_words(language: str) -> frozenset[str]:
    """A language's words not worth finding in written text, folded."""
    return frozenset(fold(word) for word in words_of(language).get("stop_words", ()))


@cache
def _other_stop_words() -> frozenset[str]:
    """The stop words of the languages other than English: only a query holding one of them
    is worth asking what language it is in."""
    return frozenset().union(*(stop_words(language) for language in LANGUAGES[1:]))


@dataclass(frozen=True)
class Written:
    """The written words a search looks for, folded: `phrases` are required, `words` (from the
    rest of a plain query) rank the photos that hold them all."""

    phrases: tuple[str, ...] = ()
    words: tuple[str, ...] = ()

    @property
    def needles(self) -> list[str]:
        return [*self.phrases, *self.words]

    def __bool__(self) -> bool:
        return bool(self.phrases or self.words)


def content_words(text: str) -> tuple[str, ...]:
    """The folded words of a query worth finding in written text, once each, in order: without
    English stop words, nor those of the query's own language when it is another ("hat" is a
    German one, so "cat hat" keeps it, "der Hund hat" does not)."""
    words = [word for word in _WORD.findall(fold(text)) if len(word) >= MIN_WORD]
    words = [word for word in words if word not in STOP_WORDS]
    if not _other_stop_words().isdisjoint(words):
        stop = stop_words(language_of(text) or "en")
        words = [word for word in words if word not in stop]
    return tuple(dict.fromkeys(words))


def written_words(query: Query, rest: Query | None = None) -> Written:
    """What to look for in the text: the query's phrases, and the words of the rest (the
    query without its phrases, or what the interpreter left of it) when it is plain words
    (query algebra, `cat + hat - dog` or `#12`, is about pictures only)."""
    rest = query.without_phrases() if rest is None else rest
    terms = rest.terms() if rest.joined.strip() else []
    plain = len(terms) == 1 and terms[0].text is not None
    words = content_words(rest.joined) if plain else ()
    return Written(tuple(fold(phrase) for phrase in query.phrases), words)


def score(text: str, written: Written) -> float | None:
    """How well a photo's folded text holds the written words: None when it misses one;
    else higher for whole words than for the starts of longer ones, and for the words
    standing together as typed."""
    total = 0.0
    for needle in written.needles:
        found = _found(text, needle)
        if found is None:
            return None
        total += found
    if len(written.words) > 1 and " ".join(written.words) in text:
        total += 0.5
    return total


def _found(text: str, needle: str) -> float | None:
    """1 for a whole word of the text, 0.75 for the start of one, None when absent. Digits
    and letters side by side count as two words: the recogniser often joins a number to the
    word before it ("Action4645")."""
    if UNSPACED.search(needle):
        return 1.0 if needle in text else None
    before = r"(?<!\d)" if needle[0].isdigit() else r"(?<![^\W\d_])"
    after = r"(?!\d)" if needle[-1].isdigit() else r"(?![^\W\d_])"
    if re.search(before + re.escape(needle) + after, text):
        return 1.0
    if re.search(before + re.escape(needle), text):
        return 0.75
    return None


def matched_lines(lines, written: Written) -> list:
    """The lines (anything with a `text`) that hold one of the written words."""
    return [
        line
        for line in lines
        if any(_found(fold(line.text), needle) is not None for needle in written.needles)
    ]
