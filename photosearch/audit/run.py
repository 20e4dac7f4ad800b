"""Run the audit: load each task once, score it with every model, collect metrics and per-item
rows. The CLI chooses tasks and models; this module knows nothing about printing."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..model.embedder import Embedder
from ..progress import Progress
from .datasets import FILES, AuditDataError, load_task, missing_files
from .scoring import score_items
from .synthetic import write_suite
from .tasks import TASKS, AuditItem, TaskResult


@dataclass
class ModelScores:
    name: str  # what the user called it
    key: str  # its identity: architecture plus tag or checkpoint hash
    results: dict[str, TaskResult] = field(default_factory=dict)


@dataclass
class AuditReport:
    source: str  # "synthetic suite (...)" or the data dir
    tasks: list[str]
    models: list[ModelScores]
    rows: list[dict] = field(default_factory=list)  # one per (model, item)


def synthetic_dir(home: Path, scenes: int, seed: int) -> Path:
    return write_suite(home / "audit" / f"synthetic-seed{seed}-{scenes}", scenes, seed)


def check_files(tasks: list[str], data_dir: Path) -> None:
    """One message listing every missing file of the tasks, and where each comes from."""
    problems = [
        f"{path} (for {TASKS[task].title}: {FILES[task].source})"
        for task in tasks
        for path in missing_files(task, data_dir)
    ]
    if problems:
        raise AuditDataError(
            f"The ARO files are not all in {data_dir}. Missing: {'; '.join(problems)}. "
            "Run with --download to fetch them when online, or put them there by hand."
        )


def sample(items: list[AuditItem], limit: int | None, seed: int) -> list[AuditItem]:
    """A seeded random sample, kept in file order: a quick run that is still representative."""
    if limit is None or limit >= len(items):
        return items
    keep = sorted(random.Random(seed).sample(range(len(items)), limit))
    return [items[i] for i in keep]


def run_audit(
    tasks: list[str],
    data_dir: Path,
    models: list[tuple[str, Embedder]],
    *,
    limit: int | None = None,
    seed: int = 1,
    batch_size: int = 64,
    workers: int = 2,
    progress_factory=Progress,
    source: str = "",
) -> AuditReport:
    report = AuditReport(
        source or str(data_dir), tasks, [ModelScores(n, e.identity.key) for n, e in models]
    )
    for task in tasks:
        items = sample(load_task(task, data_dir, seed), limit, seed)
        for scores_of, (_, embedder) in zip(report.models, models, strict=True):
            progress = progress_factory()
            scores = score_items(items, embedder, batch_size, workers, progress, label=task)
            correct = TASKS[task].correct(scores)
            scores_of.results[task] = TASKS[task].metric(items, correct)
            report.rows.extend(_rows(task, scores_of, items, scores, correct, data_dir))
    return report


def _rows(task, model, items, scores, correct, data_dir: Path) -> list[dict]:
    rows = []
    for index, (item, item_scores, ok) in enumerate(zip(items, scores, correct, strict=True)):
        options = list(item.options)
        best_wrong = 1 + int(np.argmax(item_scores[1 : len(options)]))
        rows.append(
            {
                "model": model.name,
                "task": task,
                "item": index,
                "image": _relative(item.image, data_dir),
                "bbox": list(item.bbox) if item.bbox else None,
                "group": item.group,
                "correct": bool(ok),
                "true_caption": options[0],
                "true_score": round(float(item_scores[0]), 6),
                "best_wrong_caption": options[best_wrong],
                "best_wrong_score": round(float(item_scores[best_wrong]), 6),
                "options": options,
                "scores": [round(float(s), 6) for s in item_scores[: len(options)]],
            }
        )
    return rows


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
