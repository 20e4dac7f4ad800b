"""Every JSON route and its error paths, through Flask's test client on a real index."""

from __future__ import annotations

import shutil

import pytest

from photosearch.imaging.thumbnails import cache_path

from .conftest import photo_id

pytestmark = pytest.mark.both_databases


def results(response) -> list[dict]:
    assert response.status_code == 200, response.get_json()
    return response.get_json()["results"]


def test_text_search_shape_order_and_paging(client):
    page = client.get("/api/search?q=a+cat+on+a+sofa&limit=10").get_json()
    assert page["limit"] == 10 and page["offset"] == 0 and page["next_offset"] == 10
    hits = page["results"]
    assert len(hits) == 10 and [h["rank"] for h in hits] == list(range(1, 11))
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert {"id", "path", "score", "thumbnail_url", "url", "taken_at", "folder"} <= set(hits[0])
    second = results(client.get("/api/search?q=a+cat+on+a+sofa&limit=5&offset=5"))
    assert [h["id"] for h in second] == [h["id"] for h in hits[5:]]
    last = client.get("/api/search?q=a+cat+on+a+sofa&limit=10&offset=20").get_json()
    assert len(last["results"]) == 5 and last["next_offset"] is None


def test_min_score_cuts_weak_matches(client):
    assert results(client.get("/api/search?q=cat&min_score=0.999")) == []
    scores = [h["score"] for h in results(client.get("/api/search?q=cat&min_score=0.03"))]
    assert scores and min(scores) >= 0.03


def test_default_cutoff_comes_from_config(photo_tree, config, tiny_embedder):
    from photosearch.library import PhotoLibrary
    from photosearch.web import create_app

    library = PhotoLibrary(config, embedder=tiny_embedder)  # min_score 0.2 by default
    library.index([photo_tree])
    page = create_app(config, library).test_client().get("/api/search?q=cat").get_json()
    assert page["min_score"] == 0.2 and all(h["score"] >= 0.2 for h in page["results"])
    library.close()


@pytest.mark.parametrize(
    "query, expected",
    [
        ("type=png", lambda h: h["format"] == "PNG"),
        ("type=heic", lambda h: h["format"] == "HEIF"),
        ("has_location=true", lambda h: h["latitude"] is not None),
        ("camera=canon", lambda h: "Canon" in (h["camera_make"] or "")),
        (
            "date_from=2017-07-15&date_to=2017-07-15",
            lambda h: (h["taken_at"] or "").startswith("2017-07-15"),
        ),
    ],
)
def test_filters_return_only_and_all_matching_photos(client, query, expected):
    hits = results(client.get(f"/api/search?q=anything&limit=200&{query}"))
    everything = results(client.get("/api/search?q=anything&limit=200"))
    assert hits and all(expected(h) for h in hits)
    assert {h["id"] for h in hits} == {h["id"] for h in everything if expected(h)}


def test_filter_keeping_fewer_than_limit_returns_every_match(client, photo_tree):
    folder = photo_tree / "photos"
    hits = results(client.get(f"/api/search?q=a+photo&limit=20&folder={folder}"))
    assert len(hits) == 13  # every photo below photos/, though 20 were asked for
    assert all(h["path"].startswith(str(folder) + "/") for h in hits)
    none = results(client.get("/api/search?q=x&type=gif&has_location=true"))
    assert none == []
    outside = results(client.get(f"/api/search?q=x&folder={photo_tree}/photos/nat"))
    assert outside == []  # a prefix of a folder name is not the folder


def test_query_algebra(client, web_library, photo_tree):
    cat = photo_id(web_library, photo_tree / "photos/animals/chelsea-the-cat.jpg")
    hits = results(client.get(f"/api/search?q=%23{cat}"))
    assert hits[0]["id"] == cat and hits[0]["score"] == pytest.approx(1.0, abs=1e-4)
    mixed = results(client.get(f"/api/search?q=%23{cat}+%2B+a+hat+-+a+dog"))
    assert mixed and mixed != hits
    for bad in ("a+-+a", "cat+%2B+", "%2B+-+dog"):
        response = client.get(f"/api/search?q={bad}")
        assert response.status_code == 400 and response.get_json()["error"]["message"]


def test_similar_and_photo_routes(client, web_library, photo_tree):
    exif = photo_id(web_library, photo_tree / "edge/exif-canon-paris-2017.jpg")
    photo = client.get(f"/api/photos/{exif}").get_json()
    assert photo["camera_make"] == "Canon" and photo["latitude"] == pytest.approx(48.8582, abs=1e-3)
    assert photo["taken_at"] == "2017-07-15T16:42:10"
    astronaut = photo_id(web_library, photo_tree / "photos/people/astronaut.jpg")
    similar = results(client.get(f"/api/photos/{astronaut}/similar?limit=3"))
    assert similar[0]["id"] == astronaut and similar[0]["score"] == pytest.approx(1.0, abs=1e-4)
    like = results(client.get(f"/api/search?like={astronaut}&limit=3"))
    assert [h["id"] for h in like] == [h["id"] for h in similar]


def test_upload_a_photo_as_query(client, web_library, photo_tree):
    path = photo_tree / "photos/things/motorcycle.png"
    with open(path, "rb") as handle:
        response = client.post("/api/search?limit=3", data={"photo": (handle, "query.png")})
    hits = results(response)
    assert hits[0]["id"] == photo_id(web_library, path)
    assert hits[0]["score"] == pytest.approx(1.0, abs=1e-4)
    with open(photo_tree / "bad/text-file.png", "rb") as handle:
        broken = client.post("/api/search", data={"photo": (handle, "x.png")})
    assert (
        broken.status_code == 400 and "not a usable image" in broken.get_json()["error"]["message"]
    )
    assert client.post("/api/search").status_code == 400


