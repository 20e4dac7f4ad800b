"""The Store: every read and write of photos, vectors and failures goes through this interface,
on SQLite (one machine) or PostgreSQL (shared by machines) alike."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import (
    LargeBinary,
    and_,
    delete,
    extract,
    false,
    func,
    insert,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ..config import Config
from ..errors import StoreError
from ..lock import FileLock, WriterLock
from ..metadata import PhotoMeta, Place
from .advisory_lock import AdvisoryLock
from .database import create_store_engine, redacted, upgrade
from .records import (
    Failure,
    Filters,
    KnownFile,
    ModelInfo,
    Period,
    Photo,
    PhotoText,
    PlaceTerm,
)
from .schema import EmbeddingRow, FailureRow, ModelRow, PhotoRow, PhotoTextRow, VectorChangeRow
from .texts import containing, photo_text, text_values

META_FIELDS = (
    "format",
    "width",
    "height",
    "taken_at",
    "camera_make",
    "camera_model",
    "latitude",
    "longitude",
)
PLACE_FIELDS = ("place_city", "place_region", "place_country", "place_country_code")


FS_ENCODING, FS_ERRORS = sys.getfilesystemencoding(), sys.getfilesystemencodeerrors()
# Versions of a model whose changed photo ids are kept: a FAISS file further behind is rebuilt.
CHANGE_LOG_VERSIONS = 1000


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def path_range(root: str) -> tuple[bytes, bytes]:
    """Byte bounds [low, high) of every path strictly below root."""
    prefix = os.fsencode(os.path.join(root, ""))
    return prefix, prefix[:-1] + bytes([prefix[-1] + 1])


class Store:
    def __init__(self, config: Config):
        if not config.database_url:
            config.data_dir.mkdir(parents=True, exist_ok=True)
        self.url = config.resolved_database_url
        self.data_dir = config.data_dir
        self.engine = create_store_engine(self.url)
        upgrade(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    # --- models -------------------------------------------------------------------------------

    def ensure_model(self, key: str, arch: str, tag: str | None, sha256: str | None, dim: int):
        query = select(ModelRow).where(ModelRow.key == key)
        try:
            with self.writer() as writer:
                row = writer.session.scalar(query)
                if row is None:
                    row = ModelRow(
                        key=key,
                        arch=arch,
                        tag=tag,
                        checkpoint_sha256=sha256,
                        dim=dim,
                        vectors_version=0,
                        created_at=now(),
                    )
                    writer.session.add(row)
                    writer.session.flush()
                return _model_info(row)
        except IntegrityError:  # another process (or machine) added it at the same moment
            with self._sessions() as session:
                return _model_info(session.scalar(query))

    def model(self, model_id: int) -> ModelInfo | None:
        with self._sessions() as session:
            row = session.get(ModelRow, model_id)
            return _model_info(row) if row else None

    def mark_indexed(self, model_id: int, name: str) -> None:
        """Remember that an index run used this model, under the name it was given."""
        with self.writer() as writer:
            row = writer.session.get(ModelRow, model_id)
            row.name, row.indexed_at = name, now()

    def last_indexed_model(self) -> ModelInfo | None:
        """The model of the latest index run: what commands use when none is configured."""
        query = (
            select(ModelRow)
            .where(ModelRow.indexed_at.is_not(None), ModelRow.name.is_not(None))
            .order_by(ModelRow.indexed_at.desc(), ModelRow.id.desc())
            .limit(1)
        )
        with self._sessions() as session:
            row = session.scalar(query)
            return _model_info(row) if row else None

    def models(self) -> list[ModelInfo]:
        with self._sessions() as session:
            return [_model_info(row) for row in session.scalars(select(ModelRow))]

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
            and_(EmbeddingRow.photo_id == PhotoRow.id, EmbeddingRow.model_id == model_id),
        )
        found = {}
        with self.engine.connect() as connection:
            for root in roots:
                result = connection.execute(query.where(_at_or_below(PhotoRow.path, root)))
                for photo_id, raw, size, mtime_ns, content_hash, vector in result.cursor.fetchall():
                    path = raw.decode(FS_ENCODING, FS_ERRORS)  # os.fsdecode, without its checks
                    found[path] = KnownFile(
                        photo_id, path, size, mtime_ns, content_hash, vector is not None
                    )
        return found

    def known_failures(self, roots: Iterable[str]) -> dict[str, tuple[int | None, int | None]]:
        query = select(FailureRow.path, FailureRow.size, FailureRow.mtime_ns)
        with self._sessions() as session:
            found = {}
            for root in roots:
                rows = session.execute(query.where(_at_or_below(FailureRow.path, root)))
                found.update({row.path: (row.size, row.mtime_ns) for row in rows})
            return found

    def ids_with_vectors(self, model_id: int) -> set[int]:
        with self._sessions() as session:
            query = select(EmbeddingRow.photo_id).where(EmbeddingRow.model_id == model_id)
            return set(session.scalars(query))

    def embedded_hashes(self, model_id: int) -> dict[str, int]:
        """content hash -> a photo id that already has a vector for the model."""
        query = (
            select(PhotoRow.content_hash, PhotoRow.id)
            .join(EmbeddingRow, EmbeddingRow.photo_id == PhotoRow.id)
            .where(EmbeddingRow.model_id == model_id)
        )
        with self._sessions() as session:
            return {content_hash: photo_id for content_hash, photo_id in session.execute(query)}

    def photo(self, photo_id: int) -> Photo | None:
        return self.photos([photo_id]).get(photo_id)

    def photo_by_path(self, path: str) -> Photo | None:
        with self._sessions() as session:
            row = session.scalar(select(PhotoRow).where(PhotoRow.path == path))
            return _photo(row) if row else None

    def photos(self, ids: Iterable[int]) -> dict[int, Photo]:
        found: dict[int, Photo] = {}
        with self._sessions() as session:
            for chunk in _chunks(map(int, ids)):  # NumPy ids (FAISS answers) too
                for row in session.scalars(select(PhotoRow).where(PhotoRow.id.in_(chunk))):
                    found[row.id] = _photo(row)
        return found

    def vector(self, photo_id: int, model_id: int) -> np.ndarray | None:
        with self._sessions() as session:
            row = session.get(EmbeddingRow, (photo_id, model_id))
            return np.frombuffer(row.vector, dtype=np.float32).copy() if row else None

    def iter_vectors(
        self, model_id: int, chunk: int = 10_000
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """All (ids, vectors) of a model, in chunks, without holding every row at once."""
        with self._sessions() as session:
            result = session.execute(
                _vector_query(model_id).order_by(EmbeddingRow.photo_id)
            ).yield_per(chunk)
            for rows in result.partitions():
                yield _stack(rows)

    def vectors_for(self, model_id: int, ids: Iterable[int]) -> tuple[np.ndarray, np.ndarray]:
        rows = []
        with self._sessions() as session:
            for chunk in _chunks(map(int, ids)):  # NumPy ids too: neither driver binds them
                query = _vector_query(model_id).where(EmbeddingRow.photo_id.in_(chunk))
                rows.extend(session.execute(query))
        return _stack(rows)

    def vector_changes(self, model_id: int, since: int, until: int) -> set[int] | None:
        """Ids of the photos whose vectors for the model changed in the versions after `since`
        up to `until`; None when the log misses one of them (pruned, or a bulk load)."""
        query = select(VectorChangeRow.version, VectorChangeRow.photo_id).where(
            VectorChangeRow.model_id == model_id,
            VectorChangeRow.version > since,
            VectorChangeRow.version <= until,
        )
        with self._sessions() as session:
            rows = session.execute(query).all()
        if len({version for version, _ in rows}) != until - since:
            return None
        return {photo_id for _, photo_id in rows}

    def filtered_ids(self, filters: Filters) -> np.ndarray:
        """Ids of the photos that meet every filter."""
        # Photos without a vector for the model need no excluding here: the vector index only
        # holds photos that have one.
        query = select(PhotoRow.id).where(*_conditions(filters))
        with self._sessions() as session:
            return np.fromiter(session.scalars(query), dtype=np.int64)

    def facets(self) -> dict:
        """What the filters can choose from: cameras, formats, the range of dates."""
        with self._sessions() as session:
            cameras = session.execute(
                select(PhotoRow.camera_make, PhotoRow.camera_model, func.count())
                .where(or_(PhotoRow.camera_make.is_not(None), PhotoRow.camera_model.is_not(None)))
                .group_by(PhotoRow.camera_make, PhotoRow.camera_model)
                .order_by(func.count().desc(), PhotoRow.camera_make, PhotoRow.camera_model)
            ).all()
            formats = session.scalars(
                select(PhotoRow.format).where(PhotoRow.format.is_not(None)).distinct()
            ).all()
            first, last = session.execute(
                select(func.min(PhotoRow.taken_at), func.max(PhotoRow.taken_at))
            ).one()
        return {
            "cameras": [" ".join(p for p in (make, model) if p) for make, model, _ in cameras],
            "formats": sorted(formats),
            "taken_from": first.date().isoformat() if first else None,
            "taken_to": last.date().isoformat() if last else None,
        }

    def places(self) -> list[tuple]:
        """The library's own places, most photos first: (city, region, country, country code,
        photos, their mean latitude) for each city, and for each country's photos with no city
        near (city None)."""
        columns = (
            PhotoRow.place_city,
            PhotoRow.place_region,
            PhotoRow.place_country,
            PhotoRow.place_country_code,
        )
        query = (
            select(*columns, func.count(), func.avg(PhotoRow.latitude))
            .where(PhotoRow.place_country_code.is_not(None))
            .group_by(*columns)
            .order_by(func.count().desc(), *columns)
        )
        with self._sessions() as session:
            return [tuple(row) for row in session.execute(query)]

    def place_counts(self, version: int) -> dict[str, int]:
        """Photos with GPS, those named with a place, and those not looked up with `version`."""
        named = or_(PhotoRow.place_city.is_not(None), PhotoRow.place_country.is_not(None))
        count = select(func.count()).select_from(PhotoRow)
        with self._sessions() as session:
            return {
                "with_gps": session.scalar(count.where(_located())),
                "with_place": session.scalar(count.where(named)),
                "places_pending": session.scalar(count.where(_unnamed(version))),
            }

    def unnamed_positions(self, version: int, limit: int) -> list[tuple[int, float, float]]:
        """(id, latitude, longitude) of photos with GPS whose place was not looked up with
        this gazetteer version, at most `limit` of them."""
        query = (
            select(PhotoRow.id, PhotoRow.latitude, PhotoRow.longitude)
            .where(_unnamed(version))
            .order_by(PhotoRow.id)
            .limit(limit)
        )
        with self._sessions() as session:
            return [tuple(row) for row in session.execute(query)]

    def ids_by_taken(self, filters: Filters, newest: bool) -> np.ndarray:
        """Ids of the photos that meet every filter, by date taken (undated ones last)."""
        order = PhotoRow.taken_at.desc() if newest else PhotoRow.taken_at.asc()
        undated_last = PhotoRow.taken_at.is_(None)
        query = select(PhotoRow.id).where(*_conditions(filters))
        query = query.order_by(undated_last, order, PhotoRow.id)
        with self._sessions() as session:
            return np.fromiter(session.scalars(query), dtype=np.int64)

    def photo_paths(self) -> Iterator[tuple[int, str]]:
        with self._sessions() as session:
            yield from session.execute(select(PhotoRow.id, PhotoRow.path).order_by(PhotoRow.id))

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
        with self._sessions() as session:
            return [tuple(row) for row in session.execute(query)]

    def counts(self, model_id: int | None = None) -> dict[str, int]:
        with self._sessions() as session:
            counts = {
                "photos": session.scalar(select(func.count()).select_from(PhotoRow)),
                "failed": session.scalar(select(func.count()).select_from(FailureRow)),
            }
            if model_id is not None:
                counts["vectors"] = session.scalar(
                    select(func.count())
                    .select_from(EmbeddingRow)
                    .where(EmbeddingRow.model_id == model_id)
                )
            return counts

    def failures(self, limit: int | None = None) -> list[Failure]:
        query = select(FailureRow).order_by(FailureRow.path).limit(limit)
        with self._sessions() as session:
            return [
                Failure(row.path, row.kind, row.message, row.size, row.mtime_ns, row.seen_at)
                for row in session.scalars(query)
            ]

    # --- recognised text ----------------------------------------------------------------------

    def unread_texts(self, roots: Iterable[str], version: str | None) -> list[tuple[str, str]]:
        """(content hash, a path with it) of the photos below roots whose content has no
        recognised text yet; with `version`, none read by that recogniser version (those
        whose reading failed count as none)."""
        read = select(PhotoTextRow.id).where(PhotoTextRow.content_hash == PhotoRow.content_hash)
        if version is not None:
            read = read.where(
                PhotoTextRow.ocr_version == version, PhotoTextRow.failure_kind.is_(None)
            )
        query = select(PhotoRow.content_hash, PhotoRow.path).where(~read.exists())
        found: dict[str, str] = {}
        with self._sessions() as session:
            for root in roots:
                rows = session.execute(query.where(_at_or_below(PhotoRow.path, root)))
                for digest, path in rows:
                    found[digest] = min(path, found.get(digest, path))
        return sorted(found.items(), key=lambda item: os.fsencode(item[1]))

    def texts(self, hashes: Iterable[str]) -> dict[str, PhotoText]:
        """The recognised text of these contents, those that have some."""
        found = {}
        with self._sessions() as session:
            for chunk in _chunks(set(hashes)):
                query = select(PhotoTextRow).where(PhotoTextRow.content_hash.in_(chunk))
                found.update({row.content_hash: photo_text(row) for row in session.scalars(query)})
        return found

    def text_matches(self, needles: list[str], filters: Filters) -> list[tuple[int, str]]:
        """(photo id, folded text) of the photos that meet the filters and whose recognised
        text holds every needle (folded words or phrases)."""
        query = (
            select(PhotoRow.id, PhotoTextRow.search_text)
            .join(PhotoTextRow, PhotoTextRow.content_hash == PhotoRow.content_hash)
            .where(containing(needles, self.engine.dialect.name), *_conditions(filters))
            .order_by(PhotoRow.id)
        )
        with self._sessions() as session:
            return [tuple(row) for row in session.execute(query)]

    def text_failures(self, limit: int | None = None) -> list[Failure]:
        """Photos whose text could not be read (each keeps its vector), kind `text:<why>`."""
        query = (
            select(PhotoRow, PhotoTextRow)
            .join(PhotoTextRow, PhotoTextRow.content_hash == PhotoRow.content_hash)
            .where(PhotoTextRow.failure_kind.is_not(None))
            .order_by(PhotoRow.path)
            .limit(limit)
        )
        with self._sessions() as session:
            return [
                Failure(
                    photo.path,
                    f"text:{text.failure_kind}",
                    text.failure_message or "",
                    photo.size,
                    photo.mtime_ns,
                    text.read_at,
                )
                for photo, text in session.execute(query)
            ]

    def text_counts(self) -> dict[str, int]:
        """Photos whose content has recognised lines, whose reading failed, and not read yet."""
        rows = select(PhotoTextRow.id).where(PhotoTextRow.content_hash == PhotoRow.content_hash)
        count = select(func.count()).select_from(PhotoRow)
        with self._sessions() as session:
            return {
                "with_text": session.scalar(
                    count.where(rows.where(PhotoTextRow.text != "").exists())
                ),
                "text_failed": session.scalar(
                    count.where(rows.where(PhotoTextRow.failure_kind.is_not(None)).exists())
                ),
                "text_unread": session.scalar(count.where(~rows.exists())),
            }

    # --- writes -------------------------------------------------------------------------------

    @property
    def shared(self) -> bool:
        """Shared by machines (PostgreSQL): each keeps its own FAISS file, a cache of it."""
        return self.engine.dialect.name == "postgresql"

    def writer_lock(self) -> WriterLock:
        """What keeps the library to one writer: a file in the data dir for SQLite, a lock in
        the database, seen by every machine that uses it, for PostgreSQL."""
        if self.shared:
            return AdvisoryLock(self.url)
        return FileLock(self.data_dir)

    @contextlib.contextmanager
    def writer(self) -> Iterator[Writer]:
        """One transaction: everything inside commits together or not at all."""
        try:
            with self._sessions.begin() as session:
                writer = Writer(session)
                yield writer
                writer.finish()
        except OperationalError as exc:
            raise StoreError(
                f"The database {redacted(self.url)} could not be written: {exc.orig}. Check the "
                "free disk space and that the data dir is writable; what was saved before is "
                "intact, and running the command again continues from there."
            ) from None


class Writer:
    """Changes to photos, vectors and failures; bumps the vector version of every model touched
    and logs which photos' vectors changed."""

    def __init__(self, session: Session):
        self.session = session
        self._changed: dict[int, set[int]] = {}  # model id -> photo ids
        self._changed_for_all: set[int] = set()  # photo ids whose vectors changed for every model
        self._unlisted: set[int] = set()  # models changed without saying which photos

    def add_photo(
        self,
        path: str,
        size: int,
        mtime_ns: int,
        content_hash: str,
        meta: PhotoMeta,
        place: tuple[Place | None, int] | None = None,
    ):
        """A new photo; `place` is its named place and the gazetteer version that named it."""
        row = PhotoRow(
            path=path,
            size=size,
            mtime_ns=mtime_ns,
            content_hash=content_hash,
            indexed_at=now(),
            **{name: getattr(meta, name) for name in META_FIELDS},
            **_place_values(place),
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
            values.update(_place_values(place))
            values["indexed_at"] = now()
        self.session.execute(update(PhotoRow).where(PhotoRow.id == photo_id).values(**values))

    def set_vector(self, photo_id: int, model_id: int, vector: np.ndarray) -> None:
        blob = np.ascontiguousarray(vector, dtype=np.float32).tobytes()
        self.session.merge(EmbeddingRow(photo_id=photo_id, model_id=model_id, vector=blob))
        self.vectors_changed(model_id, [photo_id])

    def vectors_changed(self, model_id: int, ids: Iterable[int] | None = None) -> None:
        """Mark the model's vector index stale (bulk loads that bypass set_vector say so);
        without ids, every machine rebuilds its index instead of applying the change."""
        if ids is None:
            self._unlisted.add(model_id)
        else:
            self._changed.setdefault(model_id, set()).update(ids)

    def drop_vectors(self, photo_id: int) -> None:
        """Vectors of content that changed are wrong for every model."""
        self.session.execute(delete(EmbeddingRow).where(EmbeddingRow.photo_id == photo_id))
        self._changed_for_all.add(photo_id)

    def copy_metadata(self, source_id: int) -> PhotoMeta:
        row = self.session.get(PhotoRow, source_id)
        if row is None:
            return PhotoMeta()
        return PhotoMeta(**{name: getattr(row, name) for name in META_FIELDS})

    def set_places(self, named: list[tuple[int, Place | None]], version: int) -> None:
        """The places of photos looked up from their stored coordinates."""
        rows = [{"id": photo_id, **_place_values((place, version))} for photo_id, place in named]
        if rows:
            self.session.execute(update(PhotoRow), rows)

    def delete_photos(self, ids: Iterable[int]) -> None:
        ids = list(ids)
        for chunk in _chunks(ids):
            self.session.execute(delete(EmbeddingRow).where(EmbeddingRow.photo_id.in_(chunk)))
            self.session.execute(delete(PhotoRow).where(PhotoRow.id.in_(chunk)))
        self._changed_for_all.update(ids)

    def delete_vectors(self, pairs: Iterable[tuple[int, int]]) -> None:
        for photo_id, model_id in pairs:
            self.session.execute(
                delete(EmbeddingRow).where(
                    EmbeddingRow.photo_id == photo_id, EmbeddingRow.model_id == model_id
                )
            )
            self.vectors_changed(model_id, [photo_id])

    def record_failure(
        self, path: str, size: int | None, mtime_ns: int | None, kind: str, message: str
    ) -> None:
        row = self.session.scalar(select(FailureRow).where(FailureRow.path == path))
        if row is None:
            row = FailureRow(path=path)
            self.session.add(row)
        row.size, row.mtime_ns, row.kind, row.message, row.seen_at = (
            size,
            mtime_ns,
            kind,
            message[:2000],
            now(),
        )

    def set_texts(self, texts: list[PhotoText]) -> None:
        """The text read in these contents, replacing what an earlier reading left."""
        texts = list({text.content_hash: text for text in texts}.values())
        if not texts:
            return
        for chunk in _chunks([text.content_hash for text in texts]):
            self.session.execute(delete(PhotoTextRow).where(PhotoTextRow.content_hash.in_(chunk)))
        read_at = now()
        self.session.execute(insert(PhotoTextRow), [text_values(t, read_at) for t in texts])

    def prune_texts(self) -> int:
        """Forget the text of contents that no photo has any more; how many."""
        kept = select(PhotoRow.id).where(PhotoRow.content_hash == PhotoTextRow.content_hash)
        return self.session.execute(delete(PhotoTextRow).where(~kept.exists())).rowcount

    def clear_failures(self, paths: Iterable[str]) -> None:
        for chunk in _chunks(paths):
            self.session.execute(delete(FailureRow).where(FailureRow.path.in_(chunk)))

    def finish(self) -> None:
        """Bump the version of each model whose vectors changed, log the photos it changed, and
        forget the log's oldest versions."""
        touched = set(self._changed) | self._unlisted
        if not touched and not self._changed_for_all:
            return
        models = ModelRow.__table__
        bump = update(models).values(vectors_version=models.c.vectors_version + 1)
        if not self._changed_for_all:
            bump = bump.where(models.c.id.in_(touched))
        log = VectorChangeRow.__table__
        for model_id, version in self.session.execute(
            bump.returning(models.c.id, models.c.vectors_version)
        ).all():
            ids = self._changed.get(model_id, set()) | self._changed_for_all
            if model_id not in self._unlisted and ids:
                rows = [{"model_id": model_id, "version": version, "photo_id": i} for i in ids]
                self.session.execute(insert(log), rows)
            self.session.execute(
                delete(log).where(
                    log.c.model_id == model_id, log.c.version <= version - CHANGE_LOG_VERSIONS
                )
            )


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


def _place_values(place: tuple[Place | None, int] | None) -> dict:
    """Column values for a named place; without one, not looked up yet (NULL version)."""
    named, version = place if place is not None else (None, None)
    values = {name: getattr(named, name.removeprefix("place_"), None) for name in PLACE_FIELDS}
    return {**values, "place_version": version}


def _at_or_below(column, path: str):
    """The path itself (a file) or anything below it (a folder), as one index range scan."""
    low, high = path_range(path)
    return or_(column == path, and_(column >= low, column < high))


def _chunks(items: Iterable, size: int = 500) -> Iterator[list]:
    """Keep IN (...) lists under SQLite's bound-parameter limit."""
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _vector_query(model_id: int):
    return select(EmbeddingRow.photo_id, EmbeddingRow.vector).where(
        EmbeddingRow.model_id == model_id
    )


def _stack(rows) -> tuple[np.ndarray, np.ndarray]:
    ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    if not rows:
        return ids, np.zeros((0, 0), dtype=np.float32)
    return ids, np.vstack([np.frombuffer(row[1], dtype=np.float32) for row in rows])


def _conditions(filters: Filters) -> list:
    conditions = []
    if filters.date_from:
        conditions.append(
            PhotoRow.taken_at >= datetime.combine(filters.date_from, datetime.min.time())
        )
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), datetime.min.time())
        conditions.append(PhotoRow.taken_at < end)
    if filters.camera:
        needle = filters.camera.lower()
        make, model = func.lower(PhotoRow.camera_make), func.lower(PhotoRow.camera_model)
        full = func.coalesce(make, "") + " " + func.coalesce(model, "")
        conditions.append(or_(make.contains(needle), model.contains(needle), full.contains(needle)))
    if filters.folder:
        low, high = path_range(filters.folder)
        conditions.append(and_(PhotoRow.path >= low, PhotoRow.path < high))
    if filters.formats:
        conditions.append(PhotoRow.format.in_(filters.formats))
    if filters.has_location is True:
        conditions.append(_located())
    elif filters.has_location is False:
        conditions.append(or_(PhotoRow.latitude.is_(None), PhotoRow.longitude.is_(None)))
    if filters.places:
        conditions.append(or_(*(_in_place(term) for term in filters.places)))
    if filters.taken_north or filters.taken_south:
        conditions.append(_taken(filters.taken_north, filters.taken_south))
    return conditions


