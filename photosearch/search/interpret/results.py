"""What the reader understood in a query, as the CLI, the web and the searcher take it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from ..terms import Query
from .lexicon import lexicon


@dataclass(frozen=True)
class DateSpan:
    """When a photo was taken, on one side of the equator: a range of days, or months of any
    year ("March", "summer"). The store takes it as its Period."""

    date_from: date | None = None
    date_to: date | None = None  # inclusive
    months: tuple[int, ...] = ()  # months of ANY year (1-12)

    def describe(self) -> str:
        if self.months:
            names = ", ".join(lexicon().month_labels[month] for month in self.months)
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
    north: DateSpan  # for photos north of the equator, or without GPS
    south: DateSpan  # equal to north except for seasons: south of the equator summer is Dec-Feb
    label: str  # "summer 2017", "July 2019", "2015 to 2017", "yesterday"
    # "last month", "3 years ago": (units back, "day" | "week" | "month" | "year"), so that it
    # can be told so in another language (describe.py); None for a date of the calendar.
    relative: tuple[int, str] | None = None

    def describe(self, hemisphere: str | None = None) -> str:
        """As "taken 2017-06-01 to 2017-08-31"; both sides when they differ and none is given."""
        if hemisphere == "south":
            return f"taken {self.south.describe()}"
        if hemisphere == "north" or self.north == self.south:
            return f"taken {self.north.describe()}"
        return f"taken {self.north.describe()} in the north, {self.south.describe()} in the south"

    def to_dict(self) -> dict:
        return {"label": self.label, "north": self.north.to_dict(), "south": self.south.to_dict()}


class Found(NamedTuple):
    """What a recogniser finds at a word of the query (a tuple: asked for at every word)."""

    length: int  # words
    label: str  # for a chip and the CLI: "in Lisbon", "summer 2017"
    place: object | None = None
    when: When | None = None
    person: object | None = None


@dataclass(frozen=True)
class Understood:
    kind: str  # the recogniser's: "place", "when"
    said: str  # the query's own words it came from, as typed: "in Lisbon", "summer 2017"
    label: str  # for a chip and the CLI: "in Lisbon", "taken 2017-06-01 to 2017-08-31"
    place: object | None = None  # kind "place": what the place matcher returned
    when: When | None = None
    person: object | None = None  # kind "person": what the person matcher returned

    def to_dict(self) -> dict:
        item = {"kind": self.kind, "said": self.said, "label": self.label}
        if self.place is not None:
            item["place"] = place_label(self.place)
        if self.person is not None:
            item["person"] = place_label(self.person)
        if self.when is not None:
            item["when"] = self.when.to_dict()
        return item


@dataclass(frozen=True)
class Interpretation:
    query: str  # as typed
    text: str  # the words left to search for, tidied (may be "")
    literal: bool
    understood: tuple[Understood, ...]
    rest: Query  # those words as a query: what the searcher and the written words take

    @property
    def place(self) -> object | None:
        return next((item.place for item in self.understood if item.kind == "place"), None)

    @property
    def when(self) -> When | None:
        return next((item.when for item in self.understood if item.kind == "when"), None)

    @property
    def people(self) -> tuple[object, ...]:
        return tuple(item.person for item in self.understood if item.kind == "person")

    @property
    def hemisphere(self) -> str | None:
        """North or south when the place understood has a `latitude`: its dates are then told
        for its side of the equator only."""
        return hemisphere(self.place)

    def line(self) -> str:
        """'"dogs on the beach" · in Lisbon · taken 2017-06-01 to 2017-08-31'."""
        words = f'"{self.text}"' if self.text or not self.understood else "(any photo)"
        return " · ".join([words, *(item.label for item in self.understood)])

    def to_dict(self) -> dict:
        when = self.when
        return {
            "query": self.query,
            "text": self.text,
            "line": self.line(),
            "literal": self.literal,
            "understood": [item.to_dict() for item in self.understood],
            "place": place_label(self.place) if self.place is not None else None,
            "when": when.to_dict() if when else None,
            "people": [place_label(person) for person in self.people],
        }


def place_label(place: object) -> str:
    """What a place (or a person) found is shown as: its `label`, else itself."""
    return str(getattr(place, "label", None) or place)


def hemisphere(place: object | None) -> str | None:
    latitude = getattr(place, "latitude", None)
    if not isinstance(latitude, int | float):
        return None
    return "north" if latitude >= 0 else "south"
