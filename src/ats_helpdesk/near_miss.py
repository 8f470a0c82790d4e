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
# There is no minimum similarity: a near-noise text ("a") can be "nearer" a near-miss at
# 0.05 than a phrasing at 0.03, but such texts never reach the confidence threshold, and
# a minimum (0.4-0.6) let more wrong answers through than it spared right ones.
MARGIN = 0.0
# Texts of each kind (phrasings, near-misses) whose character similarity is computed:
# the best by word similarity. On the 2,355 labelled questions the decision differs from
# scoring every text once, on a one-word text that shares no word with any ("test").
SHORTLIST = 64


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
        self,
        entries: Sequence[Entry],
        *,
        word_share: float = WORD_SHARE,
        margin: float = MARGIN,
        shortlist: int = SHORTLIST,
    ) -> None:
        if shortlist < 1:
            raise ValueError(f"shortlist must be at least 1, not {shortlist}")
        self.word_share = word_share
        self.margin = margin
        self.shortlist = shortlist
        asked = [normalise_text(p) for e in entries for p in (e.question, *e.phrasings)]
        self._missed = [(e.id, q) for e in entries for q in e.not_answered]
        missed = [normalise_text(q) for _, q in self._missed]
        self._asked_count = len(asked)
        if not self._missed:
            return
        texts = asked + missed
        word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, dtype=np.float32)
        char = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, dtype=np.float32
        )
        word_matrix = word.fit_transform(texts)
        char_matrix = char.fit_transform(texts)
        # Words are scored against every text (terms x texts, one product); character
        # n-grams, many and common, only against the SHORTLIST best texts of each kind
        # by word score (texts x terms rows): ask's p99 budget is 10 ms, also with the
        # knowledge base grown tenfold (bench/bench_answer.py).
        self._word = QueryVectoriser(word)
        self._word_columns = word_matrix.T.tocsr()
        self._char = QueryVectoriser(char)
        self._char_rows = char_matrix.tocsr()
        self._char_width = len(char.vocabulary_)

    def __len__(self) -> int:
        return len(self._missed)

    def _shortlist(self, scores: np.ndarray, start: int) -> np.ndarray:
        """Positions (offset by ``start``) of the best ``shortlist`` scores, unordered."""
        if len(scores) <= self.shortlist:
            return np.arange(len(scores)) + start
        return np.argpartition(-scores, self.shortlist)[: self.shortlist] + start

    def check(self, text: str) -> NearMiss | None:
        """The recorded near-miss ``text`` is closer to than to any phrasing, or None."""
        normalised = normalise_text(text)
        if not self._missed or not normalised:
            return None
        word = sparse_scores(self._word.transform([normalised]), self._word_columns)[0]
        asked = self._asked_count
        rows = np.concatenate(
            [self._shortlist(word[:asked], 0), self._shortlist(word[asked:], asked)]
        )
        data, columns, _ = self._char.transform([normalised])
        # A fresh dense query each call (about a microsecond): the web app answers on a
        # thread pool with one shared index, so no buffer may be shared between calls.
        query = np.zeros(self._char_width, dtype=np.float32)
        query[columns] = data
        char = self._char_rows[rows] @ query
        similarity = self.word_share * word[rows] + (1.0 - self.word_share) * char
        is_missed = rows >= asked
        phrasing = float(similarity[~is_missed].max())
        best = int(np.argmax(np.where(is_missed, similarity, -1.0)))
        if float(similarity[best]) - phrasing <= self.margin:
            return None
        entry_id, question = self._missed[int(rows[best]) - asked]
        return NearMiss(entry_id, question, float(similarity[best]), phrasing)
