"""Store, the staff queue's covering index on ``case`` (status, intent, due date, id).

The queue reads (id, intent, due date) of every open case to count per intent and
order by urgency; with this index SQLite and PostgreSQL answer from the index alone,
without a table lookup per case (bench/bench_queue.py: about half the queue time at
20,000 cases). Declared here, beside the web app that needs it, and created by
migration ``0101_queue_index``; declaring it attaches it to ``Case.__table__``.
"""

from __future__ import annotations

import sqlalchemy as sa

from ats_helpdesk.store.models import Case

QUEUE_INDEX = sa.Index(
    "ix_case_queue_keys",
    Case.__table__.c.status,  # type: ignore[attr-defined]
    Case.__table__.c.intent,  # type: ignore[attr-defined]
    Case.__table__.c.due_date,  # type: ignore[attr-defined]
    Case.__table__.c.id,  # type: ignore[attr-defined]
)
