"""The date of a query: years, months, days, seasons, holidays, relative dates ("last week",
"3 days ago", "gestern") and ranges of them, in the languages of the lexicon, all at once.

Rules, each one a choice the tests pin down:
- "from X to Y" and "between X and Y" (also "X to Y", "2015-2017") make one date.
- A season of year Y is the one that begins in Y: winter 2017 is 2017-12-01 to 2018-02-28 in the
  north. South of the equator the seasons are six months off, so each date carries both sides.
- A month or season without a year ("March", "summer") means those months of any year. Names
  that are also ordinary English words (may, march, august, spring, fall) count alone only when
  capitalised or after a preposition: "the dogs may swim" and "march of the penguins" stay text,
  "May" and "in march" are months. Other languages' month names need a day, a year or a
  preposition ("en juillet", "im Juli"); French "mars" a preposition of no English ("en mars",
  not "in mars"); so does a holiday that is a place too ("no Natal de 2019", not "Natal 2019").
- A word's elided article or preposition counts as the word would: "l'été", "nell'estate".
- Holidays need a year or "last": "Christmas 2019", "last Christmas", "Noël dernier";
  "Christmas" alone stays text, since it means every Christmas, which is what the words find.
- Relative dates are calendar units: "last week" is Monday to Sunday of the week before,
  "2 months ago" the whole month, "this year" 1 January to today."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache, lru_cache, partial

from dateparser.date import DateDataParser

from ...languages import words_of
from .. import calendar
from ..lexicon import LANGUAGES, UNITS, key, lexicon
from ..results import DateSpan, Found, When
from ..tokens import Words

MAX_SPAN = 5  # words in one relative phrase looked up ("w zeszłym tygodniu", "last week")
MAX_DATEPARSER_CALLS = 4  # per query: dateparser takes 0.5 to 5 ms a call

_YEAR = re.compile(r"\d{4}")
_YEAR_RANGE = re.compile(r"(\d{4})[-–—](\d{4})")
_ISO_DAY = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")
_ISO_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_DAY = re.compile(r"(\d{1,2})(?:st|nd|rd|th|er)?")


class DateRecogniser:
    """Finds at most one date in a query, relative to `today`."""

    kind = "when"
    several = False

    def __init__(self, today: date):
        self.today = today

    def reading(self, words: Words) -> Callable[[int], Found | None]:
        return _Reading(words, self.today).when_at


@dataclass(frozen=True)
class _Vocabulary:
    """The date words of the reader's own word tables."""

    prepositions: frozenset[str]
    range: dict[str, frozenset[str]]  # an opening word: the words that join its two dates
    bare_range: frozenset[str]
    ambiguous: frozenset[str]
    seasons: dict[str, int]  # first month, north
    season_labels: dict[str, str]
    holidays: dict[str, tuple[str, int, int, int]]  # label, month, day, number of days
    articles: frozenset[str]
    last: frozenset[str]
    last_after: frozenset[str]  # after the name: "l'été dernier", "el verano pasado"
    this: frozenset[str]
    elisions: dict[str, str]  # "l'": "article", "nell'": "preposition", "quest'": "this"
    foreign: frozenset[str]  # date prepositions and articles of no English: "en", "im", "o"
    foreign_articles: frozenset[str]
    month_prepositions: frozenset[str]  # prepositions before another language's month alone
    # Another language's season or holiday that is an English word too ("estate", "Natal"):
    # read only after one of that language's prepositions or articles, even with a year.
    borrowed: frozenset[str]


@cache
def _vocabulary() -> _Vocabulary:
    words = lexicon().words
    tables = lexicon().tables
    return _Vocabulary(
        words("date_prepositions"),
        {opener: frozenset(joiners) for opener, joiners in tables["range_words"].items()},
        words("bare_range_words"),
        words("ambiguous_dates"),
        dict(tables["seasons"]),
        dict(tables["season_labels"]),
        {name: tuple(holiday) for name, holiday in tables["holidays"].items()},
        words("articles"),
        words("last"),
        words("last_after"),
        words("this"),
        dict(tables["elisions"]),
        _foreign(words("date_prepositions") | words("articles")),
        _foreign(words("articles")),
        words("month_prepositions"),
        words("english_words"),
    )


def _foreign(words: frozenset[str]) -> frozenset[str]:
    english = words_of("en")
    return words - frozenset(english["date_prepositions"]) - frozenset(english["articles"])


def _span(length: int, when: When) -> Found:
    """`length` words of the query that say `when`."""
    return Found(length, when.label, None, when)


