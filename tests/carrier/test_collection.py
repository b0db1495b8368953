"""Scoped collection against the generated lake in the real SeaweedFS, read back from S3."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest

from contracts.determination import LegalEntity
from contracts.enums import BASIC_SUBSCRIBER_INFO, NON_CONTENT, DataCategory, IdentifierKind
from contracts.legal_process import Identifier, Period
from services.carrier.collector import collect
from services.carrier.connection import connect
from services.carrier.layout import bucket_of, month_in_key
from services.carrier.progress import CollectionProgress
from services.carrier.reader import LakeReader
from services.carrier.scoping import CATEGORY_SCOPE, output_columns
from tests.carrier import planted
from tests.carrier.conftest import TEST_LAYOUT, make_request, number, read_back

pytestmark = pytest.mark.usefixtures("lake")

BSI = sorted(BASIC_SUBSCRIBER_INFO)
DETAIL_ONLY_COLUMNS = {
    "call_id",
    "direction",
    "trunk_id",
    "disposition",
    "sip_response_code",
    "message_id",
    "api_endpoint",
    "http_method",
    "user_agent",
    "status_code",
}


def _by(result, category: DataCategory, table: str):
    (found,) = [f for f in result.files if f.category == category and f.table == table]
    return found


def test_bsi_categories_yield_exactly_the_bsi_columns(lake_settings, s3) -> None:
    request = make_request([number(planted.REASSIGNED)], BSI, "2025-02-01", "2025-05-31")
    result = collect(request, lake_settings)

    produced = {(f.category, f.table) for f in result.files}
    expected = {(c, scope.table) for c in BSI for scope in CATEGORY_SCOPE[c]}
    assert produced == expected
    for collected in result.files:
        (scope,) = [s for s in CATEGORY_SCOPE[collected.category] if s.table == collected.table]
        table = read_back(s3, lake_settings, collected)
        assert table.column_names == list(output_columns(scope)) == collected.columns
        assert not set(table.column_names) & (DETAIL_ONLY_COLUMNS | {"cell_site", "body"})
    toll = read_back(s3, lake_settings, _by(result, DataCategory.TOLL_RECORDS, "call_records"))
    assert set(toll.column_names) == {
        "target",
        "account_id",
        "calling_number",
        "called_number",
        "start_time",
        "duration_seconds",
    }
    assert toll.num_rows > 0 and set(toll.column("target").to_pylist()) == {planted.REASSIGNED}


def test_detail_records_add_detail_columns_but_no_content_or_location(lake_settings, s3) -> None:
    request = make_request([number(planted.REASSIGNED)], sorted(NON_CONTENT))
    result = collect(request, lake_settings)

    assert {f.table for f in result.files if f.category == DataCategory.DETAIL_RECORDS} == {
        "call_records",
        "message_records",
        "api_access_logs",
    }
    assert not any(f.table == "message_content" for f in result.files)
    calls = read_back(s3, lake_settings, _by(result, DataCategory.DETAIL_RECORDS, "call_records"))
    assert {"call_id", "direction", "trunk_id"} <= set(calls.column_names)
    assert "cell_site" not in calls.column_names
    for collected in result.files:
        assert "body" not in read_back(s3, lake_settings, collected).column_names
    messages = read_back(
        s3, lake_settings, _by(result, DataCategory.DETAIL_RECORDS, "message_records")
    )
    assert {"PLANTED-MSG-A1", "PLANTED-MSG-B1"} <= set(messages.column("message_id").to_pylist())


def test_content_and_location_add_bodies_and_cell_sites(lake_settings, s3) -> None:
    request = make_request([number(planted.REASSIGNED)], list(DataCategory))
    result = collect(request, lake_settings)

    content = read_back(s3, lake_settings, _by(result, DataCategory.CONTENT, "message_content"))
    assert content.column_names == ["target", "account_id", "message_id", "body"]
    bodies = dict(
        zip(
            content.column("message_id").to_pylist(),
            content.column("body").to_pylist(),
            strict=True,
        )
    )
    assert bodies == {"PLANTED-MSG-A1": planted.ALICE_BODY, "PLANTED-MSG-B1": planted.BOB_BODY}
    location = read_back(s3, lake_settings, _by(result, DataCategory.LOCATION, "call_records"))
    assert location.column_names == ["target", "account_id", "start_time", "cell_site"]


def test_records_are_attributed_to_whoever_held_the_number_at_the_time(lake_settings, s3) -> None:
    request = make_request([number(planted.REASSIGNED)], [DataCategory.DETAIL_RECORDS])
    result = collect(request, lake_settings)

    (outcome,) = result.targets
    assert outcome.accounts == sorted([planted.ALICE, planted.BOB])
    calls = read_back(
        s3, lake_settings, _by(result, DataCategory.DETAIL_RECORDS, "call_records")
    ).to_pylist()
    holder = {row["call_id"]: row["account_id"] for row in calls}
    assert holder == {
        **dict.fromkeys(planted.ALICE_CALLS, planted.ALICE),
        **dict.fromkeys(planted.BOB_CALLS, planted.BOB),
    }
    for row in calls:
        expected = planted.ALICE if row["start_time"] < planted.DISCONNECTED else planted.BOB
        assert row["account_id"] == expected
        assert not planted.DISCONNECTED <= row["start_time"] < planted.REASSIGNED_ON
    sessions = read_back(
        s3, lake_settings, _by(result, DataCategory.DETAIL_RECORDS, "api_access_logs")
    ).to_pylist()
    by_ip = {row["ip_address"]: row["account_id"] for row in sessions}
    assert by_ip == {
        "198.51.100.7": planted.ALICE,
        "203.0.113.9": planted.BOB,
    }  # not Alice's May session


def test_synthetic_reassignments_attribute_every_record_to_its_holder(lake_settings, s3) -> None:
    con = connect(lake_settings)
    try:
        table = f"read_parquet('s3://{lake_settings.lake_bucket}/number_assignments/*/*.parquet')"
        history = con.execute(
            "SELECT number, account_id, epoch_us(assigned_from) AS since, "
            f"epoch_us(assigned_to) AS until FROM {table} "
            f"WHERE number IN (SELECT number FROM {table} WHERE assignment_type = 'reassignment' "
            "AND number NOT LIKE '%555010%' ORDER BY number LIMIT 3)"
        ).fetchall()
    finally:
        con.close()
    numbers = sorted({row[0] for row in history})
    assert numbers, "the synthetic lake should contain reassigned numbers"
    result = collect(
        make_request([number(n) for n in numbers], [DataCategory.TOLL_RECORDS]), lake_settings
    )
    for collected in result.files:
        for row in read_back(s3, lake_settings, collected).to_pylist():
            at_us = int(row["start_time"].timestamp() * 1_000_000)
            holders = [
                acct
                for n, acct, since, until in history
                if n == row["target"] and since <= at_us and (until is None or at_us < until)
            ]
            assert holders == [row["account_id"]]


def test_numbers_not_ours_in_the_period_have_no_data_with_a_reason(lake_settings) -> None:
    request = make_request(
        [number(planted.PORTED_OUT), number(planted.NEVER_OURS), number(planted.REASSIGNED)],
        [DataCategory.TOLL_RECORDS],
        "2025-03-01",
        "2025-03-31",
    )
    result = collect(request, lake_settings)

    ported, never, gap = result.targets
    assert (ported.rows, ported.accounts) == (0, [])
    assert ported.no_data_reason == "not the provider's during the period: ported out on 2025-02-01"
    assert never.rows == 0 and "no assignment on record" in never.no_data_reason
    # March: the reassigned number sat in quarantine after Alice's disconnection.
    assert gap.rows == 0 and "disconnected on 2025-03-01" in gap.no_data_reason
    assert result.files == []


def test_a_number_once_ours_yields_records_only_from_while_it_was(lake_settings, s3) -> None:
    result = collect(
        make_request([number(planted.PORTED_OUT)], [DataCategory.TOLL_RECORDS]), lake_settings
    )
    (outcome,) = result.targets
    assert outcome.rows == 1 and outcome.accounts == [planted.ALICE]
    (row,) = read_back(s3, lake_settings, result.files[0]).to_pylist()
    assert row["start_time"] < planted.PORTED_OUT_ON


def test_eu_subsidiary_records_stay_out_of_us_collections(lake_settings) -> None:
    us = collect(
        make_request([number(planted.EU_NUMBER)], [DataCategory.TOLL_RECORDS]), lake_settings
    )
    assert us.files == [] and "'eu' legal entity" in us.targets[0].no_data_reason
    eu = collect(
        make_request(
            [number(planted.EU_NUMBER)], [DataCategory.TOLL_RECORDS], legal_entity=LegalEntity.EU
        ),
        lake_settings,
    )
    assert eu.targets[0].rows == 1 and eu.targets[0].accounts == [planted.EVE]


def test_account_and_email_targets_resolve_to_the_account(lake_settings, s3) -> None:
    targets = [
        Identifier(kind=IdentifierKind.ACCOUNT_ID, value=planted.BOB),
        Identifier(kind=IdentifierKind.EMAIL, value=planted.ALICE_EMAIL.upper().lower()),
    ]
    result = collect(make_request(targets, [DataCategory.SUBSCRIBER_INFO]), lake_settings)
    bob, alice = result.targets
    assert bob.accounts == [planted.BOB] and alice.accounts == [planted.ALICE]
    names = [
        read_back(s3, lake_settings, f).column("name").to_pylist()
        for f in result.files
        if f.table == "subscribers"
    ]
    assert names == [["Bob Planted"], ["Alice Planted"]]


def test_ip_targets_are_reported_as_not_searched(lake_settings) -> None:
    ip = Identifier(kind=IdentifierKind.IP_ADDRESS, value="198.51.100.7")
    (outcome,) = collect(make_request([ip], [DataCategory.SESSION_RECORDS]), lake_settings).targets
    assert outcome.rows == 0 and outcome.no_data_reason.startswith("not searched")


def test_lookup_reads_only_the_targets_bucket_and_the_periods_months(lake_settings) -> None:
    with LakeReader(lake_settings) as lake:
        files = lake.files(
            "call_records", keys=[planted.REASSIGNED], months=["2025-02", "2025-03", "2025-04"]
        )
        everything = lake.files("call_records", keys=None, months=None)
    bucket = bucket_of(planted.REASSIGNED, TEST_LAYOUT.bucket_count)
    assert files and len(files) < len(everything)
    assert all(f"/bucket={bucket:03d}/" in f for f in files)
    assert {month_in_key(f) for f in files} <= {"2025-02", "2025-03", "2025-04"}


def test_a_retry_rewrites_the_same_keys_with_the_same_bytes(lake_settings) -> None:
    request = make_request([number(planted.REASSIGNED)], list(DataCategory))
    first, second = collect(request, lake_settings), collect(request, lake_settings)
    assert first == second
    assert all(f.key.startswith(f"collections/{request.request_id}/") for f in first.files)
    assert planted.REASSIGNED not in " ".join(f.key for f in first.files)


class Crash(Exception):
    pass


def test_resume_skips_work_finished_before_a_crash(lake_settings, s3) -> None:
    request = make_request(
        [number(planted.PORTED_OUT), number(planted.REASSIGNED)], list(DataCategory)
    )
    clean = collect(request, lake_settings)
    beats: list[object] = []

    def crash_after_three(details: object) -> None:
        beats.append(details)
        if len(beats) == 3:
            raise Crash

    with pytest.raises(Crash):
        collect(request, lake_settings, heartbeat=crash_after_three)
    last = beats[-1]
    assert isinstance(last, CollectionProgress) and last.units
    done_keys = [f.key for unit in last.units for f in unit.files]
    # Delete what the first attempt wrote: a resumed attempt that redid the work would
    # write these keys again; one that skips finished work leaves them missing.
    for key in done_keys:
        s3.delete_object(Bucket=lake_settings.documents_bucket, Key=key)

    resumed_beats: list[object] = []
    # Through Temporal the details come back as plain JSON, not as our Struct.
    resumed = collect(
        request,
        lake_settings,
        heartbeat=resumed_beats.append,
        resume=msgspec.json.decode(msgspec.json.encode(last)),
    )

    assert resumed == clean
    listed = s3.list_objects_v2(
        Bucket=lake_settings.documents_bucket, Prefix=f"collections/{request.request_id}/"
    )
    present = {o["Key"] for o in listed.get("Contents", [])}
    assert not present & set(done_keys)
    assert present == {f.key for f in clean.files} - set(done_keys)
    assert resumed_beats[0].units[: len(last.units)] == last.units


def test_progress_from_another_request_is_ignored(lake_settings) -> None:
    request = make_request([number(planted.REASSIGNED)], [DataCategory.TOLL_RECORDS])
    beats: list[CollectionProgress] = []
    collect(request, lake_settings, heartbeat=beats.append)
    narrowed = msgspec.structs.replace(request, categories=[DataCategory.SUBSCRIBER_INFO])
    result = collect(narrowed, lake_settings, resume=beats[-1])
    assert {f.category for f in result.files} == {DataCategory.SUBSCRIBER_INFO}


def test_target_facts_tell_the_determination_who_held_what(lake_settings) -> None:
    from services.carrier.facts import target_facts

    march = Period(start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 31))
    facts = target_facts(
        [
            number(planted.REASSIGNED),
            number(planted.PORTED_OUT),
            number(planted.EU_NUMBER),
            number(planted.NEVER_OURS),
            Identifier(kind=IdentifierKind.IP_ADDRESS, value="198.51.100.7"),
        ],
        march,
        lake_settings,
    )
    assert facts.targets[planted.REASSIGNED].held_in_period is False  # quarantined in March
    assert facts.targets[planted.PORTED_OUT].held_in_period is False
    assert facts.targets[planted.NEVER_OURS].held_in_period is False
    eu = facts.targets[planted.EU_NUMBER]
    assert eu.held_in_period and eu.entity is LegalEntity.EU and not eu.resold
    assert "198.51.100.7" not in facts.targets
    whole = target_facts([number(planted.REASSIGNED)], None, lake_settings)
    assert whole.targets[planted.REASSIGNED].held_in_period


def _whole(lake: LakeReader, table: str) -> str:
    return lake.source(table, lake.files(table, keys=None, months=None))


def test_target_facts_name_the_reseller_to_redirect_to(lake_settings) -> None:
    from services.carrier.facts import target_facts

    with LakeReader(lake_settings) as lake:
        (reseller,) = lake.query(
            "SELECT s.account_id, s.reseller_customer_name, a.number "
            f"FROM {_whole(lake, 'subscribers')} s JOIN {_whole(lake, 'number_assignments')} a "
            "USING (account_id) WHERE s.is_reseller AND a.assigned_to IS NULL "
            "ORDER BY a.number LIMIT 1"
        ).to_pylist()
    fact = target_facts([number(reseller["number"])], None, lake_settings).targets[
        reseller["number"]
    ]
    assert fact.resold and fact.reseller_customer == reseller["reseller_customer_name"]


def test_delete_collection_removes_only_that_requests_files(lake_settings, s3) -> None:
    from services.carrier.collector import delete_collection

    kept = collect(
        make_request([number(planted.REASSIGNED)], [DataCategory.TOLL_RECORDS]), lake_settings
    )
    dropped = collect(
        make_request([number(planted.REASSIGNED)], [DataCategory.TOLL_RECORDS]), lake_settings
    )
    assert delete_collection(dropped.request_id, lake_settings) == len(dropped.files)
    assert delete_collection(dropped.request_id, lake_settings) == 0
    for f in kept.files:
        read_back(s3, lake_settings, f)
    with pytest.raises(ValueError):
        delete_collection("../everything", lake_settings)


@pytest.mark.parametrize(
    "period",
    [
        pytest.param(Period(start=dt.date(2025, 1, 1), end=dt.date.max), id="ends-9999-12-31"),
        pytest.param(Period(start=dt.date.min, end=dt.date.max), id="all-of-time"),
    ],
)
def test_target_facts_are_total_over_far_future_periods(lake_settings, period: Period) -> None:
    """Issue 13 defect 2: a range ending 9999-12-31 made ``assess`` raise OverflowError for
    ever (the day after the period's end does not exist)."""
    from services.carrier.facts import target_facts

    facts = target_facts(
        [
            number(planted.EU_NUMBER),
            Identifier(kind=IdentifierKind.ACCOUNT_ID, value=planted.ALICE),
        ],
        period,
        lake_settings,
    )
    assert facts.targets[planted.EU_NUMBER].held_in_period
    assert facts.targets[planted.ALICE].held_in_period
