"""Reads a member's text: scheme names, sentences, and what a question asks for.

Where it sits: used by retrieval (and through it by answer). Members write "Advanced
Skills Teacher" or "AST", "qualified teacher status" or "QTS", and confuse them
(DOMAIN.md): long forms are folded into the acronyms before any scoring, and the
acronyms a text names decide whether an entry is about another scheme. A question
that asks "how much" or "when" needs an answer that names a sum or a time.
"""

from __future__ import annotations

import re

MAX_SENTENCES = 40

# Words that carry no topic in a member's question; wh-words and "long"/"much" stay,
# since they tell "how long" from "how much".
_FILLER = """
    a an the i im ive id me my we our you your it its is am are be been was were do
    does did to of in on at for and or so just actually please hi hello thanks thank
    really would could this that there as
"""
FILLER_WORDS = frozenset(_FILLER.split())
# Long forms become the acronym, so "advanced skills teacher" and "AST" look alike
# to every scorer and the acronym check sees both spellings.
# (a word every match contains, so most texts skip the pattern; pattern; acronym)
_LONG_FORMS = [
    ("advanced", re.compile(r"\badvanced\s+skills?\s+teachers?\b"), " ast "),
    ("advanced", re.compile(r"\badvanced\s+teach(?:er|ing)\s+status\b"), " ats "),
    ("qualified", re.compile(r"\bqualified\s+teacher\s+learning\s+(?:and|&)\s+skills\b"), " qtls "),
    ("qualified", re.compile(r"\bqualified\s+teacher\s+status\b"), " qts "),
    ("asts", re.compile(r"\basts\b"), " ast "),
]
_TOKEN = re.compile(r"[a-z0-9£]+")
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+|\n+")
_QUESTION_START = re.compile(
    r"^(?:how|what|when|where|which|who|why|can|could|do|does|did|is|are|am|will|would|"
    r"should|may|if|whats|hows|wondering)\b"
)


def normalise_text(text: str) -> str:
    """Lowercase, long scheme names folded into their acronyms, punctuation to spaces."""
    lowered = text.lower().replace("’", "'")
    for needle, pattern, short in _LONG_FORMS:
        if needle in lowered:
            lowered = pattern.sub(short, lowered)
    return " ".join(_TOKEN.findall(lowered))


def acronyms(normalised: str) -> frozenset[str]:
    """Which of ATS, AST, QTLS, QTS a normalised text names."""
    return frozenset(t for t in normalised.split() if t in {"ats", "ast", "qtls", "qts"})


def acronym_conflict(query: frozenset[str], entry: frozenset[str]) -> bool:
    """True when the query names one scheme of a confusable pair and the entry only the other.

    An entry that names neither (most ATS entries never say "QTS") is no conflict;
    an entry about both (e.g. "how does AST differ from ATS") is none either.
    """
    for mine, other in (("ast", "ats"), ("qts", "qtls")):
        if mine in query and other not in query and other in entry and mine not in entry:
            return True
        if other in query and mine not in query and mine in entry and other not in entry:
            return True
        # The question sets the two against each other ("is AST the same as ATS"):
        # only an entry about both untangles them.
        if mine in query and other in query and (mine in entry) != (other in entry):
            return True
    # A question about QTLS itself (not naming ATS) is not answered by an ATS-only entry:
    # "what does the QTLS programme cost" must not get the ATS fee.
    if "qtls" in query and "ats" not in query and "ats" in entry and "qtls" not in entry:
        return True
    # An entry built on AST or QTS (alone, or set against ATS or QTLS) answers only a
    # question that names it: this is an ATS helpdesk, so those are the marked cases.
    # "How do I become an Ofsted inspector" is no question about AST posts, "does ATS
    # give me QTS" is not "how does AST differ from ATS", "what's the difference
    # between ATS and QTLS" is not "is QTS the same as QTLS", and "am I eligible if I
    # teach in HE rather than FE" is not "I have QTS rather than QTLS".
    return any(marked in entry and marked not in query for marked in ("ast", "qts"))


