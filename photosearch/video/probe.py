"""What a video is: `probe` opens it, decodes its first frame (which proves it decodes and says
how it is turned), and reads its container's tags."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import av

from photosearch.imaging.budget import shared_budget
from photosearch.metadata import PhotoMeta
from photosearch.video import tags
from photosearch.video.opening import VideoError, decoding_failure, opened, threaded


@dataclass(frozen=True)
class VideoInfo:
    duration: float | None  # seconds; None where the container does not say (raw streams)
    width: int  # as displayed: the display matrix's rotation applied
    height: int
    rotation: int  # degrees counter-clockwise that turn the stored frames upright
    frame_rate: float | None
    codec: str  # FFmpeg's decoder name: h264, hevc, vp9, av1...
    container: str  # the file's extension, upper case: MP4, MOV, MKV...
    has_audio: bool
    taken_at: datetime | None  # aware: the local zone from QuickTime, else UTC
    meta: PhotoMeta  # as for photos: the upright size, naive date, camera, GPS


def probe(path: Path | str) -> VideoInfo:
    """Raises VideoError for a file that is not a video FFmpeg can decode."""
    path = Path(path)
    with opened(path) as (container, stream):
        budget = shared_budget()
        with budget.reserve(threaded(stream, budget.limit), str(path)):
            rotation, width, height = _first_frame(container, stream)
        context = stream.codec_context
        if rotation % 180 == 90:
            width, height = height, width
        info_tags = {**stream.metadata, **container.metadata}
        when = tags.taken_at(info_tags)
        place = tags.location(info_tags)
        make, model = tags.camera(info_tags)
        kind = path.suffix.lstrip(".").upper() or container.format.name
        return VideoInfo(
            duration=_duration(container, stream),
            width=width,
            height=height,
            rotation=rotation,
            frame_rate=float(stream.average_rate or stream.guessed_rate or 0) or None,
            codec=context.name,
            container=kind,
            has_audio=bool(container.streams.audio),
            taken_at=when,
            meta=PhotoMeta(
                width=width,
                height=height,
                format=kind,
                taken_at=when.replace(tzinfo=None) if when else None,
                camera_make=make,
                camera_model=model,
                latitude=place[0] if place else None,
                longitude=place[1] if place else None,
            ),
        )


def _first_frame(container, stream) -> tuple[int, int, int]:
    """Its rotation (degrees counter-clockwise), width and height as stored."""
    try:
        for frame in container.decode(stream):
            return int(round(frame.rotation)) % 360, frame.width, frame.height
    except (av.FFmpegError, ValueError) as exc:
        raise decoding_failure(exc) from None
    raise VideoError("corrupt", "no frame of the video decodes")


def _duration(container, stream) -> float | None:
    if container.duration:
        return container.duration / av.time_base
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return None
