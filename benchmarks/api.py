"""(f) Text queries end to end through the JSON API, with the model warm, against the text
encoding alone (the part no index can speed up)."""

from __future__ import annotations

from pathlib import Path

from photosearch.embedder import Embedder
from photosearch.library import PhotoLibrary
from photosearch.models import load_model, parse_model
from photosearch.web import create_app

from .common import Row, config_for, latencies_ms, p50_p95, random_checkpoint
from .search import build_store

QUERIES = ["a dog on the beach", "snow + mountains - people", "a red car at night",
           "birthday cake with candles", "two cats sleeping on a sofa"]  # fmt: skip


def run(quick: bool, work: Path) -> list[Row]:
    count = 10_000 if quick else 100_000
    data = work / f"search-{count}"
    build_store(data, count)[1].close()
    model = random_checkpoint(work)
    config = config_for(data, model, min_score=-1.0)
    embedder = Embedder(load_model(parse_model(model, config), config, "cpu"), "cpu")
    library = PhotoLibrary(config, embedder=embedder)
    # Serve the benchmark's vectors under this model's identity: same dimension, same space.
    bench_model = library.store.models()[0]
    library.model = bench_model
    client = create_app(config, library).test_client()
    client.get("/api/search?q=warm")
    queries = iter(QUERIES * 100)
    repeats = 50 if quick else 200

    def request() -> None:
        response = client.get("/api/search", query_string={"q": next(queries), "limit": 40})
        assert response.status_code == 200 and len(response.get_json()["results"]) == 40

    api50, api95 = p50_p95(latencies_ms(request, repeats))
    texts = iter(QUERIES * 100)
    encode50, encode95 = p50_p95(latencies_ms(lambda: embedder.embed_texts([next(texts)]), repeats))
    library.close()
    name = f"GET /api/search, {count:,} photos, ViT-B-32 text encoder on {embedder.device}"
    return [
        Row(name, "text encoding alone p50", encode50, "ms"),
        Row(name, "text encoding alone p95", encode95, "ms"),
        Row(name, "whole request p50", api50, "ms", "encoding p50", encode50),
        Row(name, "whole request p95", api95, "ms", "encoding p95", encode95),
    ]
