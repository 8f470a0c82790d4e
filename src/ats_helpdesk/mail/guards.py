"""Loop protection: is this message written by a machine rather than a member?

Sits right after parsing, before classification and any reply: an automatic
answer to an out-of-office, a bounce or a mailing list would start a mail loop
or spam a list. ``detect_automatic`` returns a short reason ("auto-submitted",
"auto-reply", "bounce", "list", "bulk", "auto-response-suppress") or ``None`` for
a person's mail. Header
names are matched case-insensitively (RFC 5322 section 1.2.2).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["detect_automatic", "is_noreply_address"]

# RFC 3464 section 2 / RFC 6522: a delivery status notification is a
# multipart/report with report-type=delivery-status.
_DSN_CONTENT_TYPE = re.compile(
    r"multipart/report\b.*\breport-type\s*=\s*\"?(?:delivery-status|disposition-notification)",
    re.IGNORECASE | re.DOTALL,
)
# RFC 5321 section 4.5.5: bounces are sent with a null reverse-path; the
# sender shown is conventionally MAILER-DAEMON or postmaster (RFC 5321 4.5.1).
_BOUNCE_SENDER = re.compile(
    r"^(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon)@", re.IGNORECASE
)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver(?:ed|able)\b|returned\s+mail|mail\s+delivery\s+(?:failed|failure|subsystem)"
    r"|delivery\s+status\s+notification|delivery\s+(?:has\s+)?failed|failure\s+notice"
    r"|returned\s+to\s+sender|non-?delivery\s+report|message\s+not\s+delivered"
    r"|unzustellbar|non\s+remis",
    re.IGNORECASE,
)
# Out-of-office subjects of the common clients (Outlook, Gmail, Exchange in
# English, German, French, Dutch, Spanish), and RFC 3834 section 3.1.5's "Auto:".
_AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(?:automatic\s+reply|auto(?:matic)?[-\s]?(?:reply|response)|autoreply|auto:"
    r"|out\s+of\s+(?:the\s+)?office(?:\s*(?::|$|auto-?reply|reply|re:|-))"
    r"|abwesenheitsnotiz|automatische\s+antwort"
    r"|r[ée]ponse\s+automatique|absence\s+du\s+bureau"
    r"|automatisch\s+antwoord|respuesta\s+autom[aá]tica)",
    re.IGNORECASE,
)
_AUTO_REPLY_ANYWHERE = re.compile(
    r"\b(?:out\s+of\s+(?:the\s+)?office|automatic\s+reply|auto(?:matic)?[-\s]reply|autoreply)\b",
    re.IGNORECASE,
)
_NOREPLY_LOCAL = re.compile(
    r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|dont[-_.]?reply|noreply[-_.+].*|.*[-_.+]no[-_.]?reply"
    r"|mailer-daemon|postmaster|bounces?(?:[-_.+].*)?|notifications?|auto[-_.]?(?:reply|confirm))$",
    re.IGNORECASE,
)
_ADDRESS = re.compile(r"<\s*([^<>\s]+@[^<>\s]+)\s*>|([^<>\s\"]+@[^<>\s\"]+)")


def detect_automatic(
    headers: Mapping[str, str], *, subject: str, from_addr: str, body: str
) -> str | None:
    """Why this message is automatic, or ``None`` when a person wrote it."""
    h = {name.lower(): str(value) for name, value in headers.items()}
    for check in (_by_auto_submitted, _by_bounce, _by_autoreply_headers, _by_list, _by_precedence):
        reason = check(h, subject, from_addr, body)
        if reason:
            return reason
    if _AUTO_REPLY_SUBJECT.search(subject or ""):
        return "auto-reply"
    return None


def is_noreply_address(addr: str) -> bool:
    """True for addresses nobody reads (noreply@, mailer-daemon@, bounces+x@): never reply."""
    email = _extract_address(addr)
    if not email or "@" not in email:
        return False
    return bool(_NOREPLY_LOCAL.match(email.rsplit("@", 1)[0]))


def _extract_address(addr: str) -> str:
    match = _ADDRESS.search(addr or "")
    if match is None:
        return (addr or "").strip().lower()
    return (match.group(1) or match.group(2)).strip().lower()


def _by_auto_submitted(h: dict[str, str], subject: str, from_addr: str, body: str) -> str | None:
    # RFC 3834 section 5.1: any value but "no" (auto-generated, auto-replied,
    # auto-notified, ...) marks a message a responder must not answer (section 2).
    value = h.get("auto-submitted", "").strip().lower()
    if value and value.split(";")[0].strip() != "no":
        return "auto-submitted"
    return None


def _by_bounce(h: dict[str, str], subject: str, from_addr: str, body: str) -> str | None:
    if _DSN_CONTENT_TYPE.search(h.get("content-type", "")):
        return "bounce"
    # RFC 5321 section 4.5.5: a null reverse-path ("<>") marks a notification.
    if h.get("return-path", "").strip() == "<>" and _BOUNCE_SUBJECT.search(subject or ""):
        return "bounce"
    sender = _extract_address(from_addr)
    if _BOUNCE_SENDER.match(sender):
        return "bounce"
    if _BOUNCE_SUBJECT.search(subject or "") and _looks_like_dsn_body(body):
        return "bounce"
    return None


def _looks_like_dsn_body(body: str) -> bool:
    return bool(
        re.search(
            r"could\s+not\s+be\s+delivered|delivery\s+(?:has\s+)?failed|permanent\s+(?:error|failure)"
            r"|\b5\.\d\.\d+\b|\b550\b|address\s+not\s+found|mailbox\s+(?:unavailable|full)"
            r"|recipient\s+address\s+rejected|final-recipient:|diagnostic-code:",
            body or "",
            re.IGNORECASE,
        )
    )


def _by_autoreply_headers(h: dict[str, str], subject: str, from_addr: str, body: str) -> str | None:
    # Not standardised; set by common autoresponders (X-Autoreply by vacation
    # programs, X-Autorespond by cPanel). X-Auto-Response-Suppress is Microsoft's
    # ([MS-OXCMAIL] 2.2.3.2.20): a value other than "None" is sent on Exchange
    # automatic messages (OOF, delivery reports) to stop replies to them.
    if h.get("x-autoreply", "").strip().lower() not in ("", "no", "false"):
        return "auto-reply"
    if "x-autorespond" in h:
        return "auto-reply"
    suppress = h.get("x-auto-response-suppress", "").strip().lower()
    if suppress and suppress != "none":
        # Its own reason: Exchange sets it on OOF replies, but some clients also set
        # it on mail a person wrote. Never auto-reply; the words may still be a case.
        return "auto-response-suppress"
    return None


def _by_list(h: dict[str, str], subject: str, from_addr: str, body: str) -> str | None:
    # RFC 2919 (List-Id) and RFC 2369 (List-Unsubscribe and friends): list traffic.
    if "list-id" in h or "list-unsubscribe" in h or "list-post" in h:
        return "list"
    return None


def _by_precedence(h: dict[str, str], subject: str, from_addr: str, body: str) -> str | None:
    # "Precedence" is not standard; RFC 3834 section 2 advises responders not to
    # answer bulk, junk or list mail, and some responders mark themselves auto_reply.
    value = h.get("precedence", "").strip().lower()
    if value == "auto_reply":
        return "auto-reply"
    if value in ("bulk", "junk"):
        return "bulk"
    if value == "list":
        return "list"
    return None


def mentions_auto_reply(text: str) -> bool:
    """Body or subject reads like an out-of-office (used as a fact, not a guard)."""
    return bool(_AUTO_REPLY_ANYWHERE.search(text or ""))
