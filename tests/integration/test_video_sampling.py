"""`sample` on real videos made with PyAV: each scene of a video that cuts from photo to photo
is kept, soon after its cut, whether keyframes are close (phones) or far apart; a pan keeps
frames as it moves on, a still video keeps one; the caps hold; frames come out upright; a video
cut short gives the frames before the break."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from photosearch.imaging.budget import shared_budget
from photosearch.video import Sampling, sample
from tests.videos import PHOTOS, Shot, cuts, nearest_photo, view, write_video

# Cuts at 2.5 s and 5 s: between keyframes, so no encoder's keyframe marks them.
SCENES = [Shot("astronaut", 2.5), Shot("coffee", 2.5), Shot("chelsea", 2.5)]
PHONE_GOP = {"x264-params": "keyint=10:min-keyint=10:scenecut=0"}  # a keyframe a second, as phones
LONG_GOP = {"x264-params": "keyint=100:min-keyint=100:scenecut=0"}  # one keyframe in 10 s
NEAR_SECOND_GOP = {"x264-params": "keyint=9:min-keyint=9:scenecut=0"}  # one in 0.9 s


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("sampled")


def _scenes_kept(path, shots, sampling=None):
    frames = list(sample(path, sampling or Sampling()))
    return frames, [(frame.seconds, nearest_photo(frame.image, shots)) for frame in frames]


@pytest.mark.parametrize(
    ("name", "codec", "options", "container_format"),
    [
        ("phone.mp4", "libx264", PHONE_GOP, None),
        ("long_gop.mp4", "libx264", LONG_GOP, None),
        ("hevc.mov", "libx265", {"x265-params": "log-level=error:keyint=10:scenecut=0"}, None),
        ("phone.mkv", "libx264", PHONE_GOP, None),  # keyframes not indexed: learnt while reading
        (
            "long_gop.webm",
            "libvpx-vp9",
            {"g": "100", "deadline": "realtime", "cpu-used": "8"},
            None,
        ),
        ("camera.mts", "libx264", PHONE_GOP, "mpegts"),  # no index at all
    ],
)
def test_each_scene_is_kept_within_a_second_of_its_cut(
    folder, name, codec, options, container_format
):
    path = write_video(
        folder / name, SCENES, codec=codec, options=options, container_format=container_format
    )
    frames, kept = _scenes_kept(path, SCENES)
    for start, shot in zip(cuts(SCENES), SCENES, strict=True):
        first = min(seconds for seconds, photo in kept if photo == shot.photo)
        assert start <= first <= start + 1.0, (shot.photo, kept)
    assert len(frames) == len({photo for _, photo in kept})  # one frame a still scene
    assert all(frame.image.mode == "RGB" for frame in frames)


def test_keyframes_closer_than_key_step_are_passed_over_until_a_cut(folder):
    """A keyframe a second, decoded one in two (the default); at a new scene, the keyframe
    passed over before it is decoded too: the cuts at 2.5 and 5 s are placed at 3 and 5 s, not
    at 4 and 6. Every keyframe decoded finds the same."""
    path = write_video(folder / "every_other.mp4", SCENES, options=PHONE_GOP)
    for sampling in (Sampling(), Sampling(key_step=1.0)):
        kept = [
            (frame.seconds, nearest_photo(frame.image, SCENES)) for frame in sample(path, sampling)
        ]
        assert kept == [(0.0, "astronaut"), (3.0, "coffee"), (5.0, "chelsea")]


def test_keyframes_a_little_under_a_second_apart_are_decoded_one_in_two(folder):
    """Keyframes 0.9 s apart and a new photo every 1.8 s: decoded one in two (from 85 % of
    key_step), each shot is kept at its cut. Decoded one in three (at 2.7, 5.4 s), the look
    back at a cut would take the shot before and pass over the fourth."""
    shots = [Shot(photo, 1.8) for photo in PHOTOS[:5]]
    path = write_video(folder / "keys_0.9s.mp4", shots, options=NEAR_SECOND_GOP)
    kept = [(frame.seconds, nearest_photo(frame.image, shots)) for frame in sample(path)]
    starts = [round(start, 1) for start in cuts(shots)]
    assert [(round(seconds, 1), photo) for seconds, photo in kept] == list(
        zip(starts, PHOTOS[:5], strict=True)
    )


def test_frames_are_reduced_to_the_size_asked(folder):
    path = write_video(folder / "big.mp4", SCENES[:1], size=(640, 360))
    [frame] = sample(path, Sampling(size=200))
    assert frame.image.size == (200, 112)


def test_a_slow_pan_keeps_frames_as_it_moves_on(folder):
    pan = [Shot("chelsea", 6.0, pan=120)]  # an eighth of the view a second
    frames = list(sample(write_video(folder / "pan.mp4", pan, options=PHONE_GOP)))
    assert 2 <= len(frames) <= 6
    times = [frame.seconds for frame in frames]
    assert all(
        later - earlier >= Sampling().min_gap
        for earlier, later in zip(times, times[1:], strict=False)
    )
    # each kept frame is what the camera saw then, and they differ from one another
    for frame in frames:
        seen = view(pan[0], (160, 120), frame.seconds / 6.0)
        assert np.abs(np.asarray(frame.image, dtype=np.int16) - seen).mean() < 12
    thumbs = [np.asarray(frame.image.resize((16, 16)), dtype=np.int16) for frame in frames]
    assert (
        min(np.abs(a - b).mean() for a, b in zip(thumbs, thumbs[1:], strict=False))
        >= Sampling().change
    )


def test_a_still_video_keeps_one_frame_even_past_the_ceiling(folder):
    path = write_video(folder / "still.mp4", [Shot("coffee", 6.0)], options=PHONE_GOP)
    assert [frame.seconds for frame in sample(path, Sampling(max_gap=2.0))] == [0.0]


def test_a_slow_change_is_kept_at_the_ceiling(folder):
    """Below the change threshold, a frame that is not the same again is kept every max_gap."""
    path = write_video(folder / "drift.mp4", [Shot("rocket", 6.0, pan=60)], options=PHONE_GOP)
    assert len(list(sample(path))) == 1  # a pan of 60 px in 6 s never reaches `change`
    times = [frame.seconds for frame in sample(path, Sampling(max_gap=2.0))]
    assert times == [0.0, 2.0, 4.0]


def test_caps_per_minute_and_per_video(folder):
    """Twelve cuts in 12 s: all kept uncapped; at 12 a minute, the burst and what it earns."""
    shots = [Shot(photo, 1.0) for photo in ["astronaut", "coffee", "chelsea", "rocket"] * 3]
    path = write_video(folder / "cuts.mp4", shots, options=PHONE_GOP)
    assert len(list(sample(path, Sampling(key_step=1.0, per_minute=60)))) == 12
    capped = list(sample(path, Sampling(key_step=1.0, per_minute=12)))
    assert 3 <= len(capped) <= 3 + 12 * 12 / 60
    assert len(list(sample(path, Sampling(key_step=1.0, per_video=4)))) == 4


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_a_turned_phone_video_gives_upright_frames(folder, rotation):
    """Portrait (90 or 270, as iPhones write it) or upside down (180); the frames of its cuts
    too, which are decoded apart from the others."""
    path = write_video(
        folder / f"turned{rotation}.mp4",
        SCENES,
        size=(96, 160),
        rotation=rotation,
        options=PHONE_GOP,
    )
    frames = list(sample(path))
    assert len(frames) == 3
    for frame, shot in zip(frames, SCENES, strict=True):
        assert frame.image.size == (96, 160)
        upright = view(shot, (96, 160), 0)
        turned = np.rot90(upright, k=2)  # upside down: the rotation applied the wrong way round
        pixels = np.asarray(frame.image, dtype=np.int16)
        assert np.abs(pixels - upright).mean() < 10 < np.abs(pixels - turned).mean()


def test_a_video_cut_short_gives_the_frames_before_the_break(folder):
    """Its index at the start (as a streaming copy's is), so it opens and plays until the break."""
    options = {"movflags": "faststart"}
    whole = write_video(folder / "whole.mp4", SCENES, options=PHONE_GOP, container_options=options)
    data = whole.read_bytes()
    cut = folder / "cut.mp4"
    cut.write_bytes(data[: len(data) * 9 // 10])
    _, kept = _scenes_kept(cut, SCENES, Sampling(key_step=1.0))
    assert [photo for _, photo in kept][:2] == ["astronaut", "coffee"]
    assert [photo for _, photo in _scenes_kept(whole, SCENES)[1]] == [
        "astronaut",
        "coffee",
        "chelsea",
    ]


def test_the_decoder_is_reserved_in_the_budget_while_sampling(folder):
    path = write_video(folder / "reserved.mp4", SCENES, size=(320, 240), options=PHONE_GOP)
    budget = shared_budget()
    before = budget.in_use
    frames = sample(path)
    next(frames)
    assert budget.in_use - before >= 320 * 240 * 3 // 2 * 10
    frames.close()
    assert budget.in_use == before


def test_frames_are_pil_images_from_the_start(folder):
    path = write_video(folder / "first.mp4", SCENES[:1], options=PHONE_GOP)
    [frame] = sample(path)
    assert isinstance(frame.image, Image.Image) and frame.seconds == 0.0
