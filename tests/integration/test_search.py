"""Search over a real index: text, photo-as-query, paging and the empty case."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from photosearch.errors import QueryError

pytestmark = pytest.mark.both_databases


@pytest.fixture
def indexed(indexed_library):
    return indexed_library


def test_indexed_photo_as_query_ranks_itself_first(indexed, photo_tree):
    path = photo_tree / "photos" / "things" / "motorcycle.png"
    photo = indexed.store.photo_by_path(str(path))
    for query in (str(photo.id), str(path)):
        hits = indexed.searcher.like(query, limit=5)
        assert hits[0].photo.id == photo.id
        assert hits[0].score == pytest.approx(1.0, abs=1e-4)


def test_unindexed_file_as_query_is_embedded_on_the_fly(indexed, photo_tree, tmp_path):
    outside = tmp_path / "query.jpg"
    shutil.copyfile(photo_tree / "photos" / "things" / "wall-clock.jpg", outside)
    hits = indexed.searcher.like(str(outside), limit=3)
    assert hits[0].photo.path == str(photo_tree / "photos" / "things" / "wall-clock.jpg")
    assert hits[0].score == pytest.approx(1.0, abs=1e-4)


def test_text_search_scores_descend_and_paging_continues(indexed):
    hits = indexed.searcher.text("a cat sitting on a sofa", limit=10)
    assert len(hits) == 10
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True)
    assert [hit.rank for hit in hits] == list(range(1, 11))
    page_two = indexed.searcher.text("a cat sitting on a sofa", limit=5, offset=5)
    assert [hit.photo.id for hit in page_two] == [hit.photo.id for hit in hits[5:]]
    assert page_two[0].rank == 6


def test_limit_beyond_index_size_returns_everything(indexed):
    assert len(indexed.searcher.text("anything", limit=1000)) == 25


def test_search_sees_new_photos_without_restart(indexed, photo_tree):
    searcher = indexed.searcher
    assert len(searcher.text("x", limit=100)) == 25
    shutil.copyfile(photo_tree / "bad" / "zero-bytes.jpg", photo_tree / "empty-again.jpg")
    (photo_tree / "photos" / "nature" / "gravel.jpg").unlink()
    indexed.index([photo_tree])
    assert len(searcher.text("x", limit=100)) == 24


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda s: s.text("   "), "empty"),
        (lambda s: s.like("999999"), "No indexed photo has id"),
        (lambda s: s.like("/no/such/file.jpg"), "Cannot read"),
        (lambda s: s.text("x", limit=0), "limit"),
    ],
)
def test_bad_queries_are_clear_errors(indexed, call, match):
    with pytest.raises(QueryError, match=match):
        call(indexed.searcher)


def test_broken_query_photo_is_a_clear_error(indexed, photo_tree):
    with pytest.raises(QueryError, match="not a usable image"):
        indexed.searcher.like(str(photo_tree / "bad" / "truncated.jpg"))


def test_empty_index_returns_nothing(library):
    assert library.searcher.text("dogs on the beach") == []


def test_non_utf8_file_name_is_indexed_and_found(library, photo_tree):
    name = os.fsdecode(b"caf\xe9-\xff.jpg")
    shutil.copyfile(photo_tree / "photos" / "food" / "coffee-cup.jpg", photo_tree / name)
    (photo_tree / "photos" / "food" / "coffee-cup.jpg").unlink()
    library.index([photo_tree])
    photo = library.store.photo_by_path(str(photo_tree / name))
    assert photo is not None
    hit = library.searcher.like(str(photo.id), limit=1)[0]
    assert hit.photo.path == str(photo_tree / name)
    assert "\ufffd" in hit.to_dict()["path"]  # printable, undecodable bytes replaced


@pytest.mark.parametrize(
    "query, expected",
    [
        ("cat + hat - dog", [(1, "cat"), (1, "hat"), (-1, "dog")]),
        ("t-shirt - red", [(1, "t-shirt"), (-1, "red")]),
        ("- dog + cat", [(-1, "dog"), (1, "cat")]),
        ("#12 - people", [(1, 12), (-1, "people")]),
        ("dogs on the beach", [(1, "dogs on the beach")]),
    ],
)
def test_parse_query(query, expected):
    from photosearch.search.terms import parse_query

    terms = parse_query(query)
    assert [(t.sign, t.text if t.text is not None else t.photo_id) for t in terms] == expected


@pytest.mark.parametrize("query", ["cat + ", "+ - dog", "  ", "a + + b"])
def test_parse_query_rejects_empty_terms(query):
    from photosearch.search.terms import parse_query

    with pytest.raises(QueryError):
        parse_query(query)


def test_query_vector_is_the_normalised_signed_sum(indexed, photo_tree):
    embedder = indexed.embedder
    cat, hat, dog = embedder.embed_texts(["cat", "hat", "dog"])
    expected = cat + hat - dog
    expected /= np.linalg.norm(expected)
    np.testing.assert_allclose(
        indexed.searcher.query_vector("cat + hat - dog"), expected, atol=1e-5
    )
    photo = indexed.store.photo_by_path(str(photo_tree / "photos/things/coins.jpg"))
    stored = indexed.store.vector(photo.id, indexed.model.id)
    mixed = stored - embedder.embed_texts(["coins"])[0]
    np.testing.assert_allclose(
        indexed.searcher.query_vector(f"#{photo.id} - coins"),
        mixed / np.linalg.norm(mixed),
        atol=1e-5,
    )
    with pytest.raises(QueryError, match="cancel out"):
        indexed.searcher.query_vector("cat - cat")
