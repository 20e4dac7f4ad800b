"""The frames of a video worth embedding: one for each thing it shows, by what changes.

The rule, chosen by measurement (docs/videos.md has the figures):

- Candidates are the keyframes, which the decoder reads without the frames between them, one
  every `key_step` seconds (or a little sooner: from 85 % of it, so that keyframes 0.967 s apart,
  29 frames at 30 fps, are decoded one in two, not one in three). Phones write a keyframe every
  second or so (encoders that detect cuts, x264 and x265, also one at each cut): one in two is
  decoded, and where one shows a cut (a difference of `cut` or more), the keyframe passed over
  before it is decoded too, so a cut is placed within one keyframe interval, for two thirds of
  the work of decoding them all.
- Where keyframes are further apart than `sparse_keys` (a 10 s GOP), that stretch is decoded
  whole, its non-reference frames skipped (half the work), and a candidate taken every `step`
  seconds, so a cut or a pan between keyframes is still seen (x264's 10 s keyframes at 1080p:
  14.6 s of CPU a minute).
- Each candidate is compared with the last frame kept as a 16 × 16 colour thumbnail (mean
  absolute difference, 0-255): kept when it differs by `change` or more (a new scene, or a pan
  that has moved on), or when `max_gap` seconds have passed and it is not near-identical (less
  than `same`); never within `min_gap` of the last one. A still video keeps its first frame.
- The cost is bounded: on average `per_minute` frames a minute, and `per_video` in all (a long
  video's rate is lowered to fit), with bursts of cuts allowed up to a quarter of a minute's.

Memory: frames are decoded one at a time; the decoder holds its reference frames and a few
for each of its threads (up to 4, fewer for an 8K video), and the one that looks back at a cut
its own, reserved in the decode budget while they decode; only kept frames are converted, at
`size`."""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
from PIL import Image

from photosearch.imaging.budget import shared_budget
from photosearch.video.opening import (
    decoding_failure,
    frame_bytes,
    held_frames,
    opened,
    threaded,
    upright,
)

THUMB = 16  # the side of the thumbnails compared


@dataclass(frozen=True)
class Frame:
    seconds: float  # from the start of the video
    image: Image.Image  # RGB, upright, its longest side at most Sampling.size


KEY_MARGIN = 0.85  # a keyframe is due from this share of key_step after the last decoded


@dataclass(frozen=True)
class Sampling:
    size: int = 512  # longest side of the frames handed back (the model sees 224, OCR more)
    key_step: float = 2.0  # keyframes closer than 85 % of this (s) to the last decoded: not
    sparse_keys: float = 2.0  # keyframes further apart than this (s): the stretch decoded whole
    step: float = 0.5  # seconds between candidates in a stretch decoded whole
    min_gap: float = 1.0  # at most a frame a second
    max_gap: float = 10.0  # a frame at least this often, unless nothing changed
    change: float = 24.0  # thumbnail difference that makes a candidate a new frame
    same: float = 3.0  # below this, a candidate is the last kept frame again
    cut: float = 48.0  # from this, a cut: the keyframe passed over before it is looked at
    per_minute: int = 20
    per_video: int = 300


def sample(path: Path | str, sampling: Sampling = Sampling()) -> Iterator[Frame]:
    """The frames worth embedding, in order. Raises VideoError as `probe` does, and "corrupt"
    when the video breaks off before any frame (after some, it ends there)."""
    budget = shared_budget()
    with opened(path) as (container, stream):
        # the decoder's threads, and the one-thread decoder that looks back at cuts
        alone = frame_bytes(stream) * held_frames(stream.codec_context.name, 1)
        reserved = budget.reserve(threaded(stream, budget.limit) + alone, str(path))
        with reserved:
            yield from _Sampler(container, stream, sampling).frames()


