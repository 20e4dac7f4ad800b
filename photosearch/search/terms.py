"""A query parsed once into its pieces: words, phrases to be found written in photos (quoted,
or `text:`), and the operators of the query algebra (`cat + hat - dog`, `#12 - people`). The
interpreter, the written-words matcher and the searcher all read this one structure. Also the
orders results come in. Light on purpose: the CLI checks its options with it before any model
loads."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

from ..errors import QueryError
from .scripts import SEGMENTERS, Segmenter, segmented

SORTS = ("relevance", "newest", "oldest")
OPERATORS = {"+": 1, "-": -1}  # written with spaces around, so "t-shirt" stays one word
# `text:word`, `text:"a phrase"`, or a phrase in straight or curly double quotes.
_PHRASE = re.compile(r'(?<!\S)text:(?:"([^"]*)"|“([^”]*)”|(\S+))|"([^"]*)"|“([^”]*)”')
_PHOTO_TERM = re.compile(r"#(\d+)")


class Piece(NamedTuple):  # a tuple: made for every word of every query, so made quickly
    kind: str  # "word", "operator", "quoted" (in double quotes) or "written" (`text:`)
    text: str  # a word as typed; a phrase's words, stripped, without quotes; "+" or "-"
    start: int  # its characters in the query, quotes and `text:` included
    end: int
    glued: bool = False  # written right after the piece before it (a script without spaces)

    @property
    def phrase(self) -> bool:
        return self.kind in ("quoted", "written")


@dataclass(frozen=True)
class Term:
    sign: int  # +1 or -1
    text: str | None = None
    photo_id: int | None = None


@dataclass(frozen=True)
class Query:
    """A query as parsed: the one structure every reader of a query takes."""

    text: str  # as typed
    pieces: tuple[Piece, ...]

    @property
    def phrases(self) -> tuple[str, ...]:
        """The phrases, as typed: each must be written in a photo for it to be found."""
        return tuple(piece.text for piece in self.pieces if piece.phrase and piece.text)

    @cached_property
    def joined(self) -> str:
        """The pieces written back as text: words as typed, phrases without their quotes."""
        return joined(self.pieces)

    def without_phrases(self) -> Query:
        """The rest of the query, searched as a picture (and as text): written back with one
        space between its pieces, as it is read and shown."""
        if self.text == self.joined and not self.phrases:
            return self  # written so already
        text, pieces = "", []
        for piece in self.pieces:
            if piece.phrase or not piece.text:
                continue
            text += "" if piece.glued or not text else " "
            end = len(text) + len(piece.text)
            pieces.append(Piece(piece.kind, piece.text, len(text), end, piece.glued))
            text += piece.text
        return Query(text, tuple(pieces))

    def split(self) -> list[tuple[int, list[Piece]]]:
        """The sign and the pieces of each term of the algebra, the first one's sign +1."""
        terms: list[tuple[int, list[Piece]]] = [(1, [])]
        for piece in self.pieces:
            if piece.kind == "operator":
                terms.append((OPERATORS[piece.text], []))
            else:
                terms[-1][1].append(piece)
        return terms

    def terms(self) -> list[Term]:
        """The algebra as terms; `#ID` alone in a term stands for an indexed photo. A first
        term may be empty ("- dog + cat"), no other one: QueryError."""
        terms = []
        for number, (sign, pieces) in enumerate(self.split()):
            text = joined(pieces)
            if not text and number == 0:
                continue
            if not text:
                raise self._empty()
            photo = _PHOTO_TERM.fullmatch(text)
            terms.append(Term(sign, photo_id=int(photo[1])) if photo else Term(sign, text=text))
        if not terms:
            raise self._empty()
        return terms

    def _empty(self) -> QueryError:
        return QueryError.said(
            "The query {query!r} has an empty term: write terms between + and -.", query=self.text
        )


def parse(text: str, segmenters: Mapping[str, Segmenter] = SEGMENTERS) -> Query:
    """A query's pieces; never fails (see Query.terms for the algebra's own check)."""
    pieces: list[Piece] = []
    position = 0
    for found in _PHRASE.finditer(text):
        pieces += _words(text, position, found.start(), segmenters)
        inner = next((group for group in found.groups() if group is not None), "").strip()
        kind = "quoted" if found[0][0] in '"“' else "written"
        pieces.append(Piece(kind, inner, found.start(), found.end()))
        position = found.end()
    pieces += _words(text, position, len(text), segmenters)
    return Query(text, tuple(pieces))


def parse_query(text: str) -> list[Term]:
    """The algebra of a query as typed, checked: QueryError for an empty term."""
    return parse(text).terms()


def joined(pieces: Iterable[Piece]) -> str:
    """Pieces as text, a space between them unless glued; empty phrases left out."""
    parts = []
    for piece in pieces:
        if piece.text:
            parts.append(piece.text if piece.glued or not parts else " " + piece.text)
    return "".join(parts)


def _words(text: str, start: int, end: int, segmenters: Mapping[str, Segmenter]) -> list[Piece]:
    pieces = []
    for chunk in re.finditer(r"\S+", text[start:end]):
        at = start + chunk.start()
        if chunk[0] in OPERATORS:
            pieces.append(Piece("operator", chunk[0], at, at + 1))
            continue
        words = segmented(chunk[0], segmenters) if segmenters else [(0, chunk[0])]
        for number, (offset, word) in enumerate(words):
            pieces.append(Piece("word", word, at + offset, at + offset + len(word), number > 0))
    return pieces
