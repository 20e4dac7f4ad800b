"""An index run: walk the folders, let the Reconciler decide which files must be read and what
each answer means, and hand those files to a stage that reads, hashes, decodes and embeds
them: ThreadStage (this process's threads, the default) or a Ray cluster (RayStage); then
run the enabled content passes (passes) through the same stage."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Config
from ..errors import FolderError
from ..imaging.budget import shared_budget
from ..parallel import running_ahead
from ..progress import Progress
from ..store import ModelInfo, Store
from . import passes
from .pass_runner import PassPlan, plan_passes, run_passes
from .reconciler import Reconciler, under_any
from .scanner import Scanner
from .stage import FileResult, Job, Stage
from .summary import IndexSummary
from .thread_stage import AUTO, ThreadStage

if TYPE_CHECKING:
    from ..model.embedder import Embedder


@dataclass(frozen=True)
class Searchable:
    """An index run at the moment its photos can all be searched (their vectors committed,
    the FAISS file saved), before its content passes read them."""

    photos: int  # with a vector of the run's model, in the whole library
    plan: PassPlan  # what the passes read next
    summary: IndexSummary  # the run so far: each pass's rate in it


class Indexer:
    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        model: ModelInfo,
        config: Config,
        stage: Stage | None = None,
    ):
        self.store = store
        self.embedder = embedder
        self.model = model
        self.config = config
        self.stage = stage  # None: this process's threads, with a GPU decoder on CUDA
        # The data dir may sit inside a photo folder: its thumbnails are not photos.
        self.scanner = Scanner(config.exclude, config.include_hidden, skip=(config.data_dir,))
        self.gpu = AUTO  # made by the stage when a file first needs decoding

    def run(
        self,
        roots: Iterable[Path],
        progress: Progress | None = None,
        scopes: Iterable[str] | None = None,
        reread: frozenset[str] = frozenset(),
        on_searchable: Callable[[Searchable], None] | None = None,
        held: frozenset[str] = frozenset(),
    ) -> IndexSummary:
        """Bring the index in line with the disk below roots, then run the enabled content
        passes over the photos they have not read. With scopes (paths below the roots: files,
        folders, or paths that no longer exist), only those are looked at; a watcher passes
        the paths its events named. The passes named in reread also read again what an older
        version of theirs read, and what they failed to read. Between the two, once every
        vector is committed and the FAISS file saved, on_searchable is told what is next.
        Files `held` are neither read nor forgotten: left as they are for a later run."""
        started = time.perf_counter()
        shared_budget().log_next_wait()  # the run's first wait for decode memory is logged
        progress = progress or Progress()
        stage = self.stage or ThreadStage(self.embedder, self.config, self.gpu)
        summary = IndexSummary(passes={p.name: p.counts() for p in passes.registered()})
        roots = [_checked_root(root) for root in roots]
        targets = roots if scopes is None else self._scopes_below(roots, scopes)
        decisions = Reconciler(self.store, self.model, self.config, summary, targets, held)
        work = decisions.plan([item for root in targets for item in self.scanner.walk(Path(root))])

        progress.start(len(work))
        jobs = [item.job(number) for number, item in enumerate(work)]
        _through(stage, jobs, decisions.reusable(), decisions.decide, decisions.commit, progress)
        retries = [item.job(number) for number, (item, _) in enumerate(decisions.retries)]
        _through(stage, retries, frozenset(), decisions.retried, decisions.commit)
        progress.close()
        decisions.finish()
        summary.device, summary.runtime, summary.where = stage.device, stage.runtime, stage.where
        plan = plan_passes(self.store, passes.enabled(self.config), targets, reread)
        if on_searchable is not None:
            photos = self.store.counts(self.model.id)["vectors"]
            on_searchable(Searchable(photos, plan, summary))
        run_passes(self.store, stage, plan, summary, progress)
        summary.seconds = time.perf_counter() - started
        return summary

    def _scopes_below(self, roots: list[str], scopes: Iterable[str]) -> list[str]:
        """Absolute scope paths inside a root and not excluded; nested scopes folded away."""
        kept = []
        for scope in sorted({os.path.abspath(os.fspath(scope)) for scope in scopes}):
            root = next((r for r in roots if scope == r or under_any(scope, [r])), None)
            if root is None or self.scanner.excluded_below(root, scope):
                continue
            if not under_any(scope, kept) and scope not in kept:
                kept.append(scope)
        return kept


def _through(
    stage: Stage,
    jobs: list[Job],
    reusable: frozenset[str],
    decide: Callable[[FileResult], None],
    commit: Callable[[], None],
    progress: Progress | None = None,
) -> None:
    """Hand jobs to the stage; decide on each answer and commit each batch as it arrives. The
    stage runs on a thread of its own, one batch ahead: it embeds the next batch while this
    thread commits this one. Batches are decided and committed here, one after the other, so
    a batch's decisions see every earlier batch committed (a content embedded in an earlier
    batch of the run is reused from the store, not embedded again)."""
    if not jobs:
        return
    with running_ahead(stage.run(jobs, reusable), depth=1) as batches:
        for results in batches:
            for result in results:
                decide(result)
            commit()
            if progress is not None:
                progress.advance(len(results))


def _checked_root(root: Path) -> str:
    path = os.path.abspath(os.path.expanduser(os.fspath(root)))
    if not os.path.isdir(path):
        what = "does not exist" if not os.path.exists(path) else "is not a folder"
        raise FolderError(f"Cannot index {path}: it {what}. Give the path of a photo folder.")
    return path
