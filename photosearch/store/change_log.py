"""The change log of vectors: each model's version, bumped by every transaction that changed
its vectors, and which photos each version changed, so a machine whose FAISS file is a few
versions behind applies those instead of rebuilding."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, delete, insert, select, update

from .concern import Concern, Transaction
from .schema import ModelRow, VectorChangeRow

# Versions of a model whose changed photo ids are kept: a FAISS file further behind is rebuilt.
CHANGE_LOG_VERSIONS = 1000


class ChangeLog(Concern):
    def __init__(self, engine: Engine, writer: Transaction | None = None):
        super().__init__(engine, writer)
        self._changed: dict[int, set[int]] = {}  # model id -> photo ids
        self._changed_for_all: set[int] = set()  # photo ids whose vectors changed for every model
        self._unlisted: set[int] = set()  # models changed without saying which photos

    def vector_changes(self, model_id: int, since: int, until: int) -> set[int] | None:
        """Ids of the photos whose vectors for the model changed in the versions after `since`
        up to `until`; None when the log misses one of them (pruned, or a bulk load)."""
        query = select(VectorChangeRow.version, VectorChangeRow.photo_id).where(
            VectorChangeRow.model_id == model_id,
            VectorChangeRow.version > since,
            VectorChangeRow.version <= until,
        )
        with self.reading() as session:
            rows = session.execute(query).all()
        if len({version for version, _ in rows}) != until - since:
            return None
        return {photo_id for _, photo_id in rows}

    def vectors_changed(self, model_id: int, ids: Iterable[int] | None = None) -> None:
        """Mark the model's vector index stale (bulk loads that bypass set_vector say so);
        without ids, every machine rebuilds its index instead of applying the change."""
        if ids is None:
            self._unlisted.add(model_id)
        else:
            self._changed.setdefault(model_id, set()).update(ids)

    def changed_for_every_model(self, ids: Iterable[int]) -> None:
        """These photos' vectors changed (or went) for every model."""
        self._changed_for_all.update(ids)

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
