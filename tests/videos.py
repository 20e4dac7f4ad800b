"""Videos for the video tests and benchmark, made at test time with PyAV from scikit-image's
photos: shots that cut from one photo to another, optionally panning across it, with audio,
container tags and a display rotation when asked."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import av
import numpy as np
from PIL import Image
from skimage import data

PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "hubble_deep_field", "immunohistochemistry")


@dataclass(frozen=True)
class Shot:
    photo: str
    seconds: float
    pan: int = 0  # pixels the view moves right over the shot (a slow pan across the photo)


@cache
def fitted(name: str, width: int, height: int) -> np.ndarray:
    """The photo scaled and cropped to cover width × height."""
    return covering(Image.fromarray(getattr(data, name)()), width, height)


def covering(image: Image.Image, width: int, height: int) -> np.ndarray:
    """An image scaled and cropped to cover width × height."""
    image = image.convert("RGB")
    scale = max(width / image.width, height / image.height)
    image = image.resize(
        (max(width, round(image.width * scale)), max(height, round(image.height * scale)))
    )
    left, top = (image.width - width) // 2, (image.height - height) // 2
    return np.asarray(image.crop((left, top, left + width, top + height)))


def view(
    shot: Shot, size: tuple[int, int], fraction: float, pictures: dict | None = None
) -> np.ndarray:
    """What the camera sees `fraction` of the way through a shot, upright; a shot of one of
    `pictures` (name: PIL image) films that picture, the others scikit-image's photo."""
    width, height = size
    if pictures and shot.photo in pictures:
        wide = covering(pictures[shot.photo], width + shot.pan, height)
    else:
        wide = fitted(shot.photo, width + shot.pan, height)
    left = round(shot.pan * fraction)
    return np.ascontiguousarray(wide[:, left : left + width])


def nearest_photo(image: Image.Image, shots: list[Shot]) -> str:
    """Which shot's photo an (upright) frame shows: the closest at the frame's size."""
    pixels = np.asarray(image.convert("RGB"), dtype=np.int16)
    size = image.size

    def distance(shot: Shot) -> float:
        return float(np.abs(pixels - view(Shot(shot.photo, 0), size, 0)).mean())

    return min(shots, key=distance).photo


def cuts(shots: list[Shot]) -> list[float]:
    """When each shot starts, in seconds."""
    return list(np.cumsum([0.0] + [shot.seconds for shot in shots[:-1]]))


def write_video(
    path: Path,
    shots: list[Shot],
    *,
    size: tuple[int, int] = (160, 120),
    fps: int = 10,
    codec: str = "libx264",
    options: dict | None = None,
    audio: bool = False,
    tags: dict | None = None,
    rotation: int = 0,
    container_options: dict | None = None,
    container_format: str | None = None,
    noise: int = 0,
    pictures: dict | None = None,
) -> Path:
    """A video of the shots. `rotation` stores the frames turned clockwise by that many degrees
    with a display matrix that turns them back, as phones store portrait video; `noise` adds
    up to that many levels of sensor noise, which costs a real camera's bitrate to encode;
    `pictures` films pictures of the test's own (see view)."""
    width, height = size
    grain = _grain(noise, (height, width))
    stored = (height, width) if rotation % 180 == 90 else (width, height)
    with av.open(str(path), "w", format=container_format, options=container_options or {}) as out:
        out.metadata.update(tags or {})
        stream = out.add_stream(codec, rate=fps, options=options or {})
        stream.width, stream.height = stored
        stream.pix_fmt = "yuv420p"
        if rotation:
            stream.set_display_rotation(rotation)
        sound = _audio_stream(out) if audio else None
        for shot in shots:
            count = max(1, round(shot.seconds * fps))
            for index in range(count):
                pixels = view(shot, size, index / count, pictures)
                if grain:
                    pixels = np.clip(pixels + grain[index % len(grain)], 0, 255).astype(np.uint8)
                pixels = np.rot90(pixels, k=-(rotation // 90))
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(pixels), format="rgb24")
                out.mux(stream.encode(frame))
        out.mux(stream.encode())
        if sound is not None:
            _write_tone(out, sound, sum(shot.seconds for shot in shots))
    return path


def _grain(noise: int, shape: tuple[int, int]) -> list[np.ndarray]:
    """A few fields of noise, taken in turn frame after frame."""
    if not noise:
        return []
    random = np.random.default_rng(7)
    return [random.integers(-noise, noise + 1, (*shape, 3), dtype=np.int16) for _ in range(7)]


def _audio_stream(out):
    stream = out.add_stream("aac", rate=48000)
    stream.layout = "mono"
    return stream


def _write_tone(out, stream, seconds: float) -> None:
    rate, chunk = 48000, 1024
    total = int(seconds * rate)
    for start in range(0, total, chunk):
        times = np.arange(start, min(total, start + chunk)) / rate
        samples = (0.2 * np.sin(2 * np.pi * 440 * times)).astype(np.float32)[None, :]
        frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
        frame.sample_rate, frame.pts = rate, start
        out.mux(stream.encode(frame))
    out.mux(stream.encode())
