"""Which columns of which lake tables each approved data category may produce.

``CATEGORY_SCOPE`` is the single source of truth: collection selects exactly these columns
(plus the attribution columns) and nothing else, so a subpoena's call records carry only the
connection fields (docs/architecture.md §3, §6). Pure: no I/O.

Statutory lines drawn here:
- subscriber_info (§2703(c)(2)(A),(B),(D),(E),(F)): name, address, length and types of
  service, the subscriber's numbers and identities, means and source of payment.
- toll_records (§2703(c)(2)(C)): calling and called number, start time, duration — no more.
- session_records (§2703(c)(2)(C),(E)): session times and durations, and the IP address.
- detail_records (§2703(c)(1)): all other non-content records — the rest of the call detail
  (ids, direction, trunk, disposition), message detail records, API access detail. A
  detail file repeats the connection fields so each record stands on its own.
- content (§2703(a),(b)): message bodies.
- location (Carpenter v. United States, 2018): the serving cell of each call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from contracts.enums import DataCategory


class TableScope(NamedTuple):
    table: str
    columns: tuple[str, ...]


# Every produced file starts with these: which target the row answers for, and the account
# that held the number (or was the target) when the record was made.
ATTRIBUTION_COLUMNS: tuple[str, ...] = ("target", "account_id")

_TOLL_COLUMNS = ("calling_number", "called_number", "start_time", "duration_seconds")
_SESSION_COLUMNS = ("session_start", "duration_seconds", "ip_address")

CATEGORY_SCOPE: Mapping[DataCategory, tuple[TableScope, ...]] = {
    DataCategory.SUBSCRIBER_INFO: (
        TableScope(
            "subscribers",
            (
                "account_id",
                "name",
                "address_line1",
                "city",
                "region",
                "postal_code",
                "country",
                "email",
                "service_start",
                "service_types",
                "payment_method",
                "payment_reference",
            ),
        ),
        # The subscriber's telephone numbers, and when each was theirs.
        TableScope("number_assignments", ("account_id", "number", "assigned_from", "assigned_to")),
    ),
    DataCategory.TOLL_RECORDS: (TableScope("call_records", _TOLL_COLUMNS),),
    DataCategory.SESSION_RECORDS: (TableScope("api_access_logs", _SESSION_COLUMNS),),
    DataCategory.DETAIL_RECORDS: (
        TableScope(
            "call_records",
            (
                "call_id",
                "direction",
                *_TOLL_COLUMNS,
                "trunk_id",
                "disposition",
                "sip_response_code",
            ),
        ),
        TableScope(
            "message_records",
            (
                "message_id",
                "direction",
                "from_number",
                "to_number",
                "sent_at",
                "segments",
                "media_count",
                "delivery_status",
            ),
        ),
        TableScope(
            "api_access_logs",
            (*_SESSION_COLUMNS, "api_endpoint", "http_method", "user_agent", "status_code"),
        ),
    ),
    DataCategory.CONTENT: (TableScope("message_content", ("message_id", "body")),),
    DataCategory.LOCATION: (TableScope("call_records", ("start_time", "cell_site")),),
}


def output_columns(scope: TableScope) -> tuple[str, ...]:
    """The columns of a produced file, in order: attribution first, then the scoped columns."""
    return ATTRIBUTION_COLUMNS + tuple(c for c in scope.columns if c not in ATTRIBUTION_COLUMNS)


def scopes_for(categories: Iterable[DataCategory]) -> list[tuple[DataCategory, TableScope]]:
    """(category, table scope) pairs for the approved categories, in a stable order."""
    approved = set(categories)
    return [
        (category, scope)
        for category in DataCategory  # declaration order, so output keys are deterministic
        if category in approved
        for scope in CATEGORY_SCOPE[category]
    ]


def tables_for(
    categories: Iterable[DataCategory],
) -> dict[str, list[tuple[DataCategory, TableScope]]]:
    """The approved scopes grouped by table, so each table is read once per target."""
    grouped: dict[str, list[tuple[DataCategory, TableScope]]] = {}
    for category, scope in scopes_for(categories):
        grouped.setdefault(scope.table, []).append((category, scope))
    return grouped
