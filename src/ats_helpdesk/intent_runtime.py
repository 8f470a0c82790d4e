"""The trained intent model as plain arrays: saved, loaded and applied with numpy only.

Sits under ``classify``: training uses scikit-learn (``classify.build_pipeline``),
then :func:`compile_pipeline` copies out what prediction needs (the two
vocabularies and idf weights, the SVM coefficients of each calibration fold and
their sigmoid calibrators). Prediction repeats scikit-learn's arithmetic
(``TfidfVectorizer`` word and ``char_wb`` analysers, sublinear tf, l2 norm;
``CalibratedClassifierCV`` sigmoid, normalise, average over folds) so a command
or worker never imports scikit-learn (about 2 s of start-up) and a message costs
about a millisecond. The file is a ``.npz`` read with ``allow_pickle=False``: no
code runs on load. A test checks the probabilities equal the pipeline's.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["CompiledModel", "compile_pipeline"]

_FORMAT = 1


@dataclass(frozen=True)
class _Vocabulary:
    index: dict[str, int]
    idf: np.ndarray
    ngram_range: tuple[int, int]
    token_pattern: str | None  # None for the char_wb analyser

    # word -> indices of its character n-grams in the vocabulary (words repeat a lot
    # across messages; this is most of the speed of the char_wb analyser)
    word_cache: dict[str, np.ndarray] = field(default_factory=dict, compare=False, repr=False)

    def vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(feature indices, l2-normalised sublinear tf-idf values) of one text."""
        idx, tf = self._counts_words(text) if self.token_pattern else self._counts_chars(text)
        if not idx.size:
            return idx, tf
        values = (np.log(tf) + 1.0) * self.idf[idx]
        norm = math.sqrt(float(values @ values))
        return idx, (values / norm if norm else values)

    def _counts_words(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        get = self.index.get
        grams = self._words(text)
        pairs = [(i, n) for gram, n in Counter(grams).items() if (i := get(gram)) is not None]
        if not pairs:
            return np.empty(0, dtype=np.int64), np.empty(0)
        both = np.array(pairs, dtype=np.int64)  # one conversion: np.fromiter is slow on generators
        return both[:, 0], both[:, 1].astype(np.float64)

    def _counts_chars(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        words = Counter(re.sub(r"\s\s+", " ", text.lower()).split())
        if not words:
            return np.empty(0, dtype=np.int64), np.empty(0)
        cache = self.word_cache
        if len(cache) > 200_000:  # bound the memory of a long-running worker
            cache.clear()
        arrays = []
        for word in words:
            grams = cache.get(word)
            if grams is None:
                grams = cache[word] = self._word_char_grams(word)
            arrays.append(grams)
        sizes = [len(a) for a in arrays]
        weights = np.repeat(np.array(list(words.values()), dtype=np.float64), sizes)
        # Sorted distinct indices and their summed counts (a bincount over the whole
        # vocabulary then a scan for non-zeros cost more than the rest of the message).
        idx, inverse = np.unique(np.concatenate(arrays), return_inverse=True)
        return idx, np.bincount(inverse, weights=weights, minlength=len(idx))

    def _word_char_grams(self, word: str) -> np.ndarray:
        get = self.index.get
        found = [i for gram in self._chars(word) if (i := get(gram)) is not None]
        return np.array(found, dtype=np.int64)

    def _words(self, text: str) -> list[str]:
        tokens = re.findall(self.token_pattern or "", text.lower())
        low, high = self.ngram_range
        grams = list(tokens) if low == 1 else []
        for n in range(max(low, 2), min(high, len(tokens)) + 1):
            grams += [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
        return grams

    def _chars(self, text: str) -> list[str]:
        low, high = self.ngram_range
        grams: list[str] = []
        for word in re.sub(r"\s\s+", " ", text.lower()).split():
            padded = f" {word} "
            size = len(padded)
            for n in range(low, high + 1):
                if size <= n:  # a short word is counted once, whole
                    grams.append(padded)
                    break
                grams += [padded[i : i + n] for i in range(size - n + 1)]
        return grams


@dataclass(frozen=True)
class CompiledModel:
    labels: tuple[str, ...]
    vocabularies: tuple[_Vocabulary, ...]
    coef: np.ndarray  # (features, folds * labels): every fold's SVM weights side by side
    intercept: np.ndarray  # (folds * labels,)
    slope: np.ndarray  # (folds * labels,) sigmoid a of each calibrator
    offset: np.ndarray  # (folds * labels,) sigmoid b

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, one row a text, columns in ``labels`` order."""
        n_labels = len(self.labels)
        folds = self.coef.shape[1] // n_labels
        out = np.empty((len(texts), n_labels))
        for row, text in enumerate(texts):
            margins = self.intercept.copy()
            start = 0
            for vocab in self.vocabularies:
                idx, values = vocab.vector(text)
                if idx.size:
                    margins += values @ self.coef[start + idx]
                start += len(vocab.idf)
            # sklearn's _SigmoidCalibration: p = expit(-(a * f + b)) = 1 / (1 + exp(a*f + b))
            probs = (1.0 / (1.0 + np.exp(self.slope * margins + self.offset))).reshape(folds, -1)
            totals = probs.sum(axis=1, keepdims=True)
            probs = np.where(totals > 0, probs / np.where(totals > 0, totals, 1), 1 / n_labels)
            out[row] = probs.mean(axis=0)
        return out

    def save(self, path: Path) -> None:
        arrays: dict[str, Any] = {
            "coef": self.coef, "intercept": self.intercept,
            "slope": self.slope, "offset": self.offset,
        }  # fmt: skip
        meta = {"format": _FORMAT, "labels": list(self.labels), "vocabularies": []}
        for number, vocab in enumerate(self.vocabularies):
            terms = sorted(vocab.index, key=vocab.index.__getitem__)
            arrays[f"terms{number}"] = np.array(terms, dtype=str)
            arrays[f"idf{number}"] = vocab.idf
            meta["vocabularies"].append(
                {"ngram_range": list(vocab.ngram_range), "token_pattern": vocab.token_pattern}
            )
        arrays["meta"] = np.array(json.dumps(meta))
        with path.open("wb") as handle:
            np.savez(handle, **arrays)

    @classmethod
    def load(cls, path: Path) -> CompiledModel:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("format") != _FORMAT:
                raise ValueError(f"{path}: model format {meta.get('format')}, expected {_FORMAT}")
            vocabularies = tuple(
                _Vocabulary(
                    index=dict(zip(data[f"terms{n}"].tolist(), itertools.count(), strict=False)),
                    idf=data[f"idf{n}"],
                    ngram_range=(spec["ngram_range"][0], spec["ngram_range"][1]),
                    token_pattern=spec["token_pattern"],
                )
                for n, spec in enumerate(meta["vocabularies"])
            )
            return cls(
                labels=tuple(meta["labels"]), vocabularies=vocabularies,
                coef=data["coef"],
                intercept=data["intercept"], slope=data["slope"], offset=data["offset"],
            )  # fmt: skip


def compile_pipeline(pipeline: Any) -> CompiledModel:
    """The arrays of a fitted ``classify.build_pipeline`` pipeline (3 or more labels)."""
    union, model = pipeline.named_steps["features"], pipeline.named_steps["model"]
    vocabularies = []
    for _, vectorizer in union.transformer_list:
        if vectorizer.analyzer not in ("word", "char_wb") or not vectorizer.sublinear_tf:
            raise ValueError(f"cannot compile analyser {vectorizer.analyzer!r}")
        vocabularies.append(
            _Vocabulary(
                index={str(k): int(v) for k, v in vectorizer.vocabulary_.items()},
                idf=np.asarray(vectorizer.idf_, dtype=np.float64),
                ngram_range=tuple(vectorizer.ngram_range),
                token_pattern=vectorizer.token_pattern if vectorizer.analyzer == "word" else None,
            )
        )
    folds = model.calibrated_classifiers_
    if len(model.classes_) < 3:
        raise ValueError("the compiled model needs at least three intents")
    return CompiledModel(
        labels=tuple(str(c) for c in model.classes_),
        vocabularies=tuple(vocabularies),
        coef=np.concatenate([f.estimator.coef_.T for f in folds], axis=1),
        intercept=np.concatenate([f.estimator.intercept_ for f in folds]),
        slope=np.concatenate([[c.a_ for c in f.calibrators] for f in folds]),
        offset=np.concatenate([[c.b_ for c in f.calibrators] for f in folds]),
    )
