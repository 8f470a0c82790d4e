"""Where an entry's answer stops: questions recorded as *not* answered by it.

Where it sits: retrieval and calibration (best entry, confidence) -> **near_miss**
-> answer (answer or hand over). The answerer's costly mistake is a near-miss: a
question that shares an entry's topic and most of its words but asks what the
answer does not give ("is there a *fee* for an extension", "can the discussions
be held *on Teams*"). Word and character similarity rank such a question high, and
so does the calibrated confidence. Each entry may list such questions in
``not_answered`` (docs/knowledge-format.md); when the member's question is closer
to one of them than to any way of asking the entry's own question, the answerer
hands over. It is nearest-neighbour reading, so staff fix a wrong answer by adding
the question that drew it, with no refit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from ats_helpdesk.knowledge import Entry
from ats_helpdesk.query_vectors import QueryVectoriser, sparse_scores
from ats_helpdesk.question_text import normalise_text

# Similarity is this share word n-grams (1-2, question words kept: "how long" and
# "who" are what a near-miss changes) and the rest character n-grams (typos).
WORD_SHARE = 0.5
# The question is a near-miss when its best not-answered similarity beats its best
# phrasing similarity by more than this (chosen on the labelled sets; docs/answerer.md).
MARGIN = 0.0


@dataclass(frozen=True)
class NearMiss:
    """The recorded not-answered question a text is closest to, and how close."""

    entry_id: str  # the entry that lists it in ``not_answered``
    question: str
    similarity: float
    phrasing_similarity: float  # the text's best similarity to any question or phrasing


class NearMissIndex:
    """TF-IDF vectors of every entry's question and phrasings, and of its ``not_answered``.

    The comparison is against the whole knowledge base, not only the best entry: a
    near-miss written for one entry ("who pays for the AST assessment") often sits
    nearest a question that another entry's reader would ask, and a question that
    some phrasing of any entry matches better is left to the ranking.
    """

    def __init__(
        self, entries: Sequence[Entry], *, word_share: float = WORD_SHARE, margin: float = MARGIN
    ) -> None:
        self.word_share = word_share
        self.margin = margin
        asked = [normalise_text(p) for e in entries for p in (e.question, *e.phrasings)]
        self._missed = [(e.id, q) for e in entries for q in e.not_answered]
        missed = [normalise_text(q) for _, q in self._missed]
        self._asked_count = len(asked)
        if not self._missed:
            return
        texts = asked + missed
        word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, dtype=np.float32).fit(texts)
        char = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, dtype=np.float32
        ).fit(texts)
        # One (terms x texts) matrix per analyser, phrasings first, then near-misses:
        # a query costs one product per analyser (query_vectors: without sklearn's
        # per-call overhead; ask's p99 budget is 10 ms).
        self._analysers = [
            (QueryVectoriser(vectoriser), vectoriser.transform(texts).T.tocsr(), share)
            for vectoriser, share in ((word, word_share), (char, 1.0 - word_share))
        ]

    def __len__(self) -> int:
        return len(self._missed)

    def check(self, text: str) -> NearMiss | None:
        """The recorded near-miss ``text`` is closer to than to any phrasing, or None."""
        normalised = normalise_text(text)
        if not self._missed or not normalised:
            return None
        similarity = sum(
            share * sparse_scores(vectoriser.transform([normalised]), matrix)[0]
            for vectoriser, matrix, share in self._analysers
        )
        phrasing = float(similarity[: self._asked_count].max())
        against_missed = similarity[self._asked_count :]
        best = int(np.argmax(against_missed))
        if float(against_missed[best]) - phrasing <= self.margin:
            return None
        entry_id, question = self._missed[best]
        return NearMiss(entry_id, question, float(against_missed[best]), phrasing)
