"""A video as an index run reads it: its facts (the container's date, place, camera, size and
duration) and its kept scenes (video.sample's rule), each prepared for the model as it is
decoded and saved as a thumbnail under its content key, the first under the video's own
content hash too. One pass over the file, inside the decode budget: only the scenes' reduced
images and the model's pixels are held, never a full-size frame."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..imaging.thumbnails import ThumbnailSaver
from ..metadata import PhotoMeta
from ..store import frame_key
from ..video import probe, sample

if TYPE_CHECKING:
    import torch
    from PIL import Image

# A video may take decode_timeout plus this long per MB to read before it is skipped as stuck:
# a 4K HEVC minute (some 350 MB) samples in about 7 s, a low-bitrate 1080p one (30 MB) in 2 s.
SECONDS_PER_MB = 1.0


@dataclass
class Scenes:
    meta: PhotoMeta  # media "video", with its duration
    seconds: tuple[float, ...]  # where each kept scene is
    pixels: torch.Tensor  # (scenes, 3, h, w): the model's input for each


def read_scenes(
    path: str,
    content_hash: str,
    preprocess: Callable[[Image.Image], torch.Tensor],
    thumbnails: ThumbnailSaver,
) -> Scenes:
    """Raises VideoError (its kind and message as a failure's) for a file that is not a
    video this machine decodes."""
    import torch

    info = probe(path)
    seconds, pixels = [], []
    for frame in sample(path):
        if not seconds:
            thumbnails.save_image(content_hash, frame.image)
        thumbnails.save_image(frame_key(content_hash, frame.seconds), frame.image)
        seconds.append(round(frame.seconds, 3))
        pixels.append(preprocess(frame.image))
    meta = replace(info.meta, media="video", duration=info.duration)
    return Scenes(meta, tuple(seconds), torch.stack(pixels))
