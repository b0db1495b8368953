"""review assignment: who works which open request (the queue's claim / assign / mine)

Revision ID: 0008_review_assignment
Revises: 0009_outbox
Create Date: 2026-12-01 12:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_review_assignment"
# Given as 0004_retention; re-chained after main's head 0009_outbox when main was merged
# into the ui branch (0006 -> 0007 -> 0009 had landed), so the chain has one head.
down_revision = "0009_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_assignments",
        sa.Column("request_id", sa.String(length=40), nullable=False),
        sa.Column("assignee", sa.String(length=200), nullable=False),
        sa.Column("assigned_by", sa.String(length=200), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_review_assignments")),
    )
    op.create_index("ix_review_assignments_assignee", "review_assignments", ["assignee"])


def downgrade() -> None:
    op.drop_index("ix_review_assignments_assignee", table_name="review_assignments")
    op.drop_table("review_assignments")
