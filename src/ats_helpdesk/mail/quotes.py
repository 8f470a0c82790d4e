"""The member's own new text: quoted history, signatures and disclaimers removed.

Sits between parsing (``mail.parse``) and the stages that read what the member
wrote (``classify``, ``facts``). A reply quotes our earlier answer; a forward
carries an old chain; a signature carries a job title and a college's
confidentiality notice. None of that is what the member is asking now, and
words in it ("appeal", "extension", a date) would mislead the classifier.

How the cut is made, in order:

1. Lines are normalised (CRLF, non-breaking spaces, trailing blanks).
2. The first line that starts earlier history ends the new part: an attribution
   ("On <date>, <name> wrote:", also wrapped over two lines), a separator
   ("-----Original Message-----", "---------- Forwarded message ---------",
   "Begin forwarded message:", Outlook's line of underscores) or an Outlook
   header block (``From:`` followed by ``Sent:``/``Date:``/``To:``/``Subject:``).
   ``mail-parser-reply`` then looks at what is left for the attribution and
   header patterns of other mail clients' languages (de, fr, es, it, nl, ...).
3. Lines quoted with ">" (RFC 3676 section 4.5 quote marks) are dropped,
   including inline quoting between the member's own lines.
4. If what is left is empty or only a pointer such as "see below" or "FYI",
   the member forwarded or re-sent the earlier message as their question, so
   that earlier message's own new text is used instead.
5. A signature is cut: the RFC 3676 section 4.3 separator "-- ", phone
   footers ("Sent from my iPhone"), a closing ("Kind regards", "Thanks,") that
   is followed only by short lines (name, job title, college, phone), and
   confidentiality disclaimers.
"""

from __future__ import annotations

import re
from functools import lru_cache

from mailparser_reply.parser import EmailMessage

__all__ = ["extract_new_text"]

# Attribution lines written by mail clients above the quoted message.
_ON_WROTE = re.compile(
    r"^\s*(?:On|Am|Le|El|Il|Op)\b.{4,300}?\b"
    r"(?:wrote|schrieb|a écrit|escribió|ha scritto|schreef)\s*:?\s*$",
    re.IGNORECASE,
)
_ON_START = re.compile(r"^\s*On\s+\S.*$")
_WROTE_END = re.compile(r"\bwrote\s*:\s*$", re.IGNORECASE)
_SEPARATORS = re.compile(
    r"^\s*(?:"
    r"-{2,}\s*(?:Original Message|Forwarded message|Forwarded by.*|Weitergeleitete Nachricht|"
    r"Message transféré|Ursprüngliche Nachricht)\s*-{2,}"
    r"|Begin forwarded message:?"
    r"|_{10,}"
    r"|\*?From:\*?\s.*\b(?:Sent|Date):\*?\s.*"  # an Outlook header block flattened onto one line
    r")\s*$",
    re.IGNORECASE,
)
_FORWARD_MARKER = re.compile(r"forward|weitergeleitet|transféré", re.IGNORECASE)
_REFERS_BELOW = re.compile(r"\b(?:below|forward\w*|trail|thread)\b", re.IGNORECASE)
_HEADER_FIELD = re.compile(
    r"^\s*\*?(From|Sent|Date|To|Cc|Subject|Von|Gesendet|An|Betreff|De|Envoyé|À|Objet)\*?\s*:",
    re.IGNORECASE,
)
_FROM_FIELD = re.compile(r"^\s*\*?(From|Von|De)\*?\s*:\s*\S", re.IGNORECASE)
_QUOTED = re.compile(r"^\s*>")
_HEADERISH = re.compile(r"^[ *]*[^\W\d][\w .-]{0,24}:[ *]|:\s*$|^-{5,}", re.MULTILINE)

# The member pointing at the older message instead of writing anything new.
_POINTER_ONLY = re.compile(
    r"^(?:(?:hi|hello|dear)\b[^\n]{0,40}\n)?\s*"
    r"(?:please\s+)?(?:see|read)?\s*(?:below|the\s+(?:email|message)\s+below|attached|"
    r"fyi|for\s+your\s+(?:information|attention)|forwarding[^\n]{0,60}|as\s+discussed|"
    r"please\s+see\s+(?:below|trail|thread)[^\n]{0,40}|see\s+(?:email\s+)?(?:below|trail)[^\n]{0,40}|"
    r"sending\s+again[^\n]{0,40}|resending[^\n]{0,40}|any\s+update\??|chasing[^\n]{0,40})"
    r"[\s.!:,]*$",
    re.IGNORECASE,
)

