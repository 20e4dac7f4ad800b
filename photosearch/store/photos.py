"""Photos: one row per indexed file, with its stat, content hash and metadata; what incremental
indexing compares with the walk, and what searches turn ids back into."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator

import numpy as np
from sqlalchemy import LargeBinary, and_, delete, func, select, type_coerce, update

from ..metadata import PhotoMeta, Place
from .concern import Concern, chunks, now
from .filters import at_or_below, conditions
from .records import Filters, KnownFile, Photo
from .schema import EmbeddingRow, PhotoRow, place_columns

META_FIELDS = (
    "format",
    "width",
    "height",
    "taken_at",
    "camera_make",
    "camera_model",
    "latitude",
    "longitude",
    "media",
    "duration",
)

FS_ENCODING, FS_ERRORS = sys.getfilesystemencoding(), sys.getfilesystemencodeerrors()


class Photos(Concern):
    # --- reads --------------------------------------------------------------------------------

    def known_files(self, roots: Iterable[str], model_id: int) -> dict[str, KnownFile]:
        """Indexed files at or below the roots, and whether each has a vector for the model.
        This runs on every re-index and must cost little more than the walk itself, so rows
        come straight from the driver's cursor."""
        query = select(
            PhotoRow.id,
            type_coerce(PhotoRow.path, LargeBinary),
            PhotoRow.size,
            PhotoRow.mtime_ns,
            PhotoRow.content_hash,
            EmbeddingRow.model_id,
        ).outerjoin(
            EmbeddingRow,
            and_(
                EmbeddingRow.photo_id == PhotoRow.id,
                EmbeddingRow.model_id == model_id,
                EmbeddingRow.frame == 0,
            ),
        )
        found = {}
        with self.engine.connect() as connection:
            for root in roots:
                result = connection.execute(query.where(at_or_below(PhotoRow.path, root)))
                for photo_id, raw, size, mtime_ns, content_hash, vector in result.cursor.fetchall():
                    path = raw.decode(FS_ENCODING, FS_ERRORS)  # os.fsdecode, without its checks
                    found[path] = KnownFile(
                        photo_id, path, size, mtime_ns, content_hash, vector is not None
                    )
        return found

    def photo(self, photo_id: int) -> Photo | None:
        return self.photos([photo_id]).get(photo_id)

    def photo_by_path(self, path: str) -> Photo | None:
        with self.reading() as session:
            row = session.scalar(select(PhotoRow).where(PhotoRow.path == path))
            return _photo(row) if row else None

    def photos(self, ids: Iterable[int]) -> dict[int, Photo]:
        found: dict[int, Photo] = {}
        with self.reading() as session:
            for chunk in chunks(map(int, ids)):  # NumPy ids (FAISS answers) too
                for row in session.scalars(select(PhotoRow).where(PhotoRow.id.in_(chunk))):
                    found[row.id] = _photo(row)
        return found

    def photo_paths(self) -> Iterator[tuple[int, str]]:
        with self.reading() as session:
            yield from session.execute(select(PhotoRow.id, PhotoRow.path).order_by(PhotoRow.id))

    def media_counts(self) -> dict[str, int]:
        """{"photos": n, "videos": n}."""
        query = select(PhotoRow.media, func.count()).group_by(PhotoRow.media)
        with self.reading() as session:
            counts = dict(session.execute(query).all())
        return {"photos": counts.get("photo", 0), "videos": counts.get("video", 0)}

    def filtered_ids(self, filters: Filters) -> np.ndarray:
        """Ids of the photos that meet every filter."""
        # Photos without a vector for the model need no excluding here: the vector index only
        # holds photos that have one.
        query = select(PhotoRow.id).where(*conditions(filters))
        with self.reading() as session:
            return np.fromiter(session.scalars(query), dtype=np.int64)

    def ids_by_taken(self, filters: Filters, newest: bool) -> np.ndarray:
        """Ids of the photos that meet every filter, by date taken (undated ones last)."""
        order = PhotoRow.taken_at.desc() if newest else PhotoRow.taken_at.asc()
        undated_last = PhotoRow.taken_at.is_(None)
        query = select(PhotoRow.id).where(*conditions(filters))
        query = query.order_by(undated_last, order, PhotoRow.id)
        with self.reading() as session:
            return np.fromiter(session.scalars(query), dtype=np.int64)

    def copy_metadata(self, source_id: int) -> PhotoMeta:
        with self.reading() as session:
            row = session.get(PhotoRow, source_id)
        if row is None:
            return PhotoMeta()
        return PhotoMeta(**{name: getattr(row, name) for name in META_FIELDS})

    # --- writes -------------------------------------------------------------------------------

    def add_photo(
        self,
        path: str,
        size: int,
        mtime_ns: int,
        content_hash: str,
        meta: PhotoMeta,
        place: tuple[Place | None, int] | None = None,
    ) -> int:
        """A new photo; `place` is its named place and the gazetteer version that named it."""
        row = PhotoRow(
            path=path,
            size=size,
            mtime_ns=mtime_ns,
            content_hash=content_hash,
            indexed_at=now(),
            **{name: getattr(meta, name) for name in META_FIELDS},
            **place_columns(place),
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def update_photo(
        self,
        photo_id: int,
        *,
        path: str | None = None,
        size: int,
        mtime_ns: int,
        content_hash: str,
        meta: PhotoMeta | None = None,
        place: tuple[Place | None, int] | None = None,
    ) -> None:
        """New stat and hash for a photo; a new path for a move; new metadata (and place) for
        new content."""
        values = {"size": size, "mtime_ns": mtime_ns, "content_hash": content_hash}
        if path is not None:
            values["path"] = path
        if meta is not None:
            values.update({name: getattr(meta, name) for name in META_FIELDS})
            values.update(place_columns(place))
            values["indexed_at"] = now()
        self.session.execute(update(PhotoRow).where(PhotoRow.id == photo_id).values(**values))

    def delete_photos(self, ids: Iterable[int]) -> None:
        for chunk in chunks(ids):
            self.session.execute(delete(PhotoRow).where(PhotoRow.id.in_(chunk)))


def _photo(row: PhotoRow) -> Photo:
    return Photo(
        id=row.id,
        path=row.path,
        size=row.size,
        mtime_ns=row.mtime_ns,
        content_hash=row.content_hash,
        indexed_at=row.indexed_at,
        place_city=row.place_city,
        place_region=row.place_region,
        place_country=row.place_country,
        **{name: getattr(row, name) for name in META_FIELDS},
    )
