"""`check` finds each kind of disagreement, `check --repair` fixes it, and searches keep
answering while an indexer writes."""

from __future__ import annotations

import shutil
import threading

import numpy as np
import pytest
from sqlalchemy import update

from photosearch.consistency import check, repair
from photosearch.library import PhotoLibrary
from photosearch.store import VectorIndex
from photosearch.store.schema import EmbeddingRow

pytestmark = pytest.mark.both_databases


def test_consistent_after_indexing(library, photo_tree):
    library.index([photo_tree])
    report = check(library.store, library.config)
    assert report.consistent and report.photos == 25 and report.failed == 6
    (model,) = report.models
    assert (model.vectors, model.index_state, model.index_vectors) == (25, "fresh", 25)


def test_each_problem_is_found_and_repaired(library, photo_tree):
    library.index([photo_tree])
    model = library.model
    index = VectorIndex(library.config, model)
    assert index.read()
    index.remove_items([1, 2])  # an index holding other ids than the database
    index.save(library.store.model(model.id).vectors_version)
    with library.store.engine.begin() as connection:  # a vector of the wrong size
        connection.execute(
            update(EmbeddingRow).where(EmbeddingRow.photo_id == 3).values(vector=b"\x00")
        )
    (photo_tree / "photos/places/moon.jpg").unlink()
    shutil.rmtree(photo_tree / "photos/people")  # a whole folder gone: kept, reported

    report = check(library.store, library.config)
    assert not report.consistent
    assert report.models[0].index_state == "mismatch"
    assert report.broken_vectors == [(3, model.id)]
    assert [p.rsplit("/", 1)[1] for p in report.missing_files] == ["moon.jpg"]
    assert sorted(p.rsplit("/", 1)[1] for p in report.unreachable) == [
        "astronaut.jpg", "cameraman.png",
    ]  # fmt: skip

    fixed = repair(library.store, library.config, report)
    assert fixed.consistent and fixed.repaired
    assert fixed.photos == 24 and fixed.models[0].vectors == 23
    assert len(fixed.unreachable) == 2 and not fixed.missing_files
    assert library.index([photo_tree]).embedded == 1  # the photo whose vector was broken


def test_searches_keep_answering_while_indexing(library, photo_tree, tiny_embedder):
    library.index([photo_tree / "photos"])
    for number in range(150):
        (photo_tree / "more").mkdir(exist_ok=True)
        data = (photo_tree / "photos/food/coffee-cup.jpg").read_bytes() + number.to_bytes(2, "big")
        (photo_tree / "more" / f"{number}.jpg").write_bytes(data)
    reader = PhotoLibrary(library.config, embedder=tiny_embedder)  # its own connections
    errors = []
    writer = threading.Thread(target=lambda: library.index([photo_tree]))
    writer.start()
    answers = 0
    while writer.is_alive() or answers < 5:
        try:
            hits = reader.searcher.vector(np.ones(64, dtype=np.float32), 10)
            assert hits
            answers += 1
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
            break
    writer.join()
    assert not errors and answers >= 5
    assert len(reader.searcher.vector(np.ones(64, dtype=np.float32), 500)) == 25 + 150
    reader.close()
