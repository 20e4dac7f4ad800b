"""(f) Text queries end to end through the JSON API at 100k photos with the model warm and the
default runtime, against the text encoding that ran before runtimes were chosen (eager fp32
over the whole 77-token context). Every timed query is new, so the query cache does not help;
a separate row shows a repeated query, which it does."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from photosearch.library import PhotoLibrary
from photosearch.model.embedder import Embedder
from photosearch.model.loading import load_model, parse_model
from photosearch.model.runtime.selection import select_engines
from photosearch.web import create_app

from .common import Row, config_for, latencies_ms, p50_p95, random_checkpoint
from .search import build_store

QUERIES = ["a dog on the beach", "snow + mountains - people", "a red car at night",
           "birthday cake with candles", "two cats sleeping on a sofa"]  # fmt: skip


def fresh_queries():
    """Endless distinct queries: the five above, numbered."""
    number = 0
    while True:
        number += 1
        for query in QUERIES:
            yield f"{query} {number}"


def run(quick: bool, work: Path) -> list[Row]:
    count = 10_000 if quick else 100_000
    data = work / f"search-{count}"
    build_store(data, count)[1].close()
    model = random_checkpoint(work)
    config = config_for(data, model, min_score=-1.0, device="cpu")
    loaded = load_model(parse_model(model, config), config, "cpu")
    embedder = Embedder(loaded, "cpu", select_engines(loaded, config, "cpu"))
    library = PhotoLibrary(config, embedder=embedder)
    # Serve the benchmark's vectors under this model's identity: same dimension, same space.
    library.model = library.store.models()[0]
    client = create_app(config, library).test_client()
    client.get("/api/search?q=warm")
    repeats = 50 if quick else 200
    queries = fresh_queries()

    def request(query: str | None = None) -> None:
        query = query or next(queries)
        response = client.get("/api/search", query_string={"q": query, "limit": 40})
        assert response.status_code == 200 and len(response.get_json()["results"]) == 40

    api50, api95 = p50_p95(latencies_ms(request, repeats))
    cached50, _ = p50_p95(latencies_ms(lambda: request(QUERIES[0]), repeats))
    encode50, _ = p50_p95(latencies_ms(lambda: embedder.embed_texts([next(queries)]), repeats))

    def before() -> None:
        with torch.inference_mode():
            loaded.model.encode_text(loaded.tokenizer([next(queries)]))

    before50, before95 = p50_p95(latencies_ms(before, repeats))
    concurrent = concurrent_clients(create_app(config, library), queries, 8, repeats // 2)
    library.close()
    name = f"(f) GET /api/search, {count:,} photos, ViT-B-32 text tower ({embedder.runtime})"
    return [
        Row(name, "before: eager fp32 77-token encoding p50", before50, "ms"),
        Row(name, "text encoding p50", encode50, "ms", "before", before50),
        Row(name, "whole request p50", api50, "ms", "before", before50, "<= 20 ms", api50 <= 20),
        Row(name, "whole request p95", api95, "ms", "before p95", before95),
        Row(name, "repeated query (cached vector) p50", cached50, "ms"),
        Row(name, "8 concurrent clients, waitress, p50", concurrent["p50"], "ms"),
        Row(name, "8 concurrent clients, waitress, p95", concurrent["p95"], "ms"),
        Row(name, "8 concurrent clients: requests/s", concurrent["rate"], "req/s"),
        Row(name, "8 concurrent clients: errors", concurrent["errors"], "requests"),
    ]


def concurrent_clients(app, queries, clients: int, each: int) -> dict:
    """Latency and errors with `clients` HTTP clients at once against the production server
    (waitress, 8 threads) on loopback: what a household's phones and laptops do together."""
    import threading
    import urllib.request

    from waitress import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=8)
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{server.effective_port}/api/search"
    lock = threading.Lock()
    texts = [next(queries) for _ in range(clients * each)]
    times, errors = [], 0

    def client(number: int) -> None:
        nonlocal errors
        for query in texts[number::clients]:
            started = time.perf_counter()
            try:
                url = f"{base}?{urllib.parse.urlencode({'q': query, 'limit': 40})}"
                with urllib.request.urlopen(url, timeout=30) as response:
                    ok = response.status == 200
            except OSError:
                ok = False
            with lock:
                times.append((time.perf_counter() - started) * 1000)
                errors += not ok

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    server.close()
    p50, p95 = p50_p95(np.array(times))
    return {"p50": p50, "p95": p95, "rate": len(times) / seconds, "errors": errors}
