"""A video's date, place and camera from its container's tags (as FFmpeg names them): the same
facts a photo's EXIF gives, so places and dates work for videos as for photos.

Dates: QuickTime's `com.apple.quicktime.creationdate` is the local time with its zone (iPhones);
MP4's `creation_time` is UTC (every MP4 muxer; 1904 or 1970 when a device did not set it).
Places: ISO 6709 strings, "+38.7139-009.1334+010.000/" (degrees, or degrees and minutes, or
degrees, minutes and seconds run together), from `com.apple.quicktime.location.ISO6709` or the
`©xyz` atom (FFmpeg's `location`), which Android writes. Cameras: QuickTime's make and model
keys, Android's `com.android.manufacturer` / `.model`, or the `©mak` / `©mod` atoms."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

DATE_KEYS = ("com.apple.quicktime.creationdate", "creation_time", "date")
LOCATION_KEYS = ("com.apple.quicktime.location.ISO6709", "location", "location-eng")
MAKE_KEYS = ("com.apple.quicktime.make", "com.android.manufacturer", "make")
MODEL_KEYS = ("com.apple.quicktime.model", "com.android.model", "model")
EARLIEST = 1980  # before this, a date is a device's unset clock (1904 and 1970 zeros)

_ISO_DATE = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(?:\.\d+)?)?\s*(Z|[+-]\d\d:?\d\d)?$"
)
_ISO_6709 = re.compile(
    r"([+-]\d+(?:\.\d*)?)([+-]\d+(?:\.\d*)?)([+-]\d+(?:\.\d*)?)?(?:CRS[^/]*)?/?$"
)


def first(tags: dict, keys) -> str | None:
    """The first of `keys` present with a non-blank value, stripped."""
    for key in keys:
        value = tags.get(key)
        if isinstance(value, str) and value.strip(" \x00"):
            return value.strip(" \x00")
    return None


def taken_at(tags: dict) -> datetime | None:
    """When the video was taken, aware of its zone (UTC when only MP4's time is known)."""
    for key in DATE_KEYS:
        moment = parse_date(tags.get(key))
        if moment is not None:
            return moment
    return None


def parse_date(value) -> datetime | None:
    """An ISO 8601 date as a container writes it; one without a zone is taken as UTC (MP4's)."""
    match = _ISO_DATE.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
    except ValueError:
        return None
    if moment.year < EARLIEST:
        return None
    if zone in (None, "Z"):
        return moment.replace(tzinfo=UTC)
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return moment.replace(tzinfo=timezone(sign * offset))


def location(tags: dict) -> tuple[float, float] | None:
    """Latitude and longitude in degrees, or None (no tag, or one out of range)."""
    for key in LOCATION_KEYS:
        place = parse_iso6709(tags.get(key))
        if place is not None:
            return place
    return None


def parse_iso6709(value) -> tuple[float, float] | None:
    match = _ISO_6709.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        return None
    latitude, longitude = _degrees(match.group(1), 2), _degrees(match.group(2), 3)
    if latitude is None or longitude is None or abs(latitude) > 90 or abs(longitude) > 180:
        return None
    if latitude == 0 and longitude == 0:
        return None  # a device's empty position, as EXIF's 0/0 is for photos
    return latitude, longitude


def _degrees(text: str, degree_digits: int) -> float | None:
    """±DD.D, ±DDMM.M or ±DDMMSS.S (DDD for longitudes): ISO 6709's three forms."""
    sign = -1.0 if text[0] == "-" else 1.0
    whole, _, fraction = text[1:].partition(".")
    fraction = float("0." + fraction) if fraction else 0.0
    extra = len(whole) - degree_digits
    if extra == 0:
        return sign * (int(whole) + fraction)
    if extra == 2:
        degrees, minutes = int(whole[:degree_digits]), int(whole[degree_digits:]) + fraction
        return sign * (degrees + minutes / 60)
    if extra == 4:
        degrees = int(whole[:degree_digits])
        minutes = int(whole[degree_digits : degree_digits + 2])
        seconds = int(whole[degree_digits + 2 :]) + fraction
        return sign * (degrees + minutes / 60 + seconds / 3600)
    return None


def camera(tags: dict) -> tuple[str | None, str | None]:
    return first(tags, MAKE_KEYS), first(tags, MODEL_KEYS)
