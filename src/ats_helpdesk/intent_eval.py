"""Measuring the intent model on the labelled test split (``eval intents``).

Sits beside ``classify``: it runs a trained :class:`~ats_helpdesk.classify.IntentModel`
over ``intents/test`` and reports per-intent precision, recall and F1, macro-F1,
the confusion matrix and the misclassified examples, so a change to the model or
to the training data is judged on the same held-apart emails every time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from ats_helpdesk.classify import IntentModel
from ats_helpdesk.intents import CASE_INTENTS, INTENTS, Example

__all__ = ["IntentReport", "IntentScore", "Miss", "evaluate_intents"]


@dataclass(frozen=True)
class IntentScore:
    intent: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Miss:
    id: str
    source: str
    expected: str
    predicted: str
    confidence: float
    needs_review: bool


@dataclass(frozen=True)
class IntentReport:
    labels: tuple[str, ...]
    scores: tuple[IntentScore, ...]
    macro_f1: float
    accuracy: float
    confusion: tuple[tuple[int, ...], ...]  # rows: expected, columns: predicted (labels order)
    misses: tuple[Miss, ...]
    review_rate: float
    total: int

    @property
    def min_case_recall(self) -> float:
        return min((s.recall for s in self.scores if s.intent in CASE_INTENTS), default=0.0)

    def to_dict(self) -> dict[str, object]:
        return {
            "total": self.total,
            "macro_f1": round(self.macro_f1, 4),
            "accuracy": round(self.accuracy, 4),
            "review_rate": round(self.review_rate, 4),
            "intents": {
                s.intent: {
                    "precision": round(s.precision, 4),
                    "recall": round(s.recall, 4),
                    "f1": round(s.f1, 4),
                    "support": s.support,
                }
                for s in self.scores
            },
            "labels": list(self.labels),
            "confusion": [list(row) for row in self.confusion],
            "misses": [m.__dict__ for m in self.misses],
        }


def evaluate_intents(model: IntentModel, examples: Sequence[Example]) -> IntentReport:
    """Classify every example and compare with its folder's label."""
    results = model.classify_many((e.subject, e.body) for e in examples)
    expected = [e.intent for e in examples]
    predicted = [r.intent for r in results]
    labels = tuple(i for i in INTENTS if i in set(expected) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(
        expected, predicted, labels=list(labels), zero_division=0
    )
    scores = tuple(
        IntentScore(label, float(p), float(r), float(f), int(n))
        for label, p, r, f, n in zip(labels, precision, recall, f1, support, strict=True)
    )
    present = [s for s in scores if s.support > 0]
    matrix = confusion_matrix(expected, predicted, labels=list(labels))
    misses = tuple(
        Miss(e.id, e.source, e.intent, r.intent, r.confidence, r.needs_review)
        for e, r in zip(examples, results, strict=True)
        if r.intent != e.intent
    )
    total = len(examples)
    return IntentReport(
        labels=labels,
        scores=scores,
        macro_f1=sum(s.f1 for s in present) / len(present) if present else 0.0,
        accuracy=(total - len(misses)) / total if total else 0.0,
        confusion=tuple(tuple(int(v) for v in row) for row in matrix),
        misses=misses,
        review_rate=sum(r.needs_review for r in results) / total if total else 0.0,
        total=total,
    )
