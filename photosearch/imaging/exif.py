"""The EXIF facts search filters need (date, camera, GPS, upright size), read from a header
without decoding its pixels."""

from __future__ import annotations

from datetime import datetime

from PIL import Image

from ..metadata import PhotoMeta

EXIF_IFD = 0x8769
GPS_IFD = 0x8825
TAG_ORIENTATION = 0x0112
TAG_MAKE = 0x010F
TAG_MODEL = 0x0110
TAG_DATETIME = 0x0132
TAG_DATETIME_ORIGINAL = 0x9003
ROTATED_ORIENTATIONS = {5, 6, 7, 8}


def metadata(image: Image.Image) -> PhotoMeta:
    """Upright full size, format and EXIF facts, read from the header without decoding."""
    width, height = image.size
    return exif_metadata(image.getexif(), width, height, image.format)


def exif_metadata(exif: Image.Exif, width: int, height: int, format: str | None) -> PhotoMeta:
    """The facts search filters need, from EXIF and the stored (sensor-oriented) size."""
    if exif.get(TAG_ORIENTATION) in ROTATED_ORIENTATIONS:
        width, height = height, width
    details = exif.get_ifd(EXIF_IFD)
    gps = exif.get_ifd(GPS_IFD)
    return PhotoMeta(
        width=width,
        height=height,
        format=format,
        taken_at=_exif_datetime(details.get(TAG_DATETIME_ORIGINAL) or exif.get(TAG_DATETIME)),
        camera_make=_clean_text(exif.get(TAG_MAKE)),
        camera_model=_clean_text(exif.get(TAG_MODEL)),
        latitude=_gps_coordinate(gps.get(2), gps.get(1), "S"),
        longitude=_gps_coordinate(gps.get(4), gps.get(3), "W"),
    )


def _exif_datetime(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value.strip().rstrip("\x00")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def _clean_text(value) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    value = value.replace("\x00", "").strip()
    return value or None


def _gps_coordinate(parts, ref, negative_ref: str) -> float | None:
    """EXIF stores degrees, minutes, seconds as rationals, with N/S or E/W in a separate tag."""
    try:
        degrees, minutes, seconds = (float(part) for part in parts)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = degrees + minutes / 60 + seconds / 3600
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    if isinstance(ref, str) and ref.strip().upper() == negative_ref:
        value = -value
    limit = 90 if negative_ref == "S" else 180
    return round(value, 7) if abs(value) <= limit else None
