"""(v) Videos do not slow photo search: text queries through the JSON API (as (f) times them:
every query new, 40 results) at 100k photos alone and at the same 100k photos plus 2,000 videos
of 5 minutes, each with 100 scenes (the sampling rule's 20 a minute): 200,000 frame vectors
more, their `video_frames` rows and `embeddings.frame` numbers written straight into the
database, as (b) writes its photos. Both libraries are served at once and queried in turns, so
a busy moment of the shared machine hurts both alike. Two stores at once: SQLite only."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import insert

from photosearch.store import Store, frame_key
from photosearch.store.schema import EmbeddingRow, PhotoRow, VideoFrameRow
from photosearch.web import create_app

from .api import fresh_queries, served
from .common import Row, clustered_vectors, config_for, latencies_ms, p50_p95, settled
from .search import DIM, build_store
from .video_index import runtime_shared

MINUTES, SCENES = 5, 100  # a video's length, and its scenes: 20 a minute, the rule's cap
TARGET_MS = 20


def with_videos(directory: Path, photos: int, videos: int) -> None:
    """(b)'s store of `photos` photos in `directory` and, after them, `videos` videos, each
    with its SCENES frames and their vectors (from the photos' distribution, another seed)."""
    if (directory / "photosearch.db").exists():
        store = Store(config_for(directory, "ViT-B-32:/nowhere.pt"))
        done = store.counts()["videos"] == videos
        store.close()
        if done:
            return
    _, store, model = build_store(directory, photos)
    stamp, seconds = datetime(2024, 1, 1), np.arange(SCENES) * MINUTES * 60 / SCENES
    vectors = clustered_vectors(videos * SCENES, DIM, seed=33, chunk=100 * SCENES)
    with store.engine.begin() as connection:
        for start, chunk in vectors:
            first = photos + 1 + start // SCENES
            ids = range(first, first + len(chunk) // SCENES)
            hashes = {i: f"{i:064x}" for i in ids}
            connection.execute(
                insert(PhotoRow),
                [
                    {"id": i, "path": f"/videos/{i // 1000}/{i}.mp4", "size": 1, "mtime_ns": 1,
                     "content_hash": hashes[i], "format": "MP4", "indexed_at": stamp,
                     "taken_at": datetime(2012, 1, 1) + timedelta(hours=i * 37 % 100_000),
                     "media": "video", "duration": MINUTES * 60.0}
                    for i in ids
                ],
            )  # fmt: skip
            connection.execute(
                insert(VideoFrameRow),
                [
                    {"photo_id": i, "number": n, "seconds": float(s),
                     "content_key": frame_key(hashes[i], float(s))}
                    for i in ids for n, s in enumerate(seconds)
                ],
            )  # fmt: skip
            connection.execute(
                insert(EmbeddingRow),
                [
                    {"photo_id": i, "model_id": model.id, "frame": n,
                     "vector": chunk[(i - first) * SCENES + n].tobytes()}
                    for i in ids for n in range(SCENES)
                ],
            )  # fmt: skip
    with store.writer() as writer:
        writer.vectors_changed(model.id)
    settled(store)
    store.close()


def run(quick: bool, work: Path) -> list[Row]:
    photos = 10_000 if quick else 100_000
    videos = photos // 50
    alone, mixed = work / f"search-{photos}", work / f"search-{photos}-videos"
    build_store(alone, photos)[1].close()
    with_videos(mixed, photos, videos)
    for data in (alone, mixed):
        runtime_shared(work, data)
    libraries = {name: served(work, data) for name, data in (("alone", alone), ("mixed", mixed))}
    clients = {name: create_app(c, lib).test_client() for name, (c, _, _, lib) in libraries.items()}
    counts = libraries["mixed"][3].store.counts(libraries["mixed"][3].model.id)
    assert counts["videos"] == videos and counts["frames"] == photos + videos * SCENES, counts
    queries = fresh_queries()

    def request(client, found: list) -> None:
        response = client.get("/api/search", query_string={"q": next(queries), "limit": 40})
        results = response.get_json()["results"]
        assert response.status_code == 200 and len(results) == 40
        found.append(sum(hit["media"] == "video" for hit in results))

    repeats = 50 if quick else 200
    timings = {name: [] for name in clients}
    seen_videos: list[int] = []
    for _ in range(4):  # in turns
        for name, client in clients.items():
            found = seen_videos if name == "mixed" else []
            timings[name].extend(
                latencies_ms(lambda c=client, f=found: request(c, f), repeats // 4)
            )
    for _, _, _, library in libraries.values():
        library.close()
    alone50, alone95 = p50_p95(np.array(timings["alone"]))
    mixed50, mixed95 = p50_p95(np.array(timings["mixed"]))
    name = (
        f"(v) GET /api/search with videos: {photos:,} photos + {videos:,} videos of {MINUTES} min "
        f"({videos * SCENES:,} frame vectors), every query new"
    )
    return [
        Row(name, "photos alone p50", alone50, "ms"),
        Row(name, "photos alone p95", alone95, "ms"),
        Row(name, "with the videos p50", mixed50, "ms", "photos alone", alone50,
            f"<= {TARGET_MS} ms", bool(mixed50 <= TARGET_MS)),
        Row(name, "with the videos p95", mixed95, "ms", "photos alone p95", alone95),
        Row(name, "videos among the 40 results, mean", float(np.mean(seen_videos)), "videos"),
    ]  # fmt: skip
