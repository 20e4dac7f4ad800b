"""Queries to ranked photos: a text or a photo becomes a normalised vector, FAISS finds the
nearest ones, the store supplies their rows."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..config import Config
from ..errors import QueryError
from ..imaging.decoder import DecodeError, decode
from ..model.embedder import Embedder
from ..store import Filters, ModelInfo, Photo, Store, VectorIndex
from .terms import SORTS, parse_query


@dataclass(frozen=True)
class SearchHit:
    rank: int
    score: float | None  # None: found by its metadata alone (a query of only a place or date)
    photo: Photo

    def to_dict(self) -> dict:
        score = None if self.score is None else round(self.score, 6)
        return {"rank": self.rank, "score": score, **self.photo.to_dict()}


class Searcher:
    def __init__(self, store: Store, embedder: Embedder, model: ModelInfo, config: Config):
        self.store = store
        self.embedder = embedder
        self.model = model
        self.config = config
        self._index: VectorIndex | None = None

    @property
    def index(self) -> VectorIndex:
        """The model's vector index, reopened when the database has newer vectors."""
        current = self.store.model(self.model.id)
        if self._index is None or self._index.model.vectors_version != current.vectors_version:
            self._index = VectorIndex.open(self.store, current, self.config)
        return self._index

    def text(self, query: str, limit: int = 20, offset: int = 0, **options) -> list[SearchHit]:
        """A text query; `cat + hat - dog` and `#ID` terms are allowed (see parse_query)."""
        if not query.strip():
            raise QueryError("The search text is empty: type what you are looking for.")
        return self.vector(self.query_vector(query), limit, offset, **options)

    def like(self, photo: str, limit: int = 20, offset: int = 0, **options) -> list[SearchHit]:
        """Photos similar to an indexed photo (by id or path) or to any image file."""
        return self.vector(self.photo_vector(photo), limit, offset, **options)

    def query_vector(self, query: str) -> np.ndarray:
        """The normalised sum of the terms' vectors, negative terms subtracted."""
        terms = parse_query(query)
        texts = [term.text for term in terms if term.text is not None]
        text_vectors = iter(self.embedder.embed_texts(texts))
        total = np.zeros(self.model.dim, dtype=np.float32)
        for term in terms:
            if term.text is not None:
                total += term.sign * next(text_vectors)
            else:
                total += term.sign * self.photo_vector(str(term.photo_id))
        norm = float(np.linalg.norm(total))
        if norm < 1e-6:
            raise QueryError(f"The terms of {query!r} cancel out: there is nothing left to find.")
        return total / norm

    def vector(
        self,
        query: np.ndarray | None,
        limit: int = 20,
        offset: int = 0,
        filters: Filters | None = None,
        min_score: float | None = None,
        sort: str = "relevance",
    ) -> list[SearchHit]:
        """Nearest photos to a vector; with filters, among matching photos only (all of them
        when fewer than limit match); with min_score, none that score below it. Sorted
        newest or oldest first, the same photos by date taken; without a vector, every photo
        that meets the filters, by date."""
        if limit < 1 or offset < 0:
            raise QueryError("limit must be at least 1 and offset at least 0.")
        if sort not in SORTS:
            raise QueryError(f"Unknown sort {sort!r}; use one of: {', '.join(SORTS)}.")
        if sort != "relevance" or query is None:
            return self._by_date(query, limit, offset, filters, min_score, sort != "oldest")
        among = None
        if filters is not None and filters.active:
            among = self.store.filtered_ids(filters)
            if len(among) == 0:
                return []
        scores, ids = self.index.search(query, limit + offset, among)
        pairs = [
            (float(score), int(photo_id))
            for score, photo_id in zip(scores[0], ids[0], strict=True)
            if photo_id >= 0 and (min_score is None or score >= min_score)
        ][offset:]
        return self._hits(pairs, offset)

    def _by_date(self, query, limit, offset, filters, min_score, newest) -> list[SearchHit]:
        """Every photo that passes the filters (and, with a query, the minimum score), in the
        order they were taken; scores are exact."""
        ordered = self.store.ids_by_taken(filters or Filters(), newest)
        scores = None
        if query is not None:
            found_scores, found_ids = self.index.search(query, len(ordered), ordered)
            passing = found_ids[0] >= 0
            if min_score is not None:
                passing &= found_scores[0] >= min_score
            kept_ids, kept_scores = found_ids[0][passing], found_scores[0][passing]
            scores = dict(zip(kept_ids.tolist(), kept_scores.tolist(), strict=True))
            ordered = ordered[np.isin(ordered, kept_ids)]
        else:
            ordered = ordered[np.isin(ordered, self.index.ids())]  # photos with a vector here
        page = ordered[offset : offset + limit].tolist()
        return self._hits([(None if scores is None else scores[i], i) for i in page], offset)

    def _hits(self, pairs: list[tuple[float | None, int]], offset: int) -> list[SearchHit]:
        """(score, id) pairs as ranked hits with their rows; ids deleted meanwhile dropped."""
        photos = self.store.photos(i for _, i in pairs)
        hits = [(score, photos[i]) for score, i in pairs if i in photos]
        return [SearchHit(offset + n + 1, score, photo) for n, (score, photo) in enumerate(hits)]

    def photo_vector(self, photo: str) -> np.ndarray:
        record = self.indexed_photo(photo)
        if record is not None:
            stored = self.store.vector(record.id, self.model.id)
            if stored is not None:
                return stored
            photo = record.path
        path = Path(photo).expanduser()
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise QueryError(
                f"Cannot read the query photo {path}: {exc.strerror or exc}."
            ) from None
        return self.image_vector(data, str(path))

    def image_vector(self, data: bytes, name: str = "the uploaded photo") -> np.ndarray:
        """Embed an image given as bytes (a file outside the index, an upload)."""
        try:
            image = decode(
                data,
                max_pixels=self.config.max_image_pixels,
                min_side=self.embedder.image_size,
                name=name,
            ).image
        except DecodeError as exc:
            raise QueryError(
                f"The query photo {name} is not a usable image: {exc.message}."
            ) from None
        return self.embedder.embed_images([image])[0]

    def indexed_photo(self, photo: str) -> Photo | None:
        """An indexed photo by id or path; None for a file that is not indexed."""
        if photo.isdigit():
            record = self.store.photo(int(photo))
            if record is None and not os.path.exists(photo):
                raise QueryError(f"No indexed photo has id {photo}.")
            return record
        return self.store.photo_by_path(os.path.abspath(os.path.expanduser(photo)))
