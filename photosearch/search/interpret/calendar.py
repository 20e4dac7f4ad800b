"""Calendar arithmetic for the dates of a query, in no language: months, seasons on both sides
of the equator, holidays, the most recent occurrence of any of them, calendar units back from
today, and the span from one date to another."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from dateutil.easter import easter

from .results import DateSpan, When


def last_day(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def months_from(first: int, count: int) -> tuple[int, ...]:
    return tuple((first - 1 + step) % 12 + 1 for step in range(count))


def same(label: str, span: DateSpan) -> When:
    """A date alike on both sides of the equator."""
    return When(span, span, label)


def month(name: str, number: int, year: int) -> When:
    return same(f"{name} {year}", DateSpan(date(year, number, 1), last_day(year, number)))


def season(first: int, label: str, year: int | None) -> When:
    """The season that begins in month `first` north of the equator; of year `year`, the one
    that begins in it; without one, those months of any year."""
    south = (first + 5) % 12 + 1
    if year is None:
        return When(
            DateSpan(months=months_from(first, 3)), DateSpan(months=months_from(south, 3)), label
        )
    return When(_season_span(first, year), _season_span(south, year), f"{label} {year}")


def _season_span(first: int, year: int) -> DateSpan:
    last = first + 2
    return DateSpan(date(year, first, 1), last_day(year + (last > 12), (last - 1) % 12 + 1))


def holiday(label: str, number: int, day: int, days: int, year: int) -> When:
    """`days` days from `day` of month `number`; month 0 counts `day` from Easter Sunday (the
    Western date: Pâques, Ostern, Pascua)."""
    start = easter(year) + timedelta(days=day) if number == 0 else date(year, number, day)
    return same(f"{label} {year}", DateSpan(start, start + timedelta(days=days - 1)))


def latest(of_year: Callable[[int], When], today: date, ended: bool, label: str) -> When:
    """The most recent occurrence, side by side: of those ended ("last summer") or begun
    ("this summer") by today."""

    def pick(side: Callable[[When], DateSpan]) -> DateSpan:
        spans = (side(of_year(year)) for year in range(today.year, today.year - 3, -1))
        return next(
            span for span in spans if (span.date_to < today if ended else span.date_from <= today)
        )

    return When(pick(lambda when: when.north), pick(lambda when: when.south), label)


def relative(units_ago: int, unit: str, today: date) -> When:
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
        end = last_day(start.year, start.month)
    else:
        start, end = date(today.year - units_ago, 1, 1), date(today.year - units_ago, 12, 31)
    names = {"day": ("today", "yesterday")}.get(unit, (f"this {unit}", f"last {unit}"))
    label = names[units_ago] if units_ago < 2 else f"{units_ago} {unit}s ago"
    return same(label, DateSpan(start, min(end, today)))


def units_between(day: date, unit: str, today: date) -> int:
    if unit == "day":
        return (today - day).days
    if unit == "week":
        return (today - timedelta(today.weekday()) - day + timedelta(day.weekday())).days // 7
    if unit == "month":
        return (today.year - day.year) * 12 + today.month - day.month
    return today.year - day.year


def through(first: DateSpan, last: DateSpan) -> DateSpan | None:
    """From the start of `first` to the end of `last`; a side without a year takes the other's
    ("from March to May 2017")."""
    if first.months and last.months:
        count = (last.months[-1] - first.months[0]) % 12 + 1
        return DateSpan(months=months_from(first.months[0], count))
    if first.months:
        year = last.date_from.year - (first.months[0] > last.date_from.month)
        first = DateSpan(date_from=date(year, first.months[0], 1))
    elif last.months:
        year = first.date_to.year + (last.months[-1] < first.date_to.month)
        last = DateSpan(date_to=last_day(year, last.months[-1]))
    if first.date_from > last.date_to:
        return None
    return DateSpan(first.date_from, last.date_to)
