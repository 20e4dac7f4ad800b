"""What every decoder gives back: an upright RGB image and its facts, or a DecodeError whose
kind is recorded with the file."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from ..metadata import PhotoMeta


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


def describe(exc: Exception) -> str:
    """An exception as `Type: message`, for the reasons recorded with failed files."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
