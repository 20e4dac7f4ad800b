"""A video's codecs from its container's header alone, nothing decoded: what decides whether a
browser can play the file as it is (web/videos.py holds that rule)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from photosearch.video.opening import opened


@dataclass(frozen=True)
class Codecs:
    video: str  # FFmpeg's decoder name of the main picture: h264, hevc, vp9, av1...
    audio: tuple[str, ...]  # of each sound stream: aac, opus, pcm_s16le...


def codecs(path: Path | str) -> Codecs:
    """Raises VideoError as `probe` does."""
    with opened(path) as (container, stream):
        audio = tuple(s.codec_context.name for s in container.streams.audio if s.codec_context)
        return Codecs(stream.codec_context.name, audio)
