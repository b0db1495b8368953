"""The category → (table, columns) mapping draws the statute's lines (pure, no I/O)."""

from __future__ import annotations

import pytest

from contracts.enums import BASIC_SUBSCRIBER_INFO, DataCategory
from services.carrier.schema import SCHEMAS
from services.carrier.scoping import (
    ATTRIBUTION_COLUMNS,
    CATEGORY_SCOPE,
    output_columns,
    scopes_for,
    tables_for,
)

# Columns beyond §2703(c)(2): a subpoena must never produce any of them.
NOT_BSI = {
    ("call_records", "call_id"),
    ("call_records", "direction"),
    ("call_records", "trunk_id"),
    ("call_records", "disposition"),
    ("call_records", "sip_response_code"),
    ("call_records", "cell_site"),
    ("message_records", "message_id"),
    ("message_content", "body"),
    ("api_access_logs", "api_endpoint"),
    ("api_access_logs", "user_agent"),
    ("api_access_logs", "http_method"),
}


def cells(category: DataCategory) -> set[tuple[str, str]]:
    return {(scope.table, column) for scope in CATEGORY_SCOPE[category] for column in scope.columns}


def test_every_category_is_scoped_to_real_columns() -> None:
    assert set(CATEGORY_SCOPE) == set(DataCategory)
    for category, scopes in CATEGORY_SCOPE.items():
        for scope in scopes:
            missing = set(scope.columns) - set(SCHEMAS[scope.table].names)
            assert not missing, f"{category}: {scope.table} has no {missing}"


@pytest.mark.parametrize("category", sorted(BASIC_SUBSCRIBER_INFO))
def test_bsi_categories_stay_within_2703c2(category: DataCategory) -> None:
    assert not cells(category) & NOT_BSI
    assert not any(table in {"message_records", "message_content"} for table, _ in cells(category))


def test_toll_records_are_exactly_the_connection_fields() -> None:
    """§2703(c)(2)(C): calling and called number, start time, duration — nothing else."""
    (scope,) = CATEGORY_SCOPE[DataCategory.TOLL_RECORDS]
    assert scope.table == "call_records"
    assert set(scope.columns) == {
        "calling_number",
        "called_number",
        "start_time",
        "duration_seconds",
    }


def test_session_records_are_times_durations_and_ip() -> None:
    (scope,) = CATEGORY_SCOPE[DataCategory.SESSION_RECORDS]
    assert (scope.table, set(scope.columns)) == (
        "api_access_logs",
        {"session_start", "duration_seconds", "ip_address"},
    )


def test_location_and_content_only_where_the_law_puts_them() -> None:
    for category in DataCategory:
        if category is not DataCategory.LOCATION:
            assert ("call_records", "cell_site") not in cells(category), category
        if category is not DataCategory.CONTENT:
            assert ("message_content", "body") not in cells(category), category
            assert all(table != "message_content" for table, _ in cells(category)), category


def test_detail_records_are_non_content_beyond_bsi() -> None:
    detail = cells(DataCategory.DETAIL_RECORDS)
    assert ("call_records", "call_id") in detail
    assert ("message_records", "message_id") in detail
    assert ("api_access_logs", "api_endpoint") in detail
    assert ("call_records", "cell_site") not in detail


def test_output_columns_lead_with_attribution_once() -> None:
    for scopes in CATEGORY_SCOPE.values():
        for scope in scopes:
            columns = output_columns(scope)
            assert columns[: len(ATTRIBUTION_COLUMNS)] == ATTRIBUTION_COLUMNS
            assert len(columns) == len(set(columns))


def test_scopes_are_ordered_and_grouped_deterministically() -> None:
    forward = scopes_for([DataCategory.CONTENT, DataCategory.TOLL_RECORDS])
    backward = scopes_for([DataCategory.TOLL_RECORDS, DataCategory.CONTENT])
    assert forward == backward
    grouped = tables_for(
        [DataCategory.TOLL_RECORDS, DataCategory.DETAIL_RECORDS, DataCategory.LOCATION]
    )
    assert [c for c, _ in grouped["call_records"]] == [
        DataCategory.TOLL_RECORDS,
        DataCategory.DETAIL_RECORDS,
        DataCategory.LOCATION,
    ]
