"""The search page's chips, its "only close matches" / "show more" choice, alt text, and
thumbnails that browsers keep for good, as the server renders and sends them."""

from __future__ import annotations

import dataclasses
import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from photosearch.library import PhotoLibrary
from photosearch.web import create_app

from ..album import write_album


@pytest.fixture
def album(config, tiny_embedder, photo_tree, tmp_path):
    """The album of known places and dates, with the shipped minimum scores."""
    config = dataclasses.replace(config, min_score=0.2, min_score_photo=0.5)
    library = PhotoLibrary(config, embedder=tiny_embedder)
    library.index([write_album(photo_tree, tmp_path / "Album")])
    app = create_app(library.config, library)
    app.testing = True
    yield library, app.test_client()
    library.close()


def links(page: str, pattern: str) -> dict[str, dict[str, list[str]]]:
    """Each link whose attributes match `pattern`: its text → its query parameters."""
    found = {}
    for attributes, text in re.findall(r"<a ([^>]*)>([^<]*)</a>", page):
        if re.search(pattern, attributes):
            href = html.unescape(re.search(r'href="([^"]*)"', attributes)[1])
            found[html.unescape(text)] = parse_qs(urlsplit(href).query)
    return found


def test_every_filter_in_use_is_a_chip_whose_link_drops_it(album):
    _, client = album
    page = client.get(
        "/?q=a+cat&type=jpeg&camera=Canon&has_location=true&sort=newest&offset=40"
    ).get_data(as_text=True)
    chips = re.findall(r'<span class="chip" data-filter="(\w+)">([^<]*)<a class="remove"', page)
    assert chips == [
        ("camera", "camera: Canon"),
        ("type", "type: jpeg"),
        ("has_location", "with GPS"),
        ("sort", "newest first"),
    ]
    removes = links(page, r'class="remove"')
    assert removes["×"]  # every chip's × is a plain link
    for name, label in chips:
        chip = re.search(rf'data-filter="{name}">.*?href="([^"]*)"', page)[1]
        asked = parse_qs(urlsplit(html.unescape(chip)).query)
        assert name not in asked and "offset" not in asked, label
        assert asked["q"] == ["a cat"] and len(asked) == 4  # the others stay
    assert 'Filters <span class="count">(4)</span>' in page
    assert "<details" in page and 'id="drawer"' in page


def test_close_matches_or_more_stand_for_the_minimum_score(album):
    _, client = album
    page = client.get("/?q=a+cat").get_data(as_text=True)
    choice = links(page, r'id="(only-close|show-more)"')
    assert choice == {
        "Only close matches": {"q": ["a cat"]},
        "Show more": {"q": ["a cat"], "min_score": ["0.15"]},
    }
    assert re.search(r'id="only-close" aria-current=true', page)
    assert 'value="" placeholder="0.2"' in page  # the number itself, in the drawer

    wider = client.get("/?q=a+cat&min_score=0.15").get_data(as_text=True)
    assert re.search(r'id="show-more" aria-current=true', wider)
    assert not re.search(r'id="only-close" aria-current', wider)
    assert 'data-filter="min_score"' not in wider
    assert 'value="0.15" placeholder="0.2"' in wider

    custom = client.get("/?q=a+cat&min_score=0.3").get_data(as_text=True)
    assert "aria-current" not in custom
    assert re.search(
        r'data-filter="min_score">score at least 0.30<a class="remove" href="/\?q=a\+cat"', custom
    )

    like = client.get("/?like=1").get_data(as_text=True)  # photo queries: 0.5, and 0.4
    assert links(like, r'id="show-more"')["Show more"]["min_score"] == ["0.4"]
    assert 'id="closeness"' not in client.get("/?type=jpeg").get_data(as_text=True)  # no scores


def test_alt_text_says_date_place_and_name_and_the_api_has_it(album):
    _, client = album
    page = client.get("/?q=a+photo&min_score=-1").get_data(as_text=True)
    alts = set(re.findall(r'<img src="[^"]*"\s+srcset="[^"]*"\s+sizes="[^"]*" alt="([^"]*)"', page))
    assert "Photo taken 2017-07-10 in Lisbon, Portugal: lisbon-cat.jpg" in alts
    assert "Photo taken 2017-07-20: no-gps-coins.jpg" in alts
    assert "Photo in Lisbon, Portugal: undated-wall.jpg" in alts
    assert len(alts) == 8
    hits = client.get("/api/search?q=a+photo&min_score=-1").get_json()["results"]
    assert {hit["alt"] for hit in hits} == {html.unescape(alt) for alt in alts}
    cat = next(hit["id"] for hit in hits if hit["name"] == "lisbon-cat.jpg")
    alt = "Photo taken 2017-07-10 in Lisbon, Portugal: lisbon-cat.jpg"
    assert client.get(f"/api/photos/{cat}").get_json()["alt"] == alt
    assert f'alt="{alt}"' in client.get(f"/photos/{cat}").get_data(as_text=True)


def test_thumbnails_are_sized_for_the_screen_and_kept_for_good(album):
    library, client = album
    hit = client.get("/api/search?q=a+cat&min_score=-1&limit=1").get_json()["results"][0]
    digest = library.store.photo(hit["id"]).content_hash
    assert hit["thumbnail_url"] == f"/media/{hit['id']}/thumbnail?v={digest[:12]}"
    assert hit["preview_url"] == f"/media/{hit['id']}/preview?v={digest[:12]}"
    page = client.get("/?q=a+cat&min_score=-1&limit=1").get_data(as_text=True)
    srcset = f"{hit['thumbnail_url']} 320w, {hit['preview_url']} 1600w"
    assert f'srcset="{html.escape(srcset)}"' in page and 'loading="lazy"' in page
    width, height = re.search(r'width="(\d+)" height="(\d+)"', page).groups()
    assert max(int(width), int(height)) == 320  # the thumbnail's own size: no layout shift

    for url in (hit["thumbnail_url"], hit["preview_url"]):
        kept = client.get(url)
        assert kept.status_code == 200 and kept.mimetype == "image/jpeg"
        assert kept.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    stale = client.get(f"/media/{hit['id']}/thumbnail?v=0000000000ab")  # another content's
    assert stale.headers["Cache-Control"] == "private, max-age=86400"
    bare = client.get(f"/media/{hit['id']}/thumbnail")
    assert bare.headers["Cache-Control"] == "private, max-age=86400" and bare.headers["ETag"]


def test_behind_a_token_no_shared_cache_keeps_them(album):
    library, _ = album
    app = create_app(dataclasses.replace(library.config, access_token="secret"), library)
    client = app.test_client()
    headers = {"Authorization": "Bearer secret"}
    hit = client.get("/api/search?q=a+cat&min_score=-1&limit=1", headers=headers).get_json()
    response = client.get(hit["results"][0]["thumbnail_url"], headers=headers)
    assert response.headers["Cache-Control"] == "private, max-age=31536000, immutable"
