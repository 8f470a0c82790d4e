"""Intent classification: which path a message takes (answer, a case, or staff).

Sits after parsing and the loop guards, before answering or opening a case.
A scikit-learn pipeline (word and character TF-IDF into a logistic regression)
reads the subject and the member's own new text (``mail.quotes``), normalised
by :func:`normalise_text`, the one normaliser used for training and for
prediction. It is trained from ``intents/train`` (plus staff reclassifications,
see :func:`feedback_path`) and saved under the models folder in a file named by
a SHA-256 of the training data and :data:`MODEL_VERSION`, so a change to
``intents/`` or to this code trains a new model on the next load.

Recall on the four case intents matters more than precision (a missed appeal
window is the costliest error), so case intents get larger class weights and a
message whose best case intent is close to the winner goes to review.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

import numpy as np

from ats_helpdesk.content import Content
from ats_helpdesk.intent_runtime import CompiledModel, compile_pipeline
from ats_helpdesk.intents import CASE_INTENTS, INTENTS, iter_example_files, load_examples
from ats_helpdesk.mail.quotes import extract_new_text

__all__ = [
    "MODEL_VERSION",
    "Classification",
    "IntentModel",
    "ModelConfig",
    "TrainingText",
    "feedback_path",
    "normalise_new_text",
    "normalise_text",
]

logger = logging.getLogger(__name__)

# Bump when normalise_text, the features or the decision rule change: old model
# files then no longer match and are retrained.
MODEL_VERSION = "4"
_SEED = 20250401


@dataclass(frozen=True)
class ModelConfig:
    """Tunable knobs; the defaults are what ``docs/classifier.md`` reports."""

    c: float = 0.5
    calibration_folds: int = 5
    case_weight: float = 1.5  # class weight of the four case intents (others 1.0)
    review_below: float = 0.5  # confidence under this goes to review
    case_margin: float = 0.2  # top two are case intents this close: review
    case_floor: float = 0.3  # a non-case winner with a case intent at least this likely: review


@dataclass(frozen=True)
class Classification:
    intent: str
    confidence: float
    needs_review: bool
    scores: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class TrainingText:
    subject: str
    body: str
    intent: str


_NO_NEED = re.compile(
    r"\bno\s+(?:need|plans?|intention)\s+(?:to|for|of)\s+(?:make\s+|making\s+|request\w*\s+)?"
    r"(?:an?\s+|any\s+)?(appeal|object|complain|extension|extend)\w*",
    re.IGNORECASE,
)
_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|wg|tr|sv|antw|rif|r)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE
)
_NEGATION = re.compile(
    r"\b(?:not|never|no longer|nor)\s+(?:\w+\s+){0,2}?"
    r"(?:want|wish|intend|plan|planning|need|asking|looking|going)"
    r"(?:\s+to)?\s+(?:make\s+an?\s+|an?\s+|to\s+)?(appeal|object|complain|extension|extend)\w*",
    re.IGNORECASE,
)


def normalise_text(subject: str, body: str) -> str:
    """Subject and the member's new text, as the model sees them (train and predict)."""
    return normalise_new_text(subject, extract_new_text(body or ""))


def normalise_new_text(subject: str, new_text: str) -> str:
    """:func:`normalise_text` for a body already through ``extract_new_text``."""
    subject = _PREFIX.sub("", subject or "")
    text = f"{subject}\n{new_text}".lower()
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"\bwon't\b", "will not", text)
    text = re.sub(r"\bcan't\b", "can not", text)
    text = re.sub(r"n't\b", " not", text)
    text = re.sub(r"\bcan not\b|\bcannot\b", "can not", text)
    # "I don't want to appeal" is not an appeal: the cue word becomes a different token.
    for pattern in (_NEGATION, _NO_NEED):
        text = pattern.sub(
            lambda m: m.group(0)[: m.start(1) - m.start(0)] + "neg" + m.group(1), text
        )
    text = re.sub(r"\d", "0", text)
    return re.sub(r"\s+", " ", text).strip()