def test_status(client):
    status = client.get("/api/status").get_json()
    assert status["photos"] == 25 and status["failed"] == 6 and status["vectors"] == 25
    assert status["device"] == "cpu" and status["index_state"] == "fresh"
    assert status["model_key"].startswith("photosearch-test-tiny:sha256-")


@pytest.mark.parametrize(
    "url",
    [
        "/api/search",
        "/api/search?q=",
        "/api/search?q=x&limit=0",
        "/api/search?q=x&limit=abc",
        "/api/search?q=x&limit=100000",
        "/api/search?q=x&offset=-1",
        "/api/search?q=x&date_from=yesterday",
        "/api/search?q=x&date_from=2020-01-02&date_to=2020-01-01",
        "/api/search?q=x&type=psd",
        "/api/search?q=x&has_location=maybe",
        "/api/search?q=x&folder=relative/path",
        "/api/search?q=x&min_score=2",
        "/api/search?q=x&min_score=high",
        "/api/search?q=x&like=1",
        "/api/search?like=abc",
        "/api/search?like=999999",
        "/api/duplicates?threshold=0.1",
        "/api/search?q=" + "x" * 1001,
    ],
)
def test_bad_parameters_are_400_with_a_message(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"]


@pytest.mark.parametrize(
    "url", ["/api/photos/999999", "/api/photos/999999/similar", "/api/nope", "/api/photos/abc"]
)
def test_unknown_things_are_404_json(client, url):
    response = client.get(url)
    assert response.status_code == 404 and response.get_json()["error"]["status"] == 404


def test_thumbnails_are_cached_upright_and_revalidated(client, web_library, photo_tree):
    rotated = photo_id(web_library, photo_tree / "edge/orientation-6.jpg")
    response = client.get(f"/media/{rotated}/thumbnail")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert "max-age" in response.headers["Cache-Control"] and response.headers["ETag"]
    from io import BytesIO

    from PIL import Image

    width, height = Image.open(BytesIO(response.data)).size
    assert width > height and max(width, height) <= 320  # EXIF orientation applied
    again = client.get(
        f"/media/{rotated}/thumbnail", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304
    digest = web_library.store.photo(rotated).content_hash
    assert cache_path(web_library.config, digest, 320).is_file()
    heic = photo_id(web_library, photo_tree / "edge/rocket.heic")
    assert client.get(f"/media/{heic}/preview").mimetype == "image/jpeg"


def test_original_is_served_by_id(client, web_library, photo_tree):
    path = photo_tree / "photos/food/coffee-cup.jpg"
    response = client.get(f"/media/{photo_id(web_library, path)}/original")
    assert response.status_code == 200 and response.data == path.read_bytes()
    assert response.mimetype == "image/jpeg" and response.headers["Accept-Ranges"] == "bytes"


def test_an_original_is_sent_by_byte_ranges(client, web_library, photo_tree):
    path = photo_tree / "photos/food/coffee-cup.jpg"
    url, whole = f"/media/{photo_id(web_library, path)}/original", path.read_bytes()
    part = client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.data == whole[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(whole)}"
    tail = client.get(url, headers={"Range": "bytes=-50"})
    assert tail.status_code == 206 and tail.data == whole[-50:]
    beyond = client.get(url, headers={"Range": f"bytes={len(whole) + 10}-"})
    assert beyond.status_code == 416


@pytest.mark.parametrize(
    "url",
    [
        "/media/../../../../etc/passwd",
        "/media/%2e%2e/%2e%2e/etc/passwd/original",
        "/media/..%2f..%2fetc%2fpasswd/thumbnail",
        "/static/../../../../etc/passwd",
        "/static/..%2f..%2f..%2fpyproject.toml",
        "/media/-1/original",
        "/media/1.5/original",
    ],
)
def test_no_path_from_the_request_is_ever_served(client, url):
    response = client.get(url)
    assert response.status_code in (400, 404)
    assert b"root:" not in response.data and b"[project]" not in response.data


def test_file_gone_from_disk_is_404_not_500(client, web_library, photo_tree):
    path = photo_tree / "photos/nature/grass.jpg"
    grass = photo_id(web_library, path)
    path.unlink()
    assert client.get(f"/media/{grass}/thumbnail").status_code == 404
    assert client.get(f"/media/{grass}/original").status_code == 404


def test_near_duplicate_groups(client, web_library, photo_tree):
    shutil.copy(photo_tree / "photos/things/coins.jpg", photo_tree / "coins-copy.jpg")
    web_library.index([photo_tree])
    groups = client.get("/api/duplicates?threshold=0.999").get_json()["groups"]
    names = [sorted(photo["name"] for photo in group) for group in groups]
    assert ["coins-copy.jpg", "coins.jpg"] in names
    sizes = [len(group) for group in groups]
    assert sizes == sorted(sizes, reverse=True)
    page = client.get("/duplicates?threshold=0.999")
    assert page.status_code == 200 and b"coins-copy.jpg" in page.data


def test_server_sees_reindexed_data_without_restart(client, web_library, photo_tree):
    assert len(results(client.get("/api/search?q=x&limit=100"))) == 25
    (photo_tree / "photos/places/moon.jpg").unlink()
    web_library.index([photo_tree])
    assert len(results(client.get("/api/search?q=x&limit=100"))) == 24
    assert client.get("/api/status").get_json()["photos"] == 24
