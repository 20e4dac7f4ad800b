"""The Store: every read and write of the library goes through it, on SQLite (one machine) or
PostgreSQL (shared by machines) alike. Each part of the library is a concern of its own module
(`store.concern(Photos)`); the Store's methods keep the names callers have always used."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator

import numpy as np
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import sessionmaker

from ..config import Config
from ..errors import StoreError
from ..lock import FileLock, WriterLock
from .advisory_lock import AdvisoryLock
from .change_log import ChangeLog
from .concern import C
from .database import create_store_engine, redacted, upgrade
from .facets import Facets
from .failures import Failures
from .photos import Photos
from .places import Places
from .records import Failure, Filters, Frames, KnownFile, ModelInfo, Photo, PhotoText
from .texts import Texts
from .timeline import Cursor, Timeline
from .vectors import Vectors
from .writer import Writer


class Store:
    def __init__(self, config: Config):
        if not config.database_url:
            config.data_dir.mkdir(parents=True, exist_ok=True)
        self.url = config.resolved_database_url
        self.data_dir = config.data_dir
        self.engine = create_store_engine(self.url)
        upgrade(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._concerns: dict[type, object] = {}

    def close(self) -> None:
        self.engine.dispose()

    def concern(self, kind: type[C]) -> C:
        """A concern to read with, bound to this store; to write, `writer.concern(kind)`."""
        if kind not in self._concerns:
            self._concerns[kind] = kind(self.engine)
        return self._concerns[kind]

    # --- transactions -------------------------------------------------------------------------

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

    # --- models -------------------------------------------------------------------------------

    def ensure_model(self, key: str, arch: str, tag: str | None, sha256: str | None, dim: int):
        try:
            with self.writer() as writer:
                return writer.concern(Vectors).ensure_model(key, arch, tag, sha256, dim)
        except IntegrityError:  # another process (or machine) added it at the same moment
            return self.concern(Vectors).model_by_key(key)

    def model(self, model_id: int) -> ModelInfo | None:
        return self.concern(Vectors).model(model_id)

    def vectors_version(self, model_id: int) -> int | None:
        return self.concern(Vectors).vectors_version(model_id)

    def mark_indexed(self, model_id: int, name: str) -> None:
        """Remember that an index run used this model, under the name it was given."""
        with self.writer() as writer:
            writer.concern(Vectors).mark_indexed(model_id, name)

    def last_indexed_model(self) -> ModelInfo | None:
        return self.concern(Vectors).last_indexed_model()

    def models(self) -> list[ModelInfo]:
        return self.concern(Vectors).models()

    # --- photos -------------------------------------------------------------------------------

    def known_files(self, roots: Iterable[str], model_id: int) -> dict[str, KnownFile]:
        return self.concern(Photos).known_files(roots, model_id)

    def photo(self, photo_id: int) -> Photo | None:
        return self.concern(Photos).photo(photo_id)

    def photo_by_path(self, path: str) -> Photo | None:
        return self.concern(Photos).photo_by_path(path)

    def photos(self, ids: Iterable[int]) -> dict[int, Photo]:
        return self.concern(Photos).photos(ids)

    def photo_paths(self) -> Iterator[tuple[int, str]]:
        return self.concern(Photos).photo_paths()

    def filtered_ids(self, filters: Filters) -> np.ndarray:
        return self.concern(Photos).filtered_ids(filters)

    def ids_by_taken(self, filters: Filters, newest: bool) -> np.ndarray:
        return self.concern(Photos).ids_by_taken(filters, newest)

    def counts(self, model_id: int | None = None) -> dict[str, int]:
        """Photos and videos, failed files and, for a model, the items with its vectors and
        its vectors (a photo's one, a video's scenes')."""
        counts = {
            **self.concern(Photos).media_counts(),
            "failed": self.concern(Failures).failure_count(),
        }
        if model_id is not None:
            counts["vectors"] = self.concern(Vectors).vector_count(model_id)
            counts["frames"] = self.concern(Vectors).frame_count(model_id)
        return counts

    # --- vectors ------------------------------------------------------------------------------

    def ids_with_vectors(self, model_id: int) -> set[int]:
        return self.concern(Vectors).ids_with_vectors(model_id)

    def embedded_hashes(self, model_id: int) -> dict[str, int]:
        return self.concern(Vectors).embedded_hashes(model_id)

    def vector(self, photo_id: int, model_id: int) -> np.ndarray | None:
        return self.concern(Vectors).vector(photo_id, model_id)

    def iter_vectors(
        self, model_id: int, chunk: int = 10_000
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        return self.concern(Vectors).iter_vectors(model_id, chunk)

    def vectors_for(self, model_id: int, ids: Iterable[int]) -> tuple[np.ndarray, np.ndarray]:
        return self.concern(Vectors).vectors_for(model_id, ids)

    def item_vectors(self, model_id: int, ids: Iterable[int]) -> tuple[np.ndarray, np.ndarray]:
        return self.concern(Vectors).item_vectors(model_id, ids)

    def frames(self, photo_id: int, model_id: int) -> Frames | None:
        return self.concern(Vectors).frames(photo_id, model_id)

    def moments(self, frames: Iterable[tuple[int, int]]) -> dict[tuple[int, int], float]:
        return self.concern(Vectors).moments(frames)

    def broken_vectors(self) -> list[tuple[int, int]]:
        return self.concern(Vectors).broken_vectors()

    def vector_changes(self, model_id: int, since: int, until: int) -> set[int] | None:
        return self.concern(ChangeLog).vector_changes(model_id, since, until)

    # --- places and facets --------------------------------------------------------------------

    def places(self) -> list[tuple]:
        return self.concern(Places).places()

    def place_counts(self, version: int) -> dict[str, int]:
        return self.concern(Places).place_counts(version)

    def unnamed_positions(self, version: int, limit: int) -> list[tuple[int, float, float]]:
        return self.concern(Places).unnamed_positions(version, limit)

    def facets(self) -> dict:
        return self.concern(Facets).facets()

    # --- the timeline -------------------------------------------------------------------------

    def timeline_page(
        self, filters: Filters, after: Cursor | None, limit: int
    ) -> tuple[list[int], Cursor | None]:
        return self.concern(Timeline).page(filters, after, limit)

    def timeline_page_before(
        self, filters: Filters, before: Cursor, limit: int
    ) -> tuple[list[int], Cursor | None]:
        return self.concern(Timeline).page_before(filters, before, limit)

    def timeline_months(self, filters: Filters) -> list[tuple[int, int, int]]:
        return self.concern(Timeline).months(filters)

    def undated_count(self, filters: Filters) -> int:
        return self.concern(Timeline).undated_count(filters)

    # --- failures and recognised text ---------------------------------------------------------

    def known_failures(self, roots: Iterable[str]) -> dict[str, tuple[int | None, int | None]]:
        return self.concern(Failures).known_failures(roots)

    def failures(self, limit: int | None = None) -> list[Failure]:
        return self.concern(Failures).failures(limit)

    def unread_texts(self, roots: Iterable[str], version: str | None) -> list[tuple[str, str]]:
        return self.concern(Texts).unread_texts(roots, version)

    def texts(self, hashes: Iterable[str]) -> dict[str, PhotoText]:
        return self.concern(Texts).texts(hashes)

    def text_matches(self, needles: list[str], filters: Filters) -> list[tuple[int, str, int]]:
        return self.concern(Texts).text_matches(needles, filters)

    def text_failures(self, limit: int | None = None) -> list[Failure]:
        return self.concern(Texts).text_failures(limit)

    def text_counts(self) -> dict[str, int]:
        return self.concern(Texts).text_counts()
