"""(k) Places: naming a photo's GPS position at index time, against the rest of indexing that
photo (benchmark (b)'s default rate on this machine, measured in the same run when (b) ran,
else the figure in docs/performance.md); and naming the places of 100,000 photos of a library
indexed before places existed, from their stored coordinates alone."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from sqlalchemy import update

from photosearch.library import PhotoLibrary
from photosearch.places import gazetteer
from photosearch.store.schema import PhotoRow

from .common import Row, config_for, timed
from .search import CITIES, build_store

# benchmark (b), default runtime, this machine (docs/performance.md)
INDEXING_MS_PER_PHOTO = 1000 / 34.9


def run(quick: bool, work: Path) -> list[Row]:
    load_seconds, _ = timed(gazetteer.gazetteer)
    rng = np.random.default_rng(3)
    centres = np.array(CITIES)[rng.integers(0, len(CITIES), 10_000)]
    points = centres + rng.normal(0, 0.2, centres.shape)  # within some 20 km of a city
    started = time.perf_counter()
    for latitude, longitude in points:
        gazetteer.lookup(latitude, longitude)
    per_photo_ms = (time.perf_counter() - started) * 1000 / len(points)

    count = 10_000 if quick else 100_000
    data = work / f"search-{count}"
    build_store(data, count)[1].close()
    config = config_for(data, "ViT-B-32:/nowhere.pt")
    library = PhotoLibrary(config)
    with library.store.engine.begin() as connection:  # as a library indexed before is left
        connection.execute(update(PhotoRow).values(place_version=None, place_city=None))
    fill_seconds, named = timed(library.name_places)
    counts = library.store.place_counts(gazetteer.VERSION)
    library.close()
    name = "(k) places from GPS, offline (GeoNames cities1000)"
    return [
        Row(name, "gazetteer load, once per process", load_seconds, "s"),
        Row(
            name,
            "naming one photo at index time",
            per_photo_ms,
            "ms",
            "indexing a photo (b)",
            INDEXING_MS_PER_PHOTO,
            "< 1 ms",
            per_photo_ms < 1,
        ),  # fmt: skip
        Row(
            name,
            f"naming {named:,} stored photos (load included)",
            fill_seconds,
            "s",
            target="< 30 s" if count == 100_000 else "",
            met=fill_seconds < 30 if count == 100_000 else None,
        ),  # fmt: skip
        Row(name, "photos named with a place", counts["with_place"], "photos"),
    ]
