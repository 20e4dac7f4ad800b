"""Places and dates: an album whose photos have known GPS positions and days (EXIF written by
the test) answers queries with a place and a date with exactly the photos that match, on
SQLite and PostgreSQL; a library indexed before places existed gets them from its stored
coordinates alone; hostile queries get a clear answer."""

from __future__ import annotations

import dataclasses
import json
import os
import time
from datetime import date

import pytest
from sqlalchemy import update

from photosearch.errors import QueryError
from photosearch.library import PhotoLibrary
from photosearch.search.request import parse_search
from photosearch.store.schema import PhotoRow
from photosearch.web import create_app

from ..album import write_album

pytestmark = pytest.mark.both_databases
TODAY = date(2026, 12, 1)


@pytest.fixture
def album(photo_tree, tmp_path):
    return write_album(photo_tree, tmp_path / "Album")


@pytest.fixture
def album_library(config, tiny_embedder, album):
    library = PhotoLibrary(config, embedder=tiny_embedder)
    library.index([album])
    yield library
    library.close()


def found(library, today=TODAY, **args) -> tuple[list[str], object]:
    """The names of the photos a search finds (every score counts: the model is random)."""
    request = parse_search({"min_score": "-1", "limit": "100", **args})
    result = library.search(request, today=today)
    return [os.path.basename(hit.photo.path) for hit in result.hits], result


def test_each_photo_is_named_with_its_place(album_library, album):
    places = {
        os.path.basename(photo.path): (photo.place_city, photo.place_country)
        for photo in album_library.store.photos(range(1, 100)).values()
    }
    assert places["lisbon-cat.jpg"] == places["lisbon-coffee.jpg"] == ("Lisbon", "Portugal")
    assert places["porto-grass.jpg"] == ("Porto", "Portugal")
    assert places["paris-rocket.jpg"] == ("Paris", "France")
    assert places["sydney-astronaut.jpg"] == ("Sydney", "Australia")
    assert places["at-sea-moon.jpg"] == places["no-gps-coins.jpg"] == (None, None)
    counts = album_library.status()["places"]
    assert counts == {"with_gps": 7, "with_place": 6, "places_pending": 0}


def test_a_place_and_a_date_in_the_query_find_exactly_their_photos(album_library):
    names, result = found(album_library, q="a photo in Lisbon summer 2017")
    assert names == ["lisbon-cat.jpg"]
    assert result.interpretation.text == "a photo"
    assert result.interpretation.line() == (
        '"a photo" · in Lisbon · taken 2017-06-01 to 2017-08-31'
    )
    names, _ = found(album_library, q="Portugal 2017")
    assert sorted(names) == ["lisbon-cat.jpg", "porto-grass.jpg"]
    # Only a place: every photo there, newest first, the undated last.
    names, result = found(album_library, q="Lisboa")
    assert names == ["lisbon-coffee.jpg", "lisbon-cat.jpg", "undated-wall.jpg"]
    assert result.sort == "newest" and all(hit.score is None for hit in result.hits)


def test_seasons_follow_the_hemisphere(album_library):
    names, _ = found(album_library, q="summer 2017")
    assert sorted(names) == [
        "at-sea-moon.jpg", "lisbon-cat.jpg", "no-gps-coins.jpg", "paris-rocket.jpg",
        "porto-grass.jpg",
    ]  # fmt: skip
    names, _ = found(album_library, q="summer")  # any year's: June-August, or Dec-Feb south
    assert sorted(names) == [
        "at-sea-moon.jpg", "lisbon-cat.jpg", "no-gps-coins.jpg", "paris-rocket.jpg",
        "porto-grass.jpg", "sydney-astronaut.jpg",
    ]  # fmt: skip
    names, _ = found(album_library, q="in July")
    assert sorted(names) == ["at-sea-moon.jpg", "lisbon-cat.jpg", "no-gps-coins.jpg"]
    names, result = found(album_library, q="summer 2016 in Sydney")
    assert names == ["sydney-astronaut.jpg"]  # January 2017 is the southern summer of 2016
    assert "taken 2016-12-01 to 2017-02-28" in result.interpretation.line()


def test_literal_kept_words_unknown_places_and_the_explicit_filter(album_library):
    everything, result = found(album_library, q="in Lisbon 2017", literal="true")
    assert len(everything) == 8 and not result.interpretation.understood
    # Quoted words are words written in a photo (none here), never a date or a place.
    names, result = found(album_library, q='"a 2017 calendar"')
    assert names == [] and result.written == ("a 2017 calendar",)
    assert not result.interpretation.understood and result.interpretation.text == ""
    names, result = found(album_library, q="a cat in Lisbon 2017", keep=["in Lisbon"])
    assert [item.kind for item in result.interpretation.understood] == ["when"]
    assert "in Lisbon" in result.interpretation.text
    names, result = found(album_library, q="sunset in Atlantis")
    assert len(names) == 8 and result.interpretation.text == "sunset in Atlantis"
    names, _ = found(album_library, q="a photo", place="LISBOA")
    assert sorted(names) == ["lisbon-cat.jpg", "lisbon-coffee.jpg", "undated-wall.jpg"]
    names, _ = found(album_library, place="France")
    assert names == ["paris-rocket.jpg"]
    with pytest.raises(QueryError, match="No photo in this library was taken in 'Atlantis'"):
        found(album_library, q="a photo", place="Atlantis")


