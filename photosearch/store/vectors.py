"""Models and their vectors: which embedding models the library has seen, and each item's
vectors for each of them (float32 blobs, the truth that FAISS files are rebuilt from): one for
a photo, one per kept scene for a video, whose scenes' times are kept with them
(video_frames). Ids handed to FAISS are frame_ids'. Every write of vectors is logged, by item,
in the change log of the same transaction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
from sqlalchemy import delete, func, insert, or_, select, text

from .change_log import ChangeLog
from .concern import Concern, chunks, now
from .frame_ids import faiss_ids, frame_key, split
from .records import Frames, ModelInfo
from .schema import EmbeddingRow, ModelRow, PhotoRow, VideoFrameRow


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
        """The FAISS ids of every frame with a vector for the model."""
        query = select(EmbeddingRow.photo_id, EmbeddingRow.frame)
        with self.reading() as session:
            rows = session.execute(query.where(EmbeddingRow.model_id == model_id)).all()
        if not rows:
            return set()
        photo_ids, frames = np.array(rows, dtype=np.int64).T
        return set(faiss_ids(photo_ids, frames).tolist())

    def embedded_hashes(self, model_id: int) -> dict[str, int]:
        """content hash -> an item id that already has its vectors for the model."""
        query = (
            select(PhotoRow.content_hash, PhotoRow.id)
            .join(EmbeddingRow, EmbeddingRow.photo_id == PhotoRow.id)
            .where(EmbeddingRow.model_id == model_id, EmbeddingRow.frame == 0)
        )
        with self.reading() as session:
            return {content_hash: photo_id for content_hash, photo_id in session.execute(query)}

    def vector(self, photo_id: int, model_id: int) -> np.ndarray | None:
        """An item's own vector: a photo's, or a video's first kept scene's."""
        with self.reading() as session:
            row = session.get(EmbeddingRow, (photo_id, model_id, 0))
            return np.frombuffer(row.vector, dtype=np.float32).copy() if row else None

    def frames(self, photo_id: int, model_id: int) -> Frames | None:
        """Every vector of an item for the model, with its scenes' times for a video."""
        query = _vector_query(model_id).where(EmbeddingRow.photo_id == photo_id)
        with self.reading() as session:
            rows = session.execute(query.order_by(EmbeddingRow.frame)).all()
            seconds = session.scalars(
                select(VideoFrameRow.seconds)
                .where(VideoFrameRow.photo_id == photo_id)
                .order_by(VideoFrameRow.number)
            ).all()
        if not rows:
            return None
        return Frames(_stack(rows)[1], tuple(seconds) if len(rows) > 1 or seconds else ())

    def iter_vectors(
        self, model_id: int, chunk: int = 10_000
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """All (FAISS ids, vectors) of a model, in chunks, without holding every row at once."""
        order = (EmbeddingRow.photo_id, EmbeddingRow.frame)
        with self.reading() as session:
            result = session.execute(_vector_query(model_id).order_by(*order)).yield_per(chunk)
            for rows in result.partitions():
                yield _stack(rows)

    def vectors_for(self, model_id: int, ids: Iterable[int]) -> tuple[np.ndarray, np.ndarray]:
        """(FAISS ids, vectors) of these frames, by their FAISS ids, those stored."""
        items, frames = split(np.fromiter(map(int, ids), dtype=np.int64))
        return self._frames_of(model_id, items, frames.tolist())

    def item_vectors(self, model_id: int, ids: Iterable[int]) -> tuple[np.ndarray, np.ndarray]:
        """(FAISS ids, vectors) of every frame of these items."""
        return self._frames_of(model_id, ids)

    def _frames_of(self, model_id, items, frames=None) -> tuple[np.ndarray, np.ndarray]:
        """The items' frames: all of them, or the `frames` given beside each item."""
        items = list(map(int, items))  # NumPy ids too: neither driver binds them
        rows = []
        with self.reading() as session:
            if frames is None:
                for chunk in chunks(items):
                    query = _vector_query(model_id).where(EmbeddingRow.photo_id.in_(chunk))
                    rows.extend(session.execute(query))
            else:
                pairs = list(zip(items, frames, strict=True))
                for chunk in chunks(pairs, PAIRS):
                    wanted = _pairs(EmbeddingRow.photo_id, EmbeddingRow.frame, chunk)
                    rows.extend(session.execute(_vector_query(model_id).where(wanted)))
        return _stack(rows)

    def vector_count(self, model_id: int) -> int:
        """Items with their vectors for the model."""
        query = select(func.count()).select_from(EmbeddingRow).where(EmbeddingRow.frame == 0)
        with self.reading() as session:
            return session.scalar(query.where(EmbeddingRow.model_id == model_id))

    def frame_count(self, model_id: int) -> int:
        """Vectors of the model: one per photo, one per kept scene of a video."""
        query = select(func.count()).select_from(EmbeddingRow)
        with self.reading() as session:
            return session.scalar(query.where(EmbeddingRow.model_id == model_id))

    def moments(self, frames: Iterable[tuple[int, int]]) -> dict[tuple[int, int], float]:
        """(item id, frame) -> where that frame is in its video, in seconds."""
        found = {}
        query = select(VideoFrameRow.photo_id, VideoFrameRow.number, VideoFrameRow.seconds)
        with self.reading() as session:
            for chunk in chunks([(int(i), int(f)) for i, f in frames], PAIRS):
                wanted = _pairs(VideoFrameRow.photo_id, VideoFrameRow.number, chunk)
                for photo_id, number, seconds in session.execute(query.where(wanted)):
                    found[photo_id, number] = seconds
        return found

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

    def set_frames(self, photo_id: int, model_id: int, frames: Frames, content_hash: str):
        """A video's vectors for the model, one per kept scene. Scenes other than those kept
        before (another sampling rule) make every model's vectors of it stale: dropped."""
        kept = self.session.execute(
            select(VideoFrameRow.seconds)
            .where(VideoFrameRow.photo_id == photo_id)
            .order_by(VideoFrameRow.number)
        ).scalars()
        if tuple(kept) != frames.seconds:
            self.drop_vectors([photo_id])
            rows = [
                {
                    "photo_id": photo_id,
                    "number": number,
                    "seconds": seconds,
                    "content_key": frame_key(content_hash, seconds),
                }
                for number, seconds in enumerate(frames.seconds)
            ]
            self.session.execute(insert(VideoFrameRow), rows)
        self.session.execute(
            delete(EmbeddingRow).where(
                EmbeddingRow.photo_id == photo_id, EmbeddingRow.model_id == model_id
            )
        )
        vectors = np.ascontiguousarray(frames.vectors, dtype=np.float32)
        rows = [
            {"photo_id": photo_id, "model_id": model_id, "frame": n, "vector": vector.tobytes()}
            for n, vector in enumerate(vectors)
        ]
        self.session.execute(insert(EmbeddingRow), rows)
        self._log.vectors_changed(model_id, [photo_id])

    def drop_vectors(self, photo_ids: Iterable[int]) -> None:
        """Every model's vectors of these items, and a video's scenes: gone with them, or
        wrong for new content."""
        photo_ids = list(photo_ids)
        for chunk in chunks(photo_ids):
            self.session.execute(delete(EmbeddingRow).where(EmbeddingRow.photo_id.in_(chunk)))
            self.session.execute(delete(VideoFrameRow).where(VideoFrameRow.photo_id.in_(chunk)))
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
    return select(EmbeddingRow.photo_id, EmbeddingRow.frame, EmbeddingRow.vector).where(
        EmbeddingRow.model_id == model_id
    )


def _stack(rows) -> tuple[np.ndarray, np.ndarray]:
    """(FAISS ids, vectors) of (item id, frame, blob) rows."""
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
    photo_ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    frames = np.fromiter((row[1] for row in rows), dtype=np.int64, count=len(rows))
    vectors = np.vstack([np.frombuffer(row[2], dtype=np.float32) for row in rows])
    return faiss_ids(photo_ids, frames), vectors


PAIRS = 200  # (item, frame) pairs a query asks for: 400 bound parameters, an OR 200 deep


def _pairs(item, frame, pairs: list[tuple[int, int]]):
    """Rows of these (item, frame) pairs, each asked for on its own (OR): SQLite scans the
    whole table for a list of row values (IN), 29 ms a search at 200,000 frames against 1.
    Written as SQL text, the numbers in it (whole numbers, made so here): SQLAlchemy builds an
    OR of 40 pairs in 3 ms, a page of results' moments asked for twice that."""
    left, right = (f"{column.table.name}.{column.name}" for column in (item, frame))
    return text(" OR ".join(f"({left} = {int(i)} AND {right} = {int(f)})" for i, f in pairs))
