"""Bytes to an upright RGB image near model resolution, plus the EXIF facts search filters need."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from .decoded import Decoded, DecodeError, describe
from .exif import metadata
from .formats import is_raw
from .raw import decode_raw

register_heif_opener()
# We enforce our own, configurable pixel limit before decoding; Pillow's global one would warn
# or raise with a different threshold.
Image.MAX_IMAGE_PIXELS = None


def decode(data: bytes, *, max_pixels: int, min_side: int = 224, name: str = "") -> Decoded:
    """Decode image bytes; JPEGs are decoded at a reduced scale no smaller than min_side.
    A camera RAW file (known by its name's extension) goes through LibRaw."""
    if not data:
        raise DecodeError("empty", "the file is empty (0 bytes)")
    if is_raw(name):
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
