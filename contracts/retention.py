"""Retention and legal holds (docs/architecture.md §11): the classes of records kept for a
configured period, the holds that keep them longer, and what the scheduled purge is given
and reports. Only ids, counts and dates travel here: never subscriber data."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated

import msgspec
from msgspec import Meta

from contracts.determination import Reason
from contracts.submission import NO_NUL


class RetentionClass(enum.StrEnum):
    """What is kept, each for its own configured period (``WRIT_RETENTION_<CLASS>_DAYS``)."""

    CASE_RECORDS = "case_records"  # the register's request rows and targets
    DOCUMENTS = "documents"  # the signed legal process (PDF) in the documents bucket
    PRODUCTIONS = "productions"  # what was disclosed, in the object-locked productions bucket
    COLLECTIONS = "collections"  # collected working copies (Parquet) under collections/
    AUDIT_LOG = "audit_log"  # the hash-chained audit log, purged by sealed segments
    DISCLOSURE_LOG = "disclosure_log"  # the CPNI disclosure record, 47 CFR §64.2009(c)
    TOLL_RECORDS = "toll_records"  # toll records collected into productions, 47 CFR §42.6


class HoldScope(enum.StrEnum):
    REQUEST = "request"
    CUSTOMER_ACCOUNT = "customer_account"
    CASE_NUMBER = "case_number"


# -- HTTP bodies (/v1/legal-holds) -------------------------------------------------------------

HoldReason = Annotated[
    str,
    Meta(
        min_length=3,
        max_length=2000,
        pattern=NO_NUL,
        description="Why: the matter, the litigation or the order that requires the hold",
    ),
]


class LegalHoldIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Exactly one of ``request_id``, ``customer_account_id`` or ``case_number``."""

    request_id: (
        Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="A request, lp_...")]
        | None
    ) = None
    customer_account_id: (
        Annotated[
            str,
            Meta(
                min_length=1,
                max_length=128,
                pattern=NO_NUL,
                description="Every request naming this customer account as a target",
            ),
        ]
        | None
    ) = None
    case_number: (
        Annotated[
            str,
            Meta(
                min_length=1,
                max_length=128,
                pattern=NO_NUL,
                description="Every request of this agency case number (any agency)",
            ),
        ]
        | None
    ) = None
    reason: HoldReason


class LegalHoldLiftIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    reason: HoldReason


class LegalHoldView(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    scope: HoldScope
    value: str
    reason: str
    placed_by: str
    placed_at: dt.datetime
    active: bool
    lifted_by: str | None = None
    lifted_at: dt.datetime | None = None
    lift_reason: str | None = None


# -- the purge workflow -------------------------------------------------------------------------


class RetentionRun(msgspec.Struct, frozen=True, kw_only=True):
    """The schedule's argument. ``now`` is for operators re-running a missed day; the
    workflow's own clock is used when it is absent."""

    now: dt.datetime | None = None


class PlanRequest(msgspec.Struct, frozen=True, kw_only=True):
    now: dt.datetime


class RequestPurge(msgspec.Struct, frozen=True, kw_only=True):
    """What is due for one closed request, in the order it is purged."""

    request_id: str
    classes: list[RetentionClass]
    reasons: list[Reason] = []


class HeldRequest(msgspec.Struct, frozen=True, kw_only=True):
    request_id: str
    hold_ids: list[str]


class PurgePlan(msgspec.Struct, frozen=True, kw_only=True):
    now: dt.datetime
    requests: list[RequestPurge] = []
    held: list[HeldRequest] = []  # due but kept: under a legal hold
    deferred: int = 0  # due but beyond this run's limit: the next run takes them


class RequestPurgeBatch(msgspec.Struct, frozen=True, kw_only=True):
    now: dt.datetime
    purges: list[RequestPurge]


class RequestPurgeOutcome(msgspec.Struct, frozen=True, kw_only=True):
    request_id: str
    purged: list[RetentionClass] = []
    # Due, but an object version is still under S3 object lock: tried again next run.
    locked: list[RetentionClass] = []
    # Due, but kept because something it outlives is still there (a locked production).
    waiting: list[RetentionClass] = []
    objects_deleted: int = 0
    versions_locked: int = 0


class RequestPurgeResults(msgspec.Struct, frozen=True, kw_only=True):
    outcomes: list[RequestPurgeOutcome] = []


class AuditSealRequest(msgspec.Struct, frozen=True, kw_only=True):
    now: dt.datetime
    actor: str = "retention"


class AuditSealOutcome(msgspec.Struct, frozen=True, kw_only=True):
    events_sealed: int = 0
    first_seq: int | None = None
    through_seq: int | None = None


class RetentionReport(msgspec.Struct, frozen=True, kw_only=True):
    """What one run purged: counts and ids, recorded in the audit chain."""

    run_id: str
    now: dt.datetime
    purged: dict[str, list[str]] = {}  # retention class -> request ids
    locked: list[str] = []  # request ids with a production version still locked
    held: list[str] = []  # request ids due but under a legal hold
    deferred: int = 0  # due requests left for the next run (a run's plan is bounded)
    objects_deleted: int = 0
    versions_locked: int = 0
    audit_events_sealed: int = 0
