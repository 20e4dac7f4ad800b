"""(p) The timeline at 100,000 photos: the server time of `GET /api/timeline` (a page of 100,
through Flask's test client: parsing, the store, the photos' rows, their JSON) at the first
page and at the last, reached by walking the cursors; against the same query paged by OFFSET
at the same depth, which walks every row before the page."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from photosearch.library import PhotoLibrary
from photosearch.store import Cursor, Filters
from photosearch.store.schema import PhotoRow
from photosearch.web import create_app

from .common import Row, latencies_ms, p50_p95
from .search import build_store

PAGE = 100


def last_cursor(store) -> tuple[str, int]:
    """The cursor of the last page of 100, and how many photos come before it."""
    cursor, before = None, 0
    while True:
        ids, following = store.timeline_page(Filters(), cursor, PAGE)
        if following is None:
            return cursor.encode(), before
        cursor, before = following, before + len(ids)


def offset_page(store, depth: int) -> list:
    """The baseline: the same order, paged by OFFSET, and the same photos' rows."""
    query = (
        select(PhotoRow.id)
        .where(PhotoRow.taken_at.is_not(None))
        .order_by(PhotoRow.taken_at.desc(), PhotoRow.id.desc())
        .offset(depth)
        .limit(PAGE)
    )
    with store.engine.connect() as connection:
        ids = list(connection.scalars(query))
    return list(store.photos(ids).values())


def run(quick: bool, work: Path) -> list[Row]:
    return run_size(work, 100_000, 100 if quick else 300)


def run_size(work: Path, count: int, repeats: int) -> list[Row]:
    config, store, _ = build_store(work / f"search-{count}", count)
    store.close()
    library = PhotoLibrary(config)
    client = create_app(config, library).test_client()
    last, depth = last_cursor(library.store)

    def served(url: str) -> float:
        def get():
            answer = client.get(url)
            assert answer.status_code == 200 and len(answer.get_json()["photos"]) == PAGE

        return p50_p95(latencies_ms(get, repeats))

    first50, first95 = served(f"/api/timeline?limit={PAGE}")
    last50, last95 = served(f"/api/timeline?limit={PAGE}&cursor={last}")
    keyset_store = p50_p95(
        latencies_ms(lambda: library.timeline(Filters(), None, Cursor.decode(last), PAGE), repeats)
    )[0]
    offset_first = p50_p95(latencies_ms(lambda: offset_page(library.store, 0), repeats))[0]
    offset_last = p50_p95(latencies_ms(lambda: offset_page(library.store, depth), repeats))[0]
    scrubber = latencies_ms(lambda: client.get("/api/timeline/months"), max(repeats // 4, 1))
    months = p50_p95(scrubber)[0]
    months_rows = len(client.get("/api/timeline/months").get_json()["months"])
    library.close()
    name = f"(p) timeline, {count:,} photos, pages of {PAGE} (`GET /api/timeline`)"
    return [
        Row(
            name, "first page p50", first50, "ms", "OFFSET 0 (query and rows only)",
            offset_first, "<= 30 ms", first50 <= 30,
        ),
        Row(name, "first page p95", first95, "ms"),
        Row(
            name, f"last page (after {depth:,}) p50", last50, "ms",
            f"OFFSET {depth:,} (query and rows only)", offset_last, "<= 30 ms", last50 <= 30,
        ),
        Row(name, "last page p95", last95, "ms"),
        Row(
            name, "last page, library call only p50", keyset_store, "ms",
            f"OFFSET {depth:,}", offset_last,
        ),
        Row(name, f"`GET /api/timeline/months` ({months_rows} months) p50", months, "ms"),
    ]  # fmt: skip