def feedback_path(models_dir: Path) -> Path:
    """Staff reclassifications, one JSON object a line: {"subject", "body", "intent"}.

    The staff queue appends here when an agent corrects an intent; the next
    ``load_or_train`` includes them in training (their content is in the key).
    """
    return models_dir.parent / "feedback" / "reclassified.jsonl"


def read_feedback(path: Path) -> list[TrainingText]:
    """Valid lines of the feedback file; bad lines are logged and skipped.

    Staff may reclassify one message more than once: only its latest label is
    trained on (lines name the message by ``message_id``), so a corrected mistake
    does not stay in the training data beside its correction."""
    if not path.is_file():
        return []
    texts: dict[object, TrainingText] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            intent = item["intent"]
            if intent not in INTENTS or not isinstance(item.get("body", ""), str):
                raise ValueError(f"unknown intent {intent!r}")
            key = item.get("message_id") or ("line", number)
            texts.pop(key, None)  # the latest label goes last, as if newly appended
            texts[key] = TrainingText(str(item.get("subject", "")), item.get("body", ""), intent)
        except (ValueError, KeyError, TypeError) as error:
            logger.warning("skipping %s line %d: %s", path, number, error)
    return list(texts.values())


def training_key(content: Content, models_dir: Path, config: ModelConfig | None = None) -> str:
    """SHA-256 over the training files, the feedback file, the code version and the knobs.

    The scikit-learn version is not in the key: a saved model is plain arrays that
    prediction reads without scikit-learn, so it stays valid across upgrades, and
    looking the version up (``importlib.metadata``) cost ~20 ms of every start-up.
    """
    digest = hashlib.sha256()
    config = config or ModelConfig()
    training = (config.c, config.calibration_folds, config.case_weight)
    digest.update(f"model {MODEL_VERSION} {training}\n".encode())
    for path in iter_example_files(content.intents, "train"):
        digest.update(path.relative_to(content.intents).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    feedback = feedback_path(models_dir)
    if feedback.is_file():
        digest.update(b"feedback\0" + feedback.read_bytes())
    return digest.hexdigest()


def build_pipeline(config: ModelConfig, labels: Sequence[str]) -> Pipeline:
    """Word 1-2 grams and character 3-5 grams into a linear SVM, calibrated.

    The SVM's margins become probabilities by Platt scaling over 5 internal folds
    (``CalibratedClassifierCV``), so ``confidence`` means what it says.
    """
    # Imported here: prediction runs on intent_runtime (numpy) and never needs sklearn.
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import FeatureUnion, Pipeline
    from sklearn.svm import LinearSVC

    weights = {label: (config.case_weight if label in CASE_INTENTS else 1.0) for label in labels}
    features = FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(
                    ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b"
                ),
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(3, 5),
                    sublinear_tf=True,
                    min_df=2,
                    max_features=60_000,
                ),
            ),
        ]
    )
    svm = LinearSVC(C=config.c, class_weight=weights, random_state=_SEED)
    model = CalibratedClassifierCV(
        svm,
        method="sigmoid",
        cv=StratifiedKFold(n_splits=config.calibration_folds, shuffle=True, random_state=_SEED),
    )
    return Pipeline([("features", features), ("model", model)])


