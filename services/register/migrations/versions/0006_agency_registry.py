"""agency registry: officers that can be deactivated, webhook secret rotation with an overlap,
and the agency change history

Revision ID: 0006_agency_registry
Revises: 0004_retention
Create Date: 2026-12-01 12:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_agency_registry"
# The head of the agency branch; re-chained when several branches add a migration.
down_revision = "0004_retention"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agencies") as batch:
        batch.add_column(sa.Column("previous_webhook_secret", sa.String(length=200), nullable=True))
        batch.add_column(
            sa.Column("previous_secret_expires_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("officers") as batch:
        batch.add_column(
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "agency_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_agency_changes_agency_id_agencies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_changes")),
    )
    op.create_index("ix_agency_changes_agency_id", "agency_changes", ["agency_id"])


def downgrade() -> None:
    op.drop_index("ix_agency_changes_agency_id", table_name="agency_changes")
    op.drop_table("agency_changes")
    with op.batch_alter_table("officers") as batch:
        batch.drop_column("deactivated_at")
        batch.drop_column("active")
    with op.batch_alter_table("agencies") as batch:
        batch.drop_column("updated_at")
        batch.drop_column("previous_secret_expires_at")
        batch.drop_column("previous_webhook_secret")
