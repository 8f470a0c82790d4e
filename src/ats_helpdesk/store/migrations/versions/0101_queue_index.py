"""Staff queue: covering index ix_case_queue_keys on case (status, intent, due_date, id).

Revision ID: 0101_queue_index
Revises: 0100_message_text
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

# The index is declared in store/queue_index.py (beside the web app that needs it);
# importing it puts it on SQLModel.metadata in every process that runs this migration.
import ats_helpdesk.store.queue_index  # noqa: F401

revision: str = "0101_queue_index"
down_revision: str | None = "0100_message_text"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case") as batch:
        batch.create_index("ix_case_queue_keys", ["status", "intent", "due_date", "id"])


def downgrade() -> None:
    with op.batch_alter_table("case") as batch:
        batch.drop_index("ix_case_queue_keys")
