"""legal review (issue 11): officer, redirected by rule, emergency follow-up

Revision ID: 0005_legal_review
Revises: 0010_report_barred
Create Date: 2026-12-01 12:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_legal_review"
# Re-chained by the coordinator: the branches landed 0006-0010 first.
down_revision = "0010_report_barred"
branch_labels = None
depends_on = None

_COLUMNS = (
    "officer_email",
    "redirected_by_rule",
    "follows_emergency",
    "follow_up_status",
    "follow_up_due_at",
    "follow_up_request_id",
)


def upgrade() -> None:
    with op.batch_alter_table("legal_processes") as batch:
        batch.add_column(sa.Column("officer_email", sa.String(length=254), nullable=True))
        batch.add_column(
            sa.Column("redirected_by_rule", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("follows_emergency", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("follow_up_status", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("follow_up_due_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("follow_up_request_id", sa.String(length=40), nullable=True))
        batch.create_index(
            "ix_legal_processes_agency_officer", ["agency_id", "officer_email"], unique=False
        )
        batch.create_index(
            "ix_legal_processes_follow_up_status", ["follow_up_status"], unique=False
        )
    # The officer of requests taken in before this revision, from the submission kept verbatim.
    table = sa.table(
        "legal_processes",
        sa.column("id", sa.String),
        sa.column("submission", sa.JSON),
        sa.column("officer_email", sa.String),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(table.c.id, table.c.submission)).all()
    for request_id, submission in rows:
        officer = (submission or {}).get("officer") or {}
        email = str(officer.get("email") or "").lower() or None
        if email:
            connection.execute(
                table.update().where(table.c.id == request_id).values(officer_email=email)
            )


def downgrade() -> None:
    with op.batch_alter_table("legal_processes") as batch:
        batch.drop_index("ix_legal_processes_follow_up_status")
        batch.drop_index("ix_legal_processes_agency_officer")
        for name in reversed(_COLUMNS):
            batch.drop_column(name)
