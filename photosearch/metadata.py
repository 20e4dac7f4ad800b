"""What a photo says about itself (size, format, date, camera, GPS): read by the decoders,
stored by the store, filtered on by search."""

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
