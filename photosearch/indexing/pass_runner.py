"""The second part of an index run: the content passes, after every photo has its vector, so a
library is searchable by picture first. Each content is read once for all the passes that have
not read it (moved and copied photos share what was read), by whatever stage the run uses; each
batch is committed as it comes, so a stopped run goes on from there."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence

from ..progress import Progress
from ..store import Store
from .content_pass import ContentPass, Outcome
from .stage import PassJob, PassResult, Stage
from .summary import IndexSummary

log = logging.getLogger(__name__)


def run_passes(
    store: Store,
    stage: Stage,
    passes: Sequence[ContentPass],
    targets: Iterable[str],
    summary: IndexSummary,
    progress: Progress,
    reread: frozenset[str] = frozenset(),
) -> None:
    """Run the passes over every photo below targets that one of them has not read (for a pass
    named in reread, also what an older version of it read, or failed to read). Readings that
    no photo has any more are forgotten first."""
    started = time.perf_counter()
    with store.writer() as writer:
        for content_pass in passes:
            content_pass.forget_unused(writer)
    jobs = _jobs(store, passes, list(targets), reread)
    if not jobs:
        return
    named = {content_pass.name: content_pass for content_pass in passes}
    running = [named[name] for name in dict.fromkeys(n for job in jobs for n in job.passes)]
    progress.start(len(jobs), " and ".join(content_pass.label for content_pass in running))
    for results in stage.run_passes(jobs, running):
        outcomes = _outcomes(jobs, results)
        with store.writer() as writer:
            for name, recorded in outcomes.items():
                named[name].record(writer, recorded)
        for name, recorded in outcomes.items():
            counts = summary.passes[name]
            counts.read += len(recorded)
            counts.failed += sum(outcome.problem is not None for outcome in recorded)
            counts.found += sum(
                outcome.problem is None and named[name].found(outcome.reading)
                for outcome in recorded
            )
        progress.advance(len(results))
    progress.close()
    for content_pass in running:
        summary.passes[content_pass.name].seconds = time.perf_counter() - started


def _jobs(
    store: Store, passes: Sequence[ContentPass], targets: list[str], reread: frozenset[str]
) -> list[PassJob]:
    """One job for each content below targets that some pass has not read, naming those."""
    wanted: dict[str, tuple[str, list[str]]] = {}
    for content_pass in passes:
        for digest, path in content_pass.pending(store, targets, content_pass.name in reread):
            wanted.setdefault(digest, (path, []))[1].append(content_pass.name)
    return [
        PassJob(number, path, digest, tuple(names))
        for number, (digest, (path, names)) in enumerate(wanted.items())
    ]


def _outcomes(jobs: list[PassJob], results: list[PassResult]) -> dict[str, list[Outcome]]:
    """What each pass is to record of these results. A file that was not there to read leaves
    nothing (the next run sees it gone, or reads it again)."""
    outcomes: dict[str, list[Outcome]] = {}
    for result in results:
        job = jobs[result.number]
        if result.unreadable is not None:
            log.info("Cannot read %s: %s", job.path, result.unreadable.message)
            continue
        for name in job.passes:
            problem = result.problems.get(name)
            if problem is not None:
                log.info("The %s pass cannot read %s: %s", name, job.path, problem.message)
            reading = result.readings.get(name)
            outcomes.setdefault(name, []).append(Outcome(result.content_hash, reading, problem))
    return outcomes
