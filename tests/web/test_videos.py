"""Videos on the web, on SQLite and PostgreSQL: a hit links to its moment with its scene's
picture, the video page plays the original from there (byte ranges, its MIME type) and lists
the scenes that match the search as jump points, a format browsers cannot play is shown by its
scenes with a download link; the photo JSON gives the same."""

from __future__ import annotations

import dataclasses
import html
import io
import re
from urllib.parse import parse_qs, urlparse

import pytest
from PIL import Image

from photosearch.imaging.thumbnails import cache_path
from photosearch.library import PhotoLibrary
from photosearch.store import frame_key
from photosearch.web import create_app

from ..videos import Shot, nearest_photo, view, write_video

pytestmark = pytest.mark.both_databases
SIZE = (160, 120)
HOLIDAY = [Shot("astronaut", 4), Shot("coffee", 4), Shot("chelsea", 4)]


@pytest.fixture
def videos(config, tiny_embedder, tmp_path):
    """A photo of the coffee shot, the holiday in H.264 MP4, two shots of it in AVI, and one
    in HEVC as phones write it."""
    folder = tmp_path / "Camera"
    folder.mkdir()
    Image.fromarray(view(HOLIDAY[1], SIZE, 0)).save(folder / "coffee.png")
    write_video(folder / "holiday.mp4", HOLIDAY, size=SIZE)
    write_video(folder / "old.avi", HOLIDAY[:2], size=SIZE, codec="mpeg4")
    hevc = {"x265-params": "log-level=none"}
    write_video(folder / "phone.mov", HOLIDAY[:1], size=SIZE, codec="libx265", options=hevc)
    opened = dataclasses.replace(config, min_score=-1.0, min_score_photo=-1.0)
    library = PhotoLibrary(opened, embedder=tiny_embedder)
    library.index([folder])
    app = create_app(opened, library)
    app.testing = True
    ids = {path.name: library.store.photo_by_path(str(path)).id for path in folder.iterdir()}
    yield app.test_client(), library, ids
    library.close()


def shows(response) -> str:
    """Which shot's photo a JPEG answer shows."""
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    return nearest_photo(Image.open(io.BytesIO(response.data)), HOLIDAY)


def test_a_video_hit_opens_its_page_at_the_moment_with_its_scene(videos):
    client, library, ids = videos
    page = client.get(f"/api/search?like={ids['coffee.png']}&type=video").get_json()
    hit = next(hit for hit in page["results"] if hit["name"] == "holiday.mp4")
    assert hit["media"] == "video" and abs(hit["moment"] - 4) <= 1
    assert hit["alt"].startswith("Video") and hit["clock"] == f"00:00:0{int(hit['moment'])}"
    link = urlparse(hit["url"])
    assert link.path == f"/photos/{ids['holiday.mp4']}"
    assert parse_qs(link.query) == {"t": [f"{hit['moment']:g}"], "like": [str(ids["coffee.png"])]}
    assert shows(client.get(hit["scene_url"])) == "coffee"  # the matching scene
    assert shows(client.get(hit["thumbnail_url"])) == "astronaut"  # the video's: its first
    scene = client.get(hit["scene_url"])
    assert "immutable" in scene.headers["Cache-Control"]
    again = client.get(hit["scene_url"], headers={"If-None-Match": scene.headers["ETag"]})
    assert again.status_code == 304
    # a scene's picture the index did not keep is made from the video
    holiday = library.photo(ids["holiday.mp4"])
    cache_path(library.config, frame_key(holiday.content_hash, hit["moment"]), 320).unlink()
    assert shows(client.get(hit["scene_url"])) == "coffee"
    cache_path(library.config, holiday.content_hash, 320).unlink()  # and the video's own
    assert shows(client.get(hit["thumbnail_url"])) == "astronaut"
    missing = client.get(f"/media/scenes/{ids['holiday.mp4']}/99.jpg")
    assert missing.status_code == 404 and "has no scene 99" in missing.get_data(as_text=True)
    photo = next(hit for hit in client.get("/api/search?q=coffee").get_json()["results"])
    assert "scene_url" in photo
    cards = client.get(f"/?like={ids['coffee.png']}&type=video").get_data(as_text=True)
    card = re.search(r'<a class="card video"[^>]*>.*?</a>', cards, re.S).group(0)
    assert 'data-media="video"' in card and hit["scene_url"].replace("&", "&amp;") in card
    assert f"00:00:0{int(hit['moment'])}" in card and "▶" in card