class _Reading:
    """One query's dates: at each word, the longest date starting there."""

    def __init__(self, words: Words, today: date):
        self.words = words
        self.today = today
        self.lexicon = lexicon()
        self.vocabulary = _vocabulary()
        self.bare, self.elided = _without_elisions(words.words, self.vocabulary.elisions)
        self.dateparser_calls = 0
        self.simple: dict[tuple[int, bool], Found | None] = {}

    def _month(self, number: int, year: int) -> When:
        return calendar.month(self.lexicon.month_labels[number], number, year)

    def _season(self, name: str, year: int | None) -> When:
        label = self.vocabulary.season_labels.get(name, name)
        return calendar.season(self.vocabulary.seasons[name], label, year)

    def _holiday(self, name: str, year: int) -> When:
        return calendar.holiday(*self.vocabulary.holidays[name], year)

    def at(self, index: int) -> str:
        """The folded word at `index` without its elided article or preposition ("l'ete" is
        "ete"); "" past either end or for what is never read."""
        return self.bare[index] if 0 <= index < len(self.bare) else ""

    def when_at(self, index: int) -> Found | None:
        options = [self._range(index), self._simple(index, after_preposition=False)]
        if self.at(index) in self.vocabulary.prepositions or self._before_a_month(index):
            for found in (self._range(index + 1), self._simple(index + 1, True)):
                if found:
                    options.append(_span(found.length + 1, found.when))
        return max(filter(None, options), key=lambda found: found.length, default=None)

    def _before_a_month(self, index: int) -> bool:
        """ "a" before another language's month is a preposition: a luglio, a mayo."""
        month = self.at(index + 1)
        return (
            self.at(index) in self.vocabulary.month_prepositions
            and month in self.lexicon.other_months
            and month not in self.vocabulary.ambiguous
        )

    def _range(self, index: int) -> Found | None:
        opener = self.at(index)
        joiners = self.vocabulary.range.get(opener, self.vocabulary.bare_range)
        start = index + (opener in self.vocabulary.range)
        first = self._simple(start, after_preposition=opener in self.vocabulary.range)
        if first is None or self.at(start + first.length) not in joiners:
            return None
        last = self._simple(start + first.length + 1, after_preposition=True)
        if last is None:
            return None
        north = calendar.through(first.when.north, last.when.north)
        south = calendar.through(first.when.south, last.when.south)
        if north is None or south is None:
            return None
        label = f"{first.when.label} to {last.when.label}"
        return _span(start + first.length + 1 + last.length - index, When(north, south, label))

    def _simple(self, index: int, after_preposition: bool) -> Found | None:
        """The longest single date expression starting at `index` (remembered: ranges and
        prepositions ask again)."""
        asked = (index, after_preposition)
        if asked not in self.simple:
            self.simple[asked] = self._read_simple(index, after_preposition)
        return self.simple[asked]

    def _read_simple(self, index: int, after_preposition: bool) -> Found | None:
        if not self.at(index):
            return None
        readers = (
            self._numeric,
            self._day_first,
            self._month_first,
            self._season_or_holiday,
            self._last_or_this,
            self._then_last,
            self._relative_phrase,
            self._ago,
        )
        options = [reader(index, after_preposition) for reader in readers]
        return max(filter(None, options), key=lambda found: found.length, default=None)

    def _year(self, index: int) -> int | None:
        word = self.at(index)
        if _YEAR.fullmatch(word) and 1900 <= int(word) <= self.today.year + 1:
            return int(word)
        return None

    def _day(self, index: int) -> int | None:
        found = _DAY.fullmatch(self.at(index))
        return int(found[1]) if found and 1 <= int(found[1]) <= 31 else None

    def _month_at(self, index: int) -> int | None:
        return self.lexicon.months.get(self.at(index))

    def _numeric(self, index: int, _: bool) -> Found | None:
        """2017, 2015-2017, 2019-07-15, 2019-07."""
        word = self.at(index)
        if (year := self._year(index)) is not None:
            return _span(
                1, calendar.same(str(year), DateSpan(date(year, 1, 1), date(year, 12, 31)))
            )
        if found := _YEAR_RANGE.fullmatch(word):
            first, last = int(found[1]), int(found[2])
            if 1900 <= first <= last <= self.today.year + 1:
                period = DateSpan(date(first, 1, 1), date(last, 12, 31))
                return _span(1, calendar.same(f"{first} to {last}", period))
            return None
        try:
            if found := _ISO_DAY.fullmatch(word):
                return self._on_day(1, date(int(found[1]), int(found[2]), int(found[3])))
            if found := _ISO_MONTH.fullmatch(word):
                return self._in_month(1, int(found[1]), int(found[2]))
        except ValueError:
            return None
        return None

    def _on_day(self, length: int, day: date) -> Found | None:
        if not 1900 <= day.year <= self.today.year + 1:
            return None
        label = f"{day.day} {self.lexicon.month_labels[day.month]} {day.year}"
        return _span(length, calendar.same(label, DateSpan(day, day)))

    def _in_month(self, length: int, year: int, month: int) -> Found | None:
        if not 1 <= month <= 12 or not 1900 <= year <= self.today.year + 1:
            return None
        return _span(length, self._month(month, year))

    def _day_of(self, length: int, year: int | None, month: int, day: int) -> Found | None:
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

    def _day_first(self, index: int, _: bool) -> Found | None:
        """15 July 2019, 15th of July, 15 de julio de 2019, 15. März 2018."""
        day = self._day(index)
        if day is None:
            return None
        at = index + 1 + (self.at(index + 1) in self.lexicon.pertain)
        month = self._month_at(at)
        if month is None:
            return None
        year_at = at + 1 + (self.at(at + 1) in self.lexicon.pertain)
        year = self._year(year_at)
        if year is None:
            return self._day_of(at + 1 - index, None, month, day)
        return self._day_of(year_at + 1 - index, year, month, day)

    def _month_first(self, index: int, after_preposition: bool) -> Found | None:
        """July 15, 2019; July 2019; julio de 2019; July alone."""
        month = self._month_at(index)
        if month is None:
            return None
        day = self._day(index + 1)
        if day is not None:
            year = self._year(index + 2)
            return self._day_of(3 if year else 2, year, month, day)
        year_at = index + 1 + (self.at(index + 1) in self.lexicon.pertain)
        if (year := self._year(year_at)) is not None:
            return self._in_month(year_at + 1 - index, year, month)
        if self._month_alone_ok(index, after_preposition):
            return _span(
                1, calendar.same(self.lexicon.month_labels[month], DateSpan(months=(month,)))
            )
        return None

    def _alone_ok(self, index: int, after_preposition: bool) -> bool:
        """A month or season word without a year: "may" and "fall" are ordinary words too."""
        return (
            self.at(index) not in self.vocabulary.ambiguous
            or after_preposition
            or self.elided.get(index) in ("article", "preposition")
            or self.words.capitalised(index)
        )

    def _month_alone_ok(self, index: int, after_preposition: bool) -> bool:
        """An English month as a season word is; another language's after a preposition, one
        of no English when the name is an English word too ("en mars", not "in mars")."""
        name = self.at(index)
        if name in self.lexicon.english_months:
            return self._alone_ok(index, after_preposition)
        if name not in self.lexicon.other_months:
            return False
        if self.elided.get(index) == "preposition":
            return True
        if name in self.vocabulary.ambiguous:
            return after_preposition and self.at(index - 1) in self.vocabulary.foreign
        return after_preposition

    def _season_or_holiday(self, index: int, after_preposition: bool) -> Found | None:
        """(the) summer (of) 2017, summer alone, Christmas (of) 2019."""
        at = index + (self.at(index) in self.vocabulary.articles)
        found = self._season_or_holiday_at(at, after_preposition)
        return _span(found.length + at - index, found.when) if found else None

    def _season_or_holiday_at(self, index: int, after_preposition: bool) -> Found | None:
        name = self.at(index)
        holiday = self._holiday_name(index)
        if name not in self.vocabulary.seasons and holiday is None:
            return None
        length = len(holiday.split()) if holiday else 1
        before = self.at(index - 1)
        foreign = (
            before in self.vocabulary.foreign
            or before in self.vocabulary.this
            or self.elided.get(index) is not None
        )
        if holiday in self.vocabulary.borrowed and not foreign:
            return None  # "no Natal de 2019" is Christmas, "in Natal 2019" the city
        if name in self.vocabulary.borrowed and not (foreign or after_preposition):
            return None  # "nell'estate 2017", "in estate" are summer, "real estate 2017" not
        year_at = index + length + (self.at(index + length) in self.lexicon.pertain)
        year = self._year(year_at)
        if year is not None:
            when = self._holiday(holiday, year) if holiday else self._season(name, year)
            return _span(year_at + 1 - index, when)
        if holiday is None and self._alone_ok(index, after_preposition):
            return _span(1, self._season(name, None))
        return None

    def _holiday_name(self, index: int) -> str | None:
        for length in (3, 2, 1):
            words = self.bare[index : index + length]
            if (name := key(words)) in self.vocabulary.holidays and all(words):
                return name
        return None

    def _last_or_this(self, index: int, _: bool) -> Found | None:
        """last summer, this summer, last July, last Christmas, letzten Sommer, cet été,
        quest'estate."""
        if self.elided.get(index) == "this":
            ended, at = False, index
        elif (which := self.at(index)) in self.vocabulary.last | self.vocabulary.this:
            ended, at = which in self.vocabulary.last, index + 1
        else:
            return None
        found = self._latest(at, ended)
        return _span(found.length + at - index, found.when) if found else None

    def _then_last(self, index: int, _: bool) -> Found | None:
        """(the) name then its "last": l'été dernier, el verano pasado, Noël dernier."""
        at = index + (self.at(index) in self.vocabulary.articles)
        name_length = len(holiday.split()) if (holiday := self._holiday_name(at)) else 1
        if self.at(at + name_length) not in self.vocabulary.last_after:
            return None
        found = self._latest(at, ended=True)
        return _span(found.length + 1 + at - index, found.when) if found else None

    def _latest(self, index: int, ended: bool) -> Found | None:
        """The latest ended or begun occurrence of the season, month or holiday at `index`."""
        name = self.at(index)
        if holiday := self._holiday_name(index):
            length, label = len(holiday.split()), self.vocabulary.holidays[holiday][0]
            of_year = partial(self._holiday, holiday)
        elif name in self.vocabulary.seasons:
            length, label = 1, self.vocabulary.season_labels.get(name, name)
            of_year = partial(self._season, name)
        elif month := self.lexicon.english_months.get(name) or self.lexicon.other_months.get(name):
            length, label = 1, self.lexicon.month_labels[month]
            of_year = partial(self._month, month)
        else:
            return None
        which = "last" if ended else "this"
        return _span(length, calendar.latest(of_year, self.today, ended, f"{which} {label}"))

    def _relative_phrase(self, index: int, _: bool) -> Found | None:
        """yesterday, last week, this year, gestern, la semaine dernière; another language's
        article before one and elided ones count: o ano passado, l'anno scorso."""
        article = self.at(index) in self.vocabulary.foreign_articles
        spellings = (self.words.words, self.bare) if self.elided else (self.words.words,)
        for start in (index, index + 1) if article else (index,):
            for length in range(MAX_SPAN, 0, -1):
                for words in spellings:
                    phrase = words[start : start + length]
                    found = len(phrase) == length and all(phrase)
                    if found and (units := self.lexicon.relative.get(key(phrase))):
                        when = calendar.relative(*units, self.today)
                        return _span(start - index + length, when)
        return None

    def _ago(self, index: int, _: bool) -> Found | None:
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
            parsed = _parsed_ago(" ".join(self.words.words[index : index + length]), self.today)
            if parsed and date(1900, 1, 1) <= parsed[0] <= self.today:
                units = calendar.units_between(*parsed, self.today)
                return _span(length, calendar.relative(units, parsed[1], self.today))
        return None

    def _counted(self, index: int) -> bool:
        """A count then a unit: "3 days", "two weeks"; no count of more than five digits (the
        dates would be long before 1900, and dateparser is slow to say so)."""
        count = self.at(index)
        too_long = count.isdigit() and len(count) > 5
        return bool(count) and not too_long and self.at(index + 1) in self.lexicon.units

    def _ago_phrases(self, index: int) -> list[tuple[str, ...]]:
        return [
            phrase
            for phrase in self.lexicon.ago
            if tuple(self.words.words[index : index + len(phrase)]) == phrase
        ]


def _without_elisions(words: list[str], elisions: dict[str, str]) -> tuple[list[str], dict]:
    """The words with an elided article or preposition taken off ("l'ete": "ete"), and the
    part each had taken off, by index."""
    bare, elided = list(words), {}
    for index, word in enumerate(words):
        first, apostrophe, rest = word.partition("'")
        if apostrophe and rest and (role := elisions.get(first + apostrophe)):
            bare[index], elided[index] = rest, role
    return bare, elided


@lru_cache(maxsize=4)
def relative_parser(today: date) -> DateDataParser:
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
        data = relative_parser(today).get_date_data(phrase)
    except (ValueError, OverflowError):
        return None
    if data.date_obj is None or data.period not in UNITS:
        return None
    return data.date_obj.date(), data.period
