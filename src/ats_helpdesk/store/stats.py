"""Store, counts: what ``ats-helpdesk stats`` prints (and the staff dashboard may show).

Every triaged message counts in exactly one outcome (``case``, ``auto_answered``,
``ignored``, ``threaded``); ``pending`` is every stored message not yet triaged
(waiting or being processed); ``failed`` ones carry their error for staff.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from ats_helpdesk.store.models import Case, Message, Outbound


@dataclass(frozen=True)
class Stats:
    messages: int
    pending: int
    failed: int
    cases: int
    auto_answered: int
    ignored: int
    threaded: int
    cases_by_intent: dict[str, int] = field(default_factory=dict)
    replies: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def count_stats(*, session: Session) -> Stats:
    by_status = dict(
        session.exec(select(Message.status, func.count()).group_by(Message.status)).all()
    )
    by_outcome = dict(
        session.exec(
            select(Message.outcome, func.count())
            .where(Message.status == "triaged")
            .group_by(Message.outcome)
        ).all()
    )
    by_intent = dict(session.exec(select(Case.intent, func.count()).group_by(Case.intent)).all())
    replies = dict(
        session.exec(select(Outbound.status, func.count()).group_by(Outbound.status)).all()
    )
    return Stats(
        messages=sum(by_status.values()),
        pending=by_status.get("pending", 0) + by_status.get("processing", 0),
        failed=by_status.get("failed", 0),
        cases=by_outcome.get("case", 0),
        auto_answered=by_outcome.get("auto_answered", 0),
        ignored=by_outcome.get("ignored", 0),
        threaded=by_outcome.get("threaded", 0),
        cases_by_intent=dict(sorted(by_intent.items())),
        replies={s: replies.get(s, 0) for s in ("queued", "sent", "failed")},
    )
