"""(h) The compressed vector index (IVF over 8-bit codes, re-ranked with the exact vectors) at
1M and 5M vectors: bytes per vector against raw float32, recall@10 against exact search with
and without re-ranking, query latency. The exact vectors stand in for the database as a
memory-mapped file, read through the same re-ranking code that reads SQLite in the product."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime
from functools import partial
from pathlib import Path

import numpy as np

from photosearch.store import ModelInfo, VectorIndex

from .common import Row, clustered_vectors, config_for, latencies_ms, p50_p95
from .search import DIM, queries

K = 10
QUERIES = 200
RAW_BYTES = DIM * 4  # one float32 vector

PROBE = """
import json, sys
sys.path.insert(0, {repo!r})
import faiss
from benchmarks.common import rss_mb
before = rss_mb()
index = faiss.read_index({path!r})
print(json.dumps({{"before": before, "after": rss_mb(), "size": index.ntotal}}))
"""


class ArrayStore:
    """The Store's vector reads, over an array whose row i holds photo i + 1's vector."""

    def __init__(self, vectors: np.ndarray):
        self.vectors = vectors

    def ids_with_vectors(self, model_id: int) -> set[int]:
        return set(range(1, len(self.vectors) + 1))

    def vectors_for(self, model_id: int, ids) -> tuple[np.ndarray, np.ndarray]:
        ids = np.asarray(ids, dtype=np.int64)
        return ids, np.asarray(self.vectors[ids - 1])

    def iter_vectors(self, model_id: int, chunk: int = 100_000):
        for start in range(0, len(self.vectors), chunk):
            block = np.asarray(self.vectors[start : start + chunk])
            yield np.arange(start + 1, start + len(block) + 1), block


def vector_file(directory: Path, count: int) -> np.ndarray:
    """`count` clustered vectors in a .npy file, memory-mapped (kept between runs with --work);
    any prefix of it is the smaller collection drawn with the same seed."""
    path = directory / f"clustered-{count}.npy"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        partial_path = path.with_suffix(".partial.npy")
        out = np.lib.format.open_memmap(partial_path, "w+", np.float32, (count, DIM))
        for start, vectors in clustered_vectors(count, DIM):
            out[start : start + len(vectors)] = vectors
        out.flush()
        del out
        partial_path.rename(path)
    return np.load(path, mmap_mode="r")


def exact_top(vectors: np.ndarray, probe: np.ndarray, k: int, chunk: int = 200_000):
    """Exact top-k ids (row + 1) by a running merge over chunks, so no flat index of every
    vector has to fit in memory."""
    best_scores = np.full((len(probe), k), -np.inf, dtype=np.float32)
    best_ids = np.zeros((len(probe), k), dtype=np.int64)
    for start in range(0, len(vectors), chunk):
        scores = probe @ np.asarray(vectors[start : start + chunk]).T
        top = np.argpartition(-scores, min(k, scores.shape[1] - 1), axis=1)[:, :k]
        merged_scores = np.hstack([best_scores, np.take_along_axis(scores, top, 1)])
        merged_ids = np.hstack([best_ids, top + start + 1])
        keep = np.argsort(-merged_scores, axis=1, kind="stable")[:, :k]
        best_scores = np.take_along_axis(merged_scores, keep, 1)
        best_ids = np.take_along_axis(merged_ids, keep, 1)
    return best_ids


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(a) & set(b)) / K for a, b in zip(found, truth, strict=True)]))


def built_index(directory: Path, vectors: np.ndarray) -> tuple[VectorIndex, float | None]:
    """The compressed index of the vectors, re-ranking from them; read from an earlier run's
    file when there is one, else built through VectorIndex.rebuild (and its seconds given)."""
    config = config_for(directory, "ViT-B-32:/nowhere.pt", index_type="ivfsq")
    model = ModelInfo(1, "bench", "ViT-B-32", None, None, DIM, 1, datetime(2024, 1, 1))
    store = ArrayStore(vectors)
    index = VectorIndex(config, model, partial(store.vectors_for, model.id))
    if index.saved_version() == model.vectors_version and index.read():
        return index, None
    started = time.perf_counter()
    index.rebuild(store)
    index.save(model.vectors_version)
    return index, time.perf_counter() - started


def loaded_bytes(path: Path) -> float:
    """How much a fresh process's resident memory grows when it reads the index file."""
    script = PROBE.format(repo=str(Path(__file__).resolve().parents[1]), path=str(path))
    output = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    probe = json.loads(output.strip().splitlines()[-1])
    return (probe["after"] - probe["before"]) * 2**20


def run_size(directory: Path, vectors: np.ndarray, probe: np.ndarray) -> list[Row]:
    count = len(vectors)
    index, build_seconds = built_index(directory, vectors)
    unranked = VectorIndex(index.config, index.model)  # the same codes, 8-bit scores only
    unranked.index = index.index
    truth = exact_top(vectors, probe, K)
    ranked_recall = recall(index.search(probe, K)[1], truth)
    plain_recall = recall(unranked.search(probe, K)[1], truth)
    timings = {}
    for name, searched in (("ranked", index), ("plain", unranked)):
        rows = iter(probe)
        timings[name] = latencies_ms(lambda s=searched, r=rows: s.search(next(r), K), len(probe))
    ranked50, ranked95 = p50_p95(timings["ranked"])
    plain50, _ = p50_p95(timings["plain"])
    file_bytes = index.path.stat().st_size / count
    rss_bytes = loaded_bytes(index.path) / count
    name = f"compressed index (IVF, 8-bit), {count:,} vectors of {DIM} dimensions"
    rows = [
        Row(name, "file size per vector", file_bytes, "B", "raw float32", RAW_BYTES,
            "<= 0.3 x raw", file_bytes <= 0.3 * RAW_BYTES),
        Row(name, "memory (RSS) added by loading, per vector", rss_bytes, "B", "raw float32",
            RAW_BYTES, "<= 0.3 x raw", rss_bytes <= 0.3 * RAW_BYTES),
        Row(name, "recall@10 vs exact, re-ranked", ranked_recall, "", "", None, ">= 0.95",
            ranked_recall >= 0.95),
        Row(name, "recall@10 vs exact, 8-bit scores only", plain_recall, ""),
        Row(name, "query p50, re-ranked", ranked50, "ms", "8-bit scores only p50", plain50),
        Row(name, "query p95, re-ranked", ranked95, "ms"),
    ]  # fmt: skip
    if build_seconds is not None:
        rows.append(Row(name, "build (train, add, save)", build_seconds, "s"))
    return rows


def run(quick: bool, work: Path) -> list[Row]:
    sizes = [100_000, 300_000] if quick else [1_000_000, 5_000_000]
    vectors = vector_file(work, max(sizes))
    probe = queries(QUERIES)
    rows = []
    for count in sizes:
        rows += run_size(work / f"compressed-{count}", vectors[:count], probe)
    return rows
