"""(b) Search latency and recall at 10k, 100k and 1M vectors, exact and approximate;
(e) search with a filter that keeps 1% of photos; (f) text queries through the JSON API.
Latency covers everything but text encoding: FAISS, the filter query, fetching the rows."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import insert

from photosearch.search.searcher import Searcher
from photosearch.store import Filters, Store
from photosearch.store.schema import EmbeddingRow, PhotoRow

from .common import Row, clustered_vectors, config_for, latencies_ms, p50_p95

DIM = 512
QUERIES = 200


# Where the benchmark's photos were taken: near these cities, a few kilometres around each.
CITIES = [
    (38.7223, -9.1393),
    (41.1579, -8.6291),
    (48.8566, 2.3522),
    (51.5074, -0.1278),
    (52.5200, 13.4050),
    (41.9028, 12.4964),
    (40.4168, -3.7038),
    (59.3293, 18.0686),
    (40.7128, -74.0060),
    (34.0522, -118.2437),
    (-33.8688, 151.2093),
    (-37.8136, 144.9631),
    (35.6762, 139.6503),
    (-22.9068, -43.1729),
    (-34.6037, -58.3816),
    (19.4326, -99.1332),
    (55.7558, 37.6173),
    (1.3521, 103.8198),
    (-33.9249, 18.4241),
    (30.0444, 31.2357),
    (46.9480, 7.4474),
    (47.4979, 19.0402),
    (50.0755, 14.4378),
    (37.9838, 23.7275),
]


def build_store(
    directory: Path, count: int, model: str = "ViT-B-32:/nowhere.pt", key: str = "ViT-B-32:bench"
):
    """A real database with `count` photos and their vectors (1% of them PNG, the rest JPEG),
    taken over fifteen years near two dozen cities (their places not named yet), for the
    model `key` (a model of that name, indexed last)."""
    config = config_for(directory, model)
    store = Store(config)
    model = store.ensure_model(key, "ViT-B-32", None, "0" * 64, DIM)
    if store.counts(model.id)["vectors"] == count:
        return config, store, store.model(model.id)
    stamp = datetime(2024, 1, 1)
    with store.engine.begin() as connection:
        for start, vectors in clustered_vectors(count, DIM):
            ids = range(start + 1, start + len(vectors) + 1)
            connection.execute(
                insert(PhotoRow),
                [
                    {
                        "id": i,
                        "path": f"/photos/{i // 1000}/{i}.jpg",
                        "size": 1,
                        "mtime_ns": 1,
                        "content_hash": f"{i:064x}",
                        "format": "PNG" if i % 100 == 0 else "JPEG",
                        "indexed_at": stamp,
                        "taken_at": datetime(2010, 1, 1) + timedelta(hours=i * 131 % 131_000),
                        "latitude": CITIES[i % len(CITIES)][0] + (i % 97 - 48) / 2000,
                        "longitude": CITIES[i % len(CITIES)][1] + (i % 89 - 44) / 2000,
                    }
                    for i in ids
                ],  # fmt: skip
            )
            connection.execute(
                insert(EmbeddingRow),
                [
                    {"photo_id": i, "model_id": model.id, "vector": v.tobytes()}
                    for i, v in zip(ids, vectors, strict=True)
                ],
            )
    with store.writer() as writer:
        writer.vectors_changed(model.id)
    store.mark_indexed(model.id, config.model)
    return config, store, store.model(model.id)


def queries(count: int) -> np.ndarray:
    """Queries from the same distribution as the photos (a different seed)."""
    _, vectors = next(clustered_vectors(count, DIM, seed=99))
    return vectors


def run_size(work: Path, count: int, repeats: int) -> list[Row]:
    config, store, model = build_store(work / f"search-{count}", count)
    rows = []
    name = f"search {count:,} vectors (top 20, rows fetched)"
    results = {}
    timings = {}
    for kind in ("flat", "ivf"):
        searcher = Searcher(store, None, model, dataclasses.replace(config, index_type=kind))
        index = searcher.index  # built (or read) as this kind
        probe = queries(QUERIES)
        results[kind] = [index.search(q, 10)[1][0] for q in probe]
        iterator = iter(np.tile(probe, (repeats // QUERIES + 1, 1)))
        timings[kind] = latencies_ms(
            lambda s=searcher, it=iterator: s.vector(next(it), 20), repeats
        )
        filtered = iter(np.tile(probe, (repeats // QUERIES + 1, 1)))
        only_png = Filters(formats=("PNG",))
        timings[f"{kind}-filtered"] = latencies_ms(
            lambda s=searcher, it=filtered, f=only_png: s.vector(next(it), 20, filters=f), repeats
        )
    recall = float(
        np.mean(
            [
                len(set(a) & set(e)) / 10
                for a, e in zip(results["ivf"], results["flat"], strict=True)
            ]
        )
    )
    exact50, exact95 = p50_p95(timings["flat"])
    approx50, approx95 = p50_p95(timings["ivf"])
    target = {100_000: 10.0, 1_000_000: 30.0}.get(count)
    auto = "ivf" if count >= config.ann_threshold else "flat"
    auto50 = approx50 if auto == "ivf" else exact50
    rows += [
        Row(name, "exact (flat) p50", exact50, "ms"),
        Row(name, "exact (flat) p95", exact95, "ms"),
        Row(name, "approximate (IVF) p50", approx50, "ms", "exact p50", exact50),
        Row(name, "approximate (IVF) p95", approx95, "ms", "exact p95", exact95),
        Row(
            name, f"auto ({auto}) p50", auto50, "ms", "exact p50", exact50,
            f"<= {target:g} ms" if target else "", auto50 <= target if target else None,
        ),
        Row(
            name, "IVF recall@10 vs exact", recall, "", "", None, ">= 0.95" if target else "",
            recall >= 0.95 if target else None,
        ),
    ]  # fmt: skip
    for kind in ("flat", "ivf"):
        f50, f95 = p50_p95(timings[f"{kind}-filtered"])
        plain50, _ = p50_p95(timings[kind])
        rows.append(
            Row(name, f"{kind} + filter keeping 1%: p50", f50, "ms", f"{kind} p50", plain50)
        )
        rows.append(Row(name, f"{kind} + filter keeping 1%: p95", f95, "ms"))
    store.close()
    return rows


def run(quick: bool, work: Path) -> list[Row]:
    sizes = [10_000, 100_000] if quick else [10_000, 100_000, 1_000_000]
    rows = []
    for count in sizes:
        rows += run_size(work, count, 200 if quick else 500)
    return rows
