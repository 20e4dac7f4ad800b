"""What an index run decides, file by file: which files found on disk must be read at all, and
what a stage's answer for each means for the store (touched, moved, a copy, new, changed,
failed, gone). It alone writes the store: one transaction per batch of answers, so a crash
loses at most one batch."""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from ..config import Config
from ..metadata import PhotoMeta
from ..store import Frames, KnownFile, ModelInfo, Store, VectorIndex, Writer
from .places import place_of
from .problem import Problem
from .scanner import ScannedFile, ScanProblem
from .stage import FileResult, Job
from .summary import IndexSummary

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Work:
    file: ScannedFile
    row: KnownFile | None  # the indexed photo at this path, if any

    def job(self, number: int) -> Job:
        row = self.row
        indexed = row.content_hash if row and row.has_vector else ""
        return Job(number, self.file.path, indexed, self.file.size)


@dataclass
class _Batch:
    ops: list[Callable[[Writer], None]] = field(default_factory=list)
    saves: list[tuple[Work, FileResult, int | None]] = field(default_factory=list)
    indexed_paths: list[str] = field(default_factory=list)


class Reconciler:
    """The decisions of one run over `targets` (roots or scopes) for one model."""

    def __init__(
        self,
        store: Store,
        model: ModelInfo,
        config: Config,
        summary: IndexSummary,
        targets: list[str],
        held: frozenset[str] = frozenset(),
    ):
        self.store = store
        self.held = held  # seen, but left as they are: a watcher's videos still being written
        self.model = model
        self.config = config
        self.summary = summary
        self.targets = targets
        self.start_version = store.model(model.id).vectors_version
        self.known = store.known_files(targets, model.id)
        self.added: set[int] = set()
        self.removed: set[int] = set()
        # Files that expected a vector to reuse that was not there: read again, then embedded.
        self.retries: list[tuple[Work, int | None]] = []
        self.batch = _Batch()

    def plan(self, found: list[ScannedFile | ScanProblem]) -> list[Work]:
        """The files that must be read. An unchanged stat is not even opened; problems met by
        the walk are recorded now."""
        self.failures = self.store.known_failures(self.targets)
        work: list[Work] = []
        self.seen: set[str] = set()
        self.unreadable_dirs: list[str] = []
        problems: list[ScanProblem] = []
        for item in found:
            if item.path in self.seen:
                continue  # overlapping roots
            self.seen.add(item.path)
            if item.path in self.held:
                continue
            if isinstance(item, ScanProblem):
                problems.append(item)
                if item.is_dir:
                    self.unreadable_dirs.append(item.path)
                continue
            row = self.known.get(item.path)
            if row and (row.size, row.mtime_ns) == (item.size, item.mtime_ns):
                if row.has_vector:
                    self.summary.unchanged += 1
                    continue
            elif row is None and self.failures.get(item.path) == (item.size, item.mtime_ns):
                self.summary.failed += 1  # failed before and unchanged since: not retried
                continue
            work.append(Work(item, row))
        self.work = work
        if problems:
            with self.store.writer() as writer:
                for problem in problems:
                    writer.record_failure(problem.path, None, None, problem.kind, problem.message)
            self.summary.failed += sum(not problem.is_dir for problem in problems)
        self.missing: dict[str, list[KnownFile]] = defaultdict(list)
        for path, row in self.known.items():
            if path not in self.seen and not under_any(path, self.unreadable_dirs):
                self.missing[row.content_hash].append(row)
        # Only needed to reuse vectors for files that must be read.
        self.embedded_hashes = self.store.embedded_hashes(self.model.id) if work else {}
        return work

    def reusable(self) -> frozenset[str]:
        """Contents whose vector a move or a copy can take: the stage need not decode them."""
        return frozenset(self.missing) | frozenset(self.embedded_hashes)

    def decide(self, result: FileResult) -> None:
        """Turn a stage's answer for work[result.number] into operations for the batch."""
        work = self.work[result.number]
        file, row, error = work.file, work.row, result.error
        if result.decoder:
            decoded = self.summary.decoded
            decoded[result.decoder] = decoded.get(result.decoder, 0) + 1
        if error is not None and error.kind == "vanished":
            if not os.path.lexists(file.path):
                if row is not None:  # deleted between listing and reading: gone, not failed
                    self.missing[row.content_hash].append(row)
                return
            # The reader did not find what this process sees: a worker without the mount.
            error = Problem("unreadable", f"{error.message}, but the indexer sees it")
        if error is not None:
            self._fail(work, error)
            return
        stat = {
            "size": result.size,
            "mtime_ns": result.mtime_ns,
            "content_hash": result.content_hash,
        }
        if row and row.content_hash == result.content_hash and row.has_vector:
            self.batch.ops.append(lambda w: w.update_photo(row.id, **stat))
            self.summary.unchanged += 1
            return
        target = row
        if row is None and self.missing.get(result.content_hash):
            target = self.missing[result.content_hash].pop()
            self.batch.ops.append(lambda w: w.update_photo(target.id, path=file.path, **stat))
            self.summary.moved += 1
            if target.has_vector:
                self.batch.indexed_paths.append(file.path)
                return
        elif row is None:
            self.summary.new += 1
        elif row.content_hash != result.content_hash:
            self.summary.changed += 1
        else:
            self.summary.unchanged += 1  # same file, but no vector yet for this model
        self._embed_or_reuse(work, result, target.id if target else None)

    def retried(self, result: FileResult) -> None:
        """The answer for retries[result.number], read again with nothing reusable."""
        work, target_id = self.retries[result.number]
        if result.error is not None:
            self._fail(work, result.error)
        else:
            self._embed_or_reuse(work, result, target_id)

    def _embed_or_reuse(self, work: Work, result: FileResult, target_id: int | None) -> None:
        source_id = self.embedded_hashes.get(result.content_hash)
        frames = (
            self.store.frames(source_id, self.model.id)
            if source_id is not None and source_id != target_id
            else None
        )
        if frames is not None:
            self.batch.ops.append(
                lambda w: self._copy(w, work, result, target_id, source_id, frames)
            )
            self.batch.indexed_paths.append(work.file.path)
            self.summary.reused += 1
        elif result.vector is None:  # not decoded: a vector to reuse was expected
            self.retries.append((work, target_id))
        else:
            self.batch.saves.append((work, result, target_id))
            if result.fresh:
                self.summary.embedded += 1
            else:
                self.summary.reused += 1  # an identical file in the same batch

    def _copy(self, writer: Writer, work, result, target_id, source_id: int, frames) -> None:
        """Same bytes as an embedded photo or video: same metadata and vectors (a video's
        scenes with their times), no decode, no model call."""
        meta = writer.copy_metadata(source_id)
        target_id = self._save_photo(writer, work, result, target_id, meta)
        writer.set_frames(target_id, self.model.id, frames, result.content_hash)
        self.added.add(target_id)

    def _save_photo(
        self, writer: Writer, work: Work, result: FileResult, photo_id: int | None, meta: PhotoMeta
    ) -> int:
        path = work.file.path
        place = place_of(meta)  # named here, from the GPS position: well under 1 ms
        if photo_id is None:
            return writer.add_photo(
                path, result.size, result.mtime_ns, result.content_hash, meta, place
            )
        if work.row and work.row.content_hash != result.content_hash:
            writer.drop_vectors(photo_id)  # vectors of the old content, for every model
            self.removed.add(photo_id)
        writer.update_photo(
            photo_id,
            path=path,
            size=result.size,
            mtime_ns=result.mtime_ns,
            content_hash=result.content_hash,
            meta=meta,
            place=place,
        )
        return photo_id

    def _fail(self, work: Work, error: Problem) -> None:
        file, row = work.file, work.row
        log.info("Cannot index %s: %s", file.path, error.message)
        self.batch.ops.append(
            lambda w: w.record_failure(
                file.path, file.size, file.mtime_ns, error.kind, error.message
            )
        )
        if row is not None:  # it was a photo, and its new content is not
            self.batch.ops.append(lambda w: w.delete_photos([row.id]))
            self.removed.add(row.id)
        self.summary.failed += 1

    def commit(self) -> None:
        """Write the current batch in one transaction."""
        batch, self.batch = self.batch, _Batch()
        if not batch.ops and not batch.saves:
            return
        with self.store.writer() as writer:
            for op in batch.ops:
                op(writer)
            for work, result, photo_id in batch.saves:
                photo_id = self._save_photo(writer, work, result, photo_id, result.meta)
                frames = Frames(result.vector, result.seconds)
                writer.set_frames(photo_id, self.model.id, frames, result.content_hash)
                self.added.add(photo_id)
                self.embedded_hashes.setdefault(result.content_hash, photo_id)
                batch.indexed_paths.append(work.file.path)
            writer.clear_failures(path for path in batch.indexed_paths if path in self.failures)

    def finish(self) -> None:
        """Delete what is gone from disk, then bring the vector index in line."""
        self._delete_missing()
        self._update_vector_index()

    def _delete_missing(self) -> None:
        gone = [row.id for rows in self.missing.values() for row in rows]
        stale_failures = [
            path
            for path in self.failures
            if path not in self.seen and not under_any(path, self.unreadable_dirs)
        ]
        if gone or stale_failures:
            with self.store.writer() as writer:
                writer.delete_photos(gone)
                writer.clear_failures(stale_failures)
        self.removed.update(gone)
        self.summary.deleted = len(gone)

    def _update_vector_index(self) -> None:
        """Apply this run's additions and removals to the FAISS file; rebuild it instead when
        the collection crossed the exact/approximate threshold. When the file moved on during
        the run (a search saved a newer one), catch up from the database's change log."""
        model = self.store.model(self.model.id)
        index = VectorIndex(self.config, model)
        saved = index.saved_version()
        if saved == model.vectors_version:
            return
        if saved != self.start_version or not index.read():
            VectorIndex.open(self.store, model, self.config)  # catches up, or rebuilds
            return
        index.remove_items(self.removed | self.added)
        index.add(*self.store.item_vectors(model.id, self.added))
        if index.kind != index.wanted_kind(index.size):
            index.rebuild(self.store)
        index.save(model.vectors_version)


def under_any(path: str, folders: list[str]) -> bool:
    return any(path.startswith(os.path.join(folder, "")) for folder in folders)
