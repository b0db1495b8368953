"""outbox: every outgoing mail and webhook, recorded before it is sent

Revision ID: 0009_outbox
Revises: 0007_determination_inputs
Create Date: 2026-12-01 12:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_outbox"
# Re-chained by the coordinator when several branches add a migration.
down_revision = "0007_determination_inputs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.String(length=300), nullable=False),
        sa.Column("request_id", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("message_id", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["legal_processes.id"],
            name=op.f("fk_outbox_request_id_legal_processes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index("ix_outbox_request_id", "outbox", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_request_id", table_name="outbox")
    op.drop_table("outbox")