class IntentModel:
    """A trained intent model and the rule that turns its scores into a decision.

    ``compiled`` does the predicting (numpy only); ``pipeline`` is the fitted
    scikit-learn pipeline when this process trained the model, else ``None``.
    """

    def __init__(
        self,
        compiled: CompiledModel,
        *,
        key: str,
        config: ModelConfig,
        pipeline: Pipeline | None = None,
    ) -> None:
        self.compiled = compiled
        self.pipeline = pipeline
        self.key = key
        self.config = config
        self.labels: list[str] = list(compiled.labels)

    @classmethod
    def train(
        cls, texts: Sequence[TrainingText], *, key: str = "", config: ModelConfig | None = None
    ) -> IntentModel:
        config = config or ModelConfig()
        labels = sorted({t.intent for t in texts})
        if len(labels) < 3:
            raise ValueError(
                f"training needs examples of at least three intents, found {labels or 'none'}"
            )
        pipeline = build_pipeline(config, labels)
        pipeline.fit([normalise_text(t.subject, t.body) for t in texts], [t.intent for t in texts])
        return cls(compile_pipeline(pipeline), key=key, config=config, pipeline=pipeline)

    @classmethod
    def load_or_train(
        cls, content: Content, models_dir: Path, config: ModelConfig | None = None
    ) -> IntentModel:
        """The model for the current ``intents/``: loaded if saved, else trained and saved."""
        config = config or ModelConfig()
        key = training_key(content, models_dir, config)
        path = model_path(models_dir, key)
        if path.is_file():
            try:
                return cls(CompiledModel.load(path), key=key, config=config)
            except Exception as error:  # any damage (bad zip, missing array): retrain, not fatal
                logger.warning("retraining: cannot load %s: %s", path, error)
        texts = training_texts(content, models_dir)
        logger.info("training intent model on %d examples (key %s)", len(texts), key[:16])
        model = cls.train(texts, key=key, config=config)
        model.save(path)
        for old in models_dir.glob("intents-*"):
            if old != path and old.suffix in (".npz", ".joblib"):
                old.unlink(missing_ok=True)
        return model

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a reader never sees half a file (os.replace is atomic).
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".intents-", suffix=".tmp")
        os.close(fd)
        try:
            self.compiled.save(Path(tmp))
            os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)

    def classify(self, subject: str, body: str) -> Classification:
        return self.classify_many([(subject, body)])[0]

    def classify_many(self, messages: Iterable[tuple[str, str]]) -> list[Classification]:
        """Batch form of :meth:`classify`."""
        return self.classify_normalised(
            [normalise_text(subject, body) for subject, body in messages]
        )

    def classify_normalised(self, texts: Sequence[str]) -> list[Classification]:
        """Classify texts already through :func:`normalise_text` / :func:`normalise_new_text`."""
        if not texts:
            return []
        return [self._decide(row) for row in self.predict_proba(texts)]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities of normalised texts, columns in ``self.labels`` order.

        The same numbers as ``pipeline.predict_proba`` (a test checks), from
        ``intent_runtime``: sklearn's per-call input checks cost ~10 ms a message.
        """
        return self.compiled.predict_proba(texts)

    def _decide(self, row: np.ndarray) -> Classification:
        scores = {label: round(float(p), 4) for label, p in zip(self.labels, row, strict=True)}
        order = np.argsort(-row)
        best, second = self.labels[order[0]], self.labels[order[1]]
        confidence = float(row[order[0]])
        close_cases = (
            best in CASE_INTENTS
            and second in CASE_INTENTS
            and confidence - float(row[order[1]]) < self.config.case_margin
        )
        case_left_out = (
            best not in CASE_INTENTS
            and max(
                (
                    float(p)
                    for label, p in zip(self.labels, row, strict=True)
                    if label in CASE_INTENTS
                ),
                default=0.0,
            )
            >= self.config.case_floor
        )
        review = confidence < self.config.review_below or close_cases or case_left_out
        return Classification(best, round(confidence, 4), review, scores)


def model_path(models_dir: Path, key: str) -> Path:
    """Where the model for a training key is saved."""
    return models_dir / f"intents-{key[:16]}.npz"


def training_texts(content: Content, models_dir: Path) -> list[TrainingText]:
    examples = [
        TrainingText(e.subject, e.body, e.intent) for e in load_examples(content.intents, "train")
    ]
    return examples + read_feedback(feedback_path(models_dir))
