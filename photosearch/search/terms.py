"""The words of a query as terms: `cat + hat - dog`, `#12 - people`; and the orders results
come in. Light on purpose: the CLI checks its options with it before any model loads."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import QueryError

SORTS = ("relevance", "newest", "oldest")
_OPERATOR = re.compile(r"(?:^|(?<=\s))([+-])(?=\s|$)")
_PHOTO_TERM = re.compile(r"#(\d+)")


@dataclass(frozen=True)
class Term:
    sign: int  # +1 or -1
    text: str | None = None
    photo_id: int | None = None


def parse_query(query: str) -> list[Term]:
    """`cat + hat - dog` or `#12 - people`: terms joined by + and - (with spaces around them,
    so "t-shirt" stays one word); `#ID` stands for an indexed photo."""
    parts = _OPERATOR.split(query.strip())
    pieces = [("+", parts[0])] if parts[0].strip() else []
    pieces += list(zip(parts[1::2], parts[2::2], strict=True))
    if not pieces or any(not text.strip() for _, text in pieces):
        raise QueryError(f"The query {query!r} has an empty term: write terms between + and -.")
    terms = []
    for operator, text in pieces:
        sign = 1 if operator == "+" else -1
        match = _PHOTO_TERM.fullmatch(text.strip())
        if match:
            terms.append(Term(sign, photo_id=int(match.group(1))))
        else:
            terms.append(Term(sign, text=text.strip()))
    return terms
