"""A legal process as an agency submits it (docs/architecture.md §3, §4).

These Structs are HTTP request bodies, so they forbid unknown fields; what travels in
workflow history is ``contracts.workflow``, which does not.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from msgspec import Meta

from contracts.enums import DataCategory, IdentifierKind, IssuerKind, ProcessType

# No text field may carry NUL (U+0000): it means nothing on a legal document, and PostgreSQL
# cannot store it in text. Refusing it here names the field; storing it would fail later.
NO_NUL = r"^[^\x00]*$"
# Identifiers the API issues (document ids) and keys clients choose.
TOKEN = r"^[A-Za-z0-9_.:-]+$"

Jurisdiction = Annotated[
    str,
    Meta(
        pattern=r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$",
        description="ISO 3166-2 subdivision (US-NC) or ISO 3166-1 alpha-2 country (GB)",
        examples=["US-NC"],
    ),
]
# One plain address: an RFC 5322 dot-atom local part and a domain of DNS labels. No
# display names, comments, quoted local parts, lists (``,`` ``;``) or line breaks (``$``
# alone lets a trailing newline through): the mail layer sends to exactly what is stored,
# so what it would refuse is refused here, at intake, naming the field.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_PATTERN = rf"^(?!.*\n){_ATEXT}+(?:\.{_ATEXT}+)*@{_LABEL}(?:\.{_LABEL})+$"
Email = Annotated[
    str,
    Meta(
        pattern=EMAIL_PATTERN,
        max_length=254,
        description="One plain email address (no display name, no list)",
        examples=["j.doe@raleighpd.gov"],
    ),
]
ShortText = Annotated[str, Meta(min_length=1, max_length=200, pattern=NO_NUL)]
LongText = Annotated[str, Meta(min_length=1, max_length=4000, pattern=NO_NUL)]
Note = Annotated[str, Meta(max_length=4000, pattern=NO_NUL)]


class Issuer(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    kind: Annotated[IssuerKind, Meta(description="Who issued the process")]
    name: Annotated[
        ShortText, Meta(description="Court or authority", examples=["Wake County Superior Court"])
    ]
    jurisdiction: Jurisdiction


class Officer(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The officer who serves the process; the email's domain must be one the agency registered."""

    name: ShortText
    email: Email
    badge: Annotated[str, Meta(max_length=64, pattern=NO_NUL)] | None = None
    phone: Annotated[str, Meta(max_length=32, pattern=NO_NUL)] | None = None


class Target(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One identifier the process names: a telephone number, account id, IP address or email."""

    kind: IdentifierKind
    value: Annotated[
        str,
        Meta(
            min_length=1,
            max_length=320,
            pattern=NO_NUL,
            description="As written on the process; normalised (E.164, lower-case email, "
            "canonical IP) on intake",
            examples=["(919) 555-0100"],
        ),
    ]


class DateRange(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The period of records asked for; it ends on or after its start."""

    start: Annotated[dt.date, Meta(description="First day of records asked for (inclusive)")]
    end: Annotated[dt.date, Meta(description="Last day of records asked for (inclusive)")]


class NonDisclosureOrder(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An order under 18 U.S.C. §2705(b) barring notice to the customer."""

    authority: Annotated[ShortText, Meta(description="Court that issued the order")]
    ends_on: Annotated[
        dt.date | None, Meta(description="Last day in force; null means indefinite")
    ] = None


class EmergencyDetails(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Facts supporting a good-faith belief of danger of death or serious physical injury."""

    nature_of_danger: LongText
    follow_up_process_expected: bool = True


class Reimbursement(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Whether the agency asks to be invoiced for reasonable costs under 18 U.S.C. §2706."""

    requested: bool = False
    billing_contact_email: Email | None = None


class LegalProcessSubmission(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A legal process as the agency submits it, with the signed document alongside (a
    multipart ``document`` part) or uploaded before (``document_id``)."""

    process_type: ProcessType
    issuer: Issuer
    issued_on: Annotated[
        dt.date, Meta(description="Date the process was signed; not in the future")
    ]
    officer: Officer
    case_number: Annotated[
        str,
        Meta(
            min_length=1,
            max_length=128,
            pattern=NO_NUL,
            description="The agency's case number: a request of the same case naming a target "
            "already "
            "asked for is linked to the earlier one, not processed twice",
            examples=["2026-CR-004211"],
        ),
    ]
    targets: Annotated[
        list[Target],
        Meta(min_length=1, max_length=1000, description="The identifiers the process names"),
    ]
    categories: Annotated[
        list[DataCategory], Meta(min_length=1, description="Data categories the process asks for")
    ]
    date_range: DateRange | None = None
    return_date: Annotated[
        dt.date | None, Meta(description="When the process asks for production")
    ] = None
    non_disclosure_order: NonDisclosureOrder | None = None
    emergency: EmergencyDetails | None = None
    reimbursement: Reimbursement | None = None
    document_id: (
        Annotated[
            str,
            Meta(
                max_length=64,
                pattern=TOKEN,
                description="A document uploaded earlier (JSON submissions); multipart "
                "carries the PDF itself",
            ),
        ]
        | None
    ) = None
    notes: Note | None = None
    # Issue 11: the emergency request this process follows up. Validated at intake: the
    # request exists, is the same agency's and is an emergency request. Without it, a
    # process of the same agency and case number as an emergency request is linked anyway.
    follows_emergency: (
        Annotated[
            str,
            Meta(
                pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$",
                description="Request id of the emergency request this legal process follows up",
                examples=["lp_0123456789abcdef01234567"],
            ),
        ]
        | None
    ) = None
