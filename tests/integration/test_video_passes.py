"""The content passes read a video's kept scenes, on SQLite and PostgreSQL: the text pass reads
the words written in a scene and the faces pass finds the face in one (the real recogniser
and dlib, on frames decoded from the video), each kept under the scene's key, not read again
at the next run; search finds the video by those words and by that person, at that scene's
moment."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PIL import ImageDraw

from photosearch.indexing.passes import faces as faces_pass
from photosearch.library import PhotoLibrary
from photosearch.search.request import parse_search
from photosearch.store import frame_key
from photosearch.store.faces import Faces
from photosearch.store.people import People
from photosearch.video import VideoError, sample
from photosearch.video.seeking import open_video

from ..faces import background, overlap, portrait
from ..text_photos import SANS, font
from ..videos import Shot, write_video

pytestmark = pytest.mark.both_databases
SIZE = (320, 240)
QUIET = "log-level=none"
SHOTS = [Shot("rocket", 3), Shot("sign", 3), Shot("face", 3)]  # the sign from 3 s, the face 6 s


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    """A video cutting from a rocket to a sign with a word on it, then to a face; where the
    face is, as fractions of the frame."""
    sign = background("brick", SIZE)
    ImageDraw.Draw(sign).text((40, 90), "LISBOA", font=font(SANS, 48), fill=(255, 255, 255))
    face, (placed,) = portrait(110, name="coffee", size=SIZE)
    folder = tmp_path_factory.mktemp("video") / "Camera"
    folder.mkdir()
    write_video(folder / "trip.mp4", SHOTS, size=SIZE, pictures={"sign": sign, "face": face})
    return folder, placed.as_fractions(SIZE)


@pytest.fixture
def library(config, tiny_embedder):
    library = PhotoLibrary(config, embedder=tiny_embedder)
    yield library
    library.close()


def hits(library, **fields):
    return library.search(parse_search({"min_score": "-1", **fields})).hits


def scene_keys(library, path) -> dict[float, str]:
    """Each kept scene's time and key."""
    video = library.store.photo_by_path(str(path))
    frames = library.store.frames(video.id, library.store.last_indexed_model().id)
    return {seconds: frame_key(video.content_hash, seconds) for seconds in frames.seconds}


def shown(scenes: dict[float, str], start: float, end: float) -> tuple[int, float]:
    """(number, time) of the one kept scene of a shot (the sampling places a cut within a
    keyframe interval of it)."""
    (found,) = [(n, s) for n, s in enumerate(scenes) if start <= s < end]
    return found


def nearest(image, frames):
    """The frame most like the image, at the image's size."""
    seen = np.asarray(image, dtype=np.int16)
    return min(frames, key=lambda f: np.abs(seen - np.asarray(f.image.resize(image.size))).mean())


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("turned.mp4", {"codec": "libx265", "rotation": 90, "options": {"x265-params": QUIET}}),
        ("camera.mts", {"container_format": "mpegts"}),  # seeks land past the time: from the start
    ],
)  # fmt: skip
def test_the_frame_at_a_kept_scene_is_the_frame_kept(tmp_path, name, options):
    path = write_video(tmp_path / name, SHOTS[:1] + [Shot("coffee", 3, pan=30)], **options)
    kept = list(sample(path))
    assert len(kept) > 2
    with open_video(path) as video:
        for frame in kept:
            still = video.frame_at(frame.seconds, 60)
            assert (still.size, min(still.image.size)) == ((160, 120), 60)  # upright, reduced
            assert nearest(still.image, kept) == frame
        with pytest.raises(VideoError, match="no frame at -1"):
            video.frame_at(-1, 60)


def test_words_written_in_a_scene_find_the_video_at_that_moment(library, video):
    folder, _ = video
    library.config = dataclasses.replace(library.config, ocr=True)
    summary = library.index([folder])
    scenes = scene_keys(library, folder / "trip.mp4")
    assert (summary.texts_read, summary.with_text, summary.text_failed) == (len(scenes), 1, 0)
    number, sign = shown(scenes, 3, 6)
    texts = library.store.texts(scenes.values())
    assert [s for s, key in scenes.items() if "LISBOA" in texts[key].text.upper()] == [sign]

    (hit,) = hits(library, q='"lisboa"')  # written words alone: the scene that holds them
    assert hit.photo.media == "video" and (hit.moment, hit.frame) == (sign, number)
    assert [line.text.upper() for line in hit.text.lines] == ["LISBOA"]
    assert hits(library, q='"lisboa"', type="photo") == []  # the filters apply to scenes

    assert library.status()["text"]["text_unread"] == 0  # the video is no photo to read
    assert library.index([folder]).texts_read == 0  # what was read is kept


def test_a_face_in_a_scene_finds_the_video_by_person_at_that_moment(library, video, monkeypatch):
    folder, placed = video
    library.config = dataclasses.replace(library.config, faces=True)
    real = faces_pass.FaceFinder.__call__

    def failing(finder, content):
        raise RuntimeError("the detector gave up")

    monkeypatch.setattr(faces_pass.FaceFinder, "__call__", failing)
    failed = library.index([folder])
    scenes = scene_keys(library, folder / "trip.mp4")
    assert (failed.faces_looked, failed.faces_failed) == (len(scenes), len(scenes))
    errors = [f for f in library.failures() if f.kind == "faces:faces"]
    assert [f.path for f in errors] == [str(folder / "trip.mp4")] * len(scenes)
    assert all(f.message.startswith("the scene at ") for f in errors)

    monkeypatch.setattr(faces_pass.FaceFinder, "__call__", real)
    summary = library.index([folder], reread={"faces"})
    assert (summary.faces_looked, summary.with_faces, summary.faces_failed) == (len(scenes), 1, 0)
    number, seconds = shown(scenes, 6, 9)
    (face,) = library.store.concern(Faces).photo_faces(scenes[seconds])
    assert overlap(placed, face.box) > 0.5

    with library.store.writer() as writer:
        people = writer.concern(People)
        eileen = people.add_person("Eileen")
        people.assign_faces({face.id: eileen})
    (hit,) = hits(library, person="Eileen")
    assert hit.photo.media == "video" and (hit.moment, hit.frame) == (seconds, number)
    assert hit.people == ((eileen, "Eileen"),)
    (hit,) = hits(library, person="Eileen", q="a rocket")  # the picture says which scene
    assert hit.photo.media == "video"
    assert hits(library, person="Eileen", type="photo") == []
    assert library.index([folder]).faces_looked == 0