def test_relative_dates_and_sorting_by_time(album_library):
    names, _ = found(album_library, q="last year", today=date(2018, 5, 1))
    assert sorted(names) == [
        "at-sea-moon.jpg", "lisbon-cat.jpg", "no-gps-coins.jpg", "paris-rocket.jpg",
        "porto-grass.jpg", "sydney-astronaut.jpg",
    ]  # fmt: skip
    names, result = found(album_library, q="a photo", sort="oldest")
    assert names[:2] == ["sydney-astronaut.jpg", "porto-grass.jpg"]
    assert names[-1] == "undated-wall.jpg" and all(h.score is not None for h in result.hits)
    first, _ = found(album_library, q="a photo", sort="newest", limit="3")
    rest, _ = found(album_library, q="a photo", sort="newest", limit="3", offset="3")
    everything, _ = found(album_library, q="a photo", sort="newest")
    assert first + rest == everything[:6]


def test_a_library_indexed_before_gets_its_places_without_reading_a_photo(
    config, tiny_embedder, album, count_embeds
):
    library = PhotoLibrary(config, embedder=tiny_embedder)
    library.index([album])
    with library.store.engine.begin() as connection:  # as migration 0005 leaves it
        connection.execute(
            update(PhotoRow).values(
                place_city=None, place_region=None, place_country=None,
                place_country_code=None, place_version=None,
            )
        )  # fmt: skip
    library.close()
    for photo in album.iterdir():
        photo.unlink()  # nothing can be read: the coordinates in the database must do
    counter = count_embeds()
    again = PhotoLibrary(config, embedder=tiny_embedder)
    try:
        assert again.status()["places"]["places_pending"] == 7
        names, _ = found(again, q="in Lisbon")
        assert sorted(names) == ["lisbon-cat.jpg", "lisbon-coffee.jpg", "undated-wall.jpg"]
        assert again.status()["places"] == {"with_gps": 7, "with_place": 6, "places_pending": 0}
        assert counter.images == 0
    finally:
        again.close()


HOSTILE = [
    "a" * 1000, "!!!???...", "\x00\x01\x02 cat \x7f", "кошка 猫 قطة cat", "2017-99-99",
    "99999", "31/31/2017", "1e10", "in in in in", "from to", "between and", "summer summer",
    "last", "ago ago 3 ago", "🐈 in 🗺 2017", "\u202e\u200b Lisbon", "%s %n {0} ${x}",
]  # fmt: skip


def test_hostile_queries_get_a_clear_answer_in_bounded_time(album_library):
    app = create_app(dataclasses.replace(album_library.config, min_score=-1.0), album_library)
    client = app.test_client()
    for query in HOSTILE:
        started = time.monotonic()
        response = client.get("/api/search", query_string={"q": query})
        assert response.status_code in (200, 400), (query, response.get_json())
        assert time.monotonic() - started < 5, query
        body = response.get_json()
        assert ("results" in body) if response.status_code == 200 else body["error"]["message"]
    too_long = client.get("/api/search", query_string={"q": "a" * 1001})
    assert too_long.status_code == 400 and "too long" in too_long.get_json()["error"]["message"]
    for bad in ({"sort": "sideways"}, {"place": "x" * 201}, {"literal": "perhaps"}):
        response = client.get("/api/search", query_string={"q": "cat", **bad})
        assert response.status_code == 400, bad
    page = client.get("/api/search", query_string={"q": "a cat in Lisbon 2017"}).get_json()
    assert page["interpretation"]["place"] == "Lisbon" and page["place"] == "Lisbon"
    assert [item["kind"] for item in page["interpretation"]["understood"]] == ["place", "when"]
    places = client.get("/api/facets").get_json()["places"]
    portugal = next(country for country in places if country["name"] == "Portugal")
    assert portugal["photos"] == 4 and portugal["cities"][0] == {"name": "Lisbon", "photos": 3}
    assert client.get("/api/status").get_json()["places"]["with_place"] == 6
    html = client.get("/", query_string={"q": "a cat in Lisbon 2017"}).get_data(as_text=True)
    assert html.count('class="chip"') == 2 and "keep=in+Lisbon" in html


def test_the_cli_reads_places_and_dates_and_takes_the_web_filters(run_cli, album):
    run_cli("index", str(album))
    said = run_cli("search", "in Lisbon summer 2017")
    assert said.stderr.splitlines()[0] == "(any photo) · in Lisbon · taken 2017-06-01 to 2017-08-31"
    assert said.stdout.count("\n") == 1 and "lisbon-cat.jpg" in said.stdout
    assert "(Lisbon, Portugal)" in said.stdout
    hits = json.loads(run_cli("search", "a photo", "--place", "Lisboa", "--json").stdout)
    assert len(hits) == 3 and {hit["place"] for hit in hits} == {"Lisbon, Portugal"}
    literal = json.loads(run_cli("search", "Lisbon 2017", "--literal", "--json").stdout)
    assert len(literal) == 8
    newest = json.loads(run_cli("search", "--no-location", "--sort", "newest", "--json").stdout)
    assert [os.path.basename(hit["path"]) for hit in newest] == ["no-gps-coins.jpg"]
    bad = run_cli("search", "cat", "--from", "2019-13-01", check=False)
    assert bad.returncode == 2 and "--from must be a date like 2019-08-03" in bad.stderr
    for query in ("a" * 1001, "!!!???...", "кошка 猫 قطة 🐈 2017-99-99", "\x01 from to \x7f"):
        result = run_cli("search", query, check=False)  # a process argument holds no NUL
        assert result.returncode in (0, 2) and "Traceback" not in result.stderr, query
    assert "6 photos with a place (7 with GPS)" in run_cli("status").stdout
