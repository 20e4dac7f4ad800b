"""`probe` on real videos made with PyAV: what a video is (size upright, codec, audio), its date,
place and camera from the container's tags, the containers and codecs phones and cameras write,
and a clear VideoError for what is not a video."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, timezone

import av
import pytest

from photosearch.video import VideoError, probe, sample
from photosearch.video.opening import MAX_THREADS, held_frames, opened, threaded
from tests.videos import Shot, write_video

SHOTS = [Shot("astronaut", 1.0), Shot("coffee", 1.0)]
APPLE_TAGS = {
    "com.apple.quicktime.creationdate": "2023-05-06T11:11:12+0100",
    "com.apple.quicktime.location.ISO6709": "+38.7139-009.1334+010.000/",
    "com.apple.quicktime.make": "Apple",
    "com.apple.quicktime.model": "iPhone 12",
    "creation_time": "2023-05-06T10:11:12.000000Z",
}
# The keys as QuickTime metadata (an mdta `keys` atom), as iPhones and recent Androids write them.
KEYED = {"movflags": "use_metadata_tags"}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("videos")


def test_an_iphone_video_with_audio_date_place_and_camera(folder):
    path = write_video(
        folder / "IMG_0001.MOV", SHOTS, audio=True, tags=APPLE_TAGS, container_options=KEYED
    )
    info = probe(path)
    assert (info.width, info.height, info.rotation) == (160, 120, 0)
    assert info.duration == pytest.approx(2.0, abs=0.1)
    assert info.frame_rate == 10
    assert (info.codec, info.container, info.has_audio) == ("h264", "MOV", True)
    assert info.taken_at == datetime(2023, 5, 6, 11, 11, 12, tzinfo=timezone(timedelta(hours=1)))
    meta = info.meta
    assert meta.taken_at == datetime(2023, 5, 6, 11, 11, 12)  # local time, as a photo's EXIF
    assert (meta.latitude, meta.longitude) == pytest.approx((38.7139, -9.1334))
    assert (meta.camera_make, meta.camera_model) == ("Apple", "iPhone 12")
    assert (meta.width, meta.height, meta.format) == (160, 120, "MOV")


def test_an_android_video_with_the_xyz_atom(folder):
    tags = {
        "creation_time": "2024-02-03T04:05:06.000000Z",
        "location": "-33.8688+151.2093/",
        "com.android.manufacturer": "Google",
        "com.android.model": "Pixel 8",
    }
    info = probe(write_video(folder / "VID_2024.mp4", SHOTS, tags=tags, container_options=KEYED))
    assert info.taken_at == datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC)
    assert (info.meta.latitude, info.meta.longitude) == pytest.approx((-33.8688, 151.2093))
    assert (info.meta.camera_make, info.meta.camera_model) == ("Google", "Pixel 8")
    assert not info.has_audio


def test_a_video_without_tags_has_no_date_place_or_camera(folder):
    info = probe(write_video(folder / "plain.mp4", SHOTS))
    assert info.taken_at is None
    assert info.meta.taken_at is info.meta.latitude is info.meta.camera_make is None


def test_a_portrait_phone_video_is_upright(folder):
    """Stored landscape with a display matrix, as phones do: its size and frames are upright."""
    shots = [Shot("astronaut", 1.0)]
    info = probe(write_video(folder / "portrait.mp4", shots, size=(96, 160), rotation=90))
    assert (info.width, info.height, info.rotation) == (96, 160, 90)


CONTAINERS = [
    ("h264.mp4", "libx264", None, {}),
    ("h264.mov", "libx264", None, {}),
    ("hevc.mp4", "libx265", None, {"x265-params": "log-level=error"}),
    ("hevc.mov", "libx265", None, {"x265-params": "log-level=error"}),
    ("h264.mkv", "libx264", None, {}),
    ("vp9.webm", "libvpx-vp9", None, {"deadline": "realtime", "cpu-used": "8"}),
    ("mpeg4.avi", "mpeg4", None, {}),
    ("avchd.mts", "libx264", "mpegts", {}),
    ("phone.3gp", "libx264", None, {}),
]
DECODERS = {"libx264": "h264", "libx265": "hevc", "libvpx-vp9": "vp9", "mpeg4": "mpeg4"}


@pytest.mark.parametrize(("name", "codec", "container_format", "options"), CONTAINERS)
def test_containers_and_codecs_phones_and_cameras_write(
    folder, name, codec, container_format, options
):
    path = write_video(
        folder / name, SHOTS, codec=codec, options=options, container_format=container_format
    )
    info = probe(path)
    assert (info.width, info.height, info.codec) == (160, 120, DECODERS[codec])
    assert info.duration == pytest.approx(2.0, abs=0.3)
    assert [frame.image.size for frame in sample(path)][:1] == [(160, 120)]


def test_a_text_file_named_mp4_is_not_a_video(folder):
    path = folder / "notes.mp4"
    path.write_text("shopping list: milk, eggs\n" * 20)
    _assert_fails(path, "not_video")


def test_an_audio_file_named_mp4_is_not_a_video(folder):
    path = folder / "song.mp4"
    write_video(folder / "with_sound.mp4", SHOTS, audio=True)
    with av.open(str(folder / "with_sound.mp4")) as source, av.open(str(path), "w") as out:
        sound = out.add_stream_from_template(source.streams.audio[0])
        for packet in source.demux(source.streams.audio[0]):
            if packet.dts is not None:
                packet.stream = sound
                out.mux(packet)
    _assert_fails(path, "not_video")


def test_empty_missing_and_cut_short(folder):
    (folder / "empty.mp4").write_bytes(b"")
    _assert_fails(folder / "empty.mp4", "empty")
    _assert_fails(folder / "missing.mov", "unreadable")
    whole = write_video(folder / "whole.mp4", SHOTS).read_bytes()  # its index (moov) at the end
    (folder / "cut.mp4").write_bytes(whole[: len(whole) // 2])
    _assert_fails(folder / "cut.mp4", "corrupt")


def _assert_fails(path, kind):
    for read in (probe, lambda p: list(sample(p))):
        with pytest.raises(VideoError) as caught:
            read(path)
        assert caught.value.kind == kind, caught.value.message


def test_fewer_decoder_threads_where_their_frames_would_not_fit_the_budget(folder):
    """An 8K video on a small budget decodes on one thread; what it holds is reserved."""
    path = write_video(folder / "threads.mp4", SHOTS)
    frame = 160 * 120 * 3 // 2
    with opened(path) as (_, stream):
        reserved = threaded(stream, budget_limit=frame * 2 * held_frames("h264", 1))
        assert stream.codec_context.thread_count == 1
        assert reserved == frame * held_frames("h264", 1)
    with opened(path) as (_, stream):
        reserved = threaded(stream, budget_limit=1 << 40)
        threads = stream.codec_context.thread_count
        assert threads == min(os.cpu_count(), MAX_THREADS)
        assert reserved == frame * held_frames("h264", threads)
        assert held_frames("hevc", 2) > held_frames("h264", 2)


def test_a_codec_without_a_decoder_is_unsupported(folder):
    """The H.264 sample entry renamed to a codec FFmpeg does not know."""
    data = write_video(folder / "known.mp4", SHOTS).read_bytes()
    (folder / "unknown.mp4").write_bytes(data.replace(b"avc1", b"zzzz"))
    _assert_fails(folder / "unknown.mp4", "unsupported")
