"""One query read left to right by recognisers in order: at each word, the longest thing any of
them finds there (the earlier recogniser on a tie), one thing of each kind per query unless its
recogniser finds `several` (people: "Anna and Ben").

- The first find of each kind wins; later ones stay text (two recognisers of dates, one date).
- With query algebra (`cat + hat - dog`), subtracted terms are never read, and no term is
  emptied, so the algebra keeps its shape.
- Quoted words are never read; a query wholly in quotes reads nothing.
- Words the user took off (a chip's ×, `keep`) stay text."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from typing import Protocol

from ...text import fold
from ..terms import Query
from .results import Found, Interpretation, Understood, hemisphere
from .tokens import CORE, Token, Words, rest, tokens_of


class Recogniser(Protocol):
    kind: str  # what it finds, as Understood.kind: "place", "when", "person"
    several: bool  # whether a query may hold more than one thing of its kind

    def reading(self, words: Words) -> Callable[[int], Found | None]:
        """For one query: what it finds starting at the word of each index, if anything."""


def read(
    query: Query,
    recognisers: Sequence[Recogniser],
    literal: bool = False,
    keep: Collection[str] = (),
) -> Interpretation:
    """What the recognisers understand in `query`, and the words left to search for."""
    quoted = len(query.pieces) == 1 and query.pieces[0].kind == "quoted"
    if literal or quoted:
        return Interpretation(query.text, query.joined, True, (), query)
    tokens = tokens_of(query)
    words = Words(query, tokens)
    found = _found(words, [each.reading(words) for each in recognisers], recognisers, keep)
    if not found:
        return Interpretation(query.text, query.joined, False, (), query)
    used = {index for start, length, _ in found for index in range(start, start + length)}
    left = rest(query, tokens, used)
    side = hemisphere(next((item.place for *_, item in found if item.kind == "place"), None))
    understood = tuple(
        replace(item, label=item.when.describe(side)) if item.when else item for *_, item in found
    )
    return Interpretation(query.text, left.joined, False, understood, left)


def _found(words, readings, recognisers, keep) -> list[tuple[int, int, Understood]]:
    """(first word, number of words, what) of each find, in the order of the query."""
    kept = {fold(said) for said in keep}
    tokens = words.tokens
    algebra = any(token.piece.kind == "operator" for token in tokens)
    left = _words_per_term(tokens)
    found: list[tuple[int, int, Understood]] = []
    kinds = [recogniser.kind for recogniser in recognisers]
    several = {kind for kind in kinds if all(r.several for r in recognisers if r.kind == kind)}
    done: set[str] = set()  # the kinds found that allow one thing only
    index = 0
    while index < len(words.words):
        token = tokens[index]
        best = None if not token.word or token.negative else _best(readings, kinds, done, index)
        if best is None:
            index += 1
            continue
        number, what = best
        said = words.said(index, what.length)
        taken = sum(bool(word) for word in words.words[index : index + what.length])
        if fold(said) in kept or (algebra and left[token.term] == taken):
            index += what.length  # taken off by the user, or it would empty a term
            continue
        left[token.term] -= taken
        kind = kinds[number]
        if kind not in several:
            done.add(kind)
        found.append((index, what.length, Understood(kind, said, what.label, *what[2:])))
        index += what.length
    return found


def _best(readings, kinds, done: set[str], index: int) -> tuple[int, Found] | None:
    """The longest find at `index` of the recognisers of kinds not found yet, the first on a tie."""
    best = None
    for number, reading in enumerate(readings):
        what = None if kinds[number] in done else reading(index)
        if what is not None and (best is None or what.length > best[1].length):
            best = number, what
    return best


def _words_per_term(tokens: Sequence[Token]) -> dict[int, int]:
    """Words of each term of the algebra, quoted ones and #ids too."""
    left: dict[int, int] = {}
    for token in tokens:
        left[token.term] = left.get(token.term, 0) + bool(CORE.search(token.core))
    return left
