"""Opening a video file with PyAV (FFmpeg's libraries, shipped in its wheel): the one place that
turns FFmpeg's many failures into a `VideoError` with a short stable kind, and that knows how
a frame is turned upright."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import av
from PIL import Image

# The containers phones and cameras write: MP4/MOV (and their 3GP, M4V variants), Matroska and
# WebM, AVI, and AVCHD's MPEG transport streams.
# The first bytes of those containers: a file that starts like one but will not open is a damaged
# video (a copy cut short), one that does not is not a video at all (a text file named .mp4).
_MP4_BOXES = (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot")
_EBML = b"\x1a\x45\xdf\xa3"  # Matroska, WebM
_TS_SYNC = 0x47  # MPEG-TS packets (188 bytes; 192 in .m2ts/.mts, the sync byte 4 bytes in)


class VideoError(Exception):
    """A file that cannot be read as a video; `kind` is a short stable code for reports:
    not_video, corrupt, unreadable, empty, unsupported."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


def looks_like_video(head: bytes) -> bool:
    """Whether a file's first bytes are those of a container this reader knows."""
    if head[4:8] in _MP4_BOXES or head.startswith(_EBML):
        return True
    if head.startswith(b"RIFF") and head[8:11] == b"AVI":
        return True
    return _synced(head, 0, 188) or _synced(head, 4, 192)


def _synced(head: bytes, offset: int, stride: int) -> bool:
    """MPEG-TS: a sync byte at the start of three packets in a row."""
    spots = [offset + stride * i for i in range(3)]
    return spots[-1] < len(head) and all(head[spot] == _TS_SYNC for spot in spots)


def _failure(path: Path, exc: Exception) -> VideoError:
    try:
        with open(path, "rb") as file:
            head = file.read(1024)
    except OSError as error:
        return VideoError("unreadable", f"cannot read the file: {error}")
    if not head:
        return VideoError("empty", "the file is empty")
    if looks_like_video(head):
        return VideoError("corrupt", f"the video is damaged or cut short: {exc}")
    return VideoError("not_video", f"not a video file: {exc}")


@contextlib.contextmanager
def opened(path: Path | str):
    """The open container and its main video stream, threaded decoding on; closed on leaving.
    Raises VideoError: a file that is missing, empty, not a video, damaged, or without a video
    stream FFmpeg can decode."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise VideoError("unreadable", f"cannot read the file: {exc}") from None
    if size == 0:
        raise VideoError("empty", "the file is empty")
    try:
        container = av.open(str(path), metadata_errors="replace")
    except (PermissionError, IsADirectoryError) as exc:
        raise VideoError("unreadable", f"cannot read the file: {exc}") from None
    except (av.FFmpegError, OSError, UnicodeDecodeError, ValueError) as exc:
        raise _failure(path, exc) from None
    try:
        yield container, _video_stream(container, path)
    finally:
        container.close()


def _video_stream(container, path: Path):
    # A cover picture in an audio file is a "video" stream of one frame: not a video.
    streams = [
        s for s in container.streams.video if not s.disposition & av.stream.Disposition.attached_pic
    ]
    if not streams:
        if looks_like_video(_head(path)) and not container.streams.audio:
            raise VideoError("corrupt", "the video has no readable video stream")
        raise VideoError("not_video", "the file holds no video stream")
    stream = max(streams, key=_area)  # the main picture, not a thumbnail track
    context = stream.codec_context
    if context is None or not context.codec.is_decoder:
        name = context.name if context is not None else "unknown"
        raise VideoError("unsupported", f"no decoder for the {name} codec")
    stream.codec_context.thread_type = "AUTO"
    return stream


def _area(stream) -> int:
    context = stream.codec_context
    return (context.width or 0) * (context.height or 0) if context is not None else 0


def _head(path: Path) -> bytes:
    with open(path, "rb") as file:
        return file.read(1024)


def decoding_failure(exc: Exception) -> VideoError:
    """A failure met while demuxing or decoding an opened video."""
    return VideoError("corrupt", f"the video is damaged: {exc}")


def upright(image: Image.Image, rotation: int) -> Image.Image:
    """A decoded frame as it is meant to be seen: `rotation` is the container's display matrix
    (degrees counter-clockwise, PyAV's `VideoFrame.rotation`; phones store portrait video as
    landscape with one)."""
    turn = {
        90: Image.Transpose.ROTATE_90,
        180: Image.Transpose.ROTATE_180,
        270: Image.Transpose.ROTATE_270,
    }
    method = turn.get(rotation % 360)
    return image.transpose(method) if method is not None else image


def frame_bytes(stream) -> int:
    """The bytes of one decoded frame (YUV 4:2:0 at 8 bits; twice that at 10 or 12 bits)."""
    context = stream.codec_context
    depth = 2 if any(bits in (context.pix_fmt or "") for bits in ("10", "12")) else 1
    return (context.width or 0) * (context.height or 0) * 3 // 2 * depth


# Decoded frames a decoder holds at once (its references, its output, and more for each frame
# thread): a base and so many a thread, measured at 1080p and 4K (docs/videos.md). HEVC's were
# measured; VP9's and AV1's are taken to be alike.
HELD = {"h264": (10, 1)}
HELD_OTHER = (10, 7)
MAX_THREADS = 4


def held_frames(codec: str, threads: int) -> int:
    base, per_thread = HELD.get(codec, HELD_OTHER)
    return base + per_thread * threads


def threaded(stream, budget_limit: int) -> int:
    """Give the decoder as many threads as there are cores, up to 4, and fewer where the frames
    they would hold take more than half the decode budget (an 8K video); the bytes it holds
    then, to reserve in the budget while it decodes."""
    size, codec = frame_bytes(stream), stream.codec_context.name
    threads = min(os.cpu_count() or 1, MAX_THREADS)
    while threads > 1 and size * held_frames(codec, threads) > budget_limit // 2:
        threads -= 1
    stream.codec_context.thread_count = threads
    return size * held_frames(codec, threads)
