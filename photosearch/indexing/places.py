"""Photos' GPS positions named with the nearest town, its region and country (offline,
GeoNames): one by one as photos are indexed, and all at once from the stored coordinates for a
library indexed before (or after the gazetteer changes), without reading a single photo."""

from __future__ import annotations

import logging

from ..metadata import PhotoMeta, Place
from ..places import gazetteer
from ..store import Store

log = logging.getLogger(__name__)
FILL_BATCH = 20_000  # photos named per transaction when filling a whole library


def place_of(meta: PhotoMeta | None) -> tuple[Place | None, int] | None:
    """The place of a photo's GPS position and the gazetteer version that named it (a place
    of None: at sea, or nowhere certain); None for a photo without GPS."""
    if meta is None or meta.latitude is None or meta.longitude is None:
        return None
    return _record(gazetteer.lookup(meta.latitude, meta.longitude)), gazetteer.VERSION


def fill_places(store: Store) -> int:
    """Name every photo with GPS that this gazetteer version has not named; how many."""
    named = 0
    while rows := store.unnamed_positions(gazetteer.VERSION, FILL_BATCH):
        ids, latitudes, longitudes = zip(*rows, strict=True)
        places = gazetteer.lookup_many(latitudes, longitudes)
        with store.writer() as writer:
            writer.set_places(
                [(i, _record(p)) for i, p in zip(ids, places, strict=True)], gazetteer.VERSION
            )
        named += len(rows)
    if named:
        log.info("Named the places of %d photos from their stored GPS positions", named)
    return named


def _record(found: gazetteer.Located | None) -> Place | None:
    if found is None:
        return None
    return Place(found.city, found.region, found.country, found.country_code)
