"""`check`: do SQLite and the FAISS files agree, are the faces' descriptors whole, and does the
disk still hold every photo? `--repair` fixes what it finds: rebuilds indexes, drops broken
vectors, broken faces (looked at again by the next index run), faces no photo has and vanished
photos."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from .config import Config
from .store import Store, VectorIndex
from .store.faces import Faces


@dataclass
class ModelCheck:
    key: str
    vectors: int
    index_state: str  # one of AGREE or "missing", "stale", "unreadable", "mismatch"
    index_vectors: int | None


# Index states that are no disagreement. On a PostgreSQL library shared by machines, each
# machine's FAISS file is its own cache: one not built yet, or behind the database by changes
# the database logged, is caught up on the next search there.
NOT_BUILT_HERE = "not built here yet"
BEHIND = "behind (caught up on the next search)"
AGREE = ("fresh", "empty", NOT_BUILT_HERE, BEHIND)


@dataclass
class CheckReport:
    photos: int
    failed: int
    videos: int = 0
    models: list[ModelCheck] = field(default_factory=list)
    broken_vectors: list[tuple[int, int]] = field(default_factory=list)
    broken_faces: list[int] = field(default_factory=list)  # descriptors of the wrong size
    unused_faces: int = 0  # of contents no photo has: the next index run forgets them
    missing_files: list[str] = field(default_factory=list)  # photos whose file is gone
    unreachable: list[str] = field(default_factory=list)  # photos whose folder is gone too
    repaired: list[str] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        """The database and FAISS agree. Files missing from disk are reported but are not this."""
        return (
            not self.broken_vectors
            and not self.broken_faces
            and all(m.index_state in AGREE for m in self.models)
        )

    def to_dict(self) -> dict:
        return {
            "consistent": self.consistent,
            "photos": self.photos,
            "videos": self.videos,
            "failed": self.failed,
            "models": [vars(m) for m in self.models],
            "broken_vectors": len(self.broken_vectors),
            "broken_faces": len(self.broken_faces),
            "unused_faces": self.unused_faces,
            "missing_files": self.missing_files,
            "unreachable": self.unreachable,
            "repaired": self.repaired,
        }


def check(store: Store, config: Config) -> CheckReport:
    counts = store.counts()
    report = CheckReport(counts["photos"], counts["failed"], counts["videos"])
    report.broken_vectors = store.broken_vectors()
    report.broken_faces = store.concern(Faces).broken_faces()
    report.unused_faces = store.concern(Faces).unused_faces()
    for model in store.models():
        vectors = store.counts(model.id)["frames"]
        index = VectorIndex(config, model)
        state, size = _index_state(store, index, model.vectors_version, model.id)
        if state == "missing" and vectors == 0:
            state = "empty"
        report.models.append(ModelCheck(model.key, vectors, state, size))
    for _, path in store.photo_paths():
        if not os.path.lexists(path):
            folder_there = os.path.isdir(os.path.dirname(path))
            (report.missing_files if folder_there else report.unreachable).append(path)
    return report


def _index_state(store: Store, index: VectorIndex, version: int, model_id: int):
    if not index.path.exists():
        return (NOT_BUILT_HERE if store.shared else "missing"), None
    if not index.read():
        return "unreadable", None
    saved = index.saved_version()
    behind = store.shared and saved < version
    if saved != version and not behind:
        return "stale", index.size
    ids_in_db = np.fromiter(store.ids_with_vectors(model_id), dtype=np.int64)
    differ = set(np.setxor1d(index.ids(), ids_in_db).tolist())
    if not behind:
        return ("mismatch" if differ else "fresh"), index.size
    # Behind: it may differ from the database only in photos changed since its version.
    changed = store.vector_changes(model_id, saved, version)
    if changed is None or differ <= changed:  # a pruned log cannot tell; catching up can
        return BEHIND, index.size
    return "mismatch", index.size


def repair(store: Store, config: Config, report: CheckReport) -> CheckReport:
    """Fix what check found; photos in folders that are gone (an unplugged drive?) are kept."""
    actions = []
    gone = set(report.missing_files)
    if report.broken_vectors or gone:
        ids = [photo_id for photo_id, path in store.photo_paths() if path in gone]
        with store.writer() as writer:
            writer.delete_vectors(report.broken_vectors)
            writer.delete_photos(ids)
            writer.clear_failures(gone)
        if report.broken_vectors:
            actions.append(f"removed {len(report.broken_vectors)} broken vectors")
        if ids:
            actions.append(f"removed {len(ids)} photos whose files are gone")
    if report.broken_faces or report.unused_faces:
        with store.writer() as writer:
            writer.concern(Faces).forget_faces(report.broken_faces)
            writer.concern(Faces).prune_faces()
        if report.broken_faces:
            actions.append(
                f"removed {len(report.broken_faces)} broken faces (found again next run)"
            )
        if report.unused_faces:
            actions.append(f"forgot {report.unused_faces} faces of photos that are gone")
    not_fresh = {m.key for m in report.models if m.index_state not in AGREE}
    for model in store.models():
        if model.key in not_fresh or report.broken_vectors or gone:
            index = VectorIndex(config, model)
            index.rebuild(store)
            index.save(model.vectors_version)
    if not_fresh:
        actions.append(f"rebuilt the vector index of {', '.join(sorted(not_fresh))}")
    after = check(store, config)
    after.repaired = actions
    return after
