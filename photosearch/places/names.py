"""The names people type for the places of a library: a city's own name and its GeoNames
alternates (Lisboa, Lissabon, 里斯本), region and country names in English and other languages
(Bayern, Deutschland, Alemania, 德国); compared folded (case, accents and spacing ignored).
Only the library's places are named, so "Lisboa" means nothing to a library without photos
from Lisbon, and an ambiguous name means each of its places."""

from __future__ import annotations

import contextlib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Literal

from ..files import atomic_write
from ..text import fold
from .alternates import CityKey, alternate_names
from .gazetteer import VERSION, gazetteer
from .translated import country_names, region_names

Kind = Literal["city", "region", "country"]
_KIND_ORDER = {"city": 0, "region": 1, "country": 2}
NAMES_VERSION = 2  # bump when the names given to places change: cached names are then rebuilt

# A library place as stored, with its number of photos (a row of a GROUP BY over the photos):
# city, region, country, country code, photos.
LibraryPlace = tuple[str | None, str | None, str | None, str | None, int]


@dataclass(frozen=True, slots=True)
class PlaceRef:
    """A place of the library, as a search filter: the photos whose stored place is in it."""

    kind: Kind
    name: str  # the city or region as stored; a country's name to show
    country_code: str
    region: str | None = None  # a city's region: Lisbon, Ohio is not Lisbon, Maine

    def matches(self, city: str | None, region: str | None, country_code: str | None) -> bool:
        """Whether a photo stored with this city, region and country code is in the place."""
        if country_code != self.country_code:
            return False
        if self.kind == "region":
            return region == self.name
        return self.kind == "country" or (city == self.name and region == self.region)


@dataclass(frozen=True, slots=True)
class Match:
    """A place name found in a query: tokens[start:end] spell `name` (folded words)."""

    start: int
    end: int
    name: str
    places: tuple[PlaceRef, ...]  # the places it names, those with the most photos first
    # Whether it is the stored name of one of them, not only another name: other names include
    # words of the query's language ("Rim" and "Urbs" for Rome, "Vine" for Vienna), which an
    # interpreter may want to take for places only when capitalised or after "in".
    canonical: bool


def words(text: str) -> list[str]:
    """The folded words of a text, split at spaces, punctuation and symbols: "Saint-Étienne",
    "saint etienne" and the tokens "Saint", "-", "Étienne" all give ["saint", "etienne"]."""
    folded = fold(text)
    return "".join(
        " " if unicodedata.category(char)[0] in "PSZC" else char for char in folded
    ).split()


def _too_short(key: str) -> bool:
    """Too short to be taken for a place in free text ("a", "of", "la"): under 3 characters
    when folded to ASCII, under 2 in other scripts, where 北京 is a whole name."""
    return len(key) < (3 if key.isascii() else 2)


class PlaceNames:
    """Folded names to the library places they name."""

    def __init__(self, names: Mapping[PlaceRef, Iterable[str]], photos: Mapping[PlaceRef, int]):
        index: dict[str, set[PlaceRef]] = {}
        for place, place_names in names.items():
            for name in place_names:
                key = " ".join(words(name))
                if key:
                    index.setdefault(key, set()).add(place)

        def rank(place: PlaceRef) -> tuple[int, int, str]:
            return -photos.get(place, 0), _KIND_ORDER[place.kind], place.name

        self._index = {key: tuple(sorted(places, key=rank)) for key, places in index.items()}
        self._canonical = {" ".join(words(place.name)) for place in names}
        self._longest = max(map(len, self._index), default=0)  # characters

    @classmethod
    def of_library(cls, places: Iterable[LibraryPlace], cache: Path | None = None) -> PlaceNames:
        """The names of these stored places (rows without a country code are left out): their
        own names, GeoNames' other names for their cities and the names of their countries.
        With `cache` (a folder), the names of a set of places are kept there, so that the
        next process with the same places skips loading GeoNames' names (some 2 s)."""
        rows = [row for row in places if row[3]]
        cached = cache / f"place-names-v{VERSION}.{NAMES_VERSION}.json" if cache else None
        names = _read_names(cached, rows) if cached else None
        if names is None:
            names = _names_of(rows)
            if cached:
                _write_names(cached, rows, names)
        refs = {identity(place): place for place in names}
        photos: Counter[PlaceRef] = Counter()
        for city, region, _, code, count in rows:
            for key in identities(city, region, code):
                photos[refs[key]] += count
        return cls(names, photos)

    def resolve(self, text: str) -> frozenset[PlaceRef]:
        """The library places a whole text names ("Lisboa", "LISBON", "Portugal"), or none."""
        return frozenset(self._index.get(" ".join(words(text)), ()))

    def find(self, tokens: Sequence[str], start: int = 0) -> Match | None:
        """The longest place name that begins at tokens[start] and ends at a token's end
        ("new york city" rather than "new york"); tokens of punctuation inside it are passed
        over. Short names are not taken for places here (see _too_short), only by resolve."""
        if start >= len(tokens) or not words(tokens[start]):
            return None
        found: Match | None = None
        key = ""
        for end in range(start, len(tokens)):
            token_words = words(tokens[end])
            if not token_words:
                continue
            key = _spelled(key, token_words)
            if len(key) > self._longest:
                break
            places = self._index.get(key)
            if places and not _too_short(key):
                found = Match(start, end + 1, key, places, key in self._canonical)
        return found

    def find_all(self, tokens: Sequence[str]) -> list[Match]:
        """The place names in a query, from the left, each the longest at its start."""
        matches: list[Match] = []
        start = 0
        while start < len(tokens):
            match = self.find(tokens, start)
            matches += [match] if match else []
            start = match.end if match else start + 1
        return matches


