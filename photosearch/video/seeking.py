"""One frame of a video at a given time, at the size its reader asks for: what the content
passes read of a kept scene (sample's frames are reduced for the model; OCR wants more). The
decoder seeks to the keyframe before the time and decodes from there to the frame, its frames
reserved in the decode budget while the video is open; only the frame asked for is converted."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
from PIL import Image

from photosearch.imaging.budget import shared_budget
from photosearch.video.opening import VideoError, decoding_failure, opened, threaded, upright

# A kept scene's time is rounded to the millisecond: the frame within this of it is that one.
_SAME_TIME = 0.002


@dataclass(frozen=True)
class Still:
    image: Image.Image  # upright RGB, its shortest side at least the side asked (or all of it)
    size: tuple[int, int]  # the upright frame's full width and height


class OpenVideo:
    """A video open to read frames from; `size` is its frames' as stored (before turning)."""

    def __init__(self, container, stream):
        self.container, self.stream = container, stream
        self.size = (stream.codec_context.width or 0, stream.codec_context.height or 0)
        self.start = float((stream.start_time or 0) * stream.time_base)

    def frame_at(self, seconds: float, min_side: int, max_pixels: int = 0) -> Still:
        """The frame shown at `seconds` from the start (the last before it, where none is
        there), reduced to `min_side` on its shortest side and to at most `max_pixels` (0: no
        limit). Raises VideoError "corrupt" when no frame decodes there."""
        if not math.isfinite(seconds) or seconds < 0:
            raise VideoError("corrupt", f"no frame at {seconds} s")
        try:
            frame = self._seek_to(seconds)
        except (av.FFmpegError, ValueError) as exc:
            raise decoding_failure(exc) from None
        if frame is None:
            raise VideoError("corrupt", f"no frame of the video decodes at {seconds:.3f} s")
        rotation = int(round(frame.rotation))
        width, height = _reduced(frame.width, frame.height, min_side, max_pixels)
        image = frame.to_image(width=width, height=height, interpolation="AREA")
        full = (frame.height, frame.width) if rotation % 180 == 90 else (frame.width, frame.height)
        return Still(upright(image, rotation), full)

    def _seek_to(self, seconds: float):
        self.container.seek(int((seconds + self.start) / self.stream.time_base), stream=self.stream)
        found, first = self._decode_to(seconds)
        if first is None or first > seconds + _SAME_TIME:
            # The seek landed past the time (MPEG-TS seeks by bytes): decoded from the start.
            self.container.seek(0, stream=self.stream)
            found, _ = self._decode_to(seconds)
        return found

    def _decode_to(self, seconds: float):
        """The frame at `seconds` (or the last before it), and when the first decoded is."""
        found = first = None
        for frame in self.container.decode(self.stream):
            if frame.pts is None:
                continue
            at = float(frame.pts * self.stream.time_base) - self.start
            first = at if first is None else first
            if at > seconds + _SAME_TIME and found is not None:
                break
            found = frame
            if at >= seconds - _SAME_TIME:
                break
        return found, first


@contextlib.contextmanager
def open_video(path: Path | str) -> Iterator[OpenVideo]:
    """The video open, its decoder's frames held in the decode budget until the block ends.
    Raises VideoError as video.probe does."""
    budget = shared_budget()
    with (
        opened(path) as (container, stream),
        budget.reserve(threaded(stream, budget.limit), str(path)),
    ):
        yield OpenVideo(container, stream)


def _reduced(width: int, height: int, min_side: int, max_pixels: int) -> tuple[int, int]:
    scale = min(1.0, min_side / max(1, min(width, height)))
    if max_pixels and width * height * scale * scale > max_pixels:
        scale = math.sqrt(max_pixels / (width * height))
    return max(1, round(width * scale)), max(1, round(height * scale))
