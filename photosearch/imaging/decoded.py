"""What every decoder gives back: an upright RGB image and its facts, or a DecodeError whose
kind is recorded with the file. The image's bytes stay reserved in the decode budget until it is
garbage collected, or until a `with` block around the Decoded ends."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PIL import Image

from ..metadata import PhotoMeta

if TYPE_CHECKING:
    from .budget import Reservation


@dataclass(frozen=True)
class Decoded:
    image: Image.Image
    meta: PhotoMeta
    hold: Reservation | None = field(default=None, repr=False, compare=False)

    def __enter__(self) -> Decoded:
        """Hold the image's bytes in the decode budget, as this thread's, until the block ends."""
        if self.hold is not None:
            self.hold.adopt()
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def release(self) -> None:
        """Give the image's bytes back to the decode budget now (the image is no longer
        counted, so let go of it too)."""
        if self.hold is not None:
            self.hold.release()


class DecodeError(Exception):
    """A file that cannot become a photo; `kind` is a short stable code for reports."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


def describe(exc: Exception) -> str:
    """An exception as `Type: message`, for the reasons recorded with failed files."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
