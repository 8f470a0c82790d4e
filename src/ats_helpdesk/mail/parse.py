"""Mail, parsing: raw bytes -> a frozen ``ParsedMail`` (the first stage after intake).

Where it sits: intake stores the raw bytes verbatim, then calls ``parse_message``
for the few headers it records; triage calls it again for the body, attachments
and the member's new text. Parsing never raises: the standard ``email`` package
(``policy.default``) records what is malformed as defects, and every header or
part that still fails is read a safer way and the failure added to ``defects``
(django-helpdesk swallowed such errors as "hotfix"; here they stay visible).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from ats_helpdesk.mail.html_text import html_to_text

logger = logging.getLogger(__name__)

# When a part declares no charset (or a wrong one), try these in order: UTF-8 is
# what nearly every client sends today; Windows-1252 decodes any byte, and is
# what "Latin-1" mail from Windows usually really is (WHATWG Encoding, "latin1").
FALLBACK_CHARSETS = ("utf-8", "cp1252")
_UNFOLD = re.compile(r"\r?\n(?=[ \t])")  # RFC 5322 2.2.3: unfolding removes the CRLF


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str
    content_type: str
    data: bytes = field(repr=False)
    size: int
    sha256: str


@dataclass(frozen=True)
class ParsedMail:
    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    from_addr: str
    from_name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    date: datetime | None
    headers: tuple[tuple[str, str], ...]
    text: str
    html: str | None
    new_text: str
    attachments: tuple[ParsedAttachment, ...]
    defects: tuple[str, ...]

    @property
    def header_map(self) -> Mapping[str, str]:
        """First value of each header, by lower-case name (what the guards read)."""
        out: dict[str, str] = {}
        for name, value in self.headers:
            out.setdefault(name.lower(), value)
        return out


def parse_message(raw: bytes, *, headers_only: bool = False) -> ParsedMail:
    """Parse ``raw`` (never raises; problems are listed in ``defects``).

    ``headers_only`` (what intake needs) leaves the body unread: text, html and
    new_text are empty and there are no attachments."""
    defects: list[str] = []
    message = BytesParser(policy=policy.default).parsebytes(raw, headersonly=headers_only)
    headers = _read_headers(message, defects)
    text, html, attachments = "", None, ()
    if not headers_only:
        leaves = _leaves(message, defects)
        text, html = _read_body(leaves, defects)
        attachments = _read_attachments(leaves)
    for part in message.walk():
        defects.extend(type(d).__name__ for d in part.defects)
    from_name, from_addr = _first_address(message, "from", defects)
    return ParsedMail(
        message_id=_message_id(_header(message, "message-id", defects)),
        in_reply_to=_message_id(_header(message, "in-reply-to", defects)),
        references=_message_ids(_header(message, "references", defects)),
        subject=" ".join(_header(message, "subject", defects).split()),
        from_addr=from_addr,
        from_name=from_name,
        to=tuple(a for _, a in _addresses(message, "to", defects)),
        cc=tuple(a for _, a in _addresses(message, "cc", defects)),
        date=_date(_header(message, "date", defects), defects),
        headers=headers,
        text=text,
        html=html,
        new_text=_new_text(text, defects) if not headers_only else "",
        attachments=attachments,
        defects=tuple(dict.fromkeys(defects)),
    )


def _header(message: Message, name: str, defects: list[str]) -> str:
    """A header's decoded value ('' when absent); the raw value if decoding fails.

    Plain ASCII without encoded words needs no decoding; only the rest goes through
    ``policy.default`` (which parses a header anew on every access, and is slow)."""
    raw = _raw_header(message, name)
    if raw is None:
        return ""
    if raw.isascii() and "=?" not in raw:
        return _UNFOLD.sub("", raw).strip()
    try:
        value = message.get(name)
    except Exception as error:  # policy.default can fail on malformed encoded words
        defects.append(f"header {name}: {type(error).__name__}")
        value = raw
    return "" if value is None else str(value)


def _raw_header(message: Message, name: str) -> str | None:
    for key, value in message.raw_items():
        if key.lower() == name:
            return str(value)
    return None


def _read_headers(message: Message, defects: list[str]) -> tuple[tuple[str, str], ...]:
    out = []
    for name, raw_value in message.raw_items():
        value = str(raw_value)
        if "=?" in value or not value.isascii():  # encoded words or raw 8-bit: decode
            try:
                value = str(message.policy.header_fetch_parse(name, raw_value))
            except Exception as error:
                defects.append(f"header {name}: {type(error).__name__}")
        out.append((str(name), _UNFOLD.sub("", value)))
    return tuple(out)


def _message_id(value: str) -> str | None:
    ids = _message_ids(value)
    if ids:
        return ids[0]
    value = value.strip()
    return value or None


def _message_ids(value: str) -> tuple[str, ...]:
    """``<id>`` tokens of a Message-ID/In-Reply-To/References field (RFC 5322 3.6.4)."""
    out = []
    for token in value.replace(">", "> ").split():
        token = token.strip(",;")
        if token.startswith("<") and token.endswith(">") and len(token) > 2:
            out.append(token)
    return tuple(dict.fromkeys(out))


def _addresses(message: Message, name: str, defects: list[str]) -> list[tuple[str, str]]:
    try:
        header = message.get(name)
        if header is not None and hasattr(header, "addresses"):
            return [(a.display_name, a.addr_spec.lower()) for a in header.addresses if a.addr_spec]
    except Exception as error:
        defects.append(f"header {name}: {type(error).__name__}")
    raw = _raw_header(message, name)
    if not raw:
        return []
    return [(n, a.lower()) for n, a in getaddresses([raw]) if a]


def _first_address(message: Message, name: str, defects: list[str]) -> tuple[str, str]:
    found = _addresses(message, name, defects)
    return found[0] if found else ("", "")


def _date(value: str, defects: list[str]) -> datetime | None:
    if not value.strip():
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        defects.append("header date: unparseable")
        return None
    # RFC 5322 3.3: "-0000" means the zone is unknown; treat it (and none) as UTC.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def decode_part(part: Message, defects: list[str]) -> str:
    """A text part's content, whatever charset it declares or fails to declare."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    declared = part.get_content_charset()
    if declared:
        try:
            return payload.decode(declared, errors="replace")
        except LookupError:
            defects.append(f"unknown charset {declared!r}")
    for charset in FALLBACK_CHARSETS:
        try:
            text = payload.decode(charset)
        except UnicodeDecodeError:
            continue
        if charset != "utf-8" or not payload.isascii():
            defects.append(f"charset guessed as {charset}")
        return text
    return payload.decode("utf-8", errors="replace")  # unreachable: cp1252 fallback