def _located() -> object:
    return and_(PhotoRow.latitude.is_not(None), PhotoRow.longitude.is_not(None))


def _unnamed(version: int) -> object:
    """Photos with GPS whose place this gazetteer version has not looked up."""
    pending = or_(PhotoRow.place_version.is_(None), PhotoRow.place_version != version)
    return and_(_located(), pending)


def _in_place(term: PlaceTerm) -> object:
    conditions = [PhotoRow.place_country_code == term.country_code]
    if term.kind == "region":
        conditions.append(PhotoRow.place_region == term.name)
    elif term.kind == "city":
        conditions += [PhotoRow.place_city == term.name, PhotoRow.place_region == term.region]
    return and_(*conditions)


def _taken(north: Period | None, south: Period | None) -> object:
    """North of the equator (or without GPS) one period applies, south of it the other."""
    if north == south:
        return _in_period(north)
    southern = PhotoRow.latitude < 0
    return or_(
        and_(or_(PhotoRow.latitude.is_(None), PhotoRow.latitude >= 0), _in_period(north)),
        and_(southern, _in_period(south)),
    )


def _in_period(period: Period | None) -> object:
    if period is None:
        return false()
    conditions = [PhotoRow.taken_at.is_not(None)]
    if period.date_from:
        start = datetime.combine(period.date_from, datetime.min.time())
        conditions.append(PhotoRow.taken_at >= start)
    if period.date_to:
        end = datetime.combine(period.date_to + timedelta(days=1), datetime.min.time())
        conditions.append(PhotoRow.taken_at < end)
    if period.months:
        conditions.append(extract("month", PhotoRow.taken_at).in_(period.months))
    return and_(*conditions)
