"""Probe the user's own index with query pairs that differ only in word order or roles.
A bag-of-words model returns nearly the same photos, in nearly the same order, for both."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ..search.searcher import Searcher
from ..store import Filters

BUILTIN_PAIRS = (
    ("a dog chasing a cat", "a cat chasing a dog"),
    ("a horse eating the grass", "the grass eating a horse"),
    ("a man riding a horse", "a horse riding a man"),
    ("a cup on a table", "a table on a cup"),
    ("a woman holding a child", "a child holding a woman"),
    ("a red car next to a white house", "a white car next to a red house"),
    ("a boat on the water", "water on the boat"),
    ("a bird sitting on a branch", "a branch sitting on a bird"),
    ("a cat sleeping on a laptop", "a laptop sleeping on a cat"),
    ("a person looking at a painting", "a painting looking at a person"),
)


@dataclass(frozen=True)
class PairResult:
    query_a: str
    query_b: str
    overlap: float  # share of the top-k photos that both queries return
    rank_correlation: float | None  # Spearman, over the union of both top-k lists
    text_similarity: float  # cosine of the two query embeddings
    photos: int  # size of the union the correlation is taken over

    def to_dict(self) -> dict:
        return asdict(self)


def probe_pairs(searcher: Searcher, pairs, k: int = 20) -> list[PairResult]:
    results = []
    for query_a, query_b in pairs:
        vector_a, vector_b = searcher.embedder.embed_texts([query_a, query_b])
        # Photos only: a video's rank is its best scene's, which the correlation of the
        # two queries' scores over one vector per item would not follow.
        photos = Filters(media="photo")
        top_a = [hit.photo.id for hit in searcher.vector(vector_a, k, filters=photos)]
        top_b = [hit.photo.id for hit in searcher.vector(vector_b, k, filters=photos)]
        union = sorted(set(top_a) | set(top_b))
        ids, vectors = searcher.store.vectors_for(searcher.model.id, union)
        correlation = spearman(vectors @ vector_a, vectors @ vector_b) if len(ids) >= 3 else None
        results.append(
            PairResult(
                query_a,
                query_b,
                overlap=len(set(top_a) & set(top_b)) / max(1, min(k, len(top_a))),
                rank_correlation=correlation,
                text_similarity=float(vector_a @ vector_b),
                photos=len(union),
            )
        )
    return results


def spearman(a: np.ndarray, b: np.ndarray) -> float | None:
    """Spearman's rank correlation (average ranks for ties); None when either side is constant."""
    rank_a, rank_b = _ranks(a), _ranks(b)
    if rank_a.std() == 0 or rank_b.std() == 0:
        return None
    return float(np.corrcoef(rank_a, rank_b)[0, 1])


def _ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.arange(len(values), dtype=np.float64)
    for value in np.unique(values):  # ties share their average rank
        tied = values == value
        if tied.sum() > 1:
            ranks[tied] = ranks[tied].mean()
    return ranks
