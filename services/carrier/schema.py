"""Column schemas of the lake's tables (Arrow types, written as Parquet).

Instants are ``timestamp[us, UTC]`` (Parquet ``isAdjustedToUTC``), so Trino, Spark and
DuckDB all read them as instants rather than wall-clock times of some unknown zone.
Partition values (``bucket=``, ``month=``) live in the path, not in the files.
"""

from __future__ import annotations

import pyarrow as pa

UTC_INSTANT = pa.timestamp("us", tz="UTC")

SUBSCRIBERS = pa.schema(
    [
        pa.field("account_id", pa.string(), nullable=False),
        pa.field("legal_entity", pa.string(), nullable=False),  # "us" parent or "eu" subsidiary
        pa.field("name", pa.string(), nullable=False),
        pa.field("address_line1", pa.string()),
        pa.field("city", pa.string()),
        pa.field("region", pa.string()),
        pa.field("postal_code", pa.string()),
        pa.field("country", pa.string()),  # ISO 3166-1 alpha-2
        pa.field("email", pa.string()),
        pa.field("payment_method", pa.string()),  # card | ach | sepa_debit | invoice
        pa.field("payment_reference", pa.string()),  # e.g. "visa ending 4242"
        pa.field("service_start", pa.date32()),
        pa.field("service_types", pa.string()),  # comma-separated: numbers,voice,messaging
        pa.field("is_reseller", pa.bool_(), nullable=False),
        # For reseller accounts: the customer an agency is redirected to, since the provider
        # holds only the reseller's account and not its end users'.
        pa.field("reseller_customer_name", pa.string()),
    ]
)

NUMBER_ASSIGNMENTS = pa.schema(
    [
        pa.field("number", pa.string(), nullable=False),  # E.164
        pa.field("account_id", pa.string(), nullable=False),
        pa.field("assigned_from", UTC_INSTANT, nullable=False),  # inclusive
        pa.field("assigned_to", UTC_INSTANT),  # exclusive; null while still assigned
        pa.field("assignment_type", pa.string()),  # new | port_in | reassignment
        pa.field("end_reason", pa.string()),  # port_out | disconnect; null while assigned
    ]
)

# One row per leg the provider switched: ``number`` is the provider's own number the record
# belongs to (the lookup key), whichever side of the call it was on.
CALL_RECORDS = pa.schema(
    [
        pa.field("number", pa.string(), nullable=False),
        pa.field("direction", pa.string(), nullable=False),  # outbound | inbound
        pa.field("calling_number", pa.string(), nullable=False),
        pa.field("called_number", pa.string(), nullable=False),
        pa.field("start_time", UTC_INSTANT, nullable=False),
        pa.field("duration_seconds", pa.int32(), nullable=False),
        pa.field("call_id", pa.string(), nullable=False),
        pa.field("trunk_id", pa.string()),
        pa.field("disposition", pa.string()),  # answered | no_answer | busy | failed
        pa.field("sip_response_code", pa.int16()),
        pa.field("cell_site", pa.string()),  # serving cell (MCC-MNC-LAC-CI) for mobile legs
    ]
)

MESSAGE_RECORDS = pa.schema(
    [
        pa.field("number", pa.string(), nullable=False),
        pa.field("direction", pa.string(), nullable=False),
        pa.field("from_number", pa.string(), nullable=False),
        pa.field("to_number", pa.string(), nullable=False),
        pa.field("sent_at", UTC_INSTANT, nullable=False),
        pa.field("message_id", pa.string(), nullable=False),
        pa.field("segments", pa.int16()),
        pa.field("media_count", pa.int16()),
        pa.field("delivery_status", pa.string()),
    ]
)

MESSAGE_CONTENT = pa.schema(
    [
        pa.field("number", pa.string(), nullable=False),  # layout key, as in message_records
        pa.field("sent_at", UTC_INSTANT, nullable=False),  # layout key, as in message_records
        pa.field("message_id", pa.string(), nullable=False),
        pa.field("body", pa.string()),
    ]
)

API_ACCESS_LOGS = pa.schema(
    [
        pa.field("account_id", pa.string(), nullable=False),
        pa.field("ip_address", pa.string(), nullable=False),
        pa.field("session_start", UTC_INSTANT, nullable=False),
        pa.field("duration_seconds", pa.int32()),
        pa.field("api_endpoint", pa.string()),
        pa.field("http_method", pa.string()),
        pa.field("user_agent", pa.string()),
        pa.field("status_code", pa.int16()),
    ]
)

SCHEMAS: dict[str, pa.Schema] = {
    "subscribers": SUBSCRIBERS,
    "number_assignments": NUMBER_ASSIGNMENTS,
    "call_records": CALL_RECORDS,
    "message_records": MESSAGE_RECORDS,
    "message_content": MESSAGE_CONTENT,
    "api_access_logs": API_ACCESS_LOGS,
}
