"""Staff search text: message_text (the plain text of each message on a case).

A derived cache the staff app fills (``store/search_text.py``), so the queue can
search what members wrote without parsing raw bytes on every request.

Revision ID: 0100_message_text
Revises: 0001_initial
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# The table's model lives in its own module (the web app's, not store/models.py).
# Importing it here registers it on SQLModel.metadata in every process that runs
# this migration, so a models-vs-migrations comparison after an upgrade sees it.
import ats_helpdesk.store.search_text  # noqa: F401

revision: str = "0100_message_text"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "message_text",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"]),
        sa.PrimaryKeyConstraint("message_id"),
    )
    with op.batch_alter_table("message_text") as batch:
        batch.create_index("ix_message_text_case_id", ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("message_text") as batch:
        batch.drop_index("ix_message_text_case_id")
    op.drop_table("message_text")
