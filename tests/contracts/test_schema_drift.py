"""The JSON Schema in contracts/schema/ is what the Structs generate now: a contract change
without ``python -m contracts.export_schema`` fails here."""

from __future__ import annotations

import json
import pkgutil
from pathlib import Path

import msgspec

import contracts
from contracts import export_schema
from contracts.export_schema import SCHEMA_DIR, drift, expected_files, write
from contracts.submission import LegalProcessSubmission


def test_exported_schema_matches_the_structs():
    problems = drift()
    assert not problems, (
        "contracts/schema/ is stale (run: python -m contracts.export_schema):\n"
        + "\n".join(problems)
    )


def test_every_contracts_module_is_exported():
    modules = {m.name for m in pkgutil.iter_modules(contracts.__path__)} - {"export_schema"}
    assert set(export_schema.MODULES) == modules


def test_every_struct_and_enum_has_a_definition():
    for name in export_schema.MODULES:
        defs = json.loads((SCHEMA_DIR / f"{name}.json").read_text())["$defs"]
        for type_ in export_schema.contract_types(name):
            assert type_.__name__ in defs, f"{name}.json lacks {type_.__name__}"


def test_drift_is_detected(tmp_path: Path):
    """The check above can fail: a changed, missing or extra file is each reported."""
    write(tmp_path)
    assert drift(tmp_path) == []
    # The submission's Structs live in submission.json since the layout change.
    submission = tmp_path / "submission.json"
    schema = json.loads(submission.read_text())
    del schema["$defs"]["Target"]["properties"]["value"]
    submission.write_text(json.dumps(schema))
    (tmp_path / "collection.json").unlink()
    (tmp_path / "retired.json").write_text("{}")
    assert drift(tmp_path) == [
        "collection.json: missing",
        "retired.json: no contracts module generates it",
        "submission.json: differs from the Structs",
    ]


def test_request_bodies_forbid_unknown_fields_in_the_schema():
    """A typo in a submission must not silently drop a legal fact — and the schema says so."""
    defs = json.loads(expected_files()["submission.json"])["$defs"]
    assert defs["NonDisclosureOrder"]["additionalProperties"] is False
    assert defs["LegalProcessSubmission"]["additionalProperties"] is False
    assert {
        "process_type",
        "issuer",
        "issued_on",
        "officer",
        "case_number",
        "targets",
        "categories",
    } <= set(defs["LegalProcessSubmission"]["required"])


def test_the_exported_schema_is_valid_json_schema():
    import jsonschema_rs

    for content in expected_files().values():
        jsonschema_rs.meta.validate(json.loads(content))


def test_the_exported_schema_accepts_a_submission_the_api_accepts():
    import jsonschema_rs

    from tests.support import submission

    document = json.loads(expected_files()["submission.json"])
    validator = jsonschema_rs.Draft202012Validator(
        {"$ref": "#/$defs/LegalProcessSubmission", "$defs": document["$defs"]},
        validate_formats=True,
    )
    good = submission()
    assert validator.is_valid(good)
    msgspec.convert(good, LegalProcessSubmission, strict=False)
    assert not validator.is_valid({**good, "process_type": "summons"})
    assert not validator.is_valid(
        {**good, "non_disclosure_order": {"authority": "x", "ends_On": "2027-01-01"}}
    )
