"""Text in photos on the web: the matched lines and written phrases in the search JSON and on
the cards, a photo's recognised lines in its JSON and outlined on its page, the text counts,
and recognised text that is hostile HTML rendered as text."""

from __future__ import annotations

import dataclasses
import html
import re

import pytest

from photosearch.library import PhotoLibrary
from photosearch.store import PhotoText, TextLine
from photosearch.web import create_app
from tests.text_photos import write_photos

from .conftest import photo_id

WRITTEN = ["parking.jpg", "sign.jpg", "gravel.jpg"]  # PARKING, CAFE LISBOA, none
# The photos are read on SQLite only: reading them costs the real recogniser's time, and the
# store's side of text in photos has its own tests on both databases.


@pytest.fixture
def text_library(config, tiny_embedder, tmp_path):
    """Three photos read by the real text recogniser: two with words written on them."""
    folder = tmp_path / "Written"
    write_photos(folder, WRITTEN)
    read = dataclasses.replace(config, ocr=True, min_score=-1.0, min_score_photo=-1.0)
    library = PhotoLibrary(read, embedder=tiny_embedder)
    library.index([folder])
    library.folder = folder
    yield library
    library.close()


@pytest.fixture
def text_client(text_library):
    app = create_app(text_library.config, text_library)
    app.testing = True
    return app.test_client()


def by_name(hits: list[dict]) -> dict[str, dict]:
    return {hit["name"]: hit for hit in hits}


def test_search_by_a_written_word_returns_the_matched_lines_and_their_boxes(text_client):
    page = text_client.get("/api/search?q=parking").get_json()
    hits = by_name(page["results"])
    assert page["written"] == []  # a plain word: looked for in the picture and the text
    match = hits["parking.jpg"]["text_match"]
    assert match["width"] == 512 and match["height"] == 512
    assert [line["text"].upper() for line in match["lines"]] == ["PARKING"]
    box = match["lines"][0]["box"]
    assert len(box) == 4
    assert all(0 <= x <= match["width"] and 0 <= y <= match["height"] for x, y in box)
    assert hits["gravel.jpg"]["text_match"] is None and hits["sign.jpg"]["text_match"] is None


def test_a_quoted_phrase_is_written_and_finds_only_the_photo_with_it(text_client):
    page = text_client.get('/api/search?q="cafe lisboa"').get_json()
    assert page["written"] == ["cafe lisboa"]
    assert [hit["name"] for hit in page["results"]] == ["sign.jpg"]
    hit = page["results"][0]
    assert hit["score"] is None  # found by its text alone
    assert " ".join(line["text"] for line in hit["text_match"]["lines"]).upper() == "CAFE LISBOA"

    search = text_client.get('/?q=a+sign+"cafe lisboa"').get_data(as_text=True)
    chips = re.findall(r'<span class="chip[^"]*" data-kind="written"[^>]*>([^<]*)</span>', search)
    assert chips == ["written: cafe lisboa"]
    assert "“a sign”" in search


def test_photo_json_and_page_show_the_recognised_lines(text_client, text_library):
    folder = text_library.folder
    parking = photo_id(text_library, folder / "parking.jpg")
    text = text_client.get(f"/api/photos/{parking}").get_json()["text"]
    assert text["failure"] is None and text["ocr_version"]
    assert (text["width"], text["height"]) == (512, 512)
    assert [line["text"].upper() for line in text["lines"]] == ["PARKING"]
    assert 0.9 <= text["lines"][0]["confidence"] <= 1

    page = text_client.get(f"/photos/{parking}").get_data(as_text=True)
    assert '<svg class="outlines" id="outlines" viewBox="0 0 512 512"' in page
    polygons = re.findall(r'<polygon data-line="0" points="([^"]+)">', page)
    assert len(polygons) == 1
    points = [tuple(map(float, point.split(","))) for point in polygons[0].split()]
    assert points == [tuple(round(v, 1) for v in corner) for corner in text["lines"][0]["box"]]
    lines = re.findall(r'<li data-line="0"[^>]*>([^<]*)</li>', page)
    assert [line.upper() for line in lines] == ["PARKING"]
    assert "1 line, listed below" in page

    gravel = photo_id(text_library, folder / "gravel.jpg")
    assert text_client.get(f"/api/photos/{gravel}").get_json()["text"]["lines"] == []
    page = text_client.get(f"/photos/{gravel}").get_data(as_text=True)
    assert "none found" in page and "<svg" not in page and 'id="text-lines"' not in page


def test_cards_mark_the_photos_found_by_their_text(text_client):
    page = text_client.get("/?q=parking").get_data(as_text=True)
    cards = re.findall(r'<a class="card[^"]*".*?</a>', page, re.S)
    marked = [card for card in cards if 'class="badge"' in card]
    assert len(marked) == 1 and "parking.jpg" in marked[0]
    assert 'class="card written"' in marked[0]
    words = re.findall(r'<span class="words">([^<]*)</span>', marked[0])
    assert [word.upper() for word in words] == ["PARKING"]
    assert all("badge" not in card and "words" not in card for card in cards if card not in marked)


def test_status_counts_the_text(text_client):
    text = text_client.get("/api/status").get_json()["text"]
    assert text["with_text"] == 2 and text["text_failed"] == 0 and text["text_unread"] == 0
    assert text["ocr"] is True and text["reader"]
    assert "3 photos indexed, 2 with text found in them." in text_client.get("/").get_data(
        as_text=True
    )


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.mark.both_databases
def test_hostile_text_is_shown_as_text(client, web_library, photo_tree):
    """Text read in a photo is whatever was written on it: it never becomes markup."""
    photo = web_library.store.photo_by_path(str(photo_tree / "photos/animals/chelsea-the-cat.jpg"))
    failed = web_library.store.photo_by_path(str(photo_tree / "photos/things/rocket-launch.jpg"))
    box = ((10.0, 10.0), (200.0, 10.0), (200.0, 40.0), (10.0, 40.0))
    with web_library.store.writer() as writer:
        writer.set_texts(
            [
                PhotoText(photo.content_hash, "test", (TextLine(HOSTILE, 0.99, box),), 400, 300),
                PhotoText(failed.content_hash, "test", (), None, None, "decode", "<b>bad</b>"),
            ]
        )
    found = client.get("/api/search?q=text:onerror").get_json()["results"]
    assert [hit["id"] for hit in found] == [photo.id]
    assert found[0]["text_match"]["lines"][0]["text"] == HOSTILE

    pages = [
        client.get("/?q=text:onerror").get_data(as_text=True),
        client.get(f"/photos/{photo.id}").get_data(as_text=True),
        client.get('/?q="<script>alert"').get_data(as_text=True),  # a chip of it
    ]
    for page in pages:
        assert "<script>alert" not in page and "<img src=x" not in page and "<b>" not in page
    assert html.escape(HOSTILE[:24], quote=False) in pages[0].replace("&#34;", '"')
    assert html.escape(HOSTILE, quote=False) in pages[1].replace("&#34;", '"')
    assert "written: &lt;script&gt;alert" in pages[2]

    page = client.get(f"/photos/{failed.id}").get_data(as_text=True)
    assert "Could not be read: &lt;b&gt;bad&lt;/b&gt;" in page
    assert client.get(f"/api/photos/{failed.id}").get_json()["text"]["failure"] == {
        "kind": "decode",
        "message": "<b>bad</b>",
    }
