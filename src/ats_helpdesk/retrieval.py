"""Hybrid retrieval over the knowledge base: TF-IDF (word and character n-grams) + rapidfuzz.

Where it sits: knowledge (validated entries) -> **retrieval** (rank entries for a
text, with the raw evidence) -> answer (calibrated confidence, answer or abstain).

The index is built once at start-up. A query is split into segments (sentences
and pairs of neighbouring sentences) so that a long email's question is found
inside it; every segment is scored against every entry in one sparse product,
and only the best segment's few best entries pay for fuzzy matching, which keeps
``ask`` fast as the knowledge base grows. Reading the member's text (scheme names,
sentences, what a question asks for) is in ``question_text``; the fast query
vectors in ``query_vectors``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from rapidfuzz import fuzz, process
from sklearn.feature_extraction.text import TfidfVectorizer

from ats_helpdesk.knowledge import Entry
from ats_helpdesk.query_vectors import QueryVectoriser, merge_counts, sparse_scores, take_rows
from ats_helpdesk.question_text import (
    FILLER_WORDS,
    acronym_conflict,
    acronyms,
    answer_kinds,
    asks_something,
    compared_sides,
    group_sentences,
    has_subject,
    looks_like_question,
    member_text,
    normalise_text,
    question_kinds,
    specifics,
    split_sentences,
    stem,
)

# How much each similarity counts in the ranking score (tuned by hand on the tuning
# split; the calibrated confidence is learnt on top of these in answer.py).
WORD_WEIGHT = 0.40
CHAR_WEIGHT = 0.40
ANSWER_WEIGHT = 0.10
FUZZY_WEIGHT = 0.10
# Rank penalty when the query names one scheme and the entry is about the other
# (ATS vs AST, QTLS vs QTS): DOMAIN.md, "members confuse ATS with AST and QTLS with QTS".
ACRONYM_PENALTY = 0.25
# Only this many best entries of the best segment are fuzzy-matched.
FUZZY_TOP_K = 6
# Segments of a long text that are also scored with character n-grams.
CHAR_SEGMENTS = 4
# A text up to this long is also scored as a whole.
SHORT_TEXT = 300
QUESTION_BONUS = 0.03
# Share of an entry's score that comes from the whole text rather than its best segment.
CONTEXT_WEIGHT = 0.25

BEST_PHRASING_SHARE = 0.3


@dataclass(frozen=True)
class Evidence:
    """How one entry scored for the chosen segment of a query."""

    entry_index: int
    score: float
    word: float
    char: float
    answer: float
    fuzzy: float
    conflict: bool
    context: float = 0.0
    uncovered: float = 0.0
    type_mismatch: bool = False
    # Kinds of fact the question asks for that the entry's answer never gives.
    missing: frozenset[str] = frozenset()
    # The question compares two things and the entry never mentions one of them.
    uncompared: bool = False
    # Years, sums and cohort numbers the question names and the entry never gives.
    unmatched_specifics: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Retrieval:
    """The ranking for one query: best entries first, and what the scores rest on."""

    ranked: tuple[Evidence, ...]
    segment: str
    segment_count: int
    query_tokens: int
    word_argmax: int
    char_argmax: int
    # An email (several lines) and how many of its sentences ask something: a
    # two-question email is less sure to be answered by one entry.
    email: bool = False
    asking: int = 0
    # Entries that some asking sentence of an email, read alone, matches best: an
    # answer that only context words lead to is on weaker ground. Empty: not an email.
    asked_best: frozenset[int] = frozenset()
    # The learnt ranker's value for each of ``ranked`` (set by calibration.rerank).
    rank_values: tuple[float, ...] = ()


class _SegmentScores(NamedTuple):
    """Scores of the shortlisted segments (rows) against every entry (columns)."""

    segments: list[str]
    normalised: list[str]
    shortlist: np.ndarray
    word: np.ndarray
    char: np.ndarray
    answer: np.ndarray
    context: np.ndarray  # the whole text's score per entry
    bonus: np.ndarray
    asking: int  # sentences that ask something (emails only; 0 for a one-liner)
    asked_best: frozenset[int]  # best entry of each asking sentence alone (emails only)


class RetrievalIndex:
    """TF-IDF matrices over every entry's question and phrasings, and over its answer."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self.entries = tuple(entries)
        if not self.entries:
            raise ValueError("cannot build a retrieval index without entries")
        texts: list[str] = []
        starts: list[int] = []
        self._phrases: list[list[str]] = []
        for entry in self.entries:
            starts.append(len(texts))
            phrases = [normalise_text(p) for p in (entry.question, *entry.phrasings)]
            texts.extend(phrases)
            self._phrases.append(phrases)
        answers = [normalise_text(f"{e.question} {e.answer or ''}") for e in self.entries]
        self._starts = np.asarray(starts)
        self._acronyms = [
            acronyms(" ".join([*phrases, normalise_text(" ".join(entry.tags))]))
            for phrases, entry in zip(self._phrases, self.entries, strict=True)
        ]
        self._answer_kinds = [answer_kinds(entry.answer or "") for entry in self.entries]
        self._stems = [
            frozenset(stem(t) for t in f"{' '.join(phrases)} {answer}".split())
            for phrases, answer in zip(self._phrases, answers, strict=True)
        ]
        self._word = TfidfVectorizer(
            ngram_range=(1, 1), sublinear_tf=True, dtype=np.float32, stop_words=list(FILLER_WORDS)
        )
        self._char = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, dtype=np.float32
        )
        self._word.fit(texts + answers)
        self._char.fit(texts)
        self._word_rows = self._word.transform(texts).T.tocsr()
        self._char_rows = self._char.transform(texts).T.tocsr()
        # One document per entry of all its phrasings: less swayed than the best single
        # phrasing by a shared filler phrase ("what does ... actually ...").
        pooled = [" ".join(phrases) for phrases in self._phrases]
        self._word_pooled = self._word.transform(pooled).T.tocsr()
        self._char_pooled = self._char.transform(pooled).T.tocsr()
        self._answer_rows = self._word.transform(answers).T.tocsr()
        self.word_vectoriser = QueryVectoriser(self._word)
        self._unigram_idf = {
            term: float(self._word.idf_[column])
            for term, column in self._word.vocabulary_.items()
            if " " not in term
        }
        self._unknown_idf = float(self._word.idf_.max())
        self._specifics = [
            specifics(f"{' '.join(phrases)} {answer}")
            for phrases, answer in zip(self._phrases, answers, strict=True)
        ]
        self.char_vectoriser = QueryVectoriser(self._char)

    def _pool(self, scores: np.ndarray, pooled: np.ndarray) -> np.ndarray:
        """Per entry: its best phrasing blended with all its phrasings as one document."""
        best = np.maximum.reduceat(scores, self._starts, axis=1)
        return BEST_PHRASING_SHARE * best + (1.0 - BEST_PHRASING_SHARE) * pooled

    def retrieve(self, text: str) -> Retrieval | None:
        """Rank the entries for ``text``; None when it holds no words at all."""
        # An email is read without its greeting, sign-off and signature, wrapped lines
        # rejoined (question_text.member_text); a one-liner is left as it is.
        email = sum(1 for line in text.splitlines() if line.strip()) > 1
        subject = has_subject(text)
        text = member_text(text)
        scores = self._score_segments(text, email=email, subject=subject)
        if scores is None:
            return None
        segments, normalised, shortlist, word, char, answer, context, bonus, asking, asked = scores
        base = WORD_WEIGHT * word + CHAR_WEIGHT * char + ANSWER_WEIGHT * answer
        # Each entry is scored on the segment that suits it best, plus the whole text.
        best_for = np.argmax(base + bonus[:, None], axis=0)
        columns = np.arange(base.shape[1])
        row = (1.0 - CONTEXT_WEIGHT) * base[best_for, columns] + CONTEXT_WEIGHT * context
        query_acronyms = acronyms(normalise_text(text))
        top = np.argsort(-row)[:FUZZY_TOP_K]
        ranked = [
            self._evidence(
                int(i),
                normalised[shortlist[best_for[i]]],
                query_acronyms,
                float(row[i]),
                float(word[best_for[i], i]),
                float(char[best_for[i], i]),
                float(answer[best_for[i], i]),
                float(context[i]),
            )
            for i in top
        ]
        ranked.sort(key=lambda ev: -ev.score)
        chosen = int(best_for[ranked[0].entry_index])
        return Retrieval(
            ranked=tuple(ranked),
            segment=segments[shortlist[chosen]],
            segment_count=len(segments),
            query_tokens=len(normalised[shortlist[chosen]].split()),
            word_argmax=int(np.argmax(word.max(axis=0))),
            char_argmax=int(np.argmax(char.max(axis=0))),
            email=email,
            asking=asking,
            asked_best=asked,
        )

    def _score_segments(
        self, text: str, *, email: bool = False, subject: bool = False
    ) -> _SegmentScores | None:
        """Word, character and answer similarities of the promising segments to each entry.

        In an email only segments holding a sentence that asks something are
        candidates (alone, with a neighbour, or with the subject line): the answer must
        rest on the question, not on context ("I teach hairdressing 16 hours a week" is
        no question about teaching hours). Context still counts through the whole-text
        share. An email with no asking sentence is scored on every segment.
        """
        raw = split_sentences(text)
        pairs = [(r, normalise_text(r)) for r in raw]
        pairs = [(r, n) for r, n in pairs if n]
        if not pairs:
            return None
        groups = group_sentences(len(pairs), short=len(text) <= SHORT_TEXT)
        asking: set[int] = set()
        if email:
            asking = {i for i, (r, _) in enumerate(pairs) if asks_something(r)}
            if subject:
                asking.discard(0)
            if asking:
                groups = [g for g in groups if len(g) <= 2 and asking.intersection(g)]
                if subject:
                    # The subject qualifies each question ("Subject: certificate" /
                    # "How long is it supposed to take?") but is no question itself.
                    groups += [(0, i) for i in sorted(asking) if i > 1]
        segments = [" ".join(pairs[i][0] for i in group) for group in groups]
        normalised = [" ".join(pairs[i][1] for i in group) for group in groups]
        # Count each sentence once; a pair's counts are the sum of its sentences' counts.
        # The last row is the whole text: context a single sentence lacks ("Subject: ATS").
        counted = [self.word_vectoriser.count(n) for _, n in pairs]
        merged = [merge_counts(counted, group) for group in groups]
        merged.append(merge_counts(counted, tuple(range(len(counted)))))
        word_query = self.word_vectoriser.weigh(merged)
        # Stage 1, every segment against one pooled document per entry (cheap): which
        # segments are worth scoring phrasing by phrasing and with character n-grams.
        pooled = sparse_scores(word_query, self._word_pooled)
        answer = sparse_scores(word_query, self._answer_rows)
        bonus = np.array([QUESTION_BONUS if looks_like_question(s) else 0.0 for s in segments])
        stage1 = pooled[:-1] + ANSWER_WEIGHT * answer[:-1]
        prescore = stage1.max(axis=1) + bonus
        asked = frozenset(
            int(np.argmax(stage1[row]))
            for row, group in enumerate(groups)
            if len(group) == 1 and group[0] in asking
        )
        shortlist = np.sort(np.argsort(-prescore)[:CHAR_SEGMENTS])
        # Stage 2, the shortlisted segments and the whole text, phrasing by phrasing.
        rows = [*shortlist.tolist(), len(groups)]
        word = self._pool(sparse_scores(take_rows(word_query, rows), self._word_rows), pooled[rows])
        context = (WORD_WEIGHT * word[-1] + ANSWER_WEIGHT * answer[-1]) / (
            WORD_WEIGHT + ANSWER_WEIGHT
        )
        char_query = self.char_vectoriser.transform([normalised[i] for i in shortlist])
        char = self._pool(
            sparse_scores(char_query, self._char_rows), sparse_scores(char_query, self._char_pooled)
        )
        return _SegmentScores(
            segments,
            normalised,
            shortlist,
            word[:-1],
            char,
            answer[shortlist],
            context,
            bonus[shortlist],
            len(asking),
            asked,
        )

    def _uncovered(self, query: str, index: int) -> float:
        """Share of the query's topic words (idf-weighted) the entry never uses.

        An unanswerable question often shares most words with an entry but adds the one
        that matters ("how much does QTLS *cost*", "pay ATS with the apprenticeship
        *levy*"); those words are absent from every phrasing and the answer.
        """
        total = missing = 0.0
        for token in query.split():
            if token in FILLER_WORDS or len(token) < 3:
                continue
            weight = self._unigram_idf.get(token, self._unknown_idf)
            total += weight
            if stem(token) not in self._stems[index]:
                missing += weight
        return missing / total if total else 0.0

    def _evidence(
        self,
        index: int,
        query: str,
        query_acronyms: frozenset[str],
        base: float,
        word: float,
        char: float,
        answer: float,
        context: float,
    ) -> Evidence:
        best = process.extractOne(query, self._phrases[index], scorer=fuzz.token_sort_ratio)
        fuzzy = (best[1] / 100.0) if best else 0.0
        conflict = acronym_conflict(query_acronyms, self._acronyms[index])
        missing = question_kinds(query) - self._answer_kinds[index]
        score = base + FUZZY_WEIGHT * fuzzy - (ACRONYM_PENALTY if conflict else 0.0)
        return Evidence(
            entry_index=index,
            score=score,
            word=word,
            char=char,
            answer=answer,
            fuzzy=fuzzy,
            conflict=conflict,
            context=context,
            uncovered=self._uncovered(query, index),
            type_mismatch=bool(missing),
            missing=missing,
            uncompared=any(not (side & self._stems[index]) for side in compared_sides(query)),
            unmatched_specifics=specifics(query) - self._specifics[index],
        )
