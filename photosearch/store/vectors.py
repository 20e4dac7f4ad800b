"""Models and their vectors: which embedding models the library has seen, and each photo's
vector for each of them (float32 blobs, the truth that FAISS files are rebuilt from). Every
write of vectors is logged in the change log of the same transaction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
from sqlalchemy import delete, func, or_, select

from .change_log import ChangeLog
from .concern import Concern, chunks, now
from .records import ModelInfo
from .schema import EmbeddingRow, ModelRow, PhotoRow


class Vectors(Concern):
    # --- models -------------------------------------------------------------------------------

    def model(self, model_id: int) -> ModelInfo | None:
        with self.reading() as session:
            row = session.get(ModelRow, model_id)
            return _model_info(row) if row else None

    def vectors_version(self, model_id: int) -> int | None:
        """The version of a model's vectors alone: what every search checks its index by."""
        query = select(ModelRow.vectors_version).where(ModelRow.id == model_id)
        with self.reading() as session:
            return session.scalar(query)

    def model_by_key(self, key: str) -> ModelInfo | None:
        with self.reading() as session:
            row = session.scalar(select(ModelRow).where(ModelRow.key == key))
            return _model_info(row) if row else None

    def last_indexed_model(self) -> ModelInfo | None:
        """The model of the latest index run: what commands use when none is configured."""
        query = (
            select(ModelRow)
            .where(ModelRow.indexed_at.is_not(None), ModelRow.name.is_not(None))
            .order_by(ModelRow.indexed_at.desc(), ModelRow.id.desc())
            .limit(1)
        )
        with self.reading() as session:
            row = session.scalar(query)
            return _model_info(row) if row else None

    def models(self) -> list[ModelInfo]:
        with self.reading() as session:
            return [_model_info(row) for row in session.scalars(select(ModelRow))]

    def ensure_model(self, key: str, arch: str, tag: str | None, sha256: str | None, dim: int):
        """The model of this key, added if new."""
        found = self.model_by_key(key)
        if found is not None:
            return found
        row = ModelRow(
            key=key,
            arch=arch,
            tag=tag,
            checkpoint_sha256=sha256,
            dim=dim,
            vectors_version=0,
            created_at=now(),
        )
        self.session.add(row)
        self.session.flush()
        return _model_info(row)

    def mark_indexed(self, model_id: int, name: str) -> None:
        """Remember that an index run used this model, under the name it was given."""
        row = self.session.get(ModelRow, model_id)
        row.name, row.indexed_at = name, now()

    # --- vectors ------------------------------------------------------------------------------

    def ids_with_vectors(self, model_id: int) -> set[int]:
        with self.reading() as session:
            query = select(EmbeddingRow.photo_id).where(EmbeddingRow.model_id == model_id)
            return set(session.scalars(query))

    def embedded_hashes(self, model_id: int) -> dict[str, int]:
        """content hash -> a photo id that already has a vector for the model."""
        query = (
            select(PhotoRow.content_hash, PhotoRow.id)
            .join(EmbeddingRow, EmbeddingRow.photo_id == PhotoRow.id)
            .where(EmbeddingRow.model_id == model_id)
        )
        with self.reading() as session:
            return {content_hash: photo_id for content_hash, photo_id in session.execute(query)}

    def vector(self, photo_id: int, model_id: int) -> np.ndarray | None:
        with self.reading() as session:
            row = session.get(EmbeddingRow, (photo_id, model_id))
            return np.frombuffer(row.vector, dtype=np.float32).copy() if row else None

    def iter_vectors(
        self, model_id: int, chunk: int = 10_000
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """All (ids, vectors) of a model, in chunks, without holding every row at once."""
        with self.reading() as session:
            result = session.execute(
                _vector_query(model_id).order_by(EmbeddingRow.photo_id)
            ).yield_per(chunk)
            for rows in result.partitions():
                yield _stack(rows)

    def vectors_for(self, model_id: int, ids: Iterable[int]) -> tuple[np.ndarray, np.ndarray]:
        rows = []
        with self.reading() as session:
            for chunk in chunks(map(int, ids)):  # NumPy ids too: neither driver binds them
                query = _vector_query(model_id).where(EmbeddingRow.photo_id.in_(chunk))
                rows.extend(session.execute(query))
        return _stack(rows)

    def vector_count(self, model_id: int) -> int:
        query = select(func.count()).select_from(EmbeddingRow)
        with self.reading() as session:
            return session.scalar(query.where(EmbeddingRow.model_id == model_id))

    def broken_vectors(self) -> list[tuple[int, int]]:
        """(photo id, model id) of vectors with no photo or model, or of the wrong length."""
        query = (
            select(EmbeddingRow.photo_id, EmbeddingRow.model_id)
            .outerjoin(PhotoRow, PhotoRow.id == EmbeddingRow.photo_id)
            .outerjoin(ModelRow, ModelRow.id == EmbeddingRow.model_id)
            .where(
                or_(
                    PhotoRow.id.is_(None),
                    ModelRow.id.is_(None),
                    func.length(EmbeddingRow.vector) != ModelRow.dim * 4,
                )
            )
        )
        with self.reading() as session:
            return [tuple(row) for row in session.execute(query)]

    def set_vector(self, photo_id: int, model_id: int, vector: np.ndarray) -> None:
        blob = np.ascontiguousarray(vector, dtype=np.float32).tobytes()
        self.session.merge(EmbeddingRow(photo_id=photo_id, model_id=model_id, vector=blob))
        self._log.vectors_changed(model_id, [photo_id])

    def drop_vectors(self, photo_ids: Iterable[int]) -> None:
        """Every model's vectors of these photos: gone with them, or wrong for new content."""
        photo_ids = list(photo_ids)
        for chunk in chunks(photo_ids):
            self.session.execute(delete(EmbeddingRow).where(EmbeddingRow.photo_id.in_(chunk)))
        self._log.changed_for_every_model(photo_ids)

    def delete_vectors(self, pairs: Iterable[tuple[int, int]]) -> None:
        for photo_id, model_id in pairs:
            self.session.execute(
                delete(EmbeddingRow).where(
                    EmbeddingRow.photo_id == photo_id, EmbeddingRow.model_id == model_id
                )
            )
            self._log.vectors_changed(model_id, [photo_id])

    @property
    def _log(self) -> ChangeLog:
        return self.writer.concern(ChangeLog)


def _model_info(row: ModelRow) -> ModelInfo:
    return ModelInfo(
        row.id,
        row.key,
        row.arch,
        row.tag,
        row.checkpoint_sha256,
        row.dim,
        row.vectors_version,
        row.created_at,
        row.name,
        row.indexed_at,
    )


def _vector_query(model_id: int):
    return select(EmbeddingRow.photo_id, EmbeddingRow.vector).where(
        EmbeddingRow.model_id == model_id
    )


def _stack(rows) -> tuple[np.ndarray, np.ndarray]:
    ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    if not rows:
        return ids, np.zeros((0, 0), dtype=np.float32)
    return ids, np.vstack([np.frombuffer(row[1], dtype=np.float32) for row in rows])
