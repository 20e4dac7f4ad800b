"""What the reader understood, told in a language: "2017年夏天", "在里斯本" and "人物：Anna" on a
Chinese page for "summer 2017", "in Lisbon" and "with Anna". Dates are told from their spans
with the CLDR data that Babel ships (month names, date intervals, "上个月" for last month),
places by their name in the language's script where the library knows one; the few words CLDR
lacks (seasons, "in …", "with …") come from the caller's `gettext`, so that they live in the
same catalogs as the page's words. The reader's own English labels stay what the CLI and the
API's `label` print."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import NamedTuple

from babel import Locale
from babel.dates import format_date, format_interval, format_skeleton
from babel.lists import format_list

from .calendar import last_day
from .results import DateSpan, Understood, When, hemisphere, place_label

Gettext = Callable[[str], str]
SEASON_STARTS = (3, 6, 9, 12)  # north of the equator: spring, summer, autumn, winter
# Names written in a script of their own: a place's name in it is the one shown (里斯本).
SCRIPTS = {"zh": re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")}


class Description(NamedTuple):
    label: str  # for a chip: "2017年夏天", "在里斯本"
    detail: str  # what it means exactly, for its title: "拍摄于 2017年6月1日 – 8月31日"


def describe(item: Understood, language: str, gettext: Gettext) -> Description:
    """`item` told in `language` (a BCP 47 tag such as "zh-Hans")."""
    locale = Locale.parse(language, sep="-")
    if item.when is not None:
        return _when(item.when, hemisphere(item.place), locale, gettext)
    if item.place is not None:
        return Description(gettext("in {place}").format(place=_place(item.place, locale)), "")
    if item.person is not None:
        return Description(gettext("with {person}").format(person=place_label(item.person)), "")
    return Description(item.label, "")


def _place(place: object, locale: Locale) -> str:
    script = SCRIPTS.get(locale.language)
    names = getattr(place, "names", ()) if script else ()
    return next((name for name in names if script.fullmatch(name)), place_label(place))


def _season_names(gettext: Gettext) -> dict[int, str]:
    names = (gettext("spring"), gettext("summer"), gettext("autumn"), gettext("winter"))
    return dict(zip(SEASON_STARTS, names, strict=True))


def _when(when: When, side_asked: str | None, locale: Locale, gettext: Gettext) -> Description:
    side = when.south if side_asked == "south" else when.north
    detail = gettext("taken {dates}").format(dates=_span(side, locale, gettext, exact=True))
    if when.relative is not None:
        return Description(_relative(*when.relative, locale), detail)
    season = _season(when, locale, gettext)
    return Description(season or _span(side, locale, gettext), detail)


def _relative(units_ago: int, unit: str, locale: Locale) -> str:
    """CLDR's own words: "上个月", "去年", "3年前" (Babel has no public call for them)."""
    fields = locale._data["date_fields"][unit]
    if -units_ago in fields["relative"]:
        return fields["relative"][-units_ago]
    patterns = fields["past"]
    return patterns.get(locale.plural_form(units_ago), patterns["other"]).format(units_ago)


def _season(when: When, locale: Locale, gettext: Gettext) -> str | None:
    """A season by its name ("2017年夏天", "每年夏天"): north and south differ only for one."""
    north = when.north
    if when.north == when.south:
        return None
    first = north.months[0] if north.months else north.date_from and north.date_from.month
    name = _season_names(gettext).get(first)
    if name is None:
        return None
    if north.months:
        return gettext("{season} of any year").format(season=name)
    year = format_skeleton("y", north.date_from, locale=locale)
    return gettext("{season} {year}").format(season=name, year=year)


def _span(span: DateSpan, locale: Locale, gettext: Gettext, exact: bool = False) -> str:
    """A span of days as this language writes it: a day, a month, a year, or from one to
    another (`exact`: always from one day to another); months of any year by their names."""
    if span.months:
        names = locale.months["stand-alone"]["wide"]
        months = format_list([names[month] for month in span.months], locale=locale)
        return gettext("{months} of any year").format(months=months)
    start, end = span.date_from, span.date_to
    if start is None or end is None:
        known = format_date(start or end, "long", locale=locale)
        if start:
            return gettext("from {date}").format(date=known)
        return gettext("until {date}").format(date=known)
    if start == end:
        return format_date(start, "long", locale=locale)
    skeleton = "yMMMd" if exact else _skeleton(start, end)
    if skeleton in ("y", "yMMMM") and _one(start, end, skeleton):
        return format_skeleton(skeleton, start, locale=locale)
    return format_interval(start, end, skeleton, locale=locale)


def _skeleton(start: date, end: date) -> str:
    """Whole years, whole months, or days."""
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
        return "y"
    if start.day == 1 and end == last_day(end.year, end.month):
        return "yMMMM"
    return "yMMMd"


def _one(start: date, end: date, skeleton: str) -> bool:
    return start.year == end.year and (skeleton == "y" or start.month == end.month)
