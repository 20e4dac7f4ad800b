"""Camera RAW files through LibRaw (rawpy): the embedded JPEG preview when it is at least as
large as needed, else a half-size demosaic; upright, with EXIF facts like any JPEG."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageOps

from ..metadata import PhotoMeta
from .decoded import Decoded, DecodeError, describe
from .exif import exif_metadata

# LibRaw's `flip` (how the sensor image is turned to be upright) as an EXIF orientation.
FLIP_TO_ORIENTATION = {0: 1, 3: 3, 5: 8, 6: 6}
ORIENTATION_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def decode_raw(data: bytes, *, max_pixels: int, min_side: int) -> Decoded:
    """Decode RAW bytes to an upright RGB image whose short side is at least `min_side`
    (or the whole image when it is smaller). Damaged or unsupported files raise DecodeError."""
    import rawpy

    try:
        raw = rawpy.imread(io.BytesIO(data))
    except rawpy.LibRawFileUnsupportedError:
        raise DecodeError("unsupported", "a RAW file that LibRaw cannot read") from None
    except (rawpy.LibRawError, OSError, ValueError) as exc:
        raise DecodeError("corrupt", f"RAW data is damaged: {describe(exc)}") from None
    with raw:
        sizes = raw.sizes
        width, height = sizes.width, sizes.height
        if width * height > max_pixels:
            raise DecodeError(
                "too_large",
                f"{width}x{height} = {width * height:,} pixels exceeds the limit of "
                f"{max_pixels:,} (max_image_pixels)",
            )
        orientation = FLIP_TO_ORIENTATION.get(sizes.flip, 1)
        meta = _metadata(data, width, height, orientation)
        try:
            image = _preview(raw, meta, min_side, orientation)
            if image is None:
                pixels = raw.postprocess(half_size=True, use_camera_wb=True, output_bps=8)
                image = Image.fromarray(np.ascontiguousarray(pixels), "RGB")  # LibRaw turns it
        except (rawpy.LibRawError, OSError, ValueError) as exc:
            raise DecodeError("corrupt", f"RAW data is damaged: {describe(exc)}") from None
    return Decoded(image, meta)


def _preview(raw, meta: PhotoMeta, min_side: int, orientation: int) -> Image.Image | None:
    """The camera's embedded JPEG, upright, if its short side reaches min_side."""
    import rawpy

    try:
        thumb = raw.extract_thumb()
    except (rawpy.LibRawError, OSError, ValueError):
        return None
    if thumb.format == rawpy.ThumbFormat.JPEG:
        try:
            image = Image.open(io.BytesIO(thumb.data))
            image.draft("RGB", (min_side, min_side))
            image.load()
        except (OSError, ValueError, SyntaxError):
            return None
        if image.getexif().get(0x0112):
            image = ImageOps.exif_transpose(image)  # the preview says how to turn it
        else:
            image = _turned(image, orientation)  # else the RAW does
    elif thumb.format == rawpy.ThumbFormat.BITMAP:
        image = _turned(Image.fromarray(thumb.data, "RGB"), orientation)
    else:
        return None
    image = image.convert("RGB")
    return image if min(image.size) >= min(min_side, meta.width, meta.height) else None


def _turned(image: Image.Image, orientation: int) -> Image.Image:
    method = ORIENTATION_TRANSPOSE.get(orientation)
    return image if method is None else image.transpose(method)


def _metadata(data: bytes, width: int, height: int, orientation: int) -> PhotoMeta:
    """EXIF from the RAW's TIFF structure (most RAW formats are TIFF containers); for the
    others (CR3, RAF, ...) just the size."""
    exif = Image.Exif()
    try:
        exif.load(data)
    except Exception:  # noqa: BLE001 - not a TIFF container: no EXIF, which is fine
        exif = Image.Exif()
    exif[0x0112] = orientation  # LibRaw's reading of the orientation is authoritative
    return exif_metadata(exif, width, height, "RAW")