def test_the_video_page_plays_from_the_moment_and_lists_the_matching_scenes(videos):
    client, library, ids = videos
    video, like = ids["holiday.mp4"], ids["coffee.png"]
    shown = client.get(f"/api/photos/{video}?like={like}").get_json()
    assert shown["media"] == "video" and shown["duration"] == pytest.approx(12, abs=0.2)
    assert shown["playable"] is True
    best = [scene for scene in shown["scenes"] if scene["best"]]
    assert len(best) == 1 and abs(best[0]["seconds"] - 4) <= 1
    assert shown["start"] == best[0]["seconds"]  # the page opens at the best scene
    worded = client.get(f"/api/photos/{video}?q=a+cup+of+coffee").get_json()  # a text search
    assert worded["query"] == {"q": "a cup of coffee"} and worded["scenes"]
    assert all(scene["score"] is not None for scene in worded["scenes"])
    assert sum(scene["best"] for scene in worded["scenes"]) == 1
    kept = library.scenes(library.photo(video))
    every = client.get(f"/api/photos/{video}").get_json()["scenes"]
    assert [scene["seconds"] for scene in every] == [scene.seconds for scene in kept]
    assert all(scene["score"] is None for scene in every) and len(every) >= 3
    assert shows(client.get(every[-1]["scene_url"])) == "chelsea"
    # more like a scene: a search by its vector, which passes the scene on to the page
    last = every[-1]
    assert parse_qs(urlparse(last["like_url"]).query) == {
        "like": [str(video)],
        "frame": [str(last["frame"])],
    }
    found = client.get(f"/api/search?like={video}&frame={last['frame']}&type=video").get_json()
    hit = found["results"][0]
    assert hit["frame"] == last["frame"] and f"frame={last['frame']}" in hit["url"]
    scored = client.get(hit["url"].replace("/photos/", "/api/photos/")).get_json()
    assert [s["seconds"] for s in scored["scenes"] if s["best"]] == [last["seconds"]]

    page = client.get(f"/photos/{video}?t=8.5&like={like}").get_data(as_text=True)
    assert re.search(r'<video id="player"[^>]* controls preload="metadata"', page)
    assert f'src="/media/{video}/original#t=8.5"' in page and 'type="video/mp4"' in page
    jumps = re.findall(r'<a class="jump[^"]*" href="([^"]+)" data-seconds="([^"]+)"', page)
    assert [float(seconds) for _, seconds in jumps] == [s["seconds"] for s in shown["scenes"]]
    assert all(f"like={like}" in href for href, _ in jumps)

    bad = client.get(f"/photos/{video}?t=soon")
    assert bad.status_code == 400
    assert "'t' must be a number, not 'soon'" in html.unescape(bad.get_data(as_text=True))


def test_the_original_is_sent_in_ranges_and_unplayable_formats_are_offered_as_downloads(videos):
    client, _, ids = videos
    part = client.get(f"/media/{ids['holiday.mp4']}/original", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.mimetype == "video/mp4" and len(part.data) == 100
    old = ids["old.avi"]
    assert client.get(f"/media/{old}/original").mimetype == "video/x-msvideo"
    assert client.get(f"/api/photos/{old}").get_json()["playable"] is False
    page = client.get(f"/photos/{old}").get_data(as_text=True)
    assert "<video" not in page and f'href="/media/{old}/original" download' in page
    assert len(re.findall(r'class="jump', page)) >= 2  # its scenes, each a link to its moment
    phone = client.get(f"/api/photos/{ids['phone.mov']}").get_json()
    assert phone["playable"] is False and phone["playable_if"].startswith('video/mp4; codecs="hvc1')
    page = client.get(f"/photos/{ids['phone.mov']}").get_data(as_text=True)
    offered = re.search(r'<template id="player-if" data-type="([^"]+)">\s*<video', page)
    assert html.unescape(offered.group(1)) == phone["playable_if"]  # video.js asks the browser
    assert f'href="/media/{ids["phone.mov"]}/original" download' in page
    chinese = client.get(f"/photos/{old}", headers={"Accept-Language": "zh-CN"})
    assert "下载视频" in chinese.get_data(as_text=True)  # "Download the video"
