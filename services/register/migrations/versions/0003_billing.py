"""billing ledger: held charges, invoices, lines, credit notes, disputes (docs/billing.md)

Revision ID: 0003_billing
Revises: 0001
Create Date: 2026-12-01 09:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_billing"
# The current head on the billing branch; the merge re-chains this after 0002_transparency.
down_revision = "0002_transparency"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "billing_charges",
        sa.Column("request_id", sa.String(40), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("hold_kind", sa.String(32), nullable=False),
        sa.Column("hold_until", TS, nullable=True),
        sa.Column("invoice", sa.JSON(), nullable=False),
        sa.Column("zero_charge_reason", sa.String(500), nullable=False),
        sa.Column("prepared_at", TS, nullable=False),
        sa.Column("released_by", sa.String(200), nullable=True),
        sa.Column("released_at", TS, nullable=True),
        sa.Column("posted_at", TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["legal_processes.id"],
            name=op.f("fk_billing_charges_request_id_legal_processes"),
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_billing_charges")),
    )
    op.create_index("ix_billing_charges_stage", "billing_charges", ["stage"])
    op.create_table(
        "invoices",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("request_id", sa.String(40), nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("legal_entity", sa.String(8), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("credited", sa.Integer(), nullable=False),
        sa.Column("share", sa.String(32), nullable=False),
        sa.Column("rate_card_version", sa.Date(), nullable=True),
        sa.Column("pdf_key", sa.String(500), nullable=True),
        sa.Column("pdf_sha256", sa.String(64), nullable=True),
        sa.Column("event_key", sa.String(500), nullable=True),
        sa.Column("posted_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["legal_processes.id"],
            name=op.f("fk_invoices_request_id_legal_processes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("request_id", "account_id", "version", name="uq_invoices_posting"),
    )
    op.create_index("ix_invoices_account", "invoices", ["account_id", "issued_on"])
    op.create_index("ix_invoices_issued", "invoices", ["issued_on"])
    op.create_table(
        "invoice_lines",
        sa.Column("invoice_id", sa.String(40), nullable=False),
        sa.Column("line_no", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("item", sa.String(32), nullable=False),
        sa.Column("description", sa.String(300), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_amount", sa.Integer(), nullable=False),
        sa.Column("request_amount", sa.Integer(), nullable=False),
        sa.Column("share", sa.String(32), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_invoice_lines_invoice_id_invoices")
        ),
        sa.PrimaryKeyConstraint("invoice_id", "line_no", name=op.f("pk_invoice_lines")),
    )
    op.create_table(
        "credit_notes",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("invoice_id", sa.String(40), nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(2000), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("dispute_id", sa.String(40), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issued_by", sa.String(200), nullable=False),
        sa.Column("event_key", sa.String(500), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_credit_notes_invoice_id_invoices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_notes")),
    )
    op.create_index("ix_credit_notes_invoice", "credit_notes", ["invoice_id"])
    op.create_table(
        "disputes",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("invoice_id", sa.String(40), nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(2000), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("opened_by", sa.String(200), nullable=False),
        sa.Column("opened_at", TS, nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("decision_reason", sa.String(2000), nullable=True),
        sa.Column("credit_note_id", sa.String(40), nullable=True),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_disputes_invoice_id_invoices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
    )
    op.create_index("ix_disputes_status", "disputes", ["status"])


def downgrade() -> None:
    op.drop_index("ix_disputes_status", table_name="disputes")
    op.drop_table("disputes")
    op.drop_index("ix_credit_notes_invoice", table_name="credit_notes")
    op.drop_table("credit_notes")
    op.drop_table("invoice_lines")
    op.drop_index("ix_invoices_issued", table_name="invoices")
    op.drop_index("ix_invoices_account", table_name="invoices")
    op.drop_table("invoices")
    op.drop_index("ix_billing_charges_stage", table_name="billing_charges")
    op.drop_table("billing_charges")
