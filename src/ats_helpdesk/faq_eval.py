"""Measures the FAQ answerer on a labelled set, and refits its calibration.

Where it sits: beside the flow, over answer. ``ats-helpdesk eval faq FILE`` reads
labelled questions (YAML list or JSON lines), runs each through the answerer and
reports the three figures issue 3 checks: precision of the answers given,
coverage of the answerable questions, abstention on the unanswerable ones (no
document covers them, or the best entry is a hand-over entry such as FAQ 15),
plus a reliability table (confidence bin -> how often the best match was right)
and a precision/coverage curve over thresholds.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from ats_helpdesk.answer import Answerer, Judgement, clean_input
from ats_helpdesk.calibration import (
    Calibration,
    choose_threshold,
    extract_features,
    fit_calibration,
    fit_ranker,
)
from ats_helpdesk.retrieval import Retrieval

SPLITS = ("tune", "test")
CHANNELS = ("widget", "email")
# Threshold choice: the lowest confidence at which the tuning split's answers are
# still this precise. Two points above the 95% bar of issue 3: held-out sets written
# later (tests/data/faq_held_out*.yaml) ran several points below the tuning figure.
TARGET_PRECISION = 0.97
CURVE_THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
# Folds for the out-of-fold confidences the threshold is chosen on.
FOLDS = 5
BINS = (0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 1.0001)


class LabelledSetError(ValueError):
    """The labelled file is malformed; the message names the item or line."""


@dataclass(frozen=True)
class LabelledQuestion:
    id: str
    text: str
    expect: tuple[str, ...]  # acceptable entry ids; empty: nothing answers it
    split: str | None
    # Where a member would ask it ("widget" or "email"); None in sets written before
    # the field (bench/eval_email_subsets.py tells those apart by their text).
    channel: str | None = None


@dataclass(frozen=True)
class Outcome:
    question: LabelledQuestion
    answerable: bool
    answered: bool
    faq_id: str | None
    top_id: str | None
    # The top match never answers: a hand-over entry, a scheme clash, ... (_blocked), or
    # the question is a recorded near-miss (near_miss.py).
    handover_top: bool
    confidence: float

    @property
    def right(self) -> bool:
        return self.answered and self.faq_id in self.question.expect

    @property
    def top_right(self) -> bool:
        return self.answerable and self.top_id in self.question.expect


def _item(raw: Any, where: str) -> LabelledQuestion:
    if not isinstance(raw, dict):
        raise LabelledSetError(f"{where}: must be a mapping with id, q and expect")
    text = raw.get("q")
    if not isinstance(text, str):
        raise LabelledSetError(f"{where}: field 'q' must be text")
    expect = raw.get("expect", raw.get("faq_id"))
    if expect is None:
        ids: tuple[str, ...] = ()
    elif isinstance(expect, str):
        ids = (expect,)
    elif isinstance(expect, list) and all(isinstance(e, str) for e in expect):
        ids = tuple(expect)
    else:
        raise LabelledSetError(f"{where}: field 'expect' must be an id, a list of ids or null")
    split = raw.get("split")
    if split is not None and split not in SPLITS:
        raise LabelledSetError(f"{where}: field 'split' must be one of {', '.join(SPLITS)}")
    channel = raw.get("channel")
    if channel is not None and channel not in CHANNELS:
        raise LabelledSetError(f"{where}: field 'channel' must be one of {', '.join(CHANNELS)}")
    return LabelledQuestion(
        id=str(raw.get("id", where)), text=text, expect=ids, split=split, channel=channel
    )


def load_labelled(path: Path) -> list[LabelledQuestion]:
    """Labelled questions from a YAML list or JSON lines (``{"id","q","expect"|"faq_id"}``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise LabelledSetError(f"{path}: cannot read: {error}") from error
    if path.suffix == ".jsonl":
        items = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as error:
                raise LabelledSetError(f"{path} line {number}: not JSON: {error}") from error
            items.append(_item(raw, f"{path} line {number}"))
        return items
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise LabelledSetError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(data, list):
        raise LabelledSetError(f"{path}: must be a YAML list of questions")
    return [_item(raw, f"{path} item {i + 1}") for i, raw in enumerate(data)]


def unknown_labels(questions: Sequence[LabelledQuestion], answerer: Answerer) -> list[str]:
    """Labels naming no entry of the knowledge base (a renamed or deleted entry)."""
    known = {entry.id for entry in answerer.knowledge.entries}
    return [f"{q.id}: {e}" for q in questions for e in q.expect if e not in known]


def is_answerable(question: LabelledQuestion, handover: set[str]) -> bool:
    """Some entry answers it: it names one, and none of a hand-over entry's (FAQ 15)."""
    return bool(question.expect) and not set(question.expect) & handover


def _judge(answerer: Answerer, question: LabelledQuestion) -> tuple[Judgement | None, str | None]:
    cleaned, note = clean_input(question.text)
    return (answerer.judge(cleaned), note) if cleaned is not None else (None, note)


def run(answerer: Answerer, questions: Sequence[LabelledQuestion]) -> list[Outcome]:
    handover = {e.id for e in answerer.knowledge.entries if e.handover}
    outcomes = []
    for question in questions:
        judgement, note = _judge(answerer, question)
        result = answerer.decide(judgement, note=note) if judgement else None
        top = (
            answerer.knowledge.entries[judgement.retrieval.ranked[0].entry_index].id
            if judgement and judgement.retrieval
            else None
        )
        outcomes.append(
            Outcome(
                question=question,
                answerable=is_answerable(question, handover),
                answered=bool(result and result.answered),
                faq_id=result.faq_id if result else None,
                top_id=top,
                handover_top=top in handover
                or bool(
                    judgement
                    and judgement.retrieval
                    and (
                        _blocked(judgement.retrieval)
                        or answerer.near_miss(judgement.retrieval) is not None
                    )
                ),
                confidence=judgement.confidence if judgement else 0.0,
            )
        )
    return outcomes


def _blocked(retrieval: Retrieval) -> bool:
    """The top match never answers, whatever the confidence (see Answerer.decide)."""
    top = retrieval.ranked[0]
    return top.conflict or "money" in top.missing or top.uncompared or bool(top.unmatched_specifics)


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def figures(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Precision of answers given, coverage of answerable, abstention on unanswerable."""
    given = [o for o in outcomes if o.answered]
    answerable = [o for o in outcomes if o.answerable]
    unanswerable = [o for o in outcomes if not o.answerable]
    return {
        "answered": len(given),
        "precision": _ratio(sum(o.right for o in given), len(given)),
        "coverage": _ratio(sum(o.answered for o in answerable), len(answerable)),
        "abstention": _ratio(sum(not o.answered for o in unanswerable), len(unanswerable)),
    }


def redecide(outcomes: Sequence[Outcome], threshold: float) -> list[Outcome]:
    """The outcomes had the threshold been ``threshold`` (hand-over entries still abstain)."""
    changed = []
    for o in outcomes:
        answered = o.top_id is not None and not o.handover_top and o.confidence >= threshold
        changed.append(replace(o, answered=answered, faq_id=o.top_id if answered else None))
    return changed


def reliability_table(outcomes: Sequence[Outcome]) -> list[dict[str, Any]]:
    """Per confidence bin: how many, their mean confidence, how often the top match was right."""
    rows = []
    for low, high in itertools.pairwise(BINS):
        inside = [o for o in outcomes if low <= o.confidence < high]
        mean = sum(o.confidence for o in inside) / len(inside) if inside else None
        rows.append(
            {
                "bin": f"{low:.1f}-{min(high, 1.0):.1f}",
                "n": len(inside),
                "mean_confidence": round(mean, 4) if mean is not None else None,
                "top_match_right": _ratio(sum(o.top_right for o in inside), len(inside)),
            }
        )
    return rows


def report(outcomes: Sequence[Outcome], threshold: float) -> dict[str, Any]:
    """The figures at the answerer's decisions, the reliability table and the curve."""
    return {
        "questions": len(outcomes),
        "answerable": sum(o.answerable for o in outcomes),
        "unanswerable": sum(not o.answerable for o in outcomes),
        "threshold": round(threshold, 4),
        **figures(outcomes),
        "wrong_answers": [
            {
                "id": o.question.id,
                "faq_id": o.faq_id,
                "expect": list(o.question.expect) or None,
                "confidence": round(o.confidence, 3),
            }
            for o in outcomes
            if o.answered and not o.right
        ],
        "reliability": reliability_table(outcomes),
        "curve": [{"threshold": t, **figures(redecide(outcomes, t))} for t in CURVE_THRESHOLDS],
    }


def refit(
    answerer: Answerer, questions: Sequence[LabelledQuestion], *, fitted_on: str
) -> Calibration:
    """Fit the ranker, then the confidence, and choose the threshold on the tuning split."""
    handover = {e.id for e in answerer.knowledge.entries if e.handover}
    ids = [e.id for e in answerer.knowledge.entries]
    retrieved: list[tuple[LabelledQuestion, Retrieval]] = []
    for question in questions:
        cleaned, _ = clean_input(question.text)
        retrieval = answerer.index.retrieve(cleaned) if cleaned is not None else None
        if retrieval is not None:
            retrieved.append((question, retrieval))
    # 1. The ranker learns from questions whose right entry is among the candidates.
    groups, labels = [], []
    for question, retrieval in retrieved:
        flags = [ids[ev.entry_index] in question.expect for ev in retrieval.ranked]
        if any(flags) and not set(question.expect) & handover:
            groups.append(retrieval.ranked)
            labels.append(flags)
    ranker = fit_ranker(groups, labels, fitted_on=fitted_on)
    # 2. The confidence learns when answering the reranked top match is right.
    features, right = [], []
    for question, retrieval in retrieved:
        reranked = ranker.rerank(retrieval)
        top = ids[reranked.ranked[0].entry_index]
        if top in handover or _blocked(reranked) or answerer.near_miss(reranked) is not None:
            # Never answers, whatever the confidence (hand-over entry, ATS/AST clash, a
            # listed near-miss): it must not shape the confidence or the threshold.
            continue
        features.append(extract_features(reranked))
        right.append(top in question.expect)
    # The threshold is chosen on out-of-fold confidences: in-sample ones are optimistic
    # and pick a threshold that is too low for new questions.
    confidences = [0.0] * len(features)
    for fold in range(FOLDS):
        train = [i for i in range(len(features)) if i % FOLDS != fold]
        model = fit_calibration(
            ranker, [features[i] for i in train], [right[i] for i in train], threshold=0.5
        )
        for i in range(fold, len(features), FOLDS):
            confidences[i] = model.confidence(features[i])
    threshold = choose_threshold(confidences, right, min_precision=TARGET_PRECISION)
    return fit_calibration(ranker, features, right, threshold=round(threshold, 4))
