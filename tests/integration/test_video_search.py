"""Videos in the index and in search, on SQLite and PostgreSQL: found by the walk beside the
photos, their facts from the container, their scenes embedded as frames of one item; a search
for what a scene shows finds the video at that scene's moment; moves keep what was computed;
bad files are recorded failures. Videos are made in the test from scikit-image's photos."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import time
from datetime import datetime

import pytest
from PIL import Image

from photosearch.cli import main
from photosearch.errors import BadParameter, QueryError
from photosearch.library import PhotoLibrary
from photosearch.search.request import parse_search
from photosearch.store import Filters, VectorIndex
from photosearch.store.frame_ids import FRAME_BASE, FRAME_BITS

from ..videos import Shot, view, write_video

pytestmark = pytest.mark.both_databases
SIZE = (160, 120)
HOLIDAY = [Shot("astronaut", 4), Shot("coffee", 4), Shot("chelsea", 4)]
LAUNCH = [Shot("rocket", 4), Shot("hubble_deep_field", 4, pan=40)]
LISBON_TAGS = {
    "com.apple.quicktime.creationdate": "2019-08-03T18:04:05+0100",
    "com.apple.quicktime.location.ISO6709": "+38.7139-009.1334+010.000/",
    "com.apple.quicktime.make": "Apple",
    "com.apple.quicktime.model": "iPhone 12",
}


@pytest.fixture
def folder(tmp_path, photo_tree):
    """Two photos, two videos (H.264 with tags; HEVC, turned, with sound), and two bad ones."""
    root = tmp_path / "Camera"
    root.mkdir()
    for photo in ("photos/animals/chelsea-the-cat.jpg", "photos/things/brick-wall.jpg"):
        shutil.copy(photo_tree / photo, root)
    keyed = {"movflags": "use_metadata_tags"}  # QuickTime's keys, as iPhones write them
    write_video(root / "holiday.mov", HOLIDAY, size=SIZE, tags=LISBON_TAGS, container_options=keyed)
    write_video(
        root / "launch.mp4", LAUNCH, size=SIZE, codec="libx265", audio=True, rotation=90,
        options={"x265-params": "log-level=none"},
    )  # fmt: skip
    whole = (root / "holiday.mov").read_bytes()
    (root / "cut short.mov").write_bytes(whole[: len(whole) // 3])
    (root / "notes.mp4").write_text("not a video at all\n")
    return root


@pytest.fixture
def indexed(config, tiny_embedder, folder):
    library = PhotoLibrary(config, embedder=tiny_embedder)
    summary = library.index([folder])
    yield library, summary
    library.close()


def run_main(*args: str) -> str:
    """`photosearch ARGS...` in this process: what it printed."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        try:
            main(list(args))
        except SystemExit as exit:
            assert exit.code in (0, None)
    return output.getvalue()


def still(tmp_path, shot: Shot, name: str):
    """The frame a shot opens on, as a photo file to search with."""
    path = tmp_path / name
    Image.fromarray(view(shot, SIZE, 0)).save(path)
    return path


def test_videos_are_indexed_with_their_facts_and_scenes(indexed, folder):
    library, summary = indexed
    counts = library.store.counts(library.known_model().id)
    assert counts["videos"] == 2
    assert counts["frames"] > counts["vectors"]  # the videos' later scenes
    holiday = library.store.photo_by_path(str(folder / "holiday.mov"))
    assert holiday.media == "video" and holiday.format == "MOV"
    assert holiday.duration == pytest.approx(12, abs=0.2)
    assert holiday.taken_at == datetime(2019, 8, 3, 18, 4, 5)  # the local time, as a photo's
    assert holiday.place_city == "Lisbon" and holiday.camera_model == "iPhone 12"
    launch = library.store.photo_by_path(str(folder / "launch.mp4"))
    # stored turned, 120 × 160, with a display matrix: upright as the phone showed it
    assert (launch.width, launch.height) == SIZE
    frames = library.store.frames(holiday.id, library.known_model().id)
    assert len(frames.seconds) >= 3 and frames.seconds[0] == 0
    assert [s for s in frames.seconds if s >= 4][0] < 5  # the cut to the coffee within 1 s
    failed = {f.path.rsplit("/", 1)[1]: f.kind for f in library.store.failures()}
    assert failed == {"cut short.mov": "corrupt", "notes.mp4": "not_video"}


def test_a_scene_is_found_at_its_moment(indexed, tmp_path):
    library, _ = indexed
    for shot, start, name in ((HOLIDAY[2], 8, "holiday.mov"), (LAUNCH[0], 0, "launch.mp4")):
        like = still(tmp_path, shot, f"{shot.photo}.png")
        asked = parse_search({"type": "video"}, upload=like.read_bytes(), upload_name=str(like))
        result = library.search(asked)
        best = result.hits[0]
        assert best.photo.path.endswith(name)
        assert abs(best.moment - start) <= 1.0
        paths = [hit.photo.path for hit in result.hits]
        assert len(paths) == len(set(paths))  # a video is one result, by its best scene


