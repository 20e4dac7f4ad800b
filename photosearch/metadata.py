"""What a photo says about itself (size, format, date, camera, GPS) and where that GPS
position is: read by the decoders and the gazetteer, stored by the store, filtered on by search."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class PhotoMeta:
    width: int | None = None  # upright, full resolution
    height: int | None = None
    format: str | None = None
    taken_at: datetime | None = None
    camera_make: str | None = None
    camera_model: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    media: str = "photo"  # or "video"
    duration: float | None = None  # a video's, in seconds


@dataclass(frozen=True)
class Place:
    """A GPS position named: its nearest town or city, that town's region, and the country;
    a country alone where no town is near but the country is certain."""

    city: str | None = None
    region: str | None = None
    country: str | None = None
    country_code: str | None = None
