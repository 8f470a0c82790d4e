"""Turns retrieval evidence into one calibrated confidence in [0, 1], and refits it.

Where it sits: retrieval (scores) -> **calibration** (confidence) -> answer (answer
or abstain). The model is a logistic regression over a few features of the best
match (its score, the margin to the runner-up, whether the word and character
scorers agree, an ATS/AST or QTLS/QTS clash, ...). It is fitted on the tuning
split of ``tests/data/faq_questions.yaml`` and stored as plain numbers in
``answer_calibration.json`` beside this module, with the threshold chosen on the
same split; nothing is downloaded or trained at start-up. ``docs/answerer.md``
says how to refit (``ats-helpdesk eval faq FILE --refit``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from ats_helpdesk.retrieval import Evidence, Retrieval

CALIBRATION_FILE = Path(__file__).with_name("answer_calibration.json")
REFIT = "refit it: ats-helpdesk eval faq tests/data/faq_questions.yaml --refit (docs/answerer.md)"

FEATURES = (
    "score",
    "margin",
    "word",
    "char",
    "fuzzy",
    "answer",
    "agreement",
    "conflict",
    "log_segments",
    "short_query",
    "uncovered",
    "rank_margin",
    "rank_top",
    "rank_second",
    "email",
    "log_asking",
    "question_supports",
)
# What the learnt ranker sees of each candidate entry (retrieval's shortlist).
RANK_FEATURES = (
    "score",
    "word",
    "char",
    "answer",
    "fuzzy",
    "context",
    "uncovered",
    "type_mismatch",
    "rank_top",
    "rank_second",
)


def rank_features(evidence: Evidence) -> np.ndarray:
    return np.array(
        [
            evidence.score,
            evidence.word,
            evidence.char,
            evidence.answer,
            evidence.fuzzy,
            evidence.context,
            evidence.uncovered,
            1.0 if evidence.type_mismatch else 0.0,
        ],
        dtype=np.float64,
    )


def extract_features(retrieval: Retrieval) -> np.ndarray:
    """The features of the best match, in the order of :data:`FEATURES` (after rerank)."""
    top = retrieval.ranked[0]
    runner_up = retrieval.ranked[1].score if len(retrieval.ranked) > 1 else 0.0
    agreement = (
        (retrieval.word_argmax == top.entry_index) + (retrieval.char_argmax == top.entry_index)
    ) / 2.0
    second = retrieval.rank_values[1] if len(retrieval.rank_values) > 1 else -5.0
    return np.array(
        [
            top.score,
            top.score - runner_up,
            top.word,
            top.char,
            top.fuzzy,
            top.answer,
            agreement,
            1.0 if top.conflict else 0.0,
            math.log1p(retrieval.segment_count),
            1.0 if retrieval.query_tokens <= 3 else 0.0,
            top.uncovered,
            retrieval.rank_values[0] - second,
            retrieval.rank_values[0],
            second,
            1.0 if retrieval.email else 0.0,
            math.log1p(retrieval.asking),
            1.0 if not retrieval.asked_best or top.entry_index in retrieval.asked_best else 0.0,
        ],
        dtype=np.float64,
    )


@dataclass(frozen=True)
class Calibration:
    """A standardised logistic regression as plain numbers, and the answer threshold."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float
    fitted_on: str
    rank_mean: tuple[float, ...] = ()
    rank_scale: tuple[float, ...] = ()
    rank_weights: tuple[float, ...] = ()

    def rank_value(self, evidence: Evidence) -> float:
        """The learnt ranker's logit for one candidate (the hand-set score if not fitted)."""
        if not self.rank_weights:
            return evidence.score
        z = (rank_features(evidence) - np.asarray(self.rank_mean)) / np.asarray(self.rank_scale)
        return float(z @ np.asarray(self.rank_weights))

    def rerank(self, retrieval: Retrieval) -> Retrieval:
        """Order the candidates by the learnt ranker; scheme clashes go last (DOMAIN.md)."""
        values = [self.rank_value(ev) for ev in retrieval.ranked]
        order = sorted(range(len(values)), key=lambda i: (retrieval.ranked[i].conflict, -values[i]))
        return replace(
            retrieval,
            ranked=tuple(retrieval.ranked[i] for i in order),
            rank_values=tuple(values[i] for i in order),
        )

    def confidence(self, features: np.ndarray) -> float:
        z = (features - np.asarray(self.mean)) / np.asarray(self.scale)
        logit = float(z @ np.asarray(self.weights)) + self.bias
        return 1.0 / (1.0 + math.exp(-max(min(logit, 50.0), -50.0)))

    def save(self, path: Path = CALIBRATION_FILE) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")


