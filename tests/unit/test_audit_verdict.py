"""The audit's one-line verdict per model, on its stated thresholds."""

from __future__ import annotations

import pytest

from photosearch.audit.report import render_table, report_json
from photosearch.audit.run import AuditReport, ModelScores
from photosearch.audit.tasks import TaskResult
from photosearch.audit.verdict import THRESHOLDS, verdict


def result(accuracy):
    return TaskResult(accuracy, accuracy, 100, 4)


@pytest.mark.parametrize(
    ("relation", "order", "said"),
    [(0.59, 0.46, "bag of words"), (0.81, 0.86, "reads word order"), (0.81, 0.46, "partly"),
     (0.55, 0.60, "partly"), (0.75, 0.75, "reads word order"), (0.60, 0.20, "partly")],
)  # fmt: skip
def test_verdict_from_relation_and_order(relation, order, said):
    results = {"vg-relation": result(relation), "coco-order": result(order)}
    assert verdict(results) == said


def test_verdict_needs_a_relation_or_order_task():
    assert verdict({"vg-attribution": result(0.9)}) is None
    assert verdict({"synthetic-order": result(0.9)}) == "reads word order"


def test_report_prints_one_verdict_per_model_with_the_thresholds():
    def scores(relation, order):
        return {"synthetic-relation": result(relation), "synthetic-order": result(order)}

    models = [
        ModelScores("clip", "a", scores(0.5, 0.3)),
        ModelScores("tuned", "b", scores(0.9, 0.8)),
    ]
    report = AuditReport("test", ["synthetic-relation", "synthetic-order"], models)
    table = render_table(report)
    assert "clip: bag of words (relation 0.50, order 0.30)" in table
    assert "tuned: reads word order (relation 0.90, order 0.80)" in table
    assert THRESHOLDS in table
    assert report_json(report, None)["verdicts"] == {
        "clip": "bag of words",
        "tuned": "reads word order",
    }
