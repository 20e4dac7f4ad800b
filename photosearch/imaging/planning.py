"""Planning a decode within the decode budget, from the header alone, and carrying it out.

`plan` estimates a decode's peak: the pixels at the size they are decoded at, the decoder's own
buffers, and the copies that orientation and conversion to RGB make (calibrated against peak RSS
by benchmarks/decoding.py). An image whose estimate exceeds the whole budget is planned at a
reduced scale where the format has one (a JPEG's 1/2, 1/4 or 1/8 draft, a HEIC's embedded
thumbnail), and otherwise refused as `too_large`. `carry_out` loads as planned, reduces what is
larger than its caller needs, turns it upright and converts it to RGB, letting go of each stage
as it makes the next, so that the peak is the one planned."""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
from PIL import Image

from .budget import MB, Reservation
from .decoded import DecodeError
from .exif import TAG_ORIENTATION

ORIENTATION_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

# Larger decodes are reduced before they are handed back. Below it (every ordinary photo, and
# every JPEG, which the draft already brings near min_side) images come back as decoded.
REDUCE_ABOVE_PIXELS = 16_000_000
# A reduced image keeps at least this long side: the index saves its 320 px thumbnail from the
# decode it makes for the model.
REDUCED_LONG_SIDE = 320
DRAFT_SCALES = (1, 2, 4, 8)  # what libjpeg can decode at
_ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "La", "RGBa"})
_NUMERIC_MODES = frozenset({"I", "F"})
# Modes Image.reduce takes; the others are converted first (cheap ones stay cheap: 1 becomes L).
_REDUCIBLE = frozenset({"L", "I", "F", "RGB", "RGBA", "RGBX", "LA", "La", "RGBa", "CMYK", "YCbCr"})


def bytes_per_pixel(mode: str) -> int:
    """How Pillow stores a mode: one byte, two (16-bit gray), or four (every other mode, RGB
    included: it is stored as RGBX)."""
    if mode in ("1", "L", "P"):
        return 1
    return 2 if mode.startswith("I;16") else 4


def _is_sixteen_bit(mode: str) -> bool:
    return mode.startswith("I;16")


def _has_alpha(mode: str, info: dict) -> bool:
    return mode in _ALPHA_MODES or (mode == "P" and "transparency" in info)


def _rgb_extra(mode: str, info: dict) -> int:
    """Bytes per pixel that to_rgb needs beside its input, at the size it runs at."""
    if mode == "RGB":
        return 0
    if _is_sixteen_bit(mode):
        return 6  # float32 pixels, then 8-bit gray, then RGB
    if mode in _NUMERIC_MODES:
        return 10
    if _has_alpha(mode, info):
        return 12  # as RGBA, a white background, their composite, then RGB
    return 4


def _reduce_mode(mode: str, info: dict) -> str:
    """The mode an image is converted to before Image.reduce (its own, if reduce takes it)."""
    if mode in _REDUCIBLE:
        return mode
    if mode == "1":
        return "L"
    if _is_sixteen_bit(mode):
        return "I"
    return "RGBA" if _has_alpha(mode, info) else "RGB"


@dataclass(frozen=True)
class Plan:
    """How an image is decoded: at which JPEG draft scale (or from a HEIC thumbnail), the size
    that load() produces, the reduce factor applied after it, and the estimated peak bytes."""

    scale: int  # JPEG draft scale (1: none)
    size: tuple[int, int]  # as loaded
    factor: int  # Image.reduce factor after loading (1: none)
    peak: int  # bytes, estimated


def plan(image: Image.Image, min_side: int, limit: int | None = None) -> Plan:
    """The decode of an opened (not loaded) image for a caller that needs `min_side`, made to fit
    `limit` bytes if that is possible. Raises DecodeError("too_large") when it is not. May switch
    a HEIC to its embedded thumbnail (image.draft), so call it only before loading."""
    width, height = image.size
    scale = draft_scale(width, height, min_side) if image.format == "JPEG" else 1
    best = _estimate(image, scale, image.size, min_side)
    if limit is None or best.peak <= limit:
        return best
    if image.format in ("JPEG", "MPO"):
        for larger in DRAFT_SCALES:
            if larger > scale:
                best = _estimate(image, larger, image.size, min_side)
                if best.peak <= limit:
                    return best
    elif image.format == "HEIF" and (
        image.draft(None, (min_side, min_side)) or image.draft(None, (1, 1))
    ):
        best = _estimate(image, 1, image.size, min_side)  # the thumbnail's size, now
        if best.peak <= limit:
            return best
    reduced = " even at its smallest scale" if best.size != (width, height) else ""
    raise DecodeError(
        "too_large",
        f"{width}x{height} ({image.format or 'image'}) needs about {-(-best.peak // MB)} MB "
        f"to decode{reduced}, more than the whole decode budget of {limit // MB} MB "
        "(decode_memory_mb)",
    )


