"""The words the query reader knows: month names and relative phrases in LANGUAGES from
dateparser's language data, and the reader's own word tables (prepositions, seasons, holidays)
from the data files of search.languages, every language's merged into one. Loaded once, on
first use."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from dateparser.languages.loader import default_loader

from ...text import fold
from ..languages import LANGUAGES as TABLE_LANGUAGES
from ..languages import words_of

LANGUAGES = ("en", "fr", "de", "es", "pt", "it", "nl", "sv", "da", "nb", "pl", "ru")
UNITS = ("day", "week", "month", "year")
_DATEPARSER_MONTHS = (  # dateparser's keys for month names in its language data
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_RELATIVE_KEY = re.compile(r"(\d+) (day|week|month|year) ago")


@dataclass(frozen=True)
class Lexicon:
    months: dict[str, int]  # any accepted month name or abbreviation, folded
    english_months: dict[str, int]  # full English names: these may stand alone
    other_months: dict[str, int]  # full names in the other languages: alone after a preposition
    month_labels: dict[int, str]
    pertain: frozenset[str]  # "of", "de", "del": between a month and its year
    relative: dict[str, tuple[int, str]]  # "last week", "gestern": (units ago, unit)
    ago: tuple[tuple[str, ...], ...]  # "ago", "il y a", "vor": phrases dateparser must read
    units: frozenset[str]  # "days", "jours", "Tagen": what an "ago" phrase counts
    samples: tuple[str, ...]  # "3 days ago", "ago 3 days" in each language, for warm_up
    tables: dict  # the reader's own word tables (see search/languages/en.json)

    def words(self, table: str) -> frozenset[str]:
        return frozenset(self.tables[table])


def word(text: str) -> str:
    """A word as the reader compares it: folded, with straight apostrophes."""
    return fold(text).replace("’", "'")


def key(words: Sequence[str]) -> str:
    """Words compared without apostrophes: "new year's eve", "new years eve"."""
    return " ".join(words).replace("'", "")


@cache
def lexicon() -> Lexicon:
    """Short forms of month names in other languages are left out ("set", "out" and "ago"
    abbreviate Portuguese months)."""
    months: dict[str, int] = {}
    english: dict[str, int] = {}
    other: dict[str, int] = {}
    pertain, relative, ago, units, samples = set(), {}, set(), set(), []
    for locale in default_loader.get_locales(languages=list(LANGUAGES)):
        info = locale.info
        for number, name_key in enumerate(_DATEPARSER_MONTHS, 1):
            names = [word(name).rstrip(".") for name in info.get(name_key, ())]
            longest = max(names, key=len)
            for name in names:
                if locale.shortname == "en" or len(name) > 3 or name == longest:
                    months.setdefault(name, number)
            (english if locale.shortname == "en" else other).setdefault(longest, number)
        pertain.update(word(each) for each in info.get("pertain") or ())
        for relative_key, phrases in info.get("relative-type", {}).items():
            if found := _RELATIVE_KEY.fullmatch(relative_key):
                for phrase in phrases:
                    relative[key(word(phrase).split())] = (int(found[1]), found[2])
        ago.update(tuple(word(phrase).split()) for phrase in info.get("ago") or ())
        for unit in (*UNITS, "hour"):
            units.update(word(name) for name in info.get(unit) or ())
        if info.get("ago"):
            samples += [
                f"3 {info['day'][-1]} {info['ago'][0]}",
                f"{info['ago'][0]} 3 {info['day'][-1]}",
            ]
    tables = merged_tables()
    pertain.update(tables.get("pertain", ()))
    ago -= {tuple(phrase.split()) for phrase in tables["not_ago"]}  # "before 2019": no "ago"
    labels = {number: name.title() for name, number in english.items()}
    return Lexicon(
        months,
        english,
        {name: number for name, number in other.items() if name not in english},
        labels,
        frozenset(pertain),
        relative,
        tuple(ago),
        frozenset(units),
        tuple(samples),
        tables,
    )


_NOT_MERGED = ("about", "stop_words")  # the written words take each language's stop words
_LABELS = ("season_labels", "holidays", "elisions")  # tables whose values are not words


@cache
def merged_tables() -> dict:
    """The word tables of every language as one, words folded: lists joined, dictionaries
    joined (English first, so its entry wins a clash)."""
    merged: dict = {}
    for language in TABLE_LANGUAGES:
        for table, value in words_of(language).items():
            if table in _NOT_MERGED:
                continue
            if isinstance(value, list):
                # Joiners are matched in the query's own text, so as typed: folded, "à" is "a".
                words = value if table.endswith("_joiners") else [word(each) for each in value]
                merged[table] = list(dict.fromkeys([*merged.get(table, ()), *words]))
                continue
            into = merged.setdefault(table, {})
            for name, each in value.items():
                if table in _LABELS:
                    into.setdefault(word(name), each)
                elif isinstance(each, list):
                    into[word(name)] = [*into.get(word(name), ()), *map(word, each)]
                else:
                    into.setdefault(word(name), each)
    return merged
