"""The second part of an index run: the content passes, after every photo has its vector, so a
library is searchable by picture first. Each content is read once for all the passes that have
not read it (moved and copied photos share what was read), by whatever stage the run uses; each
batch is committed as it comes, so a stopped run goes on from there."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..progress import Progress, time_left
from ..store import Store
from ..store.scenes import Scenes
from .content_pass import ContentPass, Outcome
from .stage import PassJob, PassResult, Stage
from .summary import IndexSummary

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PassPlan:
    """What the content passes of a run have to read, known before they read any: one job
    for each content that some pass has not read."""

    jobs: list[PassJob]
    passes: list[ContentPass]  # those with something to read, in their order

    def to_read(self, content_pass: ContentPass) -> int:
        return sum(content_pass.name in job.passes for job in self.jobs)


def plan_passes(
    store: Store,
    passes: Sequence[ContentPass],
    targets: Iterable[str],
    reread: frozenset[str] = frozenset(),
) -> PassPlan:
    """The work of the passes over every photo, and every kept scene of a video, below targets
    that one of them has not read (for a pass named in reread, also what an older version of
    it read, or failed to read). Readings that no photo nor scene has any more are forgotten
    first."""
    if not passes:
        return PassPlan([], [])
    with store.writer() as writer:
        for content_pass in passes:
            content_pass.forget_unused(writer)
    jobs = _jobs(store, passes, list(targets), reread)
    wanted = {name for job in jobs for name in job.passes}
    return PassPlan(jobs, [content_pass for content_pass in passes if content_pass.name in wanted])


def run_passes(
    store: Store, stage: Stage, plan: PassPlan, summary: IndexSummary, progress: Progress
) -> None:
    """Read what the plan says, committing each batch as it comes; the progress line says
    how long the rest will take at the rate so far."""
    if not plan.jobs:
        return
    started = time.perf_counter()
    named = {content_pass.name: content_pass for content_pass in plan.passes}
    progress.start(len(plan.jobs), " and ".join(p.label for p in plan.passes))
    progress.note(time_left(len(plan.jobs), 0))
    done = 0
    for results in stage.run_passes(plan.jobs, plan.passes):
        outcomes = _outcomes(plan.jobs, results)
        with store.writer() as writer:
            for name, recorded in outcomes.items():
                named[name].record(writer, recorded)
        seconds = time.perf_counter() - started
        for name, recorded in outcomes.items():
            counts = summary.passes[name]
            counts.read += len(recorded)
            counts.failed += sum(outcome.problem is not None for outcome in recorded)
            counts.found += sum(
                outcome.problem is None and named[name].found(outcome.reading)
                for outcome in recorded
            )
        for content_pass in plan.passes:
            summary.passes[content_pass.name].seconds = seconds
        done += len(results)
        progress.advance(len(results))
        progress.note(time_left(len(plan.jobs) - done, done / seconds))
    progress.close()


def _jobs(
    store: Store, passes: Sequence[ContentPass], targets: list[str], reread: frozenset[str]
) -> list[PassJob]:
    """One job for each content below targets that some pass has not read, naming those; a
    video scene's job says where the scene is in its video."""
    wanted: dict[str, tuple[str, list[str]]] = {}
    for content_pass in passes:
        for digest, path in content_pass.pending(store, targets, content_pass.name in reread):
            wanted.setdefault(digest, (path, []))[1].append(content_pass.name)
    scenes = store.concern(Scenes).scene_times(wanted)
    return [
        PassJob(number, path, digest, tuple(names), scenes.get(digest))
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