def draft_scale(width: int, height: int, min_side: int) -> int:
    """The scale Image.draft picks for (min_side, min_side): the largest that keeps both sides
    at least min_side."""
    fits = min(width // max(1, min_side), height // max(1, min_side))
    return max((scale for scale in DRAFT_SCALES if scale <= fits), default=1)


def _estimate(image: Image.Image, scale: int, size: tuple[int, int], min_side: int) -> Plan:
    full = size[0] * size[1]
    width, height = -(-size[0] // scale), -(-size[1] // scale)
    pixels = width * height
    mode, info = image.mode, image.info
    loaded = pixels * bytes_per_pixel(mode)
    during = loaded + _codec_buffers(image, pixels, full)
    factor = reduce_factor(width, height, min_side)
    if factor > 1:
        prepared = _reduce_mode(mode, info)
        converted = pixels * bytes_per_pixel(prepared) if prepared != mode else 0
        # Image.reduce averages RGBA and LA with their alpha premultiplied: one more copy
        premultiplied = pixels * 4 if prepared in ("RGBA", "LA") else 0
        small = -(-width // factor) * -(-height // factor)
        # converted for reduce beside the loaded; then the small one, turned and converted
        after = max(loaded + converted, (converted or loaded) + premultiplied + small * 16)
    else:
        # turned (a copy), then converted to RGB, each beside the image before it
        turned = bytes_per_pixel(mode) if _may_turn(image) else 0
        after = loaded + pixels * max(turned, _rgb_extra(mode, info))
    return Plan(scale, (width, height), factor, max(during, after) + MB)


def _may_turn(image: Image.Image) -> bool:
    """Whether an EXIF orientation may turn the image. A PNG's EXIF may follow its pixels
    (reading it would decode them): unless its header had it, it may."""
    if image.format == "PNG" and "exif" not in image.info:
        return True
    return image.getexif().get(TAG_ORIENTATION, 1) in ORIENTATION_TRANSPOSE


def _codec_buffers(image: Image.Image, pixels: int, full: int) -> int:
    """Bytes a format's decoder holds beside the image while it decodes (measured by
    benchmarks/decoding.py)."""
    if image.format in ("JPEG", "MPO") and image.info.get("progressive"):
        return _coefficient_bytes(image, full)
    if image.format == "TIFF":
        return pixels * bytes_per_pixel(image.mode)  # a strip or tile may span the image
    if image.format == "WEBP":
        return pixels * 13  # libwebp's canvas and previous frame, and the bytes Pillow copies
    if image.format == "HEIF":
        return pixels * 4  # libheif's own output, copied into the image
    return 0


def _coefficient_bytes(image: Image.Image, full: int) -> int:
    """A progressive JPEG keeps every DCT coefficient (2 bytes) until its last scan, at full
    size whatever the draft scale: each component's share follows its sampling (4:2:0 colour
    holds a quarter of the luma's)."""
    layers = getattr(image, "layer", None) or [("", 1, 1, 0)] * len(image.getbands())
    most = max(h * v for _, h, v, _ in layers) or 1
    share = sum(h * v for _, h, v, _ in layers) / most
    return int(full * share * 2 * 1.05)  # and whole 8x8 blocks


def estimate_full(image: Image.Image) -> int:
    """The peak of decoding an opened image at full size and converting it to RGB."""
    return _estimate(image, 1, image.size, 1 << 30).peak


def reduce_factor(width: int, height: int, min_side: int) -> int:
    """The Image.reduce factor for a decode of width x height that needs min_side: 1 (none)
    up to REDUCE_ABOVE_PIXELS."""
    if width * height <= REDUCE_ABOVE_PIXELS:
        return 1
    short, long = min(width, height), max(width, height)
    return max(1, min(short // max(1, min_side), long // REDUCED_LONG_SIDE))


def keep_for(held: Reservation, image: Image.Image) -> Reservation:
    """Keep reserved only the bytes of the image handed back, until it is collected."""
    held.shrink(image.width * image.height * bytes_per_pixel(image.mode))
    held.keep()
    weakref.finalize(image, held.release)
    return held


def carry_out(
    opened: list[Image.Image], chosen: Plan, orientation: int | None = None
) -> Image.Image:
    """Load as planned, reduce, turn upright, convert to RGB. The opened image is taken out of
    its list, so that each step lets go of the image before it and the peak is the one `plan`
    estimated. `orientation`: the EXIF orientation to apply (default: the image's own)."""
    image = opened.pop()
    if chosen.scale > 1:
        width, height = image.size
        image.draft("RGB", (max(1, width // chosen.scale), max(1, height // chosen.scale)))
    image.load()
    if orientation is None:
        orientation = image.getexif().get(TAG_ORIENTATION, 1)
    method = ORIENTATION_TRANSPOSE.get(orientation)
    top = 65535.0 if _is_sixteen_bit(image.mode) else None
    if chosen.factor > 1:
        prepared = _reduce_mode(image.mode, image.info)
        if prepared != image.mode:
            image = image.convert(prepared)
        image = image.reduce(chosen.factor)
    if method is not None:
        image = image.transpose(method)
    return to_rgb(image, top)


def to_rgb(image: Image.Image, top: float | None = None) -> Image.Image:
    """Every mode to 8-bit RGB; transparency is flattened onto white. `top`: the value that
    becomes white in a 16- or 32-bit image (16-bit: 65535; else its brightest pixel)."""
    if image.mode == "RGB":
        return image
    if _is_sixteen_bit(image.mode) or image.mode in _NUMERIC_MODES:
        if top is None:
            top = 65535.0 if _is_sixteen_bit(image.mode) else None
        pixels = np.array(image, dtype=np.float32)  # a writable copy, even of an F image
        top = top or max(float(pixels.max()), 1.0)
        np.divide(pixels, top, out=pixels)  # as pixels / top * 255, without the copies
        np.multiply(pixels, 255.0, out=pixels)
        np.clip(pixels, 0, 255, out=pixels)
        scaled = pixels.astype(np.uint8)
        del pixels
        return Image.fromarray(scaled, mode="L").convert("RGB")
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in _ALPHA_MODES:
        rgba = image if image.mode == "RGBA" else image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        flat = Image.alpha_composite(background, rgba)
        del background, rgba
        return flat.convert("RGB")
    return image.convert("RGB")
