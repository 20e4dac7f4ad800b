"""A video's date, place and camera from its container's tags, as FFmpeg names them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from photosearch.video import is_video_path
from photosearch.video.tags import camera, location, parse_date, parse_iso6709, taken_at


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+38.7139-009.1334+010.000/", (38.7139, -9.1334)),  # degrees, with an altitude
        ("-33.8688+151.2093/", (-33.8688, 151.2093)),
        ("+3842.834-00908.004/", (38 + 42.834 / 60, -(9 + 8.004 / 60))),  # degrees and minutes
        ("+384250.5-0090800.25/", (38 + 42 / 60 + 50.5 / 3600, -(9 + 8 / 60 + 0.25 / 3600))),
        ("+38.7139-009.1334+010.000CRSWGS_84/", (38.7139, -9.1334)),
    ],
)
def test_iso6709_in_its_three_forms(text, expected):
    assert parse_iso6709(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    "text", ["", "somewhere", "+98.0000+010.0000/", "+0000.0000+00000.0000/", None]
)
def test_iso6709_that_is_no_place(text):
    assert parse_iso6709(text) is None


def test_quicktime_local_time_wins_over_mp4_utc():
    tags = {
        "creation_time": "2023-05-06T10:11:12.000000Z",
        "com.apple.quicktime.creationdate": "2023-05-06T11:11:12+0100",
    }
    moment = taken_at(tags)
    assert moment == datetime(2023, 5, 6, 11, 11, 12, tzinfo=timezone(timedelta(hours=1)))
    assert moment.utcoffset() == timedelta(hours=1)


def test_mp4_time_is_utc_and_unset_clocks_are_no_date():
    assert taken_at({"creation_time": "2023-05-06T10:11:12.000000Z"}) == datetime(
        2023, 5, 6, 10, 11, 12, tzinfo=UTC
    )
    assert parse_date("2021-12-31T23:59:59-05:30").utcoffset() == -timedelta(hours=5, minutes=30)
    assert taken_at({"creation_time": "1904-01-01T00:00:00.000000Z"}) is None
    assert taken_at({"creation_time": "1970-01-01T00:00:00.000000Z"}) is None
    assert taken_at({"creation_time": "yesterday"}) is None


def test_place_from_quicktime_key_or_the_xyz_atom():
    assert location({"location": "+48.8584+002.2945/"}) == pytest.approx((48.8584, 2.2945))
    apple = {"com.apple.quicktime.location.ISO6709": "+35.6586+139.7454+045.000/", "location": "x"}
    assert location(apple) == pytest.approx((35.6586, 139.7454))
    assert location({}) is None


def test_camera_from_apple_android_or_plain_atoms():
    assert camera(
        {"com.apple.quicktime.make": "Apple", "com.apple.quicktime.model": "iPhone 15"}
    ) == (
        "Apple",
        "iPhone 15",
    )
    assert camera({"com.android.manufacturer": "Google", "com.android.model": "Pixel 8"}) == (
        "Google",
        "Pixel 8",
    )
    assert camera({"make": " Canon ", "model": "\x00"}) == ("Canon", None)


def test_which_names_are_videos():
    assert all(
        is_video_path(f"a.{ext}")
        for ext in ("mp4", "MOV", "m4v", "3gp", "mkv", "webm", "avi", "mts", "m2ts")
    )
    assert not any(is_video_path(name) for name in ("a.jpg", "a.heic", "mp4", "a.mp4.txt"))
