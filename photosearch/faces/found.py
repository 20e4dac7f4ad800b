"""What a face model finds, and the copy of a photo it finds it on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image


@dataclass(frozen=True, slots=True)
class FoundFace:
    """One face in an upright photo; positions are fractions of its width and height, so they
    hold whatever size the photo was detected at."""

    box: tuple[float, float, float, float]  # left, top, width, height (0..1)
    # 5 points, the model's own: dlib's are the corners of each eye and the base of the nose,
    # buffalo_l's the eyes, the tip of the nose and the corners of the mouth
    landmarks: tuple[tuple[float, float], ...]
    score: float  # the detector's confidence
    descriptor: np.ndarray  # float32, unit length, `dimension` long


def reduced(image: Image.Image, side: int) -> Image.Image:
    """`image` brought down to `side` on its shortest side, its shape kept (as it is when it is
    not larger): a model given a larger photo than the pass's copy takes no longer for it."""
    if min(image.size) <= side:
        return image
    scale = side / min(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
