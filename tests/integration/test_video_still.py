"""One frame of a video at a moment (video/still.py), as the web shows a scene the index kept
no picture of, and the rule of which videos a browser plays (web/videos.py), on real files."""

from __future__ import annotations

import pytest

from photosearch.video import VideoError
from photosearch.video.still import still
from photosearch.web.videos import HEVC, playable

from ..videos import Shot, nearest_photo, write_video

SHOTS = [Shot("astronaut", 2), Shot("coffee", 2), Shot("chelsea", 2)]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("stills")


def test_the_frame_at_a_moment_is_that_shot_upright(folder):
    video = write_video(folder / "shots.mp4", SHOTS, options={"g": "30"})  # keyframes 3 s apart
    shown = [nearest_photo(still(video, at, 320), SHOTS) for at in (0, 1.9, 2.5, 4.0, 5.9, 60)]
    assert shown == ["astronaut", "astronaut", "coffee", "chelsea", "chelsea", "chelsea"]
    turned = write_video(folder / "turned.mp4", SHOTS, rotation=90)
    frame = still(turned, 2.5, 64)
    assert frame.size == (64, 48) and nearest_photo(frame, SHOTS) == "coffee"


def test_a_file_that_is_not_a_video_is_a_video_error(folder):
    (folder / "notes.mp4").write_text("not a video\n")
    with pytest.raises(VideoError) as failed:
        still(folder / "notes.mp4", 0, 320)
    assert failed.value.kind == "not_video"
    assert not playable(str(folder / "notes.mp4"), "MP4")


def test_browsers_play_h264_and_vp9_in_their_containers_hevc_if_they_can_not_avi(folder):
    h264 = write_video(folder / "h264.mov", SHOTS[:1], audio=True)
    vp9 = write_video(folder / "vp9.webm", SHOTS[:1], codec="libvpx-vp9")
    hevc = write_video(
        folder / "hevc.mp4", SHOTS[:1], codec="libx265", options={"x265-params": "log-level=none"}
    )
    avi = write_video(folder / "old.avi", SHOTS[:1], codec="mpeg4")
    assert playable(str(h264), "MOV") is True and playable(str(vp9), "WEBM") is True
    assert not playable(str(avi), "AVI") and not playable(str(h264), "MKV")  # container first
    assert playable(str(hevc), "MP4") == HEVC  # played where the browser says it plays it
    assert not playable(str(hevc), "WEBM")
