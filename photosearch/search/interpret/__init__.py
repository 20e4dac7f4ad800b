"""Places, dates and people read out of a search query: "Anna with dogs on the beach in Lisbon
summer 2017" becomes the words "with dogs on the beach", the person Anna, the place Lisbon and
the dates of that summer. Pure logic: the caller brings the library's place names, people's
names and today's date, so a query always reads the same way.

The parts: tokens (the parsed query's words, as the recognisers see them), the lexicon (words
as data, by language), the tagger (spaCy, loaded lazily), calendar arithmetic, the results, and
the recognisers (places, dates, dates written in Chinese, people), which one reader runs in order. A
recogniser is a module of `recognisers` that knows nothing of the others (an import contract
keeps it so)."""

from __future__ import annotations

import gc
from collections.abc import Collection
from datetime import date

from ..query_language import language_of
from ..terms import Query, parse
from .lexicon import lexicon
from .names import NameMatcher
from .reader import Recogniser, read
from .recognisers.chinese_dates import ChineseDateRecogniser
from .recognisers.dates import DateRecogniser, relative_parser
from .recognisers.people import PersonRecogniser
from .recognisers.places import PlaceMatcher, PlaceRecogniser
from .results import DateSpan, Found, Interpretation, Understood, When
from .tagger import TAGGER

__all__ = [
    "DateSpan",
    "Found",
    "Interpretation",
    "NameMatcher",
    "PlaceMatcher",
    "Recogniser",
    "Understood",
    "When",
    "interpret",
    "read",
    "search_recognisers",
    "warm_up",
]


def search_recognisers(
    places: PlaceMatcher | None, today: date, people: NameMatcher | None = None
) -> list[Recogniser]:
    """The recognisers of a search, in the order they are asked: on a tie, a date wins, then
    a place (a person named Florence loses "Florence" alone to the city, not "with Florence")."""
    return [
        DateRecogniser(today),
        ChineseDateRecogniser(today),
        PlaceRecogniser(places),
        PersonRecogniser(people),
    ]


def interpret(
    query: Query,
    *,
    places: PlaceMatcher | None,
    today: date,
    literal: bool = False,
    keep: Collection[str] = (),
    people: NameMatcher | None = None,
) -> Interpretation:
    """The places, dates and person in `query`, and the words left to search for. `keep`
    holds `said` strings the user took off (a chip's ×): those words stay text."""
    return read(query, search_recognisers(places, today, people), literal, keep)


def warm_up() -> None:
    """Pays the one-off costs of a first query (dateparser's languages, spaCy's model, the
    detector of a query's language: a second or more; the Chinese segmenter, numbers and lunar
    calendar: a third of a second) now, e.g. while a server starts, rather than during someone's
    search. What is loaded by then lives as long as the process, so it is frozen out of the
    garbage collector's full passes: walking it takes a quarter to half a second, which a
    search would wait for."""
    parser = relative_parser(date.today())
    for phrase in lexicon().samples:  # dateparser compiles a language's rules on first use
        parser.get_date_data(phrase)
    TAGGER.tags("warm up")
    language_of("warm up")  # the written words' detector
    interpret(parse("去年春节 十二月"), places=None, today=date.today())
    gc.collect()  # what is garbage already is not kept
    gc.freeze()
