"""determination inputs (what each machine determination was made from) and policy simulations

Revision ID: 0007_determination_inputs
Revises: 0006_agency_registry
Create Date: 2026-12-01 12:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_determination_inputs"
# The head of the simulator branch; re-chained onto the current head when branches merge.
down_revision = "0006_agency_registry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "determination_inputs",
        sa.Column("request_id", sa.String(length=40), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("process_sha256", sa.String(length=64), nullable=False),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.Column("policy_sha256", sa.String(length=64), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_determination_inputs")),
    )
    op.create_table(
        "policy_simulations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("candidate_policy", sa.JSON(), nullable=False),
        sa.Column("candidate_sha256", sa.String(length=64), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_simulations")),
    )


def downgrade() -> None:
    op.drop_table("policy_simulations")
    op.drop_table("determination_inputs")