# An email's furniture, which is never the question: the "Subject:" label and its
# "Re:"/"Fwd:" prefixes, a greeting ("Hi there,", "Dear Sir/Madam,"), a sign-off line
# ("Kind regards", "Thanks, Dee") and everything under it (name, job title, phone,
# disclaimer). Email clients also wrap long lines, so a line break inside a sentence
# is no sentence boundary: without joining, "what is the total fee / now and how much
# do I pay" is scored as two halves.
_SUBJECT = re.compile(r"^\s*subject:\s*(?:(?:re|fwd?|fw)\s*:\s*)*", re.IGNORECASE)
_GREETING = re.compile(
    r"^\s*(?i:hi|hiya|hello|hey|dear|good (?:morning|afternoon|evening)|morning|afternoon|"
    r"greetings|to whom it may concern)\b(?:[\s/]+(?:(?i:there|all|team|everyone|sir|madam|"
    r"or|and)|[A-Z][A-Za-z'-]*)\b){0,3}\s*[,!.:-]*\s*"
)
_SIGN_OFF = re.compile(
    r"^\s*(?:(?:kind|best|warm|many|with)?\s*(?:regards|wishes)|many thanks|thanks? ?you|"
    r"thanks?(?: (?:so|very) much| again| in advance)?|cheers|best|yours(?: faithfully| "
    r"sincerely| truly)?|sincerely|all the best|sent from my)\s*(?:[,.!-].{0,60})?$",
    re.IGNORECASE,
)
# A line at least this long that ends without punctuation was wrapped by the mail client.
_WRAPPED_LINE = 45


def member_text(text: str) -> str:
    """The part of an email that holds the member's words, its wrapped lines rejoined.

    A one-line text (the widget) is returned as it is. For an email: the subject (without
    its label) and the body, less greetings, the sign-off and what follows it; a later
    line holding a question mark is kept even under a sign-off ("Thanks. Also, can I...?").
    When nothing would be left the text is returned unchanged.
    """
    lines = [line.rstrip() for line in text.splitlines()]
    if sum(1 for line in lines if line.strip()) < 2:
        return text
    kept: list[str] = []
    signed_off = body_started = False
    for line in lines:
        if not line.strip():
            kept.append("")
            continue
        if _SUBJECT.match(line):
            kept.extend([_SUBJECT.sub("", line).strip(), ""])
            continue
        if signed_off and "?" not in line:
            continue
        if body_started and _SIGN_OFF.match(line) and "?" not in line:
            signed_off = True
            continue
        if not body_started:
            line = _GREETING.sub("", line, count=1)
            if not _TOKEN.search(line.lower()):
                continue
        body_started = True
        kept.append(line)
    joined: list[str] = []
    for line in kept:
        previous = joined[-1] if joined else ""
        if line and previous and len(previous) >= _WRAPPED_LINE and previous[-1] not in ".?!:;":
            joined[-1] = f"{previous} {line.strip()}"
        else:
            joined.append(line)
    result = "\n".join(joined).strip()
    return result if _TOKEN.search(result.lower()) else text


def split_sentences(text: str) -> list[str]:
    """The sentences (and lines) of a text that hold at least one word."""
    sentences = [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]
    return [s for s in sentences if _TOKEN.search(s.lower())][:MAX_SENTENCES]


def group_sentences(count: int, *, short: bool) -> list[tuple[int, ...]]:
    """Segments to score: each sentence, each neighbouring pair, and all of a short text.

    A pair carries context a lone sentence lacks ("I have QTS. Can I apply?").
    """
    groups: list[tuple[int, ...]] = [(i,) for i in range(count)]
    groups += [(i, i + 1) for i in range(count - 1)]
    if short and count > 2:
        groups.append(tuple(range(count)))
    return groups


# What a question asks for, and whether an answer can give it: "how much does QTLS
# cost" is not answered by an entry about QTLS that names no sum of money.
_ASKS_MONEY = re.compile(
    r"\bhow much (?:is|does|do|will|would|are)\b(?!.*\btime\b)|\bcosts?\b|\bprice\b|"
    r"\bwhat(?: is|s) the (?:fee|charge)\b"
)
_ASKS_TIME = re.compile(r"\b(?:when|how long|how soon|how quickly|what date|by when)\b")
_GIVES_MONEY = re.compile(r"£\s?\d|\bfree\b|\bno charge\b|\bnon-refundable\b|\brefund")
_GIVES_TIME = re.compile(
    r"\b(?:days?|weeks?|months?|years?|january|february|march|april|may|june|july|august|"
    r"september|october|november|december|autumn|spring|summer|deadline|within|after|before|"
    r"once|until|date)\b",
    re.IGNORECASE,
)


