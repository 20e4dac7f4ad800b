"""A model's audit in one line: bag of words, partly, or reads word order, judged from its
relation and order accuracies against fixed thresholds. The paper's CLIP ViT-B/32 (relation
0.59, order 0.46) is a bag of words by them; NegCLIP (0.81, 0.86) reads word order."""

from __future__ import annotations

from .tasks import TASKS, TaskResult

READS = {"relation": 0.75, "order": 0.75}  # at or above both: reads word order
BAG = {"relation": 0.60, "order": 0.50}  # below both: a bag of words (chance 0.50 and 0.20)
THRESHOLDS = (
    "Verdict: reads word order at relation >= 0.75 and order >= 0.75; bag of words at "
    "relation < 0.60 and order < 0.50 (chance 0.50 and 0.20); partly in between."
)


def accuracies(results: dict[str, TaskResult]) -> dict[str, float]:
    """Mean accuracy over the relation tasks run, and over the order tasks run."""
    found: dict[str, list[float]] = {"relation": [], "order": []}
    for task, result in results.items():
        kind = TASKS[task].kind
        if kind in found and result.accuracy is not None:
            found[kind].append(result.accuracy)
    return {kind: sum(values) / len(values) for kind, values in found.items() if values}


def verdict(results: dict[str, TaskResult]) -> str | None:
    """None when neither a relation nor an order task was run."""
    measured = accuracies(results)
    if not measured:
        return None
    if all(value >= READS[kind] for kind, value in measured.items()):
        return "reads word order"
    if all(value < BAG[kind] for kind, value in measured.items()):
        return "bag of words"
    return "partly"


def verdict_line(name: str, results: dict[str, TaskResult]) -> str | None:
    said = verdict(results)
    if said is None:
        return None
    figures = ", ".join(f"{kind} {value:.2f}" for kind, value in accuracies(results).items())
    return f"{name}: {said} ({figures})"