def test_type_filters_photos_or_videos(indexed, folder):
    library, _ = indexed
    searcher = library.searcher
    video = library.store.photo_by_path(str(folder / "launch.mp4"))
    query = library.store.vector(video.id, searcher.model.id)
    videos = searcher.vector(query, 10, filters=Filters(media="video"))
    photos = searcher.vector(query, 10, filters=Filters(media="photo"))
    assert {hit.photo.media for hit in videos} == {"video"} and len(videos) == 2
    assert {hit.photo.media for hit in photos} <= {"photo"}


def test_hits_carry_media_duration_and_moment_in_json(indexed, config, tmp_path, monkeypatch):
    like = still(tmp_path, HOLIDAY[1], "coffee-frame.png")
    settings = {"HOME": str(config.data_dir), "MODEL": config.model, "OFFLINE": "1",
                "RUNTIME": "torch", "PRECISION": "fp32", "OCR": "0",
                "DATABASE_URL": config.database_url or ""}  # fmt: skip
    for name, value in settings.items():
        monkeypatch.setenv(f"PHOTOSEARCH_{name}", value)
    printed = run_main("search", "--like", str(like), "--type", "video", "--json")
    hits = json.loads(printed)
    assert hits[0]["media"] == "video" and hits[0]["path"].endswith("holiday.mov")
    assert hits[0]["duration"] == pytest.approx(12, abs=0.2)
    assert abs(hits[0]["moment"] - 4) <= 1.0
    printed = run_main("search", "--like", str(like), "--type", "video")
    assert "holiday.mov  @ 00:00:0" in printed.splitlines()[0]

    record, player = tmp_path / "player-args", tmp_path / "player.sh"
    player.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {record}\n')
    player.chmod(0o755)
    monkeypatch.setenv("PHOTOSEARCH_VIDEO_PLAYER", f"{player} --start={{seconds}}")
    run_main("search", "--like", str(like), "--type", "video", "--limit", "1", "--open")
    for _ in range(100):  # the player runs detached
        if record.exists() and len(record.read_text().splitlines()) == 2:
            break
        time.sleep(0.05)
    start, path = record.read_text().splitlines()
    assert path.endswith("holiday.mov") and abs(float(start.removeprefix("--start=")) - 4) <= 1


def test_a_moved_video_keeps_its_scenes_without_decoding(indexed, folder, count_embeds):
    library, _ = indexed
    before = library.store.photo_by_path(str(folder / "holiday.mov"))
    model = library.known_model().id
    kept = library.store.frames(before.id, model)
    (folder / "trips").mkdir()
    (folder / "holiday.mov").rename(folder / "trips" / "holiday.mov")
    counter = count_embeds()
    summary = library.index([folder])
    assert summary.moved == 1 and counter.images == 0
    after = library.store.photo_by_path(str(folder / "trips" / "holiday.mov"))
    assert after.id == before.id and library.store.frames(after.id, model).seconds == kept.seconds


def test_check_and_rebuild_cover_the_scenes(indexed):
    library, _ = indexed
    model = library.store.model(library.known_model().id)  # at its current version
    report = library.check()
    assert report.consistent and report.videos == 2
    assert report.models[0].vectors == library.store.counts(model.id)["frames"]
    index = VectorIndex(library.config, model)
    assert index.read()
    index.remove_items(index.later_frames()[:1] - FRAME_BASE >> FRAME_BITS)  # a video's scenes
    index.save(model.vectors_version)
    assert not library.check().consistent
    library.rebuild_indexes()
    assert library.check().consistent


def test_more_like_a_scene_finds_photos_and_videos(indexed, folder):
    library, _ = indexed
    holiday = library.store.photo_by_path(str(folder / "holiday.mov"))
    seconds = library.store.frames(holiday.id, library.known_model().id).seconds
    last = len(seconds) - 1  # the cat's scene
    asked = parse_search({"like": str(holiday.id), "frame": str(last), "min_score": "-1"})
    hits = library.search(asked).hits
    assert hits[0].photo.id == holiday.id and hits[0].moment == seconds[last]
    assert {hit.photo.media for hit in hits} == {"photo", "video"}
    with pytest.raises(QueryError, match="no scene 999"):
        library.search(parse_search({"like": str(holiday.id), "frame": "999"}))
    with pytest.raises(BadParameter, match="frame"):
        parse_search({"frame": "2", "q": "a cat"})
