"""Camera RAW files through LibRaw (rawpy): the embedded JPEG preview when it is at least as
large as needed, else a half-size demosaic; upright, with EXIF facts like any JPEG. Both draw on
the decode budget: the preview as any JPEG does, the demosaic with LibRaw's buffers (the sensor
data, its half-size working image and the 8-bit output) counted."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from ..metadata import PhotoMeta
from .budget import MB, DecodeBudget, shared_budget
from .decoded import Decoded, DecodeError, describe
from .exif import exif_metadata
from .photo_file import Source
from .planning import ORIENTATION_TRANSPOSE, carry_out, keep_for, plan, reduce_factor

# LibRaw's `flip` (how the sensor image is turned to be upright) as an EXIF orientation.
FLIP_TO_ORIENTATION = {0: 1, 3: 3, 5: 8, 6: 6}
# Bytes per sensor pixel of a half-size demosaic: the unpacked sensor data (16 bits), LibRaw's
# working image (four 16-bit channels at half size: 2), its 8-bit RGB output (0.75) and that
# output as a Pillow image (1); measured by benchmarks/decoding.py.
DEMOSAIC_BYTES_PER_PIXEL = 6
# A RAW file too large to be held (photo_file) gives its EXIF from this much of its start: the
# TIFF structure's first directories are there.
EXIF_HEAD = 4 * MB


def raw_size(source: Source) -> tuple[int, int] | None:
    """The sensor image's width and height from the header, without unpacking it."""
    import rawpy

    try:
        with rawpy.imread(io.BytesIO(source) if isinstance(source, bytes) else source) as raw:
            return raw.sizes.width, raw.sizes.height
    except (rawpy.LibRawError, OSError, ValueError):
        return None


def decode_raw(
    source: Source,
    *,
    max_pixels: int,
    min_side: int,
    budget: DecodeBudget | None = None,
    name: str = "",
) -> Decoded:
    """Decode a RAW file (its bytes, or its path: LibRaw then reads what it needs) to an
    upright RGB image whose short side is at least `min_side` (or the whole image when it is
    smaller). Damaged or unsupported files raise DecodeError."""
    import rawpy

    budget = budget or shared_budget()
    try:
        # the header only: unpacking waits for the budget
        raw = rawpy.imread(source if isinstance(source, str) else io.BytesIO(source))
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
        meta = _metadata(_head(source), width, height, orientation)
        need = demosaic_bytes(sizes)
        fits = need <= budget.limit  # if not, any preview is better than none
        try:
            preview = _preview(raw, meta, min_side, orientation, budget, name, any_size=not fits)
            if preview is not None:
                return preview
            if not fits:
                budget.note_refused()
                raise DecodeError(
                    "too_large",
                    f"{width}x{height} (RAW) needs about {-(-need // MB)} MB to demosaic at "
                    f"half size, more than the whole decode budget of {budget.limit // MB} MB "
                    "(decode_memory_mb), and has no embedded preview",
                )
            return Decoded(*_demosaic(raw, meta, min_side, budget, name, need))
        except (rawpy.LibRawError, OSError, ValueError) as exc:
            raise DecodeError("corrupt", f"RAW data is damaged: {describe(exc)}") from None


def demosaic_bytes(sizes) -> int:
    """The peak of a half-size demosaic of a sensor of these (rawpy) sizes."""
    pixels = max(sizes.raw_width * sizes.raw_height, sizes.width * sizes.height)
    return pixels * DEMOSAIC_BYTES_PER_PIXEL + MB


def _demosaic(raw, meta: PhotoMeta, min_side: int, budget: DecodeBudget, name: str, need: int):
    """A half-size demosaic (LibRaw turns it upright), reduced if larger than needed."""
    held = budget.reserve(need, name)
    try:
        pixels = raw.postprocess(half_size=True, use_camera_wb=True, output_bps=8)
        image = Image.fromarray(np.ascontiguousarray(pixels), "RGB")
        del pixels
        factor = reduce_factor(image.width, image.height, min_side)
        if factor > 1:
            image = image.reduce(factor)
    except BaseException:
        held.release()
        raise
    return image, meta, keep_for(held, image)


def _preview(
    raw,
    meta: PhotoMeta,
    min_side: int,
    orientation: int,
    budget: DecodeBudget | None = None,
    name: str = "",
    any_size: bool = False,
) -> Decoded | None:
    """The camera's embedded JPEG, upright, if its short side reaches min_side (any_size: if
    there is one)."""
    import rawpy

    budget = budget or shared_budget()

    try:
        thumb = raw.extract_thumb()
    except (rawpy.LibRawError, OSError, ValueError):
        return None
    if thumb.format == rawpy.ThumbFormat.JPEG:
        decoded = _preview_jpeg(thumb.data, min_side, orientation, budget, name)
        if decoded is None:
            return None
        image, held = decoded
    elif thumb.format == rawpy.ThumbFormat.BITMAP:
        image, held = _turned(Image.fromarray(thumb.data, "RGB"), orientation), None
    else:
        return None
    if not any_size and min(image.size) < min(min_side, meta.width, meta.height):
        if held is not None:
            held.release()
        return None
    return Decoded(image, meta, None if held is None else keep_for(held, image))


def _preview_jpeg(data: bytes, min_side: int, orientation: int, budget: DecodeBudget, name: str):
    """The preview decoded as any JPEG is, within the budget; its own EXIF orientation, if it
    has one, says how to turn it, else the RAW's does. None when it cannot be decoded."""
    try:
        image = Image.open(io.BytesIO(data))
        chosen = plan(image, min_side, budget.limit)
        own = image.getexif().get(0x0112)
    except (OSError, ValueError, SyntaxError, DecodeError):
        return None
    held = budget.reserve(chosen.peak, name)
    try:
        opened, image = [image], None
        return carry_out(opened, chosen, own or orientation), held
    except (OSError, ValueError, SyntaxError):
        held.release()
        return None
    except BaseException:
        held.release()
        raise


def _turned(image: Image.Image, orientation: int) -> Image.Image:
    method = ORIENTATION_TRANSPOSE.get(orientation)
    return image if method is None else image.transpose(method)


def _head(source: Source) -> bytes:
    """The bytes EXIF is read from: all of them when held, else the file's first EXIF_HEAD."""
    if isinstance(source, bytes):
        return source
    try:
        with open(source, "rb") as handle:
            return handle.read(EXIF_HEAD)
    except OSError:  # gone since LibRaw opened it: the decode says so
        return b""


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