class _Sampler:
    def __init__(self, container, stream, sampling: Sampling):
        self.container, self.stream, self.rule = container, stream, sampling
        stream.codec_context.skip_frame = "NONREF"
        base = stream.time_base
        self.start = float((stream.start_time or 0) * base)
        self.keys = sorted(float(e.timestamp * base) for e in stream.index_entries if e.is_keyframe)
        duration = container.duration / av.time_base if container.duration else None
        rate = sampling.per_minute / 60
        if duration:
            rate = min(rate, sampling.per_video / duration)
        self.rate, self.burst = rate, max(1.0, sampling.per_minute / 4)
        self.tokens, self.kept = self.burst, 0
        self.kept_at = self.candidate_at = None
        self.filled_at = 0.0
        self.kept_thumb = self.failure = None

    def frames(self) -> Iterator[Frame]:
        for frame in self._decoded():
            kept = self._consider(frame)
            if kept is not None:
                yield kept
                if self.kept >= self.rule.per_video:
                    return
        if self.kept == 0 and self.failure is not None:
            raise decoding_failure(self.failure)  # a video cut short keeps what it had

    def _decoded(self):
        """The frames to consider: keyframes, and every reference frame of a stretch between
        keyframes far apart. A packet that does not decode is passed over; reading stops at
        damage the demuxer cannot pass. (With frame threads, the few frames in flight when a
        damaged packet is met are lost with it.)"""
        self.whole, self.last_key, self.key_decoded = True, None, None
        self.passed_over = deque(maxlen=4)  # the last keyframes not decoded, for `_sooner`
        try:
            for packet in self.container.demux(self.stream):
                if packet.is_keyframe and packet.dts is not None:
                    at = float(packet.dts * self.stream.time_base)
                    self.whole = self._sparse_after(at)
                    if not self.whole and not self._due(at):
                        if packet.pts is not None:
                            self.passed_over.append(packet)
                        continue  # a keyframe sooner than key_step after the last decoded
                elif not self.whole and packet.size:
                    continue  # between close keyframes: not decoded
                yield from self._decode(packet)  # the last, empty, flushes the decoder
        except av.FFmpegError as exc:
            self.failure = exc
            yield from self._decode(None)

    def _due(self, key: float) -> bool:
        soon = KEY_MARGIN * self.rule.key_step
        if self.key_decoded is not None and key - self.key_decoded < soon:
            return False
        self.key_decoded = key
        return True

    def _decode(self, packet):
        try:
            yield from self.stream.codec_context.decode(packet)
        except av.FFmpegError as exc:
            self.failure = exc

    def _sparse_after(self, key: float) -> bool:
        """Whether the keyframe at `key` (its decoding time, as the index has it) is followed by
        a long stretch without one: by the container's index where it lists the next (MP4, MOV,
        AVI), else by the stretch before it (Matroska's cues list few, MPEG-TS has no index)."""
        after = bisect.bisect_right(self.keys, key + 1e-6)
        last, self.last_key = self.last_key, key
        if after < len(self.keys):
            return self.keys[after] - key > self.rule.sparse_keys
        return last is None or key - last > self.rule.sparse_keys

    def _consider(self, frame) -> Frame | None:
        if frame.pts is None:
            return None
        seconds = self._seconds(frame.pts)
        rule = self.rule
        if self.whole and self.candidate_at is not None and seconds - self.candidate_at < rule.step:
            return None
        self.candidate_at, self.rotation = seconds, int(round(frame.rotation))
        thumb = _thumb(frame)
        self.tokens = min(self.burst, self.tokens + (seconds - self.filled_at) * self.rate)
        self.filled_at = seconds
        if self.kept_at is not None:
            if not self._worth(seconds, self._difference(thumb)):
                return None
            if self._difference(thumb) >= rule.cut:
                frame, seconds, thumb = self._sooner(frame, seconds, thumb)
        self.tokens -= 1
        self.kept_at, self.kept_thumb, self.kept = seconds, thumb, self.kept + 1
        width, height = _reduced(frame.width, frame.height, rule.size)
        image = frame.to_image(width=width, height=height, interpolation="AREA")
        return Frame(seconds, upright(image, self.rotation))

    def _sooner(self, frame, seconds: float, thumb):
        """A new scene at a decoded keyframe: the last keyframe passed over before it (key_step)
        is decoded on its own and kept instead where it shows the new scene already, so that a
        cut is placed within one keyframe interval, not two, for one more decode a cut."""
        times = [(self._seconds(packet.pts), packet) for packet in self.passed_over]
        earlier = [(at, p) for at, p in times if self.kept_at + self.rule.min_gap <= at < seconds]
        if not earlier:
            return frame, seconds, thumb
        at, packet = earlier[-1]
        alone = _decode_alone(self.stream, packet)
        if alone is None:
            return frame, seconds, thumb
        alone_thumb = _thumb(alone)
        if self._difference(alone_thumb) < self.rule.change:
            return frame, seconds, thumb
        return alone, at, alone_thumb

    def _difference(self, thumb) -> float:
        return float(np.abs(thumb - self.kept_thumb).mean())

    def _seconds(self, pts: int) -> float:
        return max(0.0, float(pts * self.stream.time_base) - self.start)

    def _worth(self, seconds: float, difference: float) -> bool:
        gap = seconds - self.kept_at
        if gap < self.rule.min_gap or self.tokens < 1:
            return False
        return difference >= self.rule.change or (
            gap >= self.rule.max_gap and difference >= self.rule.same
        )


def _thumb(frame) -> np.ndarray:
    pixels = frame.to_ndarray(width=THUMB, height=THUMB, format="rgb24", interpolation="AREA")
    return pixels.astype(np.int16)


def _decode_alone(stream, packet):
    """A keyframe decoded by a decoder of its own, at once (the main one has frames in flight
    on its threads); None if it does not decode."""
    context = av.CodecContext.create(stream.codec_context.name, "r")
    context.extradata = stream.codec_context.extradata
    try:
        frames = [*context.decode(packet), *context.decode(None)]
    except av.FFmpegError:
        return None
    return frames[0] if frames else None


def _reduced(width: int, height: int, size: int) -> tuple[int, int]:
    scale = min(1.0, size / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))
