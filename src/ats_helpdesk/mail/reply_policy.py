"""Mail, loop protection: may we send an automatic reply to this message's sender?

Where it sits: ``triage.py`` asks ``refuse_auto_reply`` before queueing any
acknowledgement or automatic answer. RFC 3834 section 2: never answer automatic
mail (``Auto-Submitted`` other than ``no``, bounces with a null return path, list
and bulk mail) and never our own addresses, so two robots cannot loop; a daily cap
per sender stops the loops the headers miss.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from ats_helpdesk.config import Settings
from ats_helpdesk.store.replies import auto_replies_today


def refuse_auto_reply(
    *,
    session: Session,
    settings: Settings,
    sender: str,
    envelope_from: str | None,
    automatic: str | None,
    day: date,
) -> str | None:
    """Why no automatic reply may go to ``sender``, or None when one may."""
    if automatic:
        return f"automatic message ({automatic})"
    if envelope_from == "":  # RFC 5321 4.5.5: the null reverse-path marks a bounce
        return "null return path (bounce)"
    address = sender.strip().lower()
    if not address or "@" not in address:
        return "no usable sender address"
    if address in settings.inbox_addresses or address == settings.from_address.lower():
        return "sender is one of our own addresses"
    if _is_noreply(address):
        return "no-reply sender"
    sent = auto_replies_today(session=session, sender=address, day=day)
    if sent >= settings.auto_replies_per_sender_per_day:
        return f"daily limit reached ({sent} automatic replies today)"
    return None


def _is_noreply(address: str) -> bool:
    try:
        from ats_helpdesk.mail.guards import is_noreply_address
    except ImportError:  # guards are another stage; keep the obvious cases without it
        local = address.split("@", 1)[0].replace("-", "").replace("_", "")
        return local in {"noreply", "donotreply", "mailerdaemon", "postmaster"}
    return is_noreply_address(address)
