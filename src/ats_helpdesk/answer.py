"""The FAQ answerer: a member's question in, an answer from the knowledge base or a hand-over out.

Where it sits: knowledge (entries) -> retrieval (ranked entries for the text) ->
calibration (one confidence in [0, 1]) -> **answer**. The staff pipeline (email
subject plus body) and the public widget (one line) both call
:meth:`Answerer.ask`. It answers only when the calibrated confidence reaches the
threshold and the best entry is not a hand-over entry (issue 3: a confident wrong
answer does more harm than none); otherwise it abstains, gives the reason, and
offers the three best entries as suggestions. Bad input (empty, blank, binary)
is an abstention with a reason, never an exception.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from ats_helpdesk.calibration import Calibration, extract_features, load_calibration
from ats_helpdesk.content import Content
from ats_helpdesk.knowledge import Entry, KnowledgeBase, load_knowledge
from ats_helpdesk.near_miss import NearMiss, NearMissIndex
from ats_helpdesk.retrieval import Retrieval, RetrievalIndex

logger = logging.getLogger(__name__)

# Issue 3: "over 4,000 characters: use the first 4,000 and say so".
MAX_CHARS = 4000
SUGGESTIONS = 3
# Control characters (C0 and C1, less tab and line breaks), surrogates and private use.
_ODD_CHARACTERS = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\uf8ff]")


class Suggestion(BaseModel):
    """An entry offered when the answerer abstains."""

    model_config = ConfigDict(frozen=True)
    faq_id: str
    question: str


class AskResult(BaseModel):
    """The outcome of one question. ``faq_id`` and ``answer`` are None when it abstains."""

    model_config = ConfigDict(frozen=True)
    answered: bool
    faq_id: str | None
    answer: str | None
    confidence: float
    sources: list[str]
    suggestions: list[Suggestion]
    reason: str | None


@dataclass(frozen=True)
class Judgement:
    """The answerer's view of a question before it is turned into an :class:`AskResult`."""

    retrieval: Retrieval | None
    confidence: float


def _abstain(
    reason: str, *, confidence: float = 0.0, suggestions: list[Suggestion] | None = None
) -> AskResult:
    return AskResult(
        answered=False,
        faq_id=None,
        answer=None,
        confidence=round(confidence, 4),
        sources=[],
        suggestions=suggestions or [],
        reason=reason,
    )


