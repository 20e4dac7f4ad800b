"""Failures: the files that could not be indexed, by path, with their stat so that an unchanged
file is not tried again, and why."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, select

from .concern import Concern, chunks, now
from .filters import at_or_below
from .records import Failure
from .schema import FailureRow


class Failures(Concern):
    def known_failures(self, roots: Iterable[str]) -> dict[str, tuple[int | None, int | None]]:
        """path -> (size, mtime_ns) of the failed files at or below the roots."""
        query = select(FailureRow.path, FailureRow.size, FailureRow.mtime_ns)
        with self.reading() as session:
            found = {}
            for root in roots:
                rows = session.execute(query.where(at_or_below(FailureRow.path, root)))
                found.update({row.path: (row.size, row.mtime_ns) for row in rows})
            return found

    def failures(self, limit: int | None = None) -> list[Failure]:
        query = select(FailureRow).order_by(FailureRow.path).limit(limit)
        with self.reading() as session:
            return [
                Failure(row.path, row.kind, row.message, row.size, row.mtime_ns, row.seen_at)
                for row in session.scalars(query)
            ]

    def failure_count(self) -> int:
        with self.reading() as session:
            return session.scalar(select(func.count()).select_from(FailureRow))

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

    def clear_failures(self, paths: Iterable[str]) -> None:
        for chunk in chunks(paths):
            self.session.execute(delete(FailureRow).where(FailureRow.path.in_(chunk)))
