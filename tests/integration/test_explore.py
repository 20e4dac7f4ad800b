"""Explore: the places, years and written words of a real indexed album, each opening the
photos it stands for, on SQLite and PostgreSQL, as JSON and as a page."""

from __future__ import annotations

import pytest

from photosearch.library import PhotoLibrary
from photosearch.search.request import parse_search
from photosearch.store import PhotoText, TextLine
from photosearch.store.texts import Texts
from photosearch.web import create_app

from ..album import write_album

pytestmark = pytest.mark.both_databases
BOX = ((0.0, 0.0), (10.0, 0.0), (10.0, 5.0), (0.0, 5.0))


@pytest.fixture
def explored(config, tiny_embedder, photo_tree, tmp_path):
    library = PhotoLibrary(config, embedder=tiny_embedder)
    album = write_album(photo_tree, tmp_path / "Album")
    library.index([album])
    written = {"lisbon-cat.jpg": "Cafe Lisboa 1987", "lisbon-coffee.jpg": "CAFÉ aberto",
               "porto-grass.jpg": "no"}  # fmt: skip
    with library.store.writer() as writer:
        writer.concern(Texts).set_texts([
            PhotoText(library.store.photo_by_path(str(album / name)).content_hash, "test",
                      (TextLine(text, 0.9, BOX),), 10, 5)
            for name, text in written.items()
        ])  # fmt: skip
    yield library, album
    library.close()


def names(library: PhotoLibrary, fields: dict) -> set[str]:
    """The photos an entry's filter finds, by file name."""
    request = parse_search({"min_score": "-1", "limit": "100", **fields})
    return {hit.photo.path.rsplit("/", 1)[1] for hit in library.search(request).hits}


def test_places_years_and_words_open_their_photos(explored):
    library, _ = explored
    summary = library.explore()
    places = {entry["label"]: entry for entry in summary["places"]}
    assert places["Lisbon, Portugal"]["photos"] == 3  # the cat, the coffee, the undated wall
    assert names(library, places["Lisbon, Portugal"]["filter"]) == {
        "lisbon-cat.jpg", "lisbon-coffee.jpg", "undated-wall.jpg"}  # fmt: skip
    assert [entry["label"] for entry in summary["places"]][0] == "Lisbon, Portugal"  # most
    covers = library.store.photos(entry["cover"] for entry in summary["places"])
    for entry in summary["places"]:  # each cover is one of that place's photos
        assert covers[entry["cover"]].place_country == entry["country"]
    years = {entry["year"]: entry["photos"] for entry in summary["years"]}
    assert years == {2019: 1, 2017: 6}
    assert [entry["year"] for entry in summary["years"]] == [2019, 2017]  # newest first
    year_2019 = next(entry for entry in summary["years"] if entry["year"] == 2019)
    assert names(library, year_2019["filter"]) == {"lisbon-coffee.jpg"}
    words = {entry["word"]: entry["photos"] for entry in summary["words"]}
    assert words == {"cafe": 2, "lisboa": 1, "aberto": 1}  # folded; no numbers, no "no"
    assert summary["words"][0]["word"] == "cafe"
    assert names(library, summary["words"][0]["filter"]) == {"lisbon-cat.jpg", "lisbon-coffee.jpg"}


def test_the_page_and_its_json_twin(explored):
    library, _ = explored
    client = create_app(library.config, library).test_client()
    data = client.get("/api/explore").get_json()
    lisbon = next(entry for entry in data["places"] if entry["city"] == "Lisbon")
    assert lisbon["url"] == "/?place=Lisbon"
    assert client.get(lisbon["cover_urls"]["thumbnail_url"]).status_code == 200
    page = client.get("/explore").get_data(as_text=True)
    assert "Lisbon, Portugal" in page and 'href="/?place=Lisbon"' in page
    assert "/?date_from=2019-01-01&amp;date_to=2019-12-31" in page
    assert "cafe" in page and "Written in your photos" in page


def test_an_empty_library_explains_itself(library):
    client = create_app(library.config, library).test_client()
    assert client.get("/api/explore").get_json() == {"places": [], "years": [], "words": []}
    page = client.get("/explore").get_data(as_text=True)
    assert "No photo has a known place" in page and "No words have been read" in page