# RFC 3676 section 4.3: "-- " alone on a line starts a signature. Many clients
# drop the trailing space, so "--" alone is accepted too.
_SIG_DASHES = re.compile(r"^\s*--\s*$")
_SENT_FROM = re.compile(
    r"^\s*(?:Sent from (?:my|Mail for|Outlook|Yahoo)|Get Outlook for|Sent via"
    r"|Envoyé de mon|Von meinem)\b",
    re.IGNORECASE,
)
_CLOSING = re.compile(
    r"^\s*(?:(?:with\s+)?(?:kind|best|warm|warmest|many|all\s+the\s+best|yours|thank\s+you|thanks)?\s*"
    r"(?:regards|wishes|thanks|thank\s+you|rgds|cheers|sincerely|faithfully|truly)"
    r"|best|thanks(?:\s+(?:so|very)\s+much|\s+again|\s+in\s+advance)?|thank\s+you(?:\s+(?:so|very)\s+much|\s+in\s+advance)?"
    r"|yours(?:\s+(?:sincerely|faithfully))?|kind\s+regards|regards|cheers|ta|thx|tia|bw|kr|mfg"
    r"|mit\s+freundlichen\s+grüßen|cordialement)\b[\s,.!-]*",
    re.IGNORECASE,
)
# Words in a confidentiality notice or mail-server footer (not in a member's question).
_DISCLAIMER = re.compile(
    r"(?:this\s+(?:e-?mail|message|communication)(?:\s+and\s+any\s+(?:files|attachments)[^.]{0,40})?"
    r"\s+(?:is|are|may\s+be|contains?|and\s+its)\s+(?:\w+\s+){0,3}(?:confidential|privileged|intended)"
    r"|intended\s+(?:solely\s+|only\s+)?for\s+the\s+(?:use\s+of\s+the\s+)?(?:named\s+)?"
    r"(?:recipient|addressee|individual|person)"
    r"|if\s+you\s+(?:have\s+)?received\s+this\s+(?:e-?mail|message|communication)\s+in\s+error"
    r"|if\s+you\s+are\s+not\s+the\s+intended\s+recipient"
    r"|monitors?\s+(?:all\s+)?e-?mails?\b|e-?mails?\s+(?:may\s+be|are)\s+monitored"
    r"|please\s+consider\s+the\s+environment\s+before\s+printing"
    r"|registered\s+(?:office|in\s+england)|registered\s+charity\s+(?:no|number)"
    r"|views\s+expressed\s+in\s+this\s+(?:e-?mail|message)"
    r"|^\s*(?:disclaimer|confidentiality(?:\s+notice)?|caution|important\s+notice)\s*:)",
    re.IGNORECASE,
)
_SIGNATURE_LINE_WORDS = 9  # a name, a job title, a college, a phone number: short lines


def extract_new_text(body: str) -> str:
    """The member's own new text in ``body``; ``""`` when there is none."""
    lines = _normalise_lines(body)
    new, history = _split_history(lines)
    new = _drop_quoted(_split_with_library(new))
    if _is_pointer_only(new) and history:
        earlier = _first_message_of(history)
        if earlier.strip():
            return extract_new_text(earlier)
    own = _strip_signature(new).strip()
    if history and _is_forward(history[0]) and _REFERS_BELOW.search(own):
        # "Please find below the access plan": the forwarded message is what they send us.
        forwarded = extract_new_text(_first_message_of(history))
        return f"{own}\n\n{forwarded}".strip()
    return own


def _normalise_lines(body: str) -> list[str]:
    text = body.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    text = text.replace("\u200b", "").replace("\ufeff", "")
    return [line.rstrip() for line in text.split("\n")]


def _split_history(lines: list[str]) -> tuple[list[str], list[str]]:
    """(new lines, history lines) at the first line that starts earlier mail."""
    for index in range(len(lines)):
        if _starts_history(lines, index):
            return lines[:index], lines[index:]
    return lines, []


def _starts_history(lines: list[str], index: int) -> bool:
    line = lines[index]
    if not line.strip():
        return False
    if _SEPARATORS.match(line) or _ON_WROTE.match(line):
        return True
    nxt = lines[index + 1] if index + 1 < len(lines) else ""
    # Gmail wraps a long attribution: "On Mon, 17 Feb 2025 at 10:00, SET ATS <" / "ats@...> wrote:"
    if _ON_START.match(line) and _WROTE_END.search(nxt) and len(line) + len(nxt) < 300:
        return True
    # An Outlook header block: From: then Sent:/Date:/To:/Subject: within the next lines.
    if _FROM_FIELD.match(line):
        following = [ln for ln in lines[index + 1 : index + 5] if ln.strip()]
        return sum(1 for ln in following if _HEADER_FIELD.match(ln)) >= 2
    return False


_LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pl", "pt", "sv"]


@lru_cache(maxsize=1)
def _library_patterns() -> dict[str, re.Pattern[str]]:
    """The library compiles its patterns per message; compile them once and hand them in."""
    probe = EmailMessage(text="", languages=list(_LANGUAGES))
    return {
        "_header_regex": probe.HEADER_REGEX,
        "_signature_regex": probe.SIGNATURE_REGEX,
        "_disclaimers_regex": probe.DISCLAIMERS_REGEX,
    }


def _split_with_library(lines: list[str]) -> list[str]:
    """What mail-parser-reply sees as the latest reply, for patterns not handled above."""
    text = "\n".join(lines)
    if not text.strip():
        return []
    # The library's patterns are slow; they only matter where a line looks like a
    # header field or an attribution ending in ":" (cheap test first, 500 msg/s).
    if not _HEADERISH.search(text):
        return lines
    message = EmailMessage(text=text, languages=list(_LANGUAGES), **_library_patterns()).read()
    latest = message.replies[0].content if message.replies else text
    if not latest.strip():
        return lines
    # The library strips each line; keep ours unless it cut something off.
    if len(latest) >= len(text.strip()) - 1:
        return lines
    return latest.split("\n")