def question_kinds(normalised: str) -> frozenset[str]:
    """What kind of fact a (normalised) question asks for: money, time, or neither."""
    kinds = set()
    if _ASKS_MONEY.search(normalised):
        kinds.add("money")
    if _ASKS_TIME.search(normalised):
        kinds.add("time")
    return frozenset(kinds)


def answer_kinds(answer: str) -> frozenset[str]:
    """What kind of fact an answer gives (a sum of money, a time or date)."""
    kinds = set()
    if _GIVES_MONEY.search(answer.lower()):
        kinds.add("money")
    if _GIVES_TIME.search(answer):
        kinds.add("time")
    return frozenset(kinds)


_COMPARISON = re.compile(r"\bdiff[a-z]* between ((?:[a-z0-9£]+ ){1,4}?)and((?: [a-z0-9£]+){1,4})")


def compared_sides(normalised: str) -> list[frozenset[str]]:
    """The topic words of each side of "what's the difference between A and B", or [].

    A comparison is answered only by an entry that knows both sides: "the difference
    between ATS and a PGCE" is not "the difference between a supporter and a mentor",
    however alike the two questions look to word and character n-grams.
    """
    found = _COMPARISON.search(normalised)
    if not found:
        return []
    sides = [
        frozenset(stem(t) for t in side.split() if t not in FILLER_WORDS and len(t) > 1)
        for side in found.groups()
    ]
    return [side for side in sides if side]


# Specifics a member may name that pin a question to one case: a year, a sum in pounds,
# a cohort number. An entry that never gives it answers a neighbouring question ("the
# 2024 QTLS window" for "the QTLS window in 2027", the 2020 deadlines for "cohort 9").
_SPECIFIC = re.compile(
    r"\b(?:19|20)\d\d\b|£ ?\d+|\bcohorts? (?:no |number )?\d+(?: (?:and |or |to )?\d+)*"
)
_DIGITS = re.compile(r"\d+")


def specifics(normalised: str) -> frozenset[str]:
    """Years, sums in pounds and cohort numbers in a normalised text ("2026", "£50", "cohort 9").

    "cohorts 5 and 6" gives "cohort 5" and "cohort 6".
    """
    found: set[str] = set()
    for match in _SPECIFIC.findall(normalised):
        if match.startswith("cohort"):
            found.update(f"cohort {n}" for n in _DIGITS.findall(match))
        else:
            found.add(match.replace(" ", ""))
    return frozenset(found)


def stem(token: str) -> str:
    """A crude stem (first five letters) so "tests"/"test" and "assessed"/"assessment" meet."""
    return token[:5]


# A request need not end with "?": "Please could you let me know what I need to do",
# "I'd like to know how much time it takes", "Could you confirm the fee please."
_REQUEST = re.compile(
    r"\b(?:let (?:me|us) know|(?:like|need|want|wanted) to (?:know|ask|check)|wondering|"
    r"(?:can|could|would) you|please (?:advise|confirm|explain|tell|send|clarify)|"
    r"tell me|explain)\b"
)


def asks_something(sentence: str) -> bool:
    """True for a sentence that asks or requests, not one that gives context or signs off."""
    if "?" in sentence or looks_like_question(sentence):
        return True
    lowered = sentence.lower().replace("’", "'")
    return lowered.startswith("please") or bool(_REQUEST.search(lowered))


def has_subject(text: str) -> bool:
    """Whether an email's text opens with a "Subject:" line (member_text keeps it first)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return bool(_SUBJECT.match(first)) and bool(_TOKEN.search(_SUBJECT.sub("", first).lower()))


def looks_like_question(segment: str) -> bool:
    stripped = segment.strip()
    return stripped.endswith("?") or bool(_QUESTION_START.match(stripped.lower()))