_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")  # kana, han


def _spelled(key: str, token_words: Sequence[str]) -> str:
    """A name spelled on by a token's words: with a space between words, but none between two
    Chinese or Japanese characters (a segmenter may cut 卡斯凯什 into 卡斯 and 凯什)."""
    for word in token_words:
        glued = key and _UNSPACED.match(key[-1]) and _UNSPACED.match(word)
        key = f"{key}{word}" if glued or not key else f"{key} {word}"
    return key


def _names_of(rows: Sequence[LibraryPlace]) -> dict[PlaceRef, list[str]]:
    gaz = gazetteer()
    names: dict[PlaceRef, dict[str, None]] = {}
    cities: dict[CityKey, PlaceRef] = {}

    def add(place: PlaceRef, *place_names: str | None) -> None:
        names.setdefault(place, {}).update(dict.fromkeys(filter(None, place_names)))

    translated = region_names((code, region) for _, region, _, code, _ in rows if region)
    for city, region, country, code, _ in rows:
        names_of_country = gaz.country_names(code)
        others = _typable(country_names(code))
        add(PlaceRef("country", names_of_country[0], code), country, *names_of_country, *others)
        if region:
            add(
                PlaceRef("region", region, code),
                region,
                *_typable(translated.get((code, region), ())),
            )
        if city:
            cities[(code, region, city)] = PlaceRef("city", city, code, region)
            add(cities[(code, region, city)], city)
    for key, others in alternate_names(cities).items():
        add(cities[key], *_typable(others))
    return {place: list(place_names) for place, place_names in names.items()}


def _typable(names: Iterable[str]) -> list[str]:
    """The names long enough to be taken for a place in free text (see _too_short)."""
    return [name for name in names if not _too_short(" ".join(words(name)))]


def identity(place: PlaceRef) -> tuple:
    """A place as its stored columns name it (a country by its code alone)."""
    name = None if place.kind == "country" else place.name
    return place.kind, place.country_code, place.region, name


def identities(city: str | None, region: str | None, code: str) -> list[tuple]:
    """The places a stored (city, region, country) lies in."""
    keys = [("country", code, None, None)]
    if region:
        keys.append(("region", code, None, region))
    if city:
        keys.append(("city", code, region, city))
    return keys


def _places_key(rows: Sequence[LibraryPlace]) -> list[list]:
    return sorted([list(row[:4]) for row in rows], key=lambda row: [str(part) for part in row])


def _read_names(path: Path, rows: Sequence[LibraryPlace]) -> dict[PlaceRef, list[str]] | None:
    """The cached names, if they are those of exactly these places."""
    try:
        cached = json.loads(path.read_text())
        if cached["places"] != _places_key(rows):
            return None
        return {PlaceRef(*place): place_names for *place, place_names in cached["names"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_names(path: Path, rows: Sequence[LibraryPlace], names: dict) -> None:
    entries = [[*astuple(place), place_names] for place, place_names in names.items()]
    text = json.dumps({"places": _places_key(rows), "names": entries}, ensure_ascii=False)
    with contextlib.suppress(OSError):  # a cache: the next process builds the names again
        atomic_write(path, lambda temporary: Path(temporary).write_text(text))