@dataclass(frozen=True)
class _Leaf:
    """One non-multipart part, its headers read once (each read re-parses them)."""

    part: Message
    content_type: str
    filename: str | None
    attachment: bool


def _leaves(message: Message, defects: list[str]) -> list[_Leaf]:
    leaves = []
    for part in message.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        try:
            disposition = part.get_content_disposition()
            filename = part.get_filename()
        except Exception as error:
            defects.append(f"attachment filename: {type(error).__name__}")
            disposition, filename = "attachment", ""
        attachment = (
            disposition == "attachment"
            or (filename is not None and disposition != "inline")
            or content_type.split("/", 1)[0] not in ("text", "message")
        )
        leaves.append(_Leaf(part, content_type, filename, attachment))
    return leaves


def _read_body(leaves: list[_Leaf], defects: list[str]) -> tuple[str, str | None]:
    plain = next((x for x in leaves if not x.attachment and x.content_type == "text/plain"),
                 None)
    html = next((x for x in leaves if not x.attachment and x.content_type == "text/html"), None)
    html_text = decode_part(html.part, defects) if html is not None else None
    if plain is not None:
        return decode_part(plain.part, defects).replace("\r\n", "\n"), html_text
    if html_text is not None:
        return html_to_text(html_text), html_text
    other = next((x for x in leaves if not x.attachment and x.content_type.startswith("text/")),
                 None)
    if other is not None:
        return decode_part(other.part, defects), None
    return "", None


def _read_attachments(leaves: list[_Leaf]) -> tuple[ParsedAttachment, ...]:
    out = []
    for leaf in leaves:
        if not leaf.attachment:
            continue
        payload = leaf.part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        out.append(
            ParsedAttachment(
                filename=" ".join(str(leaf.filename or "").split())[:255],
                content_type=leaf.content_type,
                data=data,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
            )
        )
    return tuple(out)


def _new_text(text: str, defects: list[str]) -> str:
    """The member's own words (quotes and signature removed) for classification."""
    try:
        from ats_helpdesk.mail.quotes import extract_new_text
    except ImportError:  # the quote splitter is another stage; without it use the text
        return text.strip()
    try:
        return extract_new_text(text) or text.strip()
    except Exception as error:  # a splitter bug must not lose the message
        logger.exception("extract_new_text failed")
        defects.append(f"new text: {type(error).__name__}")
        return text.strip()


def as_email_message(raw: bytes) -> EmailMessage:
    """The standard library's view of ``raw`` (policy.default), for callers that need it."""
    return BytesParser(policy=policy.default).parsebytes(raw)  # type: ignore[return-value]
