"""A photo, its bytes or its file, to an upright RGB image near model resolution, plus the EXIF
facts search filters need.

Memory is bounded by the process's decode budget (budget.py, `decode_memory_mb`): the header
tells the size and mode before any pixel is decoded, `planning.plan` estimates the decode's peak
from them, and the decode waits until that fits beside what else is in flight. An image larger
than the whole budget is decoded at a reduced scale where the format allows (JPEG drafts, HEIC
thumbnails; RAW files are demosaiced at half size), or else refused as `too_large`.

What a decode hands back is no larger than its caller needs: an image of more than
REDUCE_ABOVE_PIXELS is reduced (whole blocks of pixels averaged) to the smallest size whose short
side is still at least `min_side` and long side at least REDUCED_LONG_SIDE, before it is turned
upright and converted. Its own bytes stay reserved until it is garbage collected, or until the
`with` block around the Decoded ends, which a caller that keeps a full-size image for a while
(min_side=1 << 30: the text pass) or decodes another meanwhile should use:

    with decode(data, max_pixels=config.max_image_pixels, min_side=1 << 30) as decoded:
        lines = reader.read(decoded.image)  # its bytes are held in the budget until here
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, UnidentifiedImageError
from pillow_heif import register_heif_opener

from .budget import DecodeBudget, Reservation, shared_budget
from .decoded import Decoded, DecodeError, describe
from .exif import metadata
from .formats import is_raw
from .photo_file import Source, open_source
from .planning import carry_out, draft_scale, estimate_full, keep_for, plan
from .raw import decode_raw, raw_size

register_heif_opener()
# We enforce our own, configurable pixel limit before decoding; Pillow's global one would warn
# or raise with a different threshold.
Image.MAX_IMAGE_PIXELS = None


def decode(
    source: Source,
    *,
    max_pixels: int,
    min_side: int = 224,
    name: str = "",
    budget: DecodeBudget | None = None,
) -> Decoded:
    """Decode an image, its bytes or its file (a path: only what the decode needs is read),
    within the decode budget; JPEGs are decoded at a reduced scale no smaller than min_side, and
    very large images are reduced to what min_side needs. A camera RAW file (known by its name's
    extension) goes through LibRaw."""
    budget = budget or shared_budget()
    with _opened(source) as handle:
        if is_raw(name):  # LibRaw reads the source its own way
            return decode_raw(
                source, max_pixels=max_pixels, min_side=min_side, budget=budget, name=name
            )
        return _decode(handle, max_pixels, min_side, name, budget)


@contextmanager
def _opened(source: Source) -> Iterator[BinaryIO]:
    """The source as an open file, not empty; closed when the decode is done."""
    try:
        handle = open_source(source)
    except OSError as exc:
        raise DecodeError("unreadable", exc.strerror or str(exc)) from None
    with handle:
        if handle.seek(0, io.SEEK_END) == 0:
            raise DecodeError("empty", "the file is empty (0 bytes)")
        handle.seek(0)
        yield handle


def _decode(
    handle: BinaryIO, max_pixels: int, min_side: int, name: str, budget: DecodeBudget
) -> Decoded:
    image = _open(handle)
    _check_pixels(image, max_pixels)
    try:
        # A PNG may have to be decoded to find its EXIF (after the pixels): it is read in
        # the budget below; every other format's EXIF is in the header, read before a draft.
        meta = None if image.format == "PNG" else metadata(image)
        chosen = plan(image, min_side, budget.limit)
    except DecodeError:
        budget.note_refused()
        raise
    except Exception as exc:  # noqa: BLE001 - Pillow plugins raise many types on bad headers
        raise DecodeError("corrupt", f"image data is damaged: {describe(exc)}") from None
    held = budget.reserve(chosen.peak, name)
    try:
        try:
            meta = meta or metadata(image)
            opened, image = [image], None  # carry_out lets go of each stage as it goes
            image = carry_out(opened, chosen)
        except DecodeError:
            raise
        except MemoryError:
            raise DecodeError("too_large", "not enough memory to decode this image") from None
        except Exception as exc:  # noqa: BLE001 - truncated data: OSError, SyntaxError, ...
            raise DecodeError("corrupt", f"image data is damaged: {describe(exc)}") from None
    except BaseException:
        held.release()
        raise
    return Decoded(image, meta, keep_for(held, image))


def _open(handle: BinaryIO) -> Image.Image:
    try:
        return Image.open(handle)
    except UnidentifiedImageError:
        raise DecodeError("unsupported", "not an image in any supported format") from None
    except Exception as exc:  # noqa: BLE001 - Pillow plugins raise many types on bad headers
        raise DecodeError("corrupt", f"unreadable image header: {describe(exc)}") from None


def _check_pixels(image: Image.Image, max_pixels: int) -> None:
    width, height = image.size
    if width <= 0 or height <= 0:
        raise DecodeError("corrupt", f"invalid dimensions {width}x{height}")
    if width * height > max_pixels:
        raise DecodeError(
            "too_large",
            f"{width}x{height} = {width * height:,} pixels exceeds the limit of "
            f"{max_pixels:,} (max_image_pixels); possibly a decompression bomb",
        )


@dataclass(frozen=True, slots=True)
class Header:
    """What a photo's header says before any pixel is decoded: enough to plan a decode (and
    what its readers will need) ahead of it."""

    width: int  # as stored, before the EXIF orientation turns it
    height: int
    format: str  # Pillow's name of it ("JPEG", "PNG", "HEIF", ...), "RAW" for a camera RAW file

    def decoded_size(self, min_side: int) -> tuple[int, int]:
        """The width and height a decode for `min_side` decodes at, before any reduction: a
        JPEG's draft, a RAW file's half-size demosaic, else the whole image."""
        if self.format == "RAW":
            return -(-self.width // 2), -(-self.height // 2)
        scale = draft_scale(self.width, self.height, min_side) if self.format == "JPEG" else 1
        return -(-self.width // scale), -(-self.height // scale)


def read_header(source: Source, name: str = "") -> Header | None:
    """The photo's header (a camera RAW file is known by its name's extension); None when it
    cannot be read (the decode then says why)."""
    if is_raw(name):
        size = raw_size(source)
        return None if size is None else Header(*size, "RAW")
    try:
        with open_source(source) as handle, Image.open(handle) as image:
            width, height = image.size
            if width <= 0 or height <= 0:
                return None
            return Header(width, height, image.format or "")
    except Exception:  # noqa: BLE001 - not readable: the decode reports it properly
        return None


def decoded_size(data: bytes, *, min_side: int, name: str = "") -> tuple[int, int] | None:
    """The width and height a decode for `min_side` decodes at (a JPEG's draft, a RAW file's
    half size), read from the header alone; None when the header cannot be read."""
    header = read_header(data, name)
    return None if header is None else header.decoded_size(min_side)


def reserve_for(
    image: Image.Image, name: str = "", budget: DecodeBudget | None = None
) -> Reservation:
    """Reserve, for a caller that decodes an opened image itself at full size (the audit), what
    that takes; a Reservation to use as a context manager."""
    budget = budget or shared_budget()
    return budget.reserve(min(estimate_full(image), budget.limit), name)
