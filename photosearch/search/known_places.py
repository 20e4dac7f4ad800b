"""The places of one library as search sees them: names the query interpreter may take for a
place, what `--place` (and the web's place filter) accepts, and the choices the web lists."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import QueryError
from ..places.names import PlaceNames, PlaceRef, identities, identity
from ..store import PlaceTerm

# A library place as the store counts it: city, region, country, country code, photos, and
# the mean latitude of those photos (which side of the equator their seasons follow).
Row = tuple[str | None, str | None, str | None, str | None, int, float | None]


@dataclass(frozen=True)
class FoundPlace:
    """A place named in a query: what to show, and the photos it means."""

    label: str
    terms: tuple[PlaceTerm, ...]
    latitude: float | None  # where its photos are, for the seasons of "summer 2017"
    names: tuple[str, ...] = ()  # its names in every language known, to show it in one


class KnownPlaces:
    def __init__(self, rows: Iterable[Row], cache: Path | None = None):
        self.rows = list(rows)
        self.names = PlaceNames.of_library((row[:5] for row in self.rows), cache)
        latitudes: dict[tuple, list[tuple[float, int]]] = defaultdict(list)
        for city, region, _, code, photos, latitude in self.rows:
            if code and latitude is not None:
                for key in identities(city, region, code):
                    latitudes[key].append((latitude, photos))
        self._latitude = {
            ref: sum(lat * n for lat, n in pairs) / max(1, sum(n for _, n in pairs))
            for ref, pairs in latitudes.items()
        }

    def match(self, folded_words: Sequence[str], start: int) -> tuple[int, FoundPlace] | None:
        """The interpreter's PlaceMatcher: the longest library place name at `start`."""
        end = folded_words.index("", start) if "" in folded_words[start:] else len(folded_words)
        found = self.names.find(folded_words[:end], start)
        if found is None:
            return None
        return found.end - found.start, self._found(found.places)

    def resolve(self, text: str) -> FoundPlace:
        """What `--place TEXT` means here: a city, region or country of this library by any
        of its names, case and accents ignored; a clear error for one it does not have."""
        refs = self.names.resolve(text)
        if not refs:
            known = ", ".join(dict.fromkeys(city or country for city, _, country, *_ in self.rows))
            if not known:
                raise QueryError.said(
                    "No photo in this library was taken in {place!r}. No photo in this library "
                    "has a known place yet.",
                    place=text.strip(),
                )
            raise QueryError.said(
                "No photo in this library was taken in {place!r}. Places in this library: {known}.",
                place=text.strip(),
                known=shortened(known),
            )
        return self._found(sorted(refs, key=lambda ref: ref.name))

    def choices(self) -> list[dict]:
        """Each country with its photos, and its cities with theirs, most photos first."""
        countries: dict[str, dict] = {}
        for city, _, country, code, photos, _ in self.rows:
            entry = countries.setdefault(code, {"name": country, "photos": 0, "cities": {}})
            entry["photos"] += photos
            if city:
                entry["cities"][city] = entry["cities"].get(city, 0) + photos
        ordered = sorted(countries.values(), key=lambda entry: (-entry["photos"], entry["name"]))
        return [
            {
                "name": entry["name"],
                "photos": entry["photos"],
                "cities": [
                    {"name": name, "photos": photos}
                    for name, photos in sorted(entry["cities"].items(), key=lambda kv: -kv[1])
                ],
            }
            for entry in ordered
        ]

    def _found(self, refs: Sequence[PlaceRef]) -> FoundPlace:
        terms = tuple(PlaceTerm(ref.kind, ref.name, ref.country_code, ref.region) for ref in refs)
        keys = [identity(ref) for ref in refs]
        latitudes = [self._latitude[key] for key in keys if key in self._latitude]
        latitude = sum(latitudes) / len(latitudes) if latitudes else None
        return FoundPlace(refs[0].name, terms, latitude, self.names.names_of(refs[0]))


def shortened(text: str, limit: int = 200) -> str:
    """A list of names cut at a name's end, so an error message listing them stays readable
    (the people's errors list theirs the same way)."""
    return text if len(text) <= limit else text[:limit].rsplit(", ", 1)[0] + ", …"
