"""A parsed query as the recognisers read it: its words folded, with what each may not be
(quoted, an #id, an operator, in a subtracted term); and what is left once words are taken,
with the Chinese little words that stood next to them (在里斯本拍的猫 leaves 猫)."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from functools import cache
from typing import NamedTuple

from ..languages import words_of
from ..scripts import UNSPACED
from ..terms import Piece, Query, joined
from .lexicon import lexicon, word

MAX_WORDS = 64  # words of a query looked at; the rest stay text
CORE = re.compile(r"\w(?:.*\w)?")


class Token(NamedTuple):  # a tuple, as a Piece is: made for every word
    piece: Piece  # written back into the text as is
    start: int  # the word's own characters in the query, for `said`
    end: int
    core: str  # the word as typed, edge punctuation stripped
    word: str  # folded; "" for what is never read: quoted words, #ids, operators, punctuation
    negative: bool = False  # in a subtracted term of the query algebra
    term: int = 0  # which term of the query algebra


def tokens_of(query: Query) -> list[Token]:
    tokens = []
    term, negative = 0, False
    for piece in query.pieces:
        if piece.kind == "operator":
            term, negative = term + 1, piece.text == "-"
        if piece.text:
            tokens.append(_token(piece, negative, term))
    return tokens


def _token(piece: Piece, negative: bool, term: int) -> Token:
    core = CORE.search(piece.text)
    if piece.phrase or core is None or piece.text.startswith("#"):
        return Token(piece, piece.start, piece.end, piece.text, "", negative, term)
    start = piece.start + core.start()
    return Token(piece, start, start + len(core[0]), core[0], word(core[0]), negative, term)


class Words:
    """One query's words as the recognisers see them: at most MAX_WORDS of them."""

    def __init__(self, query: Query, tokens: Sequence[Token]):
        self.query = query.text
        self.tokens = tokens
        self.words = [token.word for token in tokens[:MAX_WORDS]]
        self.first = next((index for index, each in enumerate(self.words) if each), 0)
        self.shouting = query.text.upper() == query.text

    def at(self, index: int) -> str:
        """The folded word at `index`; "" past either end or for what is never read."""
        return self.words[index] if 0 <= index < len(self.words) else ""

    def capitalised(self, index: int) -> bool:
        return not self.shouting and self.tokens[index].core[:1].isupper()

    def unspaced(self, index: int) -> bool:
        """Whether the word is written in a script without spaces (里斯本): no English word."""
        return bool(UNSPACED.search(self.words[index]))

    def said(self, start: int, length: int) -> str:
        """The query's own characters from word `start` through `length` words."""
        return self.query[self.tokens[start].start : self.tokens[start + length - 1].end]


def rest(query: Query, tokens: Sequence[Token], used: Collection[int]) -> Query:
    """The query less the words taken (by index) and the little words next to them, each term's
    words tidied; the algebra keeps its shape."""
    used = _with_little_words(tokens, used)
    pieces: list[Piece] = []
    operators = [piece for piece in query.pieces if piece.kind == "operator"]
    last = len(operators)
    for term in range(last + 1):
        if term:
            pieces.append(operators[term - 1])
        kept = [
            token.piece
            for index, token in enumerate(tokens)
            if token.term == term and index not in used and token.piece.kind != "operator"
        ]
        text = _tidy(joined(kept), first=term == 0, last=term == last)
        if text:
            pieces.append(Piece("word", text, kept[0].start, kept[-1].end))
    return Query(query.text, tuple(pieces))


def _with_little_words(tokens: Sequence[Token], used: Collection[int]) -> set[int]:
    """`used` and the runs of Chinese little words (在, 拍的, 时候) next to a word in it, in the
    same term; never all the words of a term of the algebra."""
    little, used = _little_words(), set(used)
    if not used or not any(token.word in little for token in tokens):
        return used
    taken = set(used)
    for step in (1, -1):  # the little words after taken ones, then those before
        order = range(len(tokens)) if step == 1 else range(len(tokens) - 1, -1, -1)
        for index in order:
            neighbour = index - step  # the word before it, then the word after it
            if (
                index not in taken
                and tokens[index].word in little
                and neighbour in taken
                and tokens[neighbour].term == tokens[index].term
            ):
                taken.add(index)
    terms = {token.term for token in tokens}
    if len(terms) > 1:  # algebra: a term keeps its words if the little ones were all it had left
        for term in terms:
            own = {
                index
                for index, token in enumerate(tokens)
                if token.term == term and token.piece.kind != "operator"
            }
            if own <= taken and not own <= used:
                taken -= own - used
    return taken


@cache
def _little_words() -> frozenset[str]:
    return frozenset(words_of("zh")["little_words"])


def _tidy(text: str, first: bool, last: bool) -> str:
    """Punctuation and joining words left hanging where understood words were taken out: at
    the start and end of the whole query, and next to one another anywhere."""
    text = re.sub(r"\s+([,;:.!?])", r"\1", text)
    text = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", text)
    leading, trailing = _hanging()
    if first:
        text = leading.sub("", text)
    return trailing.sub("", text) if last else text


@cache
def _hanging() -> tuple[re.Pattern, re.Pattern]:
    tables = lexicon().tables
    starting = "|".join(map(re.escape, tables["leading_joiners"]))
    ending = "|".join(map(re.escape, tables["trailing_joiners"]))
    return (
        re.compile(rf"^(?:[\s,;:.!?&/–—]|(?:{starting})\b)+", re.IGNORECASE),
        re.compile(rf"(?:[\s,;:&/–—]|\b(?:{ending}))+$", re.IGNORECASE),
    )
