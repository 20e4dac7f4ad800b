"""The timeline through Flask's test client on a real index: /api/timeline walked to the end
by its cursors, its months, a hostile cursor, and the home page (first page, its headers and
tiles, its scrubber, its next-page links without JavaScript, filters)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

pytestmark = pytest.mark.both_databases


def walk(client, query: str = "", limit: int = 7) -> list[dict]:
    photos, cursor = [], None
    while True:
        url = f"/api/timeline?limit={limit}{query}" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url)
        assert page.status_code == 200, page.get_json()
        photos += page.get_json()["photos"]
        cursor = page.get_json()["next_cursor"]
        if cursor is None:
            return photos


def newest_first(photo: dict) -> tuple:
    taken = datetime.fromisoformat(photo["taken_at"]) if photo["taken_at"] else datetime.min
    return photo["taken_at"] is not None, taken, photo["id"]


def test_the_api_walks_every_photo_once_newest_first_undated_last(client):
    photos = walk(client)
    assert len(photos) == 25 and len({photo["id"] for photo in photos}) == 25
    assert photos == sorted(photos, key=newest_first, reverse=True)
    assert {"url", "thumbnail_url", "preview_url", "original_url", "width"} <= set(photos[0])


def test_the_search_filters_apply(client):
    pngs = walk(client, "&type=png", limit=2)
    searched = client.get("/api/search?type=png&limit=200").get_json()["results"]
    assert pngs and {photo["id"] for photo in pngs} == {hit["id"] for hit in searched}
    assert walk(client, "&folder=/nowhere/at/all") == []


def test_months_count_every_dated_photo_and_jump_to_theirs(client):
    found = client.get("/api/timeline/months").get_json()
    photos = walk(client, limit=100)
    dated = [photo for photo in photos if photo["taken_at"]]
    assert sum(month["photos"] for month in found["months"]) == len(dated)
    assert found["undated"]["photos"] == len(photos) - len(dated)
    oldest = found["months"][-1]
    assert oldest["label"] == datetime(oldest["year"], oldest["month"], 1).strftime("%B %Y")
    page = client.get(f"/api/timeline?cursor={oldest['cursor']}").get_json()
    assert page["photos"][0]["taken_at"].startswith(f"{oldest['year']}-{oldest['month']:02}")
    assert len(page["photos"]) == oldest["photos"] + found["undated"]["photos"]


def test_from_a_jump_the_pages_before_lead_back_to_the_newest(client):
    """A page landed on by a cursor says what is before it; walked up, its previous cursors
    give every newer photo once, in timeline order, and end at the newest."""
    photos = walk(client, limit=100)
    middle = client.get(f"/api/timeline?limit=5&cursor={walk_cursor(client, 12)}").get_json()
    assert middle["photos"][0]["id"] == photos[12]["id"]
    newer, before = [], middle["previous_cursor"]
    while before:
        page = client.get(f"/api/timeline?limit=5&before={before}").get_json()
        assert "next_cursor" not in page
        newer = page["photos"] + newer
        before = page["previous_cursor"]
    assert [photo["id"] for photo in newer] == [photo["id"] for photo in photos[:12]]
    assert client.get("/api/timeline").get_json()["previous_cursor"] is None  # the newest
    both = client.get(f"/api/timeline?cursor={before or 'x'}&before=x")
    assert both.status_code == 400 and b"not both" in both.data


def walk_cursor(client, index: int) -> str:
    """The cursor after the first `index` photos of the timeline."""
    return client.get(f"/api/timeline?limit={index}").get_json()["next_cursor"]


@pytest.mark.parametrize("cursor", ["%00", "not-a-cursor", "MjAyMXwx" * 200, "fC14"])
def test_a_hostile_cursor_is_a_clean_400_naming_it(client, cursor):
    for url in (f"/api/timeline?cursor={cursor}", f"/?cursor={cursor}"):
        answer = client.get(url)
        assert answer.status_code == 400 and b"cursor" in answer.data


def test_the_home_page_is_the_timeline_with_links_for_no_javascript(client):
    home = client.get("/").get_data(as_text=True)
    assert "25 photos indexed" in home
    assert home.count('class="tile"') == 25 and 'class="gallery timeline"' in home
    assert re.search(r'<h2 class="month-header">\w+ \d{4}</h2>', home)
    assert 'id="scrubber"' in home and 'id="timeline-next"' not in home
    shown, url = [], "/?limit=10&type=jpeg,png"
    while url:
        page = client.get(url.replace("&amp;", "&")).get_data(as_text=True)
        shown += re.findall(r'data-photo-id="(\d+)"', page)
        found = re.search(r'href="([^"]+)" id="timeline-next"', page)
        url = found and found.group(1)
    jpegs_and_pngs = walk(client, "&type=jpeg,png")
    assert shown == [str(photo["id"]) for photo in jpegs_and_pngs]


def test_a_filter_alone_shows_the_timeline_filtered(client):
    served = client.get("/api/search?has_location=true").get_json()["results"]
    page = client.get("/?has_location=true").get_data(as_text=True)
    assert served and sorted(re.findall(r'data-photo-id="(\d+)"', page)) == sorted(
        str(hit["id"]) for hit in served
    )


def test_explores_years_and_places_open_the_timeline_filtered_to_them(client):
    explored = client.get("/api/explore").get_json()
    entries = explored["years"] + explored["places"]
    assert explored["years"]
    for entry in entries:
        page = client.get(entry["url"]).get_data(as_text=True)
        assert 'class="gallery timeline"' in page
        assert len(re.findall(r'data-photo-id="(\d+)"', page)) == entry["photos"]
