"""The seam every part of the store is built on. A concern is one module's tables, reads and
writes: `store.concern(Faces)` reads, `writer.concern(Faces)` writes in the writer's
transaction, so a new concern is a new module and a migration, with no edit to Store or Writer.
Its tables are declared on schema.Base in its module (migrations find them through
schema.every_table) and made by its migration; it may use the shared tables, the filter
compiler and the change log, never another concern."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Protocol, TypeVar

from sqlalchemy import Engine, literal, select
from sqlalchemy.orm import Session

from .records import Failure
from .schema import PhotoRow, VideoFrameRow

C = TypeVar("C", bound="Concern")


class Transaction(Protocol):
    """What a concern sees of the writer (store.writer.Writer): its session, and the other
    concerns bound to it, whose writes commit with its own."""

    session: Session

    def concern(self, kind: type[C]) -> C: ...


class Concern:
    """Bound to the store's engine, and inside a writer to its transaction as well: the same
    class answers reads anywhere and writes within one transaction. A subclass that keeps
    state for its transaction (the change log) takes the same two arguments."""

    def __init__(self, engine: Engine, writer: Transaction | None = None):
        self.engine = engine
        self._writer = writer

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def reading(self) -> Iterator[Session]:
        """A session to read in: the writer's own inside a transaction (it sees what was
        written there), a short one of its own otherwise."""
        if self._writer is not None:
            yield self._writer.session
            return
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @property
    def writer(self) -> Transaction:
        """The transaction this concern writes in. Writes outside one would commit alone, or
        not at all."""
        if self._writer is None:
            name = type(self).__name__
            raise TypeError(f"{name} writes only inside store.writer(): writer.concern({name})")
        return self._writer

    @property
    def session(self) -> Session:
        return self.writer.session

    def finish(self) -> None:
        """Called as the writer's transaction is about to commit, for a concern that sums up its
        writes (the change log bumps versions); most have nothing to do."""


def now() -> datetime:
    """UTC without a zone: what the DateTime columns hold on SQLite and PostgreSQL alike."""
    return datetime.now(UTC).replace(tzinfo=None)


def chunks(items: Iterable, size: int = 500) -> Iterator[list]:
    """Keep IN (...) lists under SQLite's bound-parameter limit."""
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def content_failures(
    session: Session, row: type, when: str, pass_name: str, limit: int | None
) -> list[Failure]:
    """The photos whose content a pass could not read, and the videos with a scene it could
    not read (the message says which), as `errors` lists them (kind `<pass_name>:<why>`), from
    a concern's table of readings by content key (`row`, with failure_kind, failure_message
    and the time column `when`)."""
    failed = row.failure_kind.is_not(None)
    photos = select(PhotoRow, row, literal(None).label("seconds")).join(
        row, row.content_hash == PhotoRow.content_hash
    )
    scenes = (
        select(PhotoRow, row, VideoFrameRow.seconds)
        .join(VideoFrameRow, VideoFrameRow.photo_id == PhotoRow.id)
        .join(row, row.content_hash == VideoFrameRow.content_key)
    )
    found = []
    for query in (photos, scenes):
        ordered = query.where(failed).order_by(PhotoRow.path).limit(limit)
        found += session.execute(ordered).all()
    found.sort(key=lambda found: found[0].path)
    return [
        Failure(
            photo.path,
            f"{pass_name}:{reading.failure_kind}",
            _at(seconds) + (reading.failure_message or ""),
            photo.size,
            photo.mtime_ns,
            getattr(reading, when),
        )
        for photo, reading, seconds in found[:limit]
    ]


def _at(seconds: float | None) -> str:
    return "" if seconds is None else f"the scene at {seconds:.1f} s: "
