"""JSON Schema of the contracts, for consumers that do not read Python.

``python -m contracts.export_schema`` writes ``contracts/schema/<module>.json`` — one
self-contained JSON Schema (2020-12) document per contracts module, every Struct and enum
of that module under ``$defs`` (with whatever they reference from other modules).
``--check`` writes nothing and exits 1 when a file differs from what the Structs generate
now; ``tests/contracts/test_schema_drift.py`` runs the same comparison.
"""

from __future__ import annotations

import argparse
import enum
import importlib
import json
import sys
from pathlib import Path
from typing import Any

import msgspec

SCHEMA_DIR = Path(__file__).parent / "schema"
# Every contracts module with Structs or enums; a new module must be added here.
MODULES = [
    "agencies",
    "api",
    "billing",
    "collection",
    "determination",
    "enums",
    "legal_process",
    "number_lookup",
    "policy_simulation",
    "reporting",
    "retention",
    "submission",
    "workflow",
]
DIALECT = "https://json-schema.org/draft/2020-12/schema"
REF_TEMPLATE = "#/$defs/{name}"


def contract_types(module_name: str) -> list[type]:
    """The Structs and enums defined in ``contracts.<module_name>``, in source order."""
    module = importlib.import_module(f"contracts.{module_name}")
    found = []
    for value in vars(module).values():
        if not isinstance(value, type) or value.__module__ != module.__name__:
            continue
        if issubclass(value, msgspec.Struct) or (
            issubclass(value, enum.Enum) and value is not enum.Enum
        ):
            found.append(value)
    return found


def module_schema(module_name: str) -> dict[str, Any]:
    types = contract_types(module_name)
    _, components = msgspec.json.schema_components(types, ref_template=REF_TEMPLATE)
    return {
        "$schema": DIALECT,
        "$id": f"https://writ.example/contracts/{module_name}.json",
        "title": f"contracts.{module_name}",
        "description": (importlib.import_module(f"contracts.{module_name}").__doc__ or "").strip(),
        "$defs": components,
    }


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def expected_files() -> dict[str, str]:
    """File name -> content, as the Structs generate them now."""
    return {f"{name}.json": render(module_schema(name)) for name in MODULES}


def drift(directory: Path = SCHEMA_DIR) -> list[str]:
    """What differs between ``directory`` and the Structs: missing, stale or extra files."""
    expected = expected_files()
    present = {p.name for p in directory.glob("*.json")} if directory.is_dir() else set()
    problems = [f"{name}: missing" for name in sorted(expected.keys() - present)]
    problems += [
        f"{name}: no contracts module generates it" for name in sorted(present - expected.keys())
    ]
    problems += [
        f"{name}: differs from the Structs"
        for name in sorted(expected.keys() & present)
        if (directory / name).read_text(encoding="utf-8") != expected[name]
    ]
    return problems


def write(directory: Path = SCHEMA_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in expected_files().items():
        path = directory / name
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            path.write_text(content, encoding="utf-8")
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 on drift")
    args = parser.parse_args(argv)
    if args.check:
        problems = drift()
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("run: python -m contracts.export_schema", file=sys.stderr)
        return 1 if problems else 0
    for path in write():
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