def _drop_quoted(lines: list[str]) -> list[str]:
    return [line for line in lines if not _QUOTED.match(line)]


def _is_pointer_only(lines: list[str]) -> bool:
    kept = [ln for ln in _strip_signature(lines).split("\n") if ln.strip()]
    if not kept:
        return True
    # Greetings alone ("Hi,") or a bare pointer ("Please see below, thanks").
    text = "\n".join(kept)
    if len(text) > 160:
        return False
    if all(_is_greeting(ln) for ln in kept):
        return True
    body = [ln for ln in kept if not _is_greeting(ln)]
    return bool(_POINTER_ONLY.match("\n".join(body)))


_GREETING = re.compile(
    r"^\s*(?:hi|hello|dear|good\s+(?:morning|afternoon|evening)|hey)\b[^.?!]{0,40}[,.!]?\s*$",
    re.IGNORECASE,
)


def _is_greeting(line: str) -> bool:
    return bool(_GREETING.match(line))


def _is_forward(line: str) -> bool:
    return bool(_SEPARATORS.match(line) and _FORWARD_MARKER.search(line))


def _first_message_of(history: list[str]) -> str:
    """The body of the first earlier message: its header block or quote marks removed."""
    index = 0
    # Skip the separator / attribution line(s) and the header fields under them.
    while index < len(history) and (
        _SEPARATORS.match(history[index])
        or _ON_WROTE.match(history[index])
        or _HEADER_FIELD.match(history[index])
        or (index == 0 and _ON_START.match(history[index]))
        or (index <= 1 and _WROTE_END.search(history[index]))
        or not history[index].strip()
    ):
        index += 1
    body = [re.sub(r"^\s*> ?", "", ln) for ln in history[index:]]
    return "\n".join(body)


def _strip_signature(lines: list[str]) -> str:
    """Cut the signature, phone footer and disclaimer at the end of the new text."""
    cut = len(lines)
    content_seen = False
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if content_seen and (
            _SIG_DASHES.match(line) or _SENT_FROM.match(line) or _DISCLAIMER.search(line)
        ):
            cut = index
            break
        if content_seen and _is_closing(stripped) and _only_signature_after(lines[index + 1 :]):
            cut = index
            break
        if not _is_greeting(line):
            content_seen = True
    return "\n".join(_drop_name_block(lines[:cut])).rstrip()


_NAME = re.compile(
    r"^\s*(?:Dr\.?\s+|Mr\.?\s+|Mrs\.?\s+|Ms\.?\s+)?[A-Z][\w'.-]+(?:\s+[A-Z][\w'.-]+){0,3}\s*$"
)


def _drop_name_block(lines: list[str]) -> list[str]:
    """A last paragraph that is a name and a few title lines (no closing before it)."""
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    try:
        start = len(lines) - 1 - lines[::-1].index("")
    except ValueError:
        return lines  # one paragraph only: nothing before it to keep
    block = [ln for ln in lines[start + 1 :] if ln.strip()]
    if not block or len(block) > 5 or not _NAME.match(block[0]):
        return lines
    if any(len(ln.split()) > 8 or ln.rstrip().endswith(("?", ".", "!")) for ln in block):
        return lines
    if not any(ln.strip() for ln in lines[:start]):
        return lines
    return lines[:start]


def _is_closing(line: str) -> bool:
    """ "Kind regards", "Thanks,", "Best wishes, Jo Bloggs, Lecturer" (short: not a sentence)."""
    match = _CLOSING.match(line)
    if match is None:
        return False
    rest = line[match.end() :]
    if re.search(r"[?]", rest) or re.match(
        r"(?:for|to|that|if|so|but|i|we)\b", rest, re.IGNORECASE
    ):
        return False
    rest = re.sub(
        r"^\s*(?:(?:very|so)\s+much|again|in\s+advance|a\s+lot|all|everyone|both)\b[\s,.!-]*",
        "",
        rest,
        flags=re.IGNORECASE,
    )
    words = rest.split()
    if len(words) > 6:
        return False
    # "Thanks Jo" is a closing; "Best time to call is 4pm" is not: without a comma
    # after the closing word, only a name may follow.
    punctuated = bool(re.search(r"[,.!-]\s*$", line[: len(line) - len(rest)]))
    return punctuated or all(w[:1].isupper() for w in words)


def _only_signature_after(lines: list[str]) -> bool:
    """Short lines (name, title, college, phone) or a disclaimer up to the end."""
    for line in lines:
        if not line.strip():
            continue
        if _DISCLAIMER.search(line):
            return True
        if re.match(r"^\s*(?:p\.?s\.?|n\.?b\.?)\b", line, re.IGNORECASE):
            return False
        if len(line.split()) > _SIGNATURE_LINE_WORDS or line.rstrip().endswith("?"):
            return False
    return True
