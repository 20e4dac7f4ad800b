"""Orchestrates scanner -> decoder -> embedder -> store for one model, incrementally:
unchanged files are not read, moved files keep their row and vector, copies reuse vectors."""

from __future__ import annotations

import logging
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from .config import Config
from .decoder import DecodeError, PhotoMeta, decode
from .embedder import Embedder
from .errors import FolderError
from .gpu_decode import GpuJpegDecoder, Pending
from .parallel import WorkerPool, bounded_map
from .progress import Progress
from .scanner import ScannedFile, Scanner, ScanProblem, content_hash
from .store import KnownFile, ModelInfo, Store, VectorIndex, Writer
from .thumbnails import SIZES, ThumbnailSaver

log = logging.getLogger(__name__)


@dataclass
class IndexSummary:
    new: int = 0
    changed: int = 0
    moved: int = 0
    deleted: int = 0
    unchanged: int = 0
    failed: int = 0
    embedded: int = 0  # images that went through the model in this run
    reused: int = 0  # vectors copied from a photo with identical content
    seconds: float = 0.0
    device: str = ""
    runtime: str = ""  # e.g. "torch bf16": what encoded the images

    @property
    def images_per_second(self) -> float:
        return self.embedded / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict:
        return {**asdict(self), "images_per_second": round(self.images_per_second, 2)}


@dataclass(frozen=True)
class _Work:
    file: ScannedFile
    row: KnownFile | None  # the indexed photo at this path, if any


@dataclass
class _Read:
    """A worker's answer: the file's actual stat and hash, and pixels when they are needed."""

    work: _Work
    size: int = 0
    mtime_ns: int = 0
    content_hash: str = ""
    meta: PhotoMeta | None = None
    pixels: torch.Tensor | None = None
    error: DecodeError | None = None
    pending: Pending | None = None  # a JPEG left for the GPU decoder


@dataclass
class _Batch:
    ops: list[Callable[[Writer], None]] = field(default_factory=list)
    to_embed: list[tuple[_Read, int | None]] = field(default_factory=list)  # (read, photo id)
    indexed_paths: list[str] = field(default_factory=list)


