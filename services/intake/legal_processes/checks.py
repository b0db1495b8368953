"""What a submission must be before anything is stored: a complete PDF within the size
limit, targets that normalise, dates that make sense. Each failure is a problem document
naming the field."""

from __future__ import annotations

import datetime as dt
import hashlib

import msgspec

from contracts.enums import ProcessType
from contracts.legal_process import Identifier
from contracts.submission import LegalProcessSubmission
from services.decisions.identifiers import InvalidIdentifier, normalise_identifier
from services.intake.problems import Problem, invalid_field

PDF_MAGIC = b"%PDF-"


def check_pdf(document: bytes, max_bytes: int, field: str = "document") -> None:
    if not document:
        raise invalid_field(field, "the signed document is empty")
    if len(document) > max_bytes:
        raise Problem(
            413,
            "too-large",
            "Document too large",
            f"the document is {len(document)} bytes; the limit is {max_bytes}",
            field=field,
        )
    if not document.startswith(PDF_MAGIC) or b"%%EOF" not in document[-2048:]:
        raise Problem(
            415,
            "unsupported-media-type",
            "Not a PDF",
            "the signed document must be a complete PDF file",
            field=field,
        )


def normalise_targets(submission: LegalProcessSubmission) -> list[Identifier]:
    seen: dict[tuple[str, str], Identifier] = {}
    for index, target in enumerate(submission.targets):
        try:
            ident = normalise_identifier(target.kind, target.value)
        except InvalidIdentifier as exc:
            raise invalid_field(f"targets[{index}].value", str(exc)) from exc
        seen.setdefault((ident.kind.value, ident.value), ident)
    return list(seen.values())


# The window every date at the contract must fall in. Nothing the provider holds predates
# 1970, and no process reaches more than ten years past its issue: a return date, a
# non-disclosure order's end, or the end of a (prospective) range beyond that is a typo,
# and one like 9999-12-31 would otherwise reach the deadline and attribution arithmetic.
EARLIEST_DATE = dt.date(1970, 1, 1)
HORIZON_YEARS = 10


def _horizon(issued_on: dt.date) -> dt.date:
    try:
        return issued_on.replace(year=issued_on.year + HORIZON_YEARS)
    except ValueError:  # 29 February
        return issued_on.replace(year=issued_on.year + HORIZON_YEARS, day=28)


def _within(field: str, value: dt.date, latest: dt.date, what: str) -> None:
    if value < EARLIEST_DATE:
        raise invalid_field(field, f"the date {value} is before {EARLIEST_DATE}")
    if value > latest:
        raise invalid_field(field, f"the date {value} is more than {what}")


def check_dates(submission: LegalProcessSubmission, today: dt.date) -> None:
    if submission.issued_on > today:
        raise invalid_field("issued_on", "the process cannot be issued in the future")
    if submission.issued_on < EARLIEST_DATE:
        raise invalid_field("issued_on", f"the process cannot be issued before {EARLIEST_DATE}")
    horizon = _horizon(submission.issued_on)
    after_issue = f"{HORIZON_YEARS} years after the issue date ({horizon})"
    if submission.date_range is not None:
        _within("date_range.start", submission.date_range.start, horizon, after_issue)
        _within("date_range.end", submission.date_range.end, horizon, after_issue)
    if submission.return_date is not None:
        _within("return_date", submission.return_date, horizon, after_issue)
    ndo = submission.non_disclosure_order
    if ndo is not None and ndo.ends_on is not None:
        _within("non_disclosure_order.ends_on", ndo.ends_on, horizon, after_issue)
    if (
        submission.date_range is not None
        and submission.date_range.end < submission.date_range.start
    ):
        raise invalid_field("date_range.end", "the range ends before it starts")
    if submission.return_date is not None and submission.return_date < submission.issued_on:
        raise invalid_field("return_date", "the return date is before the issue date")
    ndo = submission.non_disclosure_order
    if ndo is not None and ndo.ends_on is not None and ndo.ends_on < submission.issued_on:
        raise invalid_field(
            "non_disclosure_order.ends_on", "the order ends before the process was issued"
        )
    if submission.process_type is ProcessType.EMERGENCY_REQUEST and submission.emergency is None:
        raise invalid_field("emergency", "an emergency request must describe the danger")
    if len(set(submission.categories)) != len(submission.categories):
        raise invalid_field("categories", "a category is listed twice")


def submission_digest(submission: LegalProcessSubmission, document_sha256: str) -> str:
    return hashlib.sha256(msgspec.json.encode(submission) + document_sha256.encode()).hexdigest()
