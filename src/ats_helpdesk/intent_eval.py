"""Measuring the intent model on labelled emails (``eval intents``).

Sits beside ``classify``: it runs a trained :class:`~ats_helpdesk.classify.IntentModel`
over ``intents/test`` (or a labelled JSONL file, such as the independently written
``tests/data/held_out_intents*.jsonl``) through :func:`classify_mails`, the same
path ``classify --jsonl`` takes (loop guards, then the model), and reports
per-intent precision, recall and F1, macro-F1, the confusion matrix and the
misclassified examples, so a change to the model or to the training data is
judged on the same held-apart emails every time.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ats_helpdesk.classify import IntentModel
from ats_helpdesk.classify_mail import MailIn, classify_mails, parse_mail_date
from ats_helpdesk.intents import CASE_INTENTS, INTENTS, Example

__all__ = ["IntentReport", "IntentScore", "Miss", "evaluate_intents", "load_labelled_jsonl"]


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


def load_labelled_jsonl(path: Path) -> list[Example]:
    """Examples from a JSONL file of ``{"id", "from", "date", "subject", "body", "intent"}``.

    The format ``classify --jsonl`` reads plus the label, so an outside test set
    is measured exactly as it would be classified. ``ValueError`` names the line
    and field of the first bad line (a test set with a bad label is not measured).
    """
    examples: list[Example] = []
    text = path.read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}: line {number}: not valid JSON: {error}") from None
        if not isinstance(item, dict):
            raise ValueError(f"{path}: line {number}: a line must be a JSON object")
        for name in ("subject", "body", "from", "date"):
            if item.get(name) is not None and not isinstance(item[name], str):
                raise ValueError(f"{path}: line {number}: field '{name}': must be a string")
        if not isinstance(item.get("body"), str):
            raise ValueError(f"{path}: line {number}: field 'body': missing")
        if item.get("intent") not in INTENTS:
            raise ValueError(
                f"{path}: line {number}: field 'intent': {item.get('intent')!r} is not one of "
                + ", ".join(INTENTS)
            )
        headers = item.get("headers") or {}
        if not isinstance(headers, dict):
            raise ValueError(f"{path}: line {number}: field 'headers': must be an object")
        examples.append(
            Example(
                id=str(item.get("id", number)),
                intent=item["intent"],
                split="file",
                subject=item.get("subject") or "",
                body=item["body"],
                source=f"{path.name}:{number}",
                from_addr=item.get("from") or "",
                date=item.get("date") or "",
                headers={str(k): str(v) for k, v in headers.items()},
            )
        )
    return examples


def _mail(example: Example) -> MailIn:
    try:
        sent_at = parse_mail_date(example.date) if example.date else None
    except ValueError:
        sent_at = None  # the date only matters for facts, not for the intent
    return MailIn(
        id=example.id,
        subject=example.subject,
        body=example.body,
        from_addr=example.from_addr,
        sent_at=sent_at,
        headers=example.headers,
    )


def evaluate_intents(model: IntentModel, examples: Sequence[Example]) -> IntentReport:
    """Classify every example as ``classify --jsonl`` would and compare with its label."""
    results = [r.classification for r in classify_mails(model, [_mail(e) for e in examples])]
    expected = [e.intent for e in examples]
    predicted = [r.intent for r in results]
    labels = tuple(i for i in INTENTS if i in set(expected) | set(predicted))
    position = {label: n for n, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for want, got in zip(expected, predicted, strict=True):
        matrix[position[want]][position[got]] += 1
    scores = []
    for n, label in enumerate(labels):
        hits = matrix[n][n]
        support = sum(matrix[n])
        called = sum(row[n] for row in matrix)
        precision = hits / called if called else 0.0
        recall = hits / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores.append(IntentScore(label, precision, recall, f1, support))
    present = [s for s in scores if s.support > 0]
    misses = tuple(
        Miss(e.id, e.source, e.intent, r.intent, r.confidence, r.needs_review)
        for e, r in zip(examples, results, strict=True)
        if r.intent != e.intent
    )
    total = len(examples)
    return IntentReport(
        labels=labels,
        scores=tuple(scores),
        macro_f1=sum(s.f1 for s in present) / len(present) if present else 0.0,
        accuracy=(total - len(misses)) / total if total else 0.0,
        confusion=tuple(tuple(row) for row in matrix),
        misses=misses,
        review_rate=sum(r.needs_review for r in results) / total if total else 0.0,
        total=total,
    )
