"""Which videos a browser plays (web/videos.py: by container, then by the codecs inside, read
from the header), on real files."""

from __future__ import annotations

from photosearch.web.videos import HEVC, playable

from ..videos import Shot, write_video

SHOTS = [Shot("astronaut", 1)]


def test_browsers_play_h264_and_vp9_in_their_containers_hevc_if_they_can_not_avi(tmp_path):
    h264 = write_video(tmp_path / "h264.mov", SHOTS, audio=True)
    vp9 = write_video(tmp_path / "vp9.webm", SHOTS, codec="libvpx-vp9")
    hevc = write_video(
        tmp_path / "hevc.mp4", SHOTS, codec="libx265", options={"x265-params": "log-level=none"}
    )
    avi = write_video(tmp_path / "old.avi", SHOTS, codec="mpeg4")
    assert playable(str(h264), "MOV") is True and playable(str(vp9), "WEBM") is True
    assert not playable(str(avi), "AVI") and not playable(str(h264), "MKV")  # container first
    assert playable(str(hevc), "MP4") == HEVC  # played where the browser says it plays it
    assert not playable(str(hevc), "WEBM")
    (tmp_path / "notes.mp4").write_text("not a video\n")
    assert not playable(str(tmp_path / "notes.mp4"), "MP4")
