"""The audit's outputs: one table for people, JSON for machines, per-item rows to a file."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from .probe import PairResult
from .run import AuditReport
from .tasks import TASKS
from .verdict import THRESHOLDS, verdict, verdict_line

EXPLANATION = (
    "A score near chance means the model cannot tell the true caption from the same words in "
    'another order: it reads captions as a bag of words. Such a model will rank "a dog chasing '
    'a cat" and "a cat chasing a dog" alike in your search.'
)


def _figure(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def render_table(report: AuditReport) -> str:
    names = [model.name for model in report.models]
    header = ["task", *names, "chance", "paper CLIP", "paper NegCLIP", "items"]
    lines = []
    for task in report.tasks:
        spec = TASKS[task]
        results = [model.results[task] for model in report.models]
        lines.append(
            [
                spec.title,
                *(_figure(result.accuracy) for result in results),
                f"{spec.chance:.2f}",
                _figure(spec.paper_clip),
                _figure(spec.paper_negclip),
                str(results[0].items) if results else "0",
            ]
        )
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]
    text = [f"ARO compositionality audit: {report.source}", ""]
    text += [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, ["-" * w for w in widths], *lines]
    ]
    text.append("")
    for model in report.models:
        text.append(f"{model.name} = {model.key}")
    verdicts = [verdict_line(model.name, model.results) for model in report.models]
    if any(verdicts):
        text += ["", *(line for line in verdicts if line), THRESHOLDS]
    notes = []
    if any(TASKS[task].synthetic for task in report.tasks):
        notes.append(
            "The paper's figures are for the official datasets (VG-Relation, VG-Attribution, "
            "COCO-Order), shown for scale next to the synthetic tasks that copy their formats."
        )
    if any(
        model.results[task].accuracy is None for model in report.models for task in report.tasks
    ):
        notes.append(
            "n/a: no attribute pair had the 25 items the macro accuracy needs; see the "
            "per-item file, or run more items."
        )
    text += ["", *notes, EXPLANATION]
    return "\n".join(text)


def report_json(report: AuditReport, items_file: Path | None) -> dict:
    return {
        "source": report.source,
        "items_file": str(items_file) if items_file else None,
        "verdicts": {model.name: verdict(model.results) for model in report.models},
        "tasks": [
            {
                "task": task,
                "title": TASKS[task].title,
                "chance": TASKS[task].chance,
                "paper": {"clip": TASKS[task].paper_clip, "negclip": TASKS[task].paper_negclip},
                "models": {
                    model.name: {
                        "key": model.key,
                        "accuracy": model.results[task].accuracy,
                        "micro_accuracy": model.results[task].micro,
                        "items": model.results[task].items,
                        "groups": model.results[task].groups,
                    }
                    for model in report.models
                },
            }
            for task in report.tasks
        ],
    }


def write_items(rows: list[dict], path: Path) -> Path:
    """Per-item results: JSON if the name ends in .json, CSV otherwise."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(rows, indent=1))
        return path
    fields = list(rows[0]) if rows else ["model", "task", "item"]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {k: json.dumps(v) if isinstance(v, list) else v for k, v in row.items()}
            )
    return path


def render_probe(results: list[PairResult], model: str, k: int) -> str:
    rows = [["query A", "query B", f"top-{k} overlap", "rank corr.", "text cos"]]
    for r in results:
        rows.append(
            [
                r.query_a,
                r.query_b,
                f"{r.overlap:.2f}",
                _figure(r.rank_correlation),
                f"{r.text_similarity:.3f}",
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [f"Index probe with {model}: query pairs that differ only in word order or roles", ""]
    lines += [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    mean = sum(r.overlap for r in results) / len(results) if results else 0.0
    lines += [
        "",
        f"Mean top-{k} overlap: {mean:.2f}. An overlap and rank correlation near 1 mean your "
        "search returns the same photos in the same order for both queries: it does not tell "
        "who does what to whom. Lower is better here.",
    ]
    return "\n".join(lines)
