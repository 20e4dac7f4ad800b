"""Queries to ranked photos: a text or a photo becomes a normalised vector, FAISS finds the
nearest ones, the store supplies their rows."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import Config
from .decoder import DecodeError, decode
from .embedder import Embedder
from .errors import QueryError
from .store import ModelInfo, Photo, Store, VectorIndex


@dataclass(frozen=True)
class SearchHit:
    rank: int
    score: float
    photo: Photo

    def to_dict(self) -> dict:
        return {"rank": self.rank, "score": round(self.score, 6), **self.photo.to_dict()}


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
            self._index = VectorIndex.open(self.store, current, self.config.index_dir)
        return self._index

    def text(self, query: str, limit: int = 20, offset: int = 0) -> list[SearchHit]:
        if not query.strip():
            raise QueryError("The search text is empty: type what you are looking for.")
        return self.vector(self.embedder.embed_texts([query])[0], limit, offset)

    def like(self, photo: str, limit: int = 20, offset: int = 0) -> list[SearchHit]:
        """Photos similar to an indexed photo (by id or path) or to any image file."""
        return self.vector(self.photo_vector(photo), limit, offset)

    def vector(self, query: np.ndarray, limit: int = 20, offset: int = 0) -> list[SearchHit]:
        if limit < 1 or offset < 0:
            raise QueryError("limit must be at least 1 and offset at least 0.")
        scores, ids = self.index.search(query, limit + offset)
        pairs = [(float(s), int(i)) for s, i in zip(scores[0], ids[0], strict=True) if i >= 0][
            offset:
        ]
        photos = self.store.photos(i for _, i in pairs)
        hits = [(score, photos[i]) for score, i in pairs if i in photos]
        return [SearchHit(offset + n + 1, score, photo) for n, (score, photo) in enumerate(hits)]

    def photo_vector(self, photo: str) -> np.ndarray:
        record = self._indexed_photo(photo)
        if record is not None:
            stored = self.store.vector(record.id, self.model.id)
            if stored is not None:
                return stored
            photo = record.path
        path = Path(photo).expanduser()
        try:
            data = path.read_bytes()
            image = decode(
                data, max_pixels=self.config.max_image_pixels, min_side=self.embedder.image_size
            ).image
        except OSError as exc:
            raise QueryError(
                f"Cannot read the query photo {path}: {exc.strerror or exc}."
            ) from None
        except DecodeError as exc:
            raise QueryError(
                f"The query photo {path} is not a usable image: {exc.message}."
            ) from None
        return self.embedder.embed_images([image])[0]

    def _indexed_photo(self, photo: str) -> Photo | None:
        if photo.isdigit():
            record = self.store.photo(int(photo))
            if record is None and not os.path.exists(photo):
                raise QueryError(f"No indexed photo has id {photo}.")
            return record
        return self.store.photo_by_path(os.path.abspath(os.path.expanduser(photo)))
