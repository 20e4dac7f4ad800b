"""(f) Text queries end to end through the JSON API at 100k photos with the model warm and the
default runtime, against the text encoding that ran before runtimes were chosen (eager fp32
over the whole 77-token context). Every timed query is new, so the query cache does not help;
a separate row shows a repeated query, which it does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from photosearch.library import PhotoLibrary
from photosearch.model.embedder import Embedder
from photosearch.model.loading import load_model, parse_model
from photosearch.model.runtime.selection import select_engines
from photosearch.web import create_app, warm_up

from .common import Row, config_for, latencies_ms, p50_p95, random_checkpoint
from .search import build_store

QUERIES = ["a dog on the beach", "snow + mountains - people", "a red car at night",
           "birthday cake with candles", "two cats sleeping on a sofa"]  # fmt: skip
# The subtracted term of "snow + mountains - people" would hold the place: never read there.
PLAIN_QUERIES = [query for query in QUERIES if " - " not in query]
PLACES = ["in Lisbon", "in Paris", "Sydney", "near Tokyo", "in Portugal", "at Berlin"]
WHEN = ["summer {year}", "{year}", "July {year}", "winter {year}", "from {year} to 2024"]


def fresh_queries(queries: list[str] = QUERIES):
    """Endless distinct queries: the five above (or those given), numbered."""
    number = 0
    while True:
        number += 1
        for query in queries:
            yield f"{query} {number}"


def fresh_place_and_date_queries():
    """Endless distinct queries with a place and a date in them, as people type them."""
    number = 0
    while True:
        number += 1
        for query, place, when in zip(PLAIN_QUERIES, PLACES, WHEN, strict=False):
            yield f"{query} {number} {place} {when.format(year=2010 + number % 14)}"


def served(work: Path, data: Path, model: str = "") -> tuple:
    """The benchmark store of `data` as `serve` has it, with `model` (a random ViT-B-32 unless
    given) in the default runtime: (config, loaded model, embedder, library), warm."""
    model = model or random_checkpoint(work)
    config = config_for(data, model, min_score=-1.0, device="cpu")
    loaded = load_model(parse_model(model, config), config, "cpu")
    embedder = Embedder(loaded, "cpu", select_engines(loaded, config, "cpu"))
    library = PhotoLibrary(config, embedder=embedder)
    # Serve the benchmark's vectors under this model's identity: same dimension, same space.
    library.model = library.store.models()[0]
    warm_up(library)  # as `serve` does: also names the photos' places, once
    create_app(config, library).test_client().get("/api/search?q=warm")
    return config, loaded, embedder, library


def run(quick: bool, work: Path) -> list[Row]:
    count = 10_000 if quick else 100_000
    data = work / f"search-{count}"
    build_store(data, count)[1].close()
    config, loaded, embedder, library = served(work, data)
    client = create_app(config, library).test_client()
    repeats = 50 if quick else 200
    queries = fresh_queries()

    def request(query: str | None = None) -> None:
        query = query or next(queries)
        response = client.get("/api/search", query_string={"q": query, "limit": 40})
        assert response.status_code == 200 and len(response.get_json()["results"]) == 40

    api50, api95 = p50_p95(latencies_ms(request, repeats))
    placed = fresh_place_and_date_queries()

    def placed_request() -> None:
        response = client.get("/api/search", query_string={"q": next(placed), "limit": 40})
        page = response.get_json()
        assert response.status_code == 200 and len(page["interpretation"]["understood"]) == 2

    placed50, placed95 = p50_p95(latencies_ms(placed_request, repeats))
    cached50, _ = p50_p95(latencies_ms(lambda: request(QUERIES[0]), repeats))
    encode50, _ = p50_p95(latencies_ms(lambda: embedder.embed_texts([next(queries)]), repeats))

    def before() -> None:
        with torch.inference_mode():
            loaded.model.encode_text(loaded.tokenizer([next(queries)]))

    before50, before95 = p50_p95(latencies_ms(before, repeats))
    each = 8 * (repeats // 2)
    runs = concurrent_clients(
        create_app(config, library),
        {
            "plain": [next(queries) for _ in range(each)],
            "placed": [next(placed) for _ in range(each)],
        },
        clients=8,
    )
    concurrent, concurrent_placed = runs["plain"], runs["placed"]
    library.close()
    name = f"(f) GET /api/search, {count:,} photos, ViT-B-32 text tower ({embedder.runtime})"
    return [
        Row(name, "before: eager fp32 77-token encoding p50", before50, "ms"),
        Row(name, "text encoding p50", encode50, "ms", "before", before50),
        Row(name, "whole request p50", api50, "ms", "before", before50, "<= 20 ms", api50 <= 20),
        Row(name, "whole request p95", api95, "ms", "before p95", before95),
        Row(name, "repeated query (cached vector) p50", cached50, "ms"),
        Row(
            name,
            "a place and a date in the query p50",
            placed50,
            "ms",
            "plain query",
            api50,
            "<= 20 ms",
            placed50 <= 20,
        ),  # fmt: skip
        Row(name, "a place and a date in the query p95", placed95, "ms"),
        Row(
            name,
            "8 concurrent clients, waitress, p50",
            concurrent["p50"],
            "ms",
            "one client",
            api50,
            "<= 50 ms",
            concurrent["p50"] <= 50 and not concurrent["errors"],
        ),  # fmt: skip
        Row(name, "8 concurrent clients, waitress, p95", concurrent["p95"], "ms"),
        Row(name, "8 concurrent clients: requests/s", concurrent["rate"], "req/s"),
        Row(name, "8 concurrent clients: errors", concurrent["errors"], "requests"),
        Row(
            name,
            "8 concurrent, place and date, p50",
            concurrent_placed["p50"],
            "ms",
            target="<= 50 ms",
            met=concurrent_placed["p50"] <= 50,
        ),  # fmt: skip
        Row(name, "8 concurrent, place and date: errors", concurrent_placed["errors"], "requests"),
    ]


def concurrent_clients(app, query_sets: dict[str, list[str]], clients: int) -> dict[str, dict]:
    """Latency and errors with `clients` HTTP clients at once against the production server
    (waitress, 8 threads) on loopback: what a household's phones and laptops do together. The
    clients run in a separate process, as they would on their own devices."""
    import logging
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from photosearch.web.server import Server

    from .http_clients import run_clients

    # As many clients as threads: a request waits in the queue now and then, by design.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    server = Server(app, "127.0.0.1", 0, threads=8).start()
    base = f"http://127.0.0.1:{server.port}/api/search"
    results = {}
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=spawn) as pool:
        pool.submit(run_clients, base, [], clients).result()  # the process is up and warm
        for name, texts in query_sets.items():
            times, errors, seconds = pool.submit(run_clients, base, texts, clients).result()
            p50, p95 = p50_p95(np.array(times))
            results[name] = {"p50": p50, "p95": p95, "rate": len(times) / seconds, "errors": errors}
    server.stop()
    return results
