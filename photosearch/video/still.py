"""One frame of a video at a moment, for a picture of it shown later (a scene's thumbnail, a
player's poster) where the index kept none: the decoder seeks to the keyframe before the moment
and decodes forward to it, one frame at a time, its frames reserved in the decode budget as
`sample`'s are; only the frame asked for is converted, at the size asked for."""

from __future__ import annotations

from pathlib import Path

import av
from PIL import Image

from photosearch.imaging.budget import shared_budget
from photosearch.imaging.thumbnails import thumbnail_box
from photosearch.video.opening import decoding_failure, opened, threaded, upright


def still(path: Path | str, seconds: float, size: int) -> Image.Image:
    """The upright RGB frame shown `seconds` into the video (from its start, as `sample`
    counts), its longest side at most `size`; past the end, the last frame. Raises VideoError
    as `probe` does, and "corrupt" when no frame decodes."""
    budget = shared_budget()
    with (
        opened(path) as (container, stream),
        budget.reserve(threaded(stream, budget.limit), str(path)),
    ):
        frame = _frame_at(container, stream, max(0.0, seconds))
        width, height = thumbnail_box(frame.width, frame.height, size)
        image = frame.to_image(width=width, height=height, interpolation="AREA")
        return upright(image, int(round(frame.rotation)))


def _frame_at(container, stream, seconds: float):
    """The first decoded frame at or after `seconds` (within half a frame), else the last."""
    base = stream.time_base
    start = stream.start_time or 0
    target = start + int(seconds / base)
    rate = float(stream.average_rate or 30)
    slack = int(0.5 / rate / base)
    last = None
    try:
        container.seek(target, stream=stream, backward=True, any_frame=False)
        for frame in container.decode(stream):
            if frame.pts is None:
                continue
            last = frame
            if frame.pts + slack >= target:
                return frame
    except av.FFmpegError as exc:
        if last is None:
            raise decoding_failure(exc) from None
    if last is None:
        raise decoding_failure(ValueError("no frame decodes"))
    return last
