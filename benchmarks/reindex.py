"""(c) A no-op re-index of many unchanged files against a bare os.scandir + stat walk."""

from __future__ import annotations

import os
import statistics
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import insert

from photosearch.library import PhotoLibrary
from photosearch.model.embedder import Embedder
from photosearch.model.loading import load_model, parse_model
from photosearch.store.schema import EmbeddingRow, PhotoRow

from .common import Row, config_for, random_checkpoint


def make_tree(root: Path, count: int) -> None:
    """`count` small files in folders of 500, as a camera dump would be."""
    if root.exists() and sum(len(files) for _, _, files in os.walk(root)) == count:
        return
    for number in range(count):
        folder = root / f"{number // 500:04d}"
        if number % 500 == 0:
            folder.mkdir(parents=True, exist_ok=True)
        (folder / f"IMG_{number:06d}.jpg").write_bytes(number.to_bytes(4, "big"))


def bare_walk(root: Path) -> int:
    """The least any incremental indexer must do: list every folder and stat every file."""
    seen, stack = 0, [str(root)]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir():
                    stack.append(entry.path)
                else:
                    entry.stat()
                    seen += 1
    return seen


def register_as_indexed(library: PhotoLibrary, root: Path) -> None:
    """Rows and vectors for every file, as if a full index had run (without the model)."""
    model = library.model
    stamp = datetime(2024, 1, 1)
    rows, vectors = [], []
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            info = os.stat(path)
            number = len(rows) + 1
            rows.append({"id": number, "path": path, "size": info.st_size,
                         "mtime_ns": info.st_mtime_ns, "content_hash": f"{number:064x}",
                         "indexed_at": stamp})  # fmt: skip
            vectors.append(
                {"photo_id": number, "model_id": model.id, "vector": b"\0" * 4 * model.dim}
            )
    with library.store.engine.begin() as connection:
        connection.execute(insert(PhotoRow), rows)
        connection.execute(insert(EmbeddingRow), vectors)


def run(quick: bool, work: Path) -> list[Row]:
    count = 10_000 if quick else 100_000
    root = work / f"noop-{count}"
    make_tree(root, count)
    model = random_checkpoint(work, "photosearch-test-tiny")
    data_dir = work / f"noop-data-{count}"
    config = config_for(data_dir, model)
    embedder = Embedder(load_model(parse_model(model, config), config, "cpu"), "cpu")
    library = PhotoLibrary(config, embedder=embedder)
    if library.store.counts()["photos"] != count:
        register_as_indexed(library, root)
    library.index([root])  # settles the vector index file
    ours, bare = [], []
    for _ in range(5):  # alternate, so both see the same cache state and machine load
        started = time.perf_counter()
        summary = library.index([root])
        ours.append(time.perf_counter() - started)
        assert summary.unchanged == count and summary.embedded == 0
        started = time.perf_counter()
        assert bare_walk(root) == count
        bare.append(time.perf_counter() - started)
    library.close()
    ours_s, bare_s = statistics.median(ours), statistics.median(bare)
    name = f"no-op re-index of {count:,} unchanged files"
    return [
        Row(name, "bare os.scandir + stat walk", bare_s, "s"),
        Row(name, "photosearch index (nothing to do)", ours_s, "s", "bare walk", bare_s,
            "<= 3 x bare walk", ours_s <= 3 * bare_s),
    ]  # fmt: skip
