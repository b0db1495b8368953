"""transparency report: report facts and tallies, production accounts, publications

Revision ID: 0002_transparency
Revises: 0001
Create Date: 2026-12-01 09:30:00

Creates the denormalised per-request facts the yearly report counts (docs/architecture.md
§10) and fills them for the requests already in the register. The accounts of productions
delivered before this migration live only in S3: ``writ transparency backfill`` adds them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_transparency"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_facts",
        sa.Column("request_id", sa.String(length=40), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("process_type", sa.String(length=40), nullable=False),
        sa.Column("issuer_kind", sa.String(length=20), nullable=False),
        sa.Column("country", sa.String(length=2), server_default="", nullable=False),
        sa.Column("emergency", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("national_security", sa.String(length=20), server_default="", nullable=False),
        sa.Column("identifiers", sa.Integer(), server_default="0", nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ndo", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("ndo_ends_on", sa.Date(), nullable=True),
        sa.Column("notice_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("extensions", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["legal_processes.id"],
            name=op.f("fk_report_facts_request_id_legal_processes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_report_facts")),
    )
    with op.batch_alter_table("report_facts", schema=None) as batch_op:
        batch_op.create_index("ix_report_facts_received_at", ["received_at"], unique=False)
    op.create_table(
        "report_accounts",
        sa.Column("request_id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["legal_processes.id"],
            name=op.f("fk_report_accounts_request_id_legal_processes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("request_id", "account_id", name=op.f("pk_report_accounts")),
    )
    op.create_table(
        "transparency_publications",
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=200), nullable=False),
        sa.Column("national_security_option", sa.String(length=32), nullable=False),
        sa.Column("bucket", sa.String(length=200), nullable=False),
        sa.Column("json_key", sa.String(length=500), nullable=False),
        sa.Column("json_sha256", sa.String(length=64), nullable=False),
        sa.Column("csv_key", sa.String(length=500), nullable=False),
        sa.Column("csv_sha256", sa.String(length=64), nullable=False),
        sa.Column("html_key", sa.String(length=500), nullable=False),
        sa.Column("html_sha256", sa.String(length=64), nullable=False),
        sa.Column("retain_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("period", name=op.f("pk_transparency_publications")),
    )
    op.create_table(
        "report_tallies",
        sa.Column("received_half", sa.String(length=7), nullable=False),
        sa.Column("process_type", sa.String(length=40), nullable=False),
        sa.Column("issuer_kind", sa.String(length=20), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("emergency", sa.Boolean(), nullable=False),
        sa.Column("national_security", sa.String(length=20), nullable=False),
        sa.Column("ndo", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("resolved_half", sa.String(length=7), nullable=False),
        sa.Column("notice_sent", sa.Boolean(), nullable=False),
        sa.Column("ndo_open_until", sa.String(length=10), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("identifiers", sa.Integer(), nullable=False),
        sa.Column("extensions", sa.Integer(), nullable=False),
        sa.Column("extended", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "received_half",
            "process_type",
            "issuer_kind",
            "country",
            "emergency",
            "national_security",
            "ndo",
            "outcome",
            "resolved_half",
            "notice_sent",
            "ndo_open_until",
            name=op.f("pk_report_tallies"),
        ),
    )
    op.create_table(
        "report_account_periods",
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("period", "account_id", name=op.f("pk_report_account_periods")),
    )
    op.create_table(
        "report_account_counts",
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("period", name=op.f("pk_report_account_counts")),
    )
    # Facts for the requests already recorded, derived by the same code the hooks run.
    from services.register.transparency import backfill_facts

    backfill_facts(op.get_bind())


def downgrade() -> None:
    op.drop_table("report_account_counts")
    op.drop_table("report_account_periods")
    op.drop_table("report_tallies")
    op.drop_table("transparency_publications")
    op.drop_table("report_accounts")
    with op.batch_alter_table("report_facts", schema=None) as batch_op:
        batch_op.drop_index("ix_report_facts_received_at")
    op.drop_table("report_facts")
