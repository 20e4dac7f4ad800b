"""JPEG decoding on the GPU for the CUDA indexing path: nvjpeg (through torchvision) decodes
whole batches at full resolution, and orientation, resizing, cropping and normalisation run
there too. The decode scheduler hands it the baseline JPEGs it has room for; what it should not
try (progressive, CMYK) or refuses (damaged data) goes to the CPU decoder, which records the
same errors as ever."""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass

import torch
from PIL import Image, UnidentifiedImageError
from torchvision.transforms import CenterCrop, InterpolationMode, Normalize, Resize

from ..metadata import PhotoMeta
from .exif import TAG_ORIENTATION, metadata

log = logging.getLogger(__name__)
JPEG_MAGIC = b"\xff\xd8\xff"


@dataclass(frozen=True)
class Pending:
    """A JPEG read by a worker, waiting for the GPU: its bytes and what its header said."""

    data: bytes
    meta: PhotoMeta
    orientation: int


@dataclass(frozen=True)
class GpuDecoded:
    pixels: torch.Tensor  # (3, S, S), normalised, on the decoder's device
    thumbnail: torch.Tensor | None  # (3, h, w) uint8, upright, at most the thumbnail size


class GpuJpegDecoder:
    """Batch decoder for one model's preprocessing. `for_model` returns None when that
    preprocessing is not the usual resize-shortest-side, centre-crop, normalise."""

    def __init__(self, size: int, interpolation, mean, std, device: str, thumbnail_size: int):
        self.size = size
        self.interpolation = interpolation
        self.normalize = Normalize(mean, std)
        self.device = device
        self.thumbnail_size = thumbnail_size

    @classmethod
    def for_model(cls, preprocess, device: str, thumbnail_size: int) -> GpuJpegDecoder | None:
        steps = getattr(preprocess, "transforms", [])
        resize = next((s for s in steps if isinstance(s, Resize)), None)
        crop = next((s for s in steps if isinstance(s, CenterCrop)), None)
        normalize = next((s for s in steps if isinstance(s, Normalize)), None)
        if not (resize and crop and normalize) or not isinstance(resize.size, int | list):
            return None
        size = resize.size if isinstance(resize.size, int) else resize.size[0]
        if tuple(crop.size) != (size, size):
            return None
        return cls(
            size, resize.interpolation, normalize.mean, normalize.std, device, thumbnail_size
        )

    @staticmethod
    def accepts(data: bytes) -> bool:
        return data.startswith(JPEG_MAGIC)

    @staticmethod
    def header(data: bytes, max_pixels: int) -> Pending | None:
        """Metadata without decoding; None for a JPEG the GPU should not try (progressive,
        CMYK, odd modes, unreadable headers: the CPU decoder handles and reports those)."""
        try:
            image = Image.open(io.BytesIO(data))
            if image.format != "JPEG" or image.mode not in ("RGB", "L"):
                return None
            if image.info.get("progressive") or image.info.get("progression"):
                return None
            width, height = image.size
            if width * height > max_pixels or width <= 0 or height <= 0:
                return None
            return Pending(data, metadata(image), int(image.getexif().get(TAG_ORIENTATION, 1)))
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            return None

    def decode(self, batch: list[Pending]) -> list[GpuDecoded | None]:
        """Decode a batch; None where nvjpeg refused an image (the caller decodes it on the CPU).
        One bad image makes the batched call fail, so the batch is then retried one by one."""
        if not batch:
            return []
        from torchvision.io import ImageReadMode, decode_jpeg

        with warnings.catch_warnings():  # read-only bytes are fine: the decoder only reads
            warnings.simplefilter("ignore")
            inputs = [torch.frombuffer(item.data, dtype=torch.uint8) for item in batch]
        try:
            images = decode_jpeg(inputs, mode=ImageReadMode.RGB, device=self.device)
        except RuntimeError:
            images = [self._decode_one(data) for data in inputs]
        return [
            None if image is None else self._prepare(image, item)
            for image, item in zip(images, batch, strict=True)
        ]

    def _decode_one(self, data: torch.Tensor) -> torch.Tensor | None:
        from torchvision.io import ImageReadMode, decode_jpeg

        try:
            return decode_jpeg(data, mode=ImageReadMode.RGB, device=self.device)
        except RuntimeError as exc:
            log.info("The GPU JPEG decoder refused an image (%s); decoding it on the CPU", exc)
            return None

    def _prepare(self, image: torch.Tensor, item: Pending) -> GpuDecoded:
        upright = orient(image, item.orientation)
        size = _shortest_side_size(upright.shape[-2:], self.size)
        resized = shrink(upright, size, _MODES.get(self.interpolation, "bicubic"))
        pixels = CenterCrop(self.size)(resized).clamp_(0, 255).div_(255)
        return GpuDecoded(self.normalize(pixels), self._thumbnail(upright, item.meta))

    def _thumbnail(self, upright: torch.Tensor, meta: PhotoMeta) -> torch.Tensor | None:
        if self.thumbnail_size <= 0:
            return None
        from .thumbnails import thumbnail_box

        width, height = thumbnail_box(meta.width, meta.height, self.thumbnail_size)
        if (height, width) == tuple(upright.shape[-2:]):
            return upright
        return shrink(upright, (height, width), "bicubic").clamp_(0, 255).round_().to(torch.uint8)


def shrink(image: torch.Tensor, size: tuple[int, int], mode: str) -> torch.Tensor:
    """Resize a (C, H, W) uint8 image to `size` as float. Far larger images are first averaged
    over whole blocks of pixels down to about twice the size, as a JPEG decoder's reduced
    scales do on the CPU: an antialiased filter spanning a 12 MP photo's 13:1 reduction is
    slow on a GPU (and past some ratio refused)."""
    pixels = image[None].float()
    factor = min(pixels.shape[-2] // (2 * size[0]), pixels.shape[-1] // (2 * size[1]))
    if factor >= 2:
        pixels = torch.nn.functional.avg_pool2d(pixels, factor, ceil_mode=True)
    return torch.nn.functional.interpolate(
        pixels, size=size, mode=mode, antialias=mode != "nearest", align_corners=None
    )[0]


_MODES = {
    InterpolationMode.BICUBIC: "bicubic",
    InterpolationMode.BILINEAR: "bilinear",
    InterpolationMode.NEAREST: "nearest",
}


def orient(image: torch.Tensor, orientation: int) -> torch.Tensor:
    """Apply an EXIF orientation (1-8) to a (C, H, W) tensor, as PIL's exif_transpose does."""
    if orientation == 2:
        return image.flip(-1)
    if orientation == 3:
        return image.flip(-1).flip(-2)
    if orientation == 4:
        return image.flip(-2)
    if orientation == 5:
        return image.transpose(-1, -2)
    if orientation == 6:
        return torch.rot90(image, -1, dims=(-2, -1))
    if orientation == 7:
        return image.transpose(-1, -2).flip(-1).flip(-2)
    if orientation == 8:
        return torch.rot90(image, 1, dims=(-2, -1))
    return image


def _shortest_side_size(shape, size: int) -> tuple[int, int]:
    """torchvision's Resize(int) rule: the shorter side becomes `size`, the other keeps the
    aspect ratio (truncated, as torchvision does)."""
    height, width = int(shape[0]), int(shape[1])
    if width <= height:
        return int(size * height / width), size
    return size, int(size * width / height)
