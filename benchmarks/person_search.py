"""(u) `person=` through the JSON API at 100k photos with 200k faces: a person's photos newest
first, and two people's, with the vectors of benchmark (e)'s store. Who is in which photo
follows a power law, as in a family's library: a few people in thousands of photos, most in a
few dozen; the names asked for are the 100 named people, big and small alike. No text is
encoded (benchmark (f) has that), so no model is loaded: the figure is the filter's and the
hits' people."""

from __future__ import annotations

import json
from datetime import datetime
from itertools import cycle
from pathlib import Path

import numpy as np
from sqlalchemy import func, insert, select

from photosearch.library import PhotoLibrary
from photosearch.store.schema import FaceRow, PersonRow
from photosearch.web import create_app

from .common import Row, latencies_ms, p50_p95, settled
from .search import build_store

PEOPLE = 2_000
NAMED = 100


def run(quick: bool, work: Path) -> list[Row]:
    count = 10_000 if quick else 100_000
    config, store, model = build_store(work / f"search-{count}", count)
    names = add_faces(store, count)
    settled(store)
    library = PhotoLibrary(config)
    library.model = model  # the store's vectors; nothing to encode
    client = create_app(config, library).test_client()
    repeats = 50 if quick else 200
    one, two = cycle(names), cycle(zip(names, names[1:] + names[:1], strict=True))

    def asked(*people: str) -> None:
        fields = [("limit", "40"), *(("person", name) for name in people)]
        response = client.get("/api/search", query_string=fields)
        assert response.status_code == 200, response.get_json()

    asked(names[0])  # warm: the FAISS file, the names
    one50, one95 = p50_p95(latencies_ms(lambda: asked(next(one)), repeats))
    two50, _ = p50_p95(latencies_ms(lambda: asked(*next(two)), repeats))
    library.close()
    store.close()
    database = "PostgreSQL" if config.database_url.startswith("postgresql") else "SQLite"
    name = f"(u) GET /api/search?person=NAME, {count:,} photos, {2 * count:,} faces ({database})"
    return [
        Row(
            name, "one person, newest first, p50", one50, "ms", target="<= 20 ms", met=one50 <= 20
        ),  # fmt: skip
        Row(name, "one person p95", one95, "ms"),
        Row(name, "two people p50", two50, "ms"),
    ]


def add_faces(store, count: int) -> list[str]:
    """Two faces a photo, each of one of PEOPLE people drawn by a power law; the NAMED
    people with the most faces and some of the rest named. Their names."""
    with store.engine.begin() as connection:
        if connection.execute(select(func.count()).select_from(FaceRow)).scalar() == 2 * count:
            return [n for (n,) in connection.execute(select(PersonRow.name).where(
                PersonRow.name.is_not(None)).order_by(PersonRow.id))]  # fmt: skip
        rng = np.random.default_rng(11)
        weights = 1 / np.arange(1, PEOPLE + 1) ** 1.1
        named = set(range(NAMED // 2)) | set(rng.choice(PEOPLE, NAMED // 2, replace=False))
        connection.execute(insert(PersonRow), [
            {"id": i + 1, "name": f"Person {i}" if i in named else None, "hidden": False,
             "created_at": datetime(2024, 1, 1)} for i in range(PEOPLE)])  # fmt: skip
        who = rng.choice(PEOPLE, size=(count, 2), p=weights / weights.sum()) + 1
        descriptor = np.zeros(128, np.float32).tobytes()
        landmarks = json.dumps([[0.5, 0.4]] * 5)
        for start in range(0, count, 10_000):
            connection.execute(insert(FaceRow), [
                {"content_hash": f"{i + 1:064x}", "model_version": "bench-1", "number": n,
                 "left": 0.1 + 0.4 * n, "top": 0.2, "width": 0.2, "height": 0.2,
                 "landmarks": landmarks, "score": 0.9, "descriptor": descriptor,
                 "person_id": int(who[i, n]), "assigned_by": "auto"}
                for i in range(start, min(count, start + 10_000)) for n in (0, 1)])  # fmt: skip
    return [f"Person {i}" for i in sorted(named)]