class Indexer:
    def __init__(self, store: Store, embedder: Embedder, model: ModelInfo, config: Config):
        self.store = store
        self.embedder = embedder
        self.model = model
        self.config = config
        # The data dir may sit inside a photo folder: its thumbnails are not photos.
        self.scanner = Scanner(config.exclude, config.include_hidden, skip=(config.data_dir,))
        self.gpu = (
            GpuJpegDecoder.for_model(
                embedder.loaded.preprocess,
                embedder.device,
                SIZES["thumbnail"] if config.thumbnails_at_index else 0,
            )
            if embedder.device == "cuda" and config.gpu_decode
            else None
        )

    def run(
        self,
        roots: Iterable[Path],
        progress: Progress | None = None,
        scopes: Iterable[str] | None = None,
    ) -> IndexSummary:
        """Bring the index in line with the disk below roots. With scopes (paths below the
        roots: files, folders, or paths that no longer exist), only those are looked at; a
        watcher passes the paths its events named."""
        started = time.perf_counter()
        progress = progress or Progress()
        self.summary = IndexSummary(
            device=self.embedder.device, runtime=self.embedder.image_runtime
        )
        roots = [_checked_root(root) for root in roots]
        targets = roots if scopes is None else self._scopes_below(roots, scopes)
        start_version = self.store.model(self.model.id).vectors_version

        known = self.store.known_files(targets, self.model.id)
        found = [item for root in targets for item in self.scanner.walk(Path(root))]
        self.failures = self.store.known_failures(targets)
        work, seen, unreadable_dirs = self._plan(found, known)

        self.missing: dict[str, list[KnownFile]] = defaultdict(list)
        for path, row in known.items():
            if path not in seen and not _under_any(path, unreadable_dirs):
                self.missing[row.content_hash].append(row)
        # Only needed to reuse vectors for files that must be read.
        self.embedded_hashes = self.store.embedded_hashes(self.model.id) if work else {}
        self.added: set[int] = set()
        self.removed: set[int] = set()
        self.thumbnails = ThumbnailSaver(self.config)

        progress.start(len(work))
        batch = _Batch()
        skip_decode = frozenset(self.missing) | frozenset(self.embedded_hashes)
        with WorkerPool(self.config.decode_workers) as pool:
            reads = bounded_map(
                pool,
                lambda w: self._read(w, skip_decode),
                work,
                in_flight=max(64, 2 * self.config.batch_size),
                timeout=self.config.decode_timeout or None,
                on_timeout=self._timed_out,
            )
            for read in self._decoded_on_gpu(reads) if self.gpu else reads:
                self._decide(read, batch)
                progress.advance()
                if len(batch.to_embed) >= self.config.batch_size:
                    self._flush(batch)
                    batch = _Batch()
        self._flush(batch)
        progress.close()
        self._delete_missing(seen, unreadable_dirs)
        self._update_vector_index(start_version)
        self.summary.seconds = time.perf_counter() - started
        return self.summary

    def _scopes_below(self, roots: list[str], scopes: Iterable[str]) -> list[str]:
        """Absolute scope paths inside a root and not excluded; nested scopes folded away."""
        kept = []
        for scope in sorted({os.path.abspath(os.fspath(scope)) for scope in scopes}):
            root = next((r for r in roots if scope == r or _under_any(scope, [r])), None)
            if root is None or self.scanner.excluded_below(root, scope):
                continue
            if not _under_any(scope, kept) and scope not in kept:
                kept.append(scope)
        return kept

    def _plan(self, found: list[ScannedFile | ScanProblem], known: dict[str, KnownFile]):
        """Decide which of the files found must be read. Unchanged stat: not even opened."""
        work: list[_Work] = []
        seen: set[str] = set()
        unreadable_dirs: list[str] = []
        problems: list[ScanProblem] = []
        for item in found:
            if item.path in seen:
                continue  # overlapping roots
            seen.add(item.path)
            if isinstance(item, ScanProblem):
                problems.append(item)
                if item.is_dir:
                    unreadable_dirs.append(item.path)
                continue
            row = known.get(item.path)
            if row and (row.size, row.mtime_ns) == (item.size, item.mtime_ns):
                if row.has_vector:
                    self.summary.unchanged += 1
                    continue
            elif row is None and self.failures.get(item.path) == (item.size, item.mtime_ns):
                self.summary.failed += 1  # failed before and unchanged since: not retried
                continue
            work.append(_Work(item, row))
        if problems:
            with self.store.writer() as writer:
                for problem in problems:
                    writer.record_failure(problem.path, None, None, problem.kind, problem.message)
            self.summary.failed += sum(not problem.is_dir for problem in problems)
        return work, seen, unreadable_dirs

    def _read(self, work: _Work, skip_decode: frozenset[str], gpu: bool = True) -> _Read:
        """Runs in a worker thread: read once, hash, and decode only if no vector can be reused.
        With a GPU decoder, a JPEG's header is read here and its pixels are left to the GPU."""
        read = _Read(work)
        try:
            with open(work.file.path, "rb") as handle:
                info = os.fstat(handle.fileno())
                data = handle.read()
        except FileNotFoundError:
            read.error = DecodeError("vanished", "deleted after it was listed")
            return read
        except OSError as exc:
            read.error = DecodeError("unreadable", exc.strerror or str(exc))
            return read
        read.size, read.mtime_ns = info.st_size, info.st_mtime_ns
        read.content_hash = content_hash(data)
        row = work.row
        if row and row.content_hash == read.content_hash and row.has_vector:
            return read  # touched, not changed
        if read.content_hash in skip_decode:
            return read
        if gpu and self.gpu is not None and self.gpu.accepts(data):
            read.pending = self.gpu.header(data, self.config.max_image_pixels)
            if read.pending is not None:
                return read
        self._decode_on_cpu(read, data)
        return read

    def _decode_on_cpu(self, read: _Read, data: bytes) -> None:
        try:
            decoded = decode(
                data, max_pixels=self.config.max_image_pixels, min_side=self.embedder.image_size
            )
            read.meta = decoded.meta
            read.pixels = self.embedder.preprocess(decoded.image)
            self.thumbnails.save(read.content_hash, decoded)
        except DecodeError as exc:
            read.error = exc
        except Exception as exc:  # noqa: BLE001 - one bad file must never stop the run
            read.error = DecodeError("corrupt", f"{type(exc).__name__}: {exc}")

    def _decoded_on_gpu(self, reads: Iterable[_Read]) -> Iterable[_Read]:
        """Main thread: JPEGs that workers left for the GPU are decoded there in batches;
        those it refuses are decoded on the CPU as usual, with the usual errors."""
        waiting: list[_Read] = []
        for read in reads:
            if read.pending is None:
                yield read
                continue
            waiting.append(read)
            if len(waiting) >= self.config.batch_size:
                yield from self._gpu_batch(waiting)
                waiting = []
        yield from self._gpu_batch(waiting)

    def _gpu_batch(self, reads: list[_Read]) -> Iterable[_Read]:
        results = self.gpu.decode([read.pending for read in reads])
        thumbnails = []
        for read, result in zip(reads, results, strict=True):
            pending, read.pending = read.pending, None
            if result is None:
                self._decode_on_cpu(read, pending.data)
                continue
            read.meta, read.pixels = pending.meta, result.pixels
            if result.thumbnail is not None:
                thumbnails.append((read.content_hash, result.thumbnail))
        self.thumbnails.save_encoded(thumbnails)
        yield from reads

    def _timed_out(self, work: _Work) -> _Read:
        limit = self.config.decode_timeout
        message = f"reading and decoding took longer than {limit} s (decode_timeout); skipped"
        return _Read(work, error=DecodeError("timeout", message))

    def _decide(self, read: _Read, batch: _Batch) -> None:
        """Main thread: turn a worker's answer into store operations."""
        file, row = read.work.file, read.work.row
        if read.error is not None and read.error.kind == "vanished":
            if row is not None:  # deleted between listing and reading: gone, not failed
                self.missing[row.content_hash].append(row)
            return
        if read.error is not None:
            self._fail(read, batch)
            return
        stat = {"size": read.size, "mtime_ns": read.mtime_ns, "content_hash": read.content_hash}
        if row and row.content_hash == read.content_hash and row.has_vector:
            batch.ops.append(lambda w: w.update_photo(row.id, **stat))
            self.summary.unchanged += 1
            return
        target = row
        if row is None and self.missing.get(read.content_hash):
            target = self.missing[read.content_hash].pop()
            batch.ops.append(lambda w: w.update_photo(target.id, path=file.path, **stat))
            self.summary.moved += 1
            if target.has_vector:
                batch.indexed_paths.append(file.path)
                return
        elif row is None:
            self.summary.new += 1
        elif row.content_hash != read.content_hash:
            self.summary.changed += 1
        else:
            self.summary.unchanged += 1  # same file, but no vector yet for this model
        target_id = target.id if target else None

        source_id = self.embedded_hashes.get(read.content_hash)
        vector = (
            self.store.vector(source_id, self.model.id)
            if source_id is not None and source_id != target_id
            else None
        )
        if vector is not None:
            batch.ops.append(lambda w: self._copy(w, read, target_id, source_id, vector))
            batch.indexed_paths.append(file.path)
            self.summary.reused += 1
            return
        if read.pixels is None:  # the worker expected a vector to reuse that is not there
            read = self._read(read.work, frozenset(), gpu=False)
            if read.error is not None:
                self._fail(read, batch)
                return
        batch.to_embed.append((read, target_id))

    def _copy(self, writer: Writer, read: _Read, target_id, source_id: int, vector) -> None:
        """Same bytes as an embedded photo: same metadata and vector, no decode, no model call."""
        meta = writer.copy_metadata(source_id)
        target_id = self._save_photo(writer, read, target_id, meta)
        writer.set_vector(target_id, self.model.id, vector)
        self.added.add(target_id)

    def _save_photo(
        self, writer: Writer, read: _Read, photo_id: int | None, meta: PhotoMeta
    ) -> int:
        file = read.work.file
        if photo_id is None:
            return writer.add_photo(file.path, read.size, read.mtime_ns, read.content_hash, meta)
        if read.work.row and read.work.row.content_hash != read.content_hash:
            writer.drop_vectors(photo_id)  # vectors of the old content, for every model
            self.removed.add(photo_id)
        writer.update_photo(
            photo_id,
            path=file.path,
            size=read.size,
            mtime_ns=read.mtime_ns,
            content_hash=read.content_hash,
            meta=meta,
        )
        return photo_id

    def _fail(self, read: _Read, batch: _Batch) -> None:
        file, row, error = read.work.file, read.work.row, read.error
        log.info("Cannot index %s: %s", file.path, error.message)
        batch.ops.append(
            lambda w: w.record_failure(
                file.path, file.size, file.mtime_ns, error.kind, error.message
            )
        )
        if row is not None:  # it was a photo, and its new content is not
            batch.ops.append(lambda w: w.delete_photos([row.id]))
            self.removed.add(row.id)
        self.summary.failed += 1

    def _flush(self, batch: _Batch) -> None:
        """Embed the batch, then commit it in one transaction: a crash loses at most one batch."""
        if not batch.ops and not batch.to_embed:
            return
        # Identical files met in the same batch go through the model once.
        firsts = {read.content_hash: read for read, _ in reversed(batch.to_embed)}
        unique = list(firsts.values())
        device = self.gpu.device if self.gpu else "cpu"  # CPU fallbacks join GPU decodes
        vectors = self.embedder.embed_pixels(
            torch.stack([read.pixels.to(device) for read in unique]) if unique else torch.zeros(0)
        )
        vector_of = dict(zip(firsts, vectors, strict=True))
        self.summary.embedded += len(unique)
        self.summary.reused += len(batch.to_embed) - len(unique)
        with self.store.writer() as writer:
            for op in batch.ops:
                op(writer)
            for read, photo_id in batch.to_embed:
                photo_id = self._save_photo(writer, read, photo_id, read.meta)
                writer.set_vector(photo_id, self.model.id, vector_of[read.content_hash])
                self.added.add(photo_id)
                self.embedded_hashes.setdefault(read.content_hash, photo_id)
                batch.indexed_paths.append(read.work.file.path)
            writer.clear_failures(path for path in batch.indexed_paths if path in self.failures)

    def _delete_missing(self, seen: set[str], unreadable_dirs: list[str]) -> None:
        gone = [row.id for rows in self.missing.values() for row in rows]
        stale_failures = [
            path
            for path in self.failures
            if path not in seen and not _under_any(path, unreadable_dirs)
        ]
        if gone or stale_failures:
            with self.store.writer() as writer:
                writer.delete_photos(gone)
                writer.clear_failures(stale_failures)
        self.removed.update(gone)
        self.summary.deleted = len(gone)

    def _update_vector_index(self, start_version: int) -> None:
        """Apply this run's additions and removals to the FAISS file; rebuild it instead when
        it is stale, or when the collection crossed the exact/approximate threshold."""
        model = self.store.model(self.model.id)
        index = VectorIndex(self.config, model)
        saved = index.saved_version()
        if saved == model.vectors_version:
            return
        if saved == start_version and index.read():
            index.remove(self.removed | self.added)
            index.add(*self.store.vectors_for(model.id, self.added))
            if index.kind == index.wanted_kind(index.size):
                index.save(model.vectors_version)
                return
        index.rebuild(self.store)
        index.save(model.vectors_version)


def _checked_root(root: Path) -> str:
    path = os.path.abspath(os.path.expanduser(os.fspath(root)))
    if not os.path.isdir(path):
        what = "does not exist" if not os.path.exists(path) else "is not a folder"
        raise FolderError(f"Cannot index {path}: it {what}. Give the path of a photo folder.")
    return path


def _under_any(path: str, folders: list[str]) -> bool:
    return any(path.startswith(os.path.join(folder, "")) for folder in folders)
