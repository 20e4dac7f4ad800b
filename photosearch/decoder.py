"""Bytes to an upright RGB image near model resolution, plus the EXIF facts search filters need."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from .scanner import is_raw

register_heif_opener()
# We enforce our own, configurable pixel limit before decoding; Pillow's global one would warn
# or raise with a different threshold.
Image.MAX_IMAGE_PIXELS = None

EXIF_IFD = 0x8769
GPS_IFD = 0x8825
TAG_ORIENTATION = 0x0112
TAG_MAKE = 0x010F
TAG_MODEL = 0x0110
TAG_DATETIME = 0x0132
TAG_DATETIME_ORIGINAL = 0x9003
ROTATED_ORIENTATIONS = {5, 6, 7, 8}


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


@dataclass(frozen=True)
class Decoded:
    image: Image.Image
    meta: PhotoMeta


class DecodeError(Exception):
    """A file that cannot become a photo; `kind` is a short stable code for reports."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


def decode(data: bytes, *, max_pixels: int, min_side: int = 224, name: str = "") -> Decoded:
    """Decode image bytes; JPEGs are decoded at a reduced scale no smaller than min_side.
    A camera RAW file (known by its name's extension) goes through LibRaw."""
    if not data:
        raise DecodeError("empty", "the file is empty (0 bytes)")
    if is_raw(name):
        from .raw import decode_raw

        return decode_raw(data, max_pixels=max_pixels, min_side=min_side)
    try:
        image = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise DecodeError("unsupported", "not an image in any supported format") from None
    except Exception as exc:  # noqa: BLE001 - Pillow plugins raise many types on bad headers
        raise DecodeError("corrupt", f"unreadable image header: {describe(exc)}") from None
    try:
        width, height = image.size
        if width <= 0 or height <= 0:
            raise DecodeError("corrupt", f"invalid dimensions {width}x{height}")
        if width * height > max_pixels:
            raise DecodeError(
                "too_large",
                f"{width}x{height} = {width * height:,} pixels exceeds the limit of "
                f"{max_pixels:,} (max_image_pixels); possibly a decompression bomb",
            )
        meta = metadata(image)
        if image.format == "JPEG":
            image.draft("RGB", (min_side, min_side))
        image.load()
        image = _to_rgb(ImageOps.exif_transpose(image))
    except DecodeError:
        raise
    except MemoryError:
        raise DecodeError("too_large", "not enough memory to decode this image") from None
    except Exception as exc:  # noqa: BLE001 - truncated data surfaces as OSError, SyntaxError, ...
        raise DecodeError("corrupt", f"image data is damaged: {describe(exc)}") from None
    return Decoded(image, meta)


def _to_rgb(image: Image.Image) -> Image.Image:
    """Every mode to 8-bit RGB; transparency is flattened onto white."""
    if image.mode == "RGB":
        return image
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        pixels = np.asarray(image, dtype=np.float32)
        top = 65535.0 if image.mode.startswith("I;16") else max(float(pixels.max()), 1.0)
        scaled = np.clip(pixels / top * 255.0, 0, 255).astype(np.uint8)
        return Image.fromarray(scaled, mode="L").convert("RGB")
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


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


def describe(exc: Exception) -> str:
    """An exception as `Type: message`, for the reasons recorded with failed files."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