def clean_input(text: object) -> tuple[str | None, str | None]:
    """``(text, None)`` to answer, or ``(None, reason)``; a note on truncation is the 2nd item."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            return None, "the input is binary data, not text"
    if not isinstance(text, str):
        return None, f"the input is {type(text).__name__}, not text"
    if not text.strip():
        return None, "the question is empty" if not text else "the question is blank"
    if _looks_binary(text):
        return None, "the input is binary data, not text"
    note = None
    if len(text) > MAX_CHARS:
        note = f"the input has {len(text):,} characters; only the first {MAX_CHARS:,} were used"
        text = text[:MAX_CHARS]
    return _drop_quoted_lines(text), note


def _drop_quoted_lines(text: str) -> str:
    """Without lines quoted from earlier mail ("> ..."): never the member's new question.

    The staff pipeline already passes only the new text (mail.quotes); this covers raw
    emails given to ``ask`` directly. A text that is all quotes is kept as it is.
    """
    if ">" not in text:
        return text
    kept = [line for line in text.splitlines() if not line.lstrip().startswith(">")]
    return "\n".join(kept) if any(line.strip() for line in kept) else text


def _looks_binary(text: str) -> bool:
    """NUL bytes, or many control/private-use characters: not something a member typed."""
    if "\x00" in text or "\ufffd\ufffd\ufffd" in text:
        return True
    sample = text[:MAX_CHARS]
    odd = len(_ODD_CHARACTERS.findall(sample))
    return odd > max(3, len(sample) // 20)


class Answerer:
    """Answers questions from the knowledge base; build once at start-up, then call :meth:`ask`."""

    def __init__(
        self, knowledge: KnowledgeBase, calibration: Calibration, threshold: float | None = None
    ) -> None:
        self.knowledge = knowledge
        self.calibration = calibration
        self.threshold = calibration.threshold if threshold is None else threshold
        started = time.perf_counter()
        self.index = RetrievalIndex(knowledge.entries)
        self.near_misses = NearMissIndex(knowledge.entries)
        logger.info(
            "answerer index over %d entries and %d near-misses built in %.0f ms (threshold %.3f)",
            len(knowledge.entries),
            len(self.near_misses),
            (time.perf_counter() - started) * 1000,
            self.threshold,
        )

    @classmethod
    def from_content(cls, content: Content, threshold: float | None = None) -> Answerer:
        """Load and validate ``knowledge/`` (raises KnowledgeError) and build the index."""
        return cls(load_knowledge(content.knowledge), load_calibration(), threshold)

    def judge(self, text: str) -> Judgement:
        """Retrieval and calibrated confidence for already-cleaned text (eval uses this)."""
        retrieval = self.index.retrieve(text)
        if retrieval is None:
            return Judgement(None, 0.0)
        retrieval = self.calibration.rerank(retrieval)
        return Judgement(retrieval, self.calibration.confidence(extract_features(retrieval)))

    def ask(self, text: str) -> AskResult:
        """Answer ``text`` (a widget question or an email's subject and body) or abstain."""
        cleaned, note = clean_input(text)
        if cleaned is None:
            return _abstain(note or "no question")
        judgement = self.judge(cleaned)
        return self.decide(judgement, note=note)

    def decide(self, judgement: Judgement, *, note: str | None = None) -> AskResult:
        """Answer or abstain given a judgement; ``note`` is added to the reason."""
        retrieval = judgement.retrieval
        if retrieval is None:
            return _abstain(_join("the question has no words to match", note))
        top = self.knowledge.entries[retrieval.ranked[0].entry_index]
        suggestions = self._suggestions(retrieval)
        confidence = judgement.confidence
        if top.handover or top.answer is None:
            reason = (
                f"best match is {top.id} ({top.question!r}), which the documents do not "
                "answer: a member of staff will reply"
            )
            return _abstain(_join(reason, note), confidence=confidence, suggestions=suggestions)
        if retrieval.ranked[0].conflict:
            # DOMAIN.md: members confuse ATS with AST and QTLS with QTS; an answer about the
            # other scheme is a confident wrong answer, so it always goes to a person.
            reason = (
                f"best match {top.id} is about a different scheme than the question names "
                "(ATS/AST or QTLS/QTS); a member of staff will reply"
            )
            return _abstain(_join(reason, note), confidence=confidence, suggestions=suggestions)
        if "money" in retrieval.ranked[0].missing:
            # "How much does QTLS cost?" matched an entry that names no sum: the documents
            # give no figure for it, and a near-topic answer would look like one.
            reason = (
                f"the question asks for a cost or fee and the best match {top.id} gives none; "
                "a member of staff will reply"
            )
            return _abstain(_join(reason, note), confidence=confidence, suggestions=suggestions)
        if retrieval.ranked[0].uncompared:
            # "What's the difference between ATS and a PGCE" matched an entry that compares
            # two other things; it knows nothing of one side.
            reason = (
                f"the question compares two things and the best match {top.id} covers only "
                "one of them; a member of staff will reply"
            )
            return _abstain(_join(reason, note), confidence=confidence, suggestions=suggestions)
        if retrieval.ranked[0].unmatched_specifics:
            # "When is the QTLS window in 2027", "deadline for cohort 9": the question is
            # about a year, sum or cohort the entry never gives; its figures are for another.
            named = ", ".join(sorted(retrieval.ranked[0].unmatched_specifics))
            reason = (
                f"the question names {named}, which the best match {top.id} never gives; "
                "a member of staff will reply"
            )
            return _abstain(_join(reason, note), confidence=confidence, suggestions=suggestions)
        if confidence < self.threshold:
            reason = (
                f"not confident enough to answer (confidence {confidence:.2f} is below "
                f"{self.threshold:.2f}); a member of staff will reply"
            )
            return _abstain(_join(reason, note), confidence=confidence, suggestions=suggestions)
        near = self.near_miss(retrieval)
        if near is not None:
            # The question is nearer one that staff recorded as not answered (by this
            # entry or another) than to any way of asking an answered one: near_miss.py.
            reason = (
                f"the question is closest to {near.question!r}, listed under {near.entry_id} "
                "as a question the documents do not answer; a member of staff will reply"
            )
            return _abstain(_join(reason, note), confidence=confidence, suggestions=suggestions)
        return AskResult(
            answered=True,
            faq_id=top.id,
            answer=top.answer,
            confidence=round(confidence, 4),
            sources=[self.knowledge.cite(ref) for ref in top.sources],
            suggestions=[],
            reason=note,
        )

    def near_miss(self, retrieval: Retrieval) -> NearMiss | None:
        """The recorded not-answered question the asking segment is closest to, if any."""
        return self.near_misses.check(retrieval.segment)

    def _suggestions(self, retrieval: Retrieval) -> list[Suggestion]:
        entries: list[Entry] = [
            self.knowledge.entries[ev.entry_index]
            for ev in retrieval.ranked
            if not self.knowledge.entries[ev.entry_index].handover
        ]
        return [Suggestion(faq_id=e.id, question=e.question) for e in entries[:SUGGESTIONS]]


def _join(reason: str, note: str | None) -> str:
    return f"{reason}; {note}" if note else reason
