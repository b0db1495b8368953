"""report tallies without the order's end day; "still barred" counted apart

The day an order ends multiplied the tally rows tenfold (bench/README.md); the tallies now
keep every dimension but that day, and ``report_barred`` the requests under an order whose
customers have not been told, by half-year received and the order's end day. Both are
derived from ``report_facts`` and recounted here.

Revision ID: 0010_report_barred
Revises: 0008_review_assignment
Create Date: 2026-12-01 12:40:00
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0010_report_barred"
# Re-chained by the coordinator when several branches add a migration.
down_revision = "0008_review_assignment"
branch_labels = None
depends_on = None

_KEYS = (
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
)
_SUMS = ("requests", "identifiers", "extensions", "extended")


def _tallies(with_end_day: bool) -> None:
    keys = [*_KEYS, "ndo_open_until"] if with_end_day else list(_KEYS)
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
        *(
            [sa.Column("ndo_open_until", sa.String(length=10), nullable=False)]
            if with_end_day
            else []
        ),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("identifiers", sa.Integer(), nullable=False),
        sa.Column("extensions", sa.Integer(), nullable=False),
        sa.Column("extended", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(*keys, name=op.f("pk_report_tallies")),
    )


def upgrade() -> None:
    op.drop_table("report_tallies")
    _tallies(with_end_day=False)
    op.create_table(
        "report_barred",
        sa.Column("received_half", sa.String(length=7), nullable=False),
        sa.Column("ndo_open_until", sa.String(length=10), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("received_half", "ndo_open_until", name=op.f("pk_report_barred")),
    )
    # Recounted from the facts by the same code the hooks run.
    from services.register.transparency import rebuild_tallies

    rebuild_tallies(op.get_bind())


def _half(moment: dt.datetime | None) -> str:
    return f"{moment.year}-H{1 if moment.month <= 6 else 2}" if moment else ""


def downgrade() -> None:
    op.drop_table("report_barred")
    op.drop_table("report_tallies")
    _tallies(with_end_day=True)
    # The earlier tallies, recounted from the facts (their key had the order's end day).
    facts = sa.table(
        "report_facts",
        *(
            sa.column(name)
            for name in (
                "received_at",
                "process_type",
                "issuer_kind",
                "country",
                "emergency",
                "national_security",
                "ndo",
                "outcome",
                "resolved_at",
                "ndo_ends_on",
                "notice_sent_at",
                "identifiers",
                "extensions",
            )
        ),
    )
    tallies: dict[tuple, list[int]] = {}
    bind = op.get_bind()
    for f in bind.execute(sa.select(facts)):
        received_at = _as_datetime(f.received_at)
        notice_sent = f.notice_sent_at is not None
        barring = bool(f.ndo) and not notice_sent and f.ndo_ends_on is not None
        key = (
            _half(received_at),
            f.process_type,
            f.issuer_kind,
            f.country,
            bool(f.emergency),
            f.national_security,
            bool(f.ndo),
            f.outcome or "",
            _half(_as_datetime(f.resolved_at)) if f.outcome and f.resolved_at else "",
            notice_sent,
            _as_date(f.ndo_ends_on).isoformat() if barring else "",
        )
        sums = tallies.setdefault(key, [0, 0, 0, 0])
        for i, value in enumerate((1, f.identifiers, f.extensions, 1 if f.extensions else 0)):
            sums[i] += value
    if tallies:
        table = sa.table(
            "report_tallies", *(sa.column(n) for n in (*_KEYS, "ndo_open_until", *_SUMS))
        )
        bind.execute(
            table.insert(),
            [
                dict(zip((*_KEYS, "ndo_open_until", *_SUMS), (*key, *sums), strict=True))
                for key, sums in tallies.items()
            ],
        )


def _as_datetime(value):
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def _as_date(value):
    return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value