class CalibrationError(ValueError):
    """The stored calibration is missing, unreadable or fitted on other features."""


def neutral_calibration() -> Calibration:
    """A stand-in used only to refit: hand-set ranking, confidence 0.5 for everything."""
    n = len(FEATURES)
    return Calibration(
        features=FEATURES,
        mean=(0.0,) * n,
        scale=(1.0,) * n,
        weights=(0.0,) * n,
        bias=0.0,
        threshold=1.0,
        fitted_on="neutral (not fitted)",
    )


def load_calibration(path: Path = CALIBRATION_FILE) -> Calibration:
    """The fitted calibration; :class:`CalibrationError` says how to refit when it is stale."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        calibration = Calibration(
            features=tuple(data["features"]),
            mean=tuple(data["mean"]),
            scale=tuple(data["scale"]),
            weights=tuple(data["weights"]),
            bias=float(data["bias"]),
            threshold=float(data["threshold"]),
            fitted_on=str(data.get("fitted_on", "")),
            rank_mean=tuple(data.get("rank_mean", ())),
            rank_scale=tuple(data.get("rank_scale", ())),
            rank_weights=tuple(data.get("rank_weights", ())),
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise CalibrationError(f"{path}: cannot read the calibration ({error}); {REFIT}") from error
    sizes = {len(calibration.mean), len(calibration.scale), len(calibration.weights)}
    if calibration.features != FEATURES or sizes != {len(FEATURES)}:
        raise CalibrationError(
            f"{path} was fitted on features {calibration.features}, the code computes "
            f"{FEATURES}; {REFIT}"
        )
    return calibration


def _fit_logistic(
    rows: Sequence[np.ndarray], labels: Sequence[bool]
) -> tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...], float]:
    """Standardised logistic regression as plain numbers: (mean, scale, weights, bias)."""
    from sklearn.linear_model import LogisticRegression

    x = np.vstack(rows)
    y = np.asarray(labels, dtype=int)
    mean = x.mean(axis=0)
    scale = np.where(x.std(axis=0) > 1e-9, x.std(axis=0), 1.0)
    model = LogisticRegression(C=3.0, max_iter=1000)
    model.fit((x - mean) / scale, y)
    return (
        tuple(float(v) for v in mean),
        tuple(float(v) for v in scale),
        tuple(float(v) for v in model.coef_[0]),
        float(model.intercept_[0]),
    )


def fit_ranker(
    candidates: Sequence[Sequence[Evidence]], right: Sequence[Sequence[bool]], *, fitted_on: str
) -> Calibration:
    """A calibration holding only the learnt ranker (candidate -> is it the right entry)."""
    rows = [rank_features(ev) for group in candidates for ev in group]
    labels = [flag for group in right for flag in group]
    mean, scale, weights, _ = _fit_logistic(rows, labels)
    return Calibration(
        features=FEATURES,
        mean=(0.0,) * len(FEATURES),
        scale=(1.0,) * len(FEATURES),
        weights=(0.0,) * len(FEATURES),
        bias=0.0,
        threshold=1.0,
        fitted_on=fitted_on,
        rank_mean=mean,
        rank_scale=scale,
        rank_weights=weights,
    )


def fit_calibration(
    base: Calibration,
    features: Sequence[np.ndarray],
    correct: Sequence[bool],
    *,
    threshold: float,
) -> Calibration:
    """Fit the confidence on top of ``base``'s ranker: features of the top match -> right."""
    mean, scale, weights, bias = _fit_logistic(features, correct)
    return replace(base, mean=mean, scale=scale, weights=weights, bias=bias, threshold=threshold)


def choose_threshold(
    confidences: Sequence[float],
    answerable_right: Sequence[bool | None],
    *,
    min_precision: float,
) -> float:
    """Lowest threshold whose answers are at least ``min_precision`` right (tuning split).

    ``answerable_right[i]`` is True when the top match is the right entry, False when
    it is wrong (or the question is unanswerable), None never occurs here.
    """
    pairs = sorted(zip(confidences, answerable_right, strict=True), key=lambda p: -p[0])
    best = 1.0
    right = 0
    for given, (confidence, is_right) in enumerate(pairs, start=1):
        right += bool(is_right)
        if right / given >= min_precision:
            best = confidence
    return best
