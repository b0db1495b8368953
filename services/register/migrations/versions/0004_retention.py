"""retention: legal holds, purges done, sealed audit segments

Revision ID: 0004_retention
Revises: 0001
Create Date: 2026-12-01 09:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_retention"
# The head of the retention branch; re-chained onto 0003 when the branches merge.
down_revision = "0003_billing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("placed_by", sa.String(length=200), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_by", sa.String(length=200), nullable=True),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lift_reason", sa.String(length=2000), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_holds")),
    )
    op.create_index("ix_legal_holds_scope_value", "legal_holds", ["scope", "value"])
    op.create_table(
        "retention_purges",
        sa.Column("request_id", sa.String(length=40), nullable=False),
        sa.Column("retention_class", sa.String(length=32), nullable=False),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("request_id", "retention_class", name=op.f("pk_retention_purges")),
    )
    op.create_table(
        "audit_seals",
        sa.Column("through_seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("first_seq", sa.Integer(), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sealed_by", sa.String(length=200), nullable=False),
        sa.Column("prev_seal_hash", sa.String(length=64), nullable=False),
        sa.Column("seal_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("through_seq", name=op.f("pk_audit_seals")),
    )


def downgrade() -> None:
    op.drop_table("audit_seals")
    op.drop_table("retention_purges")
    op.drop_index("ix_legal_holds_scope_value", table_name="legal_holds")
    op.drop_table("legal_holds")
