"""The timeline's keyset pagination on SQLite and PostgreSQL: newest first, ties on the date
broken by id, undated photos last, every photo on exactly one page whatever the page size, the
search filters, the months of the scrubber and a jump to any of them."""

from __future__ import annotations

from datetime import datetime

import pytest

from photosearch.config import Config
from photosearch.errors import BadParameter
from photosearch.metadata import PhotoMeta
from photosearch.store import UNDATED, Cursor, Filters, Store

pytestmark = pytest.mark.both_databases

NOON = datetime(2021, 3, 5, 12, 0)
PHOTOS = [  # path, taken at, format
    ("/p/2019/a.jpg", datetime(2019, 12, 31, 23, 59), "JPEG"),
    ("/p/2021/b.jpg", NOON, "JPEG"),
    ("/p/2021/c.png", NOON, "PNG"),  # the same second as b: id decides
    ("/p/2021/d.jpg", datetime(2021, 3, 1, 0, 0), "JPEG"),
    ("/p/2020/e.jpg", datetime(2020, 1, 1, 0, 0), "JPEG"),
    ("/p/scans/f.png", None, "PNG"),
    ("/p/2021/g.jpg", NOON, "JPEG"),  # a third at noon
    ("/p/scans/h.jpg", None, "JPEG"),
    ("/p/2021/i.jpg", datetime(2021, 11, 20, 8, 0), "JPEG"),
]


@pytest.fixture
def store(tmp_path, database_url):
    store = Store(Config.load(environ={}, data_dir=tmp_path / "data", database_url=database_url))
    with store.writer() as writer:
        for number, (path, taken_at, kind) in enumerate(PHOTOS):
            writer.add_photo(path, 1, 1, f"{number:064}", PhotoMeta(format=kind, taken_at=taken_at))
    yield store
    store.close()


def names(store: Store, ids: list[int]) -> list[str]:
    photos = store.photos(ids)
    return [photos[photo_id].path.rsplit("/", 1)[1][0] for photo_id in ids]


def walk(store: Store, filters: Filters, limit: int, after: Cursor | None = None) -> list[str]:
    found = []
    while True:
        ids, after = store.timeline_page(filters, after, limit)
        assert len(ids) <= limit
        found += names(store, ids)
        if after is None:
            return found
        assert len(ids) == limit  # a next page only after a full one


NEWEST_FIRST = list("igcbdeahf")  # ties at noon newest id first; undated last, newest id first


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 8, 9, 10, 100])
def test_every_photo_once_newest_first_whatever_the_page_size(store, limit):
    assert walk(store, Filters(), limit) == NEWEST_FIRST


def test_a_cursor_survives_its_encoding(store):
    ids, after = store.timeline_page(Filters(), None, 2)
    token = after.encode()
    assert Cursor.decode(token) == after
    assert names(store, store.timeline_page(Filters(), Cursor.decode(token), 2)[0]) == ["c", "b"]
    assert Cursor.decode(UNDATED.encode()) == UNDATED


HOSTILE = [  # empty; not base64; no "|"; "2021-03-05|-x"; too long; a date with a zone
    "",
    "!!!",
    "bm9wZQ",
    "MjAyMS0wMy0wNXwteA",
    "x" * 5000,
    "MjAyMS0wMS0wMVQwMDowMCswNTowMHwx",
]


@pytest.mark.parametrize("token", HOSTILE)
def test_a_hostile_cursor_is_a_bad_parameter_naming_it(token):
    with pytest.raises(BadParameter, match="cursor"):
        Cursor.decode(token)


def test_filters_apply(store):
    assert walk(store, Filters(formats=("PNG",)), 1) == ["c", "f"]
    assert walk(store, Filters(folder="/p/2021"), 2) == list("igcbd")
    in_2021 = Filters(date_from=datetime(2021, 1, 1).date(), date_to=datetime(2021, 3, 5).date())
    assert walk(store, in_2021, 2) == list("gcbd")  # dated photos only: undated never match


def test_months_count_the_filtered_photos_newest_first(store):
    assert store.timeline_months(Filters()) == [
        (2021, 11, 1),
        (2021, 3, 4),
        (2020, 1, 1),
        (2019, 12, 1),
    ]
    assert store.timeline_months(Filters(formats=("PNG",))) == [(2021, 3, 1)]
    assert store.undated_count(Filters()) == 2
    assert store.undated_count(Filters(folder="/p/2021")) == 0


def test_a_month_cursor_jumps_to_that_month(store):
    assert walk(store, Filters(), 2, Cursor.month(2021, 3)) == list("gcbdeahf")
    assert walk(store, Filters(), 3, Cursor.month(2019, 12)) == list("ahf")  # December
    assert walk(store, Filters(), 3, Cursor.month(2020, 6)) == list("eahf")  # a month without
    assert walk(store, Filters(), 1, UNDATED) == ["h", "f"]
    assert walk(store, Filters(folder="/p/2021"), 5, UNDATED) == []


def walk_up(store: Store, filters: Filters, limit: int, before: Cursor) -> list[str]:
    """Every photo before the cursor, a page at a time towards the newest, in timeline order."""
    found: list[str] = []
    while True:
        ids, before = store.timeline_page_before(filters, before, limit)
        assert len(ids) <= limit
        found = names(store, ids) + found
        if before is None:
            return found
        assert len(ids) == limit


@pytest.mark.parametrize("limit", [1, 2, 3, 9, 100])
def test_from_any_photo_the_pages_before_it_hold_every_newer_one_once(store, limit):
    """What a jump lands on grows upwards: from each photo's place, the newer photos."""
    for place in range(len(NEWEST_FIRST)):
        ids, _ = store.timeline_page(Filters(), None, place + 1)
        first = store.photos([ids[-1]])[ids[-1]]
        at = Cursor(first.taken_at, first.id)
        assert walk_up(store, Filters(), limit, at) == NEWEST_FIRST[:place]


def test_the_pages_before_a_month_or_the_undated_and_with_filters(store):
    assert walk_up(store, Filters(), 2, Cursor.month(2021, 3)) == ["i"]
    assert walk_up(store, Filters(), 2, Cursor.month(2019, 12)) == list("igcbde")
    assert walk_up(store, Filters(), 4, UNDATED) == list("igcbdea")
    assert walk_up(store, Filters(formats=("PNG",)), 1, UNDATED) == ["c"]
    assert walk_up(store, Filters(), 3, Cursor.month(2022, 1)) == []
