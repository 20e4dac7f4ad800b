"""The date of a query written in Chinese: 2019年8月15日, 二〇一七年八月, 夏天, 去年夏天, 上个月,
三年前, 2019年春节, 2015年到2017年, 2015-2017年 (and in traditional characters: 上個月, 國慶節).
Read by a grammar of its own (the words in search/languages/zh.json), not by dateparser, which
takes "2019年" for 2019 years ago.

The segmenter cuts these words finely and not always alike ("三年" "前", "2019" "年"), so a
date is read from the characters of the words that follow one another and must end where a
word ends. Rules, each one a choice the tests pin down, as in English where it has one:
- A year is four digits before 年 (2019年, 二〇一九年) or a year counted back (去年, 前年); a
  decade is 2010年代, 90年代 or 八十年代 (two digits: of this century once it has reached them).
- A month or a season without a year (八月, 夏天) means those months of any year; a season of one
  character (夏) needs a year. A season of year Y is the one that begins in Y, and each side of
  the equator has its own, as in English.
- A day without a year (8月15日) is the latest one by today.
- A holiday needs a year (2019年春节, 去年中秋节): alone it means every one, which the words find.
  Lunar holidays and solar terms are reckoned by lunar-python.
- 去年夏天 is the summer of last year, 去年八月 its August; 上个月 and 三年前 are calendar
  months and years back, as "last month" and "3 years ago" are.
- A range is two dates joined by 到, 至 or a dash, perhaps after 从; the second may leave out
  the year (2019年3月到5月)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache

from ....text import fold
from ...languages import words_of
from .. import calendar
from ..lexicon import lexicon
from ..results import DateSpan, Found, When
from ..tokens import Words

MAX_WORDS = 12  # words of one date looked at
MAX_COUNT = 9999  # the largest count of an "N … 前" phrase read
_DIGITS = r"\d{1,2}|[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九两兩]"  # 1 to 39
# Words that may be part of a date: Chinese characters, digits, dashes and tildes.
_DATE_WORD = re.compile(r"[\d\u3400-\u9fff〇○\-–—~]+")


class ChineseDateRecogniser:
    """Finds at most one date written in Chinese in a query, relative to `today`."""

    kind = "when"
    several = False

    def __init__(self, today: date):
        self.today = today

    def reading(self, words: Words) -> Callable[[int], Found | None]:
        if not any(map(words.unspaced, range(len(words.words)))):
            return lambda index: None  # no Chinese: no Chinese date
        return _Reading(words, self.today).when_at


@dataclass(frozen=True)
class _Grammar:
    pattern: re.Pattern  # a whole date, or a range of two
    starts: frozenset[str]  # the characters a date can begin with
    tables: dict


def _either(words) -> str:
    return "|".join(map(re.escape, sorted(words, key=len, reverse=True)))


@cache
def _grammar() -> _Grammar:
    tables = words_of("zh")
    years, numerals = _either(tables["years"]), "".join(tables["numerals"])
    months, suffix = _either(tables["months"]), _either(tables["month_suffixes"])
    seasons, holidays = _either(tables["seasons"]), _either(tables["holidays"])
    relative, units = _either(tables["relative"]), _either(tables["units"])
    ago = _either(tables["ago"])
    of, decades = _either(tables["of"]), _either(tables["decade_suffixes"])

    def simple(k: str) -> str:
        year = rf"(?:(?P<year{k}>\d{{4}}|[{numerals}]{{4}})年|(?P<ago_year{k}>{years}))"
        month = rf"(?P<month{k}>{_DIGITS})月(?:{suffix})?(?:(?P<day{k}>{_DIGITS})[日号])?"
        return (  # 的 may join a year to what follows it: 2019年的夏天
            rf"(?:(?:{year}(?:{of}(?=.))?)?"
            rf"(?:{month}|(?P<season{k}>{seasons})|(?P<holiday{k}>{holidays}))?"
            rf"|(?P<decade{k}>\d{{2}}|\d{{4}}|[{numerals}十]{{1,4}})(?:{decades})"
            rf"|(?P<ago_month{k}>{months})|(?P<relative{k}>{relative})"
            rf"|(?P<count{k}>\d{{1,4}}|[{numerals}十百千两兩]{{1,6}})(?P<unit{k}>{units})(?:{ago}))"
        )

    openers, joiners = _either(tables["range_openers"]), _either(tables["range_joiners"])
    pattern = re.compile(
        rf"(?:{openers})?(?:(?P<bare_year1>\d{{4}})|{simple('1')})(?:{joiners}){simple('2')}"
        rf"|{simple('0')}"
    )
    words = [*tables["years"], *tables["months"], *tables["seasons"], *tables["relative"]]
    starts = {word[0] for word in [*words, *tables["holidays"], *tables["range_openers"]]}
    starts |= set("0123456789十两兩") | set(tables["numerals"])
    return _Grammar(pattern, frozenset(starts), tables)


class _Reading:
    """One query's Chinese dates: at each word, the longest date starting there."""

    def __init__(self, words: Words, today: date):
        self.words = words.words
        # What a date is read from: the words, and the dashes the segmenter cut out between
        # them (2015年-2017年), which are no words.
        self.parts = [
            token.word
            or (fold(token.core) if token.piece.glued and token.piece.kind == "word" else "")
            for token in words.tokens[: len(words.words)]
        ]
        self.today = today
        self.grammar = _grammar()
        self.tables = self.grammar.tables

    def when_at(self, index: int) -> Found | None:
        words = self.words
        if not words[index] or words[index][0] not in self.grammar.starts:
            return None
        end = index
        while end < min(len(words), index + MAX_WORDS) and _DATE_WORD.fullmatch(self.parts[end]):
            end += 1
        for last in range(end, index, -1):
            found = self.grammar.pattern.fullmatch("".join(self.parts[index:last]))
            when = self._when(found) if found else None
            if when is not None:
                return Found(last - index, when.label, None, when)
        return None

    def _when(self, found: re.Match) -> When | None:
        if _said(found, "1"):
            first = self._year(found["bare_year1"]) if found["bare_year1"] else None
            first = first or self._simple(found, "1")
            last = self._simple(found, "2")
            if first is None or last is None:
                return None
            north = calendar.through(first.north, last.north)
            south = calendar.through(first.south, last.south)
            if north is None or south is None:
                return None
            return When(north, south, f"{first.label} to {last.label}")
        return self._simple(found, "0")

    def _simple(self, found: re.Match, k: str) -> When | None:
        def group(name: str) -> str | None:
            return found[name + k]

        if group("relative"):
            return calendar.relative(*self.tables["relative"][group("relative")], self.today)
        if group("ago_month"):
            return calendar.relative(self.tables["months"][group("ago_month")], "month", self.today)
        if group("count"):
            return self._ago(_number(group("count")), self.tables["units"][group("unit")])
        if group("decade"):
            return self._decade(group("decade"))
        year = self._year_number(group("year"), group("ago_year"))
        month = _number(group("month")) if group("month") else None
        day = _number(group("day")) if group("day") else None
        if month is not None:
            return self._month_or_day(year, month, day)
        if group("season") and (year is not None or len(group("season")) > 1):
            return self._season(group("season"), year)
        if year is None:
            return None
        if group("holiday"):
            return self._holiday(group("holiday"), year)
        if group("ago_year"):
            return calendar.relative(self.tables["years"][group("ago_year")], "year", self.today)
        return self._year(str(year))

    def _year_number(self, digits: str | None, ago: str | None) -> int | None:
        if ago:
            return self.today.year - self.tables["years"][ago]
        if digits is None:
            return None
        numerals = self.tables["numerals"]
        year = int("".join(str(numerals.get(char, char)) for char in digits))
        return year if 1900 <= year <= self.today.year + 1 else None

    def _year(self, digits: str) -> When | None:
        year = self._year_number(digits, None)
        if year is None:
            return None
        return calendar.same(str(year), DateSpan(date(year, 1, 1), date(year, 12, 31)))

    def _decade(self, written: str) -> When | None:
        """2010年代, 90年代, 八十年代, 八零年代: ten years; two digits are of this century when
        it has begun that decade, else of the last."""
        numerals = self.tables["numerals"]
        if all(char in numerals for char in written):
            written = "".join(str(numerals[char]) for char in written)
        number = _number(written)
        if number is None or number % 10:
            return None
        if number < 100:
            number += 2000 if 2000 + number <= self.today.year else 1900
        if not 1900 <= number <= self.today.year:
            return None
        span = DateSpan(date(number, 1, 1), date(number + 9, 12, 31))
        return calendar.same(f"{number}s", span)

    def _month_or_day(self, year: int | None, month: int, day: int | None) -> When | None:
        if not 1 <= month <= 12:
            return None
        label = lexicon().month_labels[month]
        if day is None:
            if year is None:
                return calendar.same(label, DateSpan(months=(month,)))
            return calendar.month(label, month, year)
        for each in [year] if year is not None else range(self.today.year, self.today.year - 8, -1):
            try:
                taken = date(each, month, day)
            except ValueError:
                continue
            if year is not None or taken <= self.today:
                return calendar.same(f"{day} {label} {each}", DateSpan(taken, taken))
        return None

    def _season(self, name: str, year: int | None) -> When:
        first = self.tables["seasons"][name]
        return calendar.season(first, self.tables["season_labels"][name[0]], year)

    def _holiday(self, name: str, year: int) -> When | None:
        label, kind, month, day, offset, days = self.tables["holidays"][name]
        start = _holiday_day(kind, month, day, year)
        if start is None:
            return None
        start += timedelta(days=offset)
        return calendar.same(f"{label} {year}", DateSpan(start, start + timedelta(days=days - 1)))

    def _ago(self, count: int | None, unit: str) -> When | None:
        """三年前, 两个月前: the calendar unit `count` back, if it begins after 1900."""
        if count is None or count > MAX_COUNT:
            return None
        try:
            when = calendar.relative(count, unit, self.today)
        except (ValueError, OverflowError):
            return None
        return when if when.north.date_from and when.north.date_from.year >= 1900 else None


def _said(found: re.Match, k: str) -> bool:
    """Whether the part `k` of a range was read."""
    return any(value for name, value in found.groupdict().items() if name.endswith(k))


def _number(text: str | None) -> int | None:
    """An Arabic or Chinese number (十二, 两, 三十一), by cn2an."""
    if text is None:
        return None
    if text.isdigit():
        return int(text)
    import cn2an  # some 0.2 s to load: only for a number written in Chinese

    try:
        return int(cn2an.cn2an(text, "smart"))
    except (ValueError, TypeError):
        return None


@lru_cache(maxsize=512)
def _holiday_day(kind: str, month: int, day: int, year: int) -> date | None:
    """The day of a holiday in `year`: a solar date, a lunar one, or a solar term's day."""
    if kind == "solar":
        return date(year, month, day)
    from lunar_python import Lunar, Solar

    try:
        if kind == "lunar":
            solar = Lunar.fromYmd(year, month, day).getSolar()
        else:
            solar = Solar.fromYmd(year, month, 15).getLunar().getJieQiTable()[kind]
        return date(solar.getYear(), solar.getMonth(), solar.getDay())
    except (ValueError, KeyError, IndexError):
        return None
