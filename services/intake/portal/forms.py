"""The portal's submission form as the contract: form fields are named by the contract's
own paths (``issuer.kind``, ``targets[0].value``, ``date_range.start``), so the problem
document a bad field produces names the input it belongs to. Pure: no I/O."""

from __future__ import annotations

from typing import Any

from contracts.enums import DataCategory, IdentifierKind, IssuerKind, ProcessType

TARGET_ROWS = 5
PROCESS_TYPES = [t.value for t in ProcessType]
ISSUER_KINDS = [k.value for k in IssuerKind]
IDENTIFIER_KINDS = [k.value for k in IdentifierKind]
CATEGORIES = [c.value for c in DataCategory]


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _group(form: Any, prefix: str, names: tuple[str, ...]) -> dict[str, str] | None:
    """``{"name": …}`` of the non-empty ``prefix.name`` fields; None when all are empty."""
    values = {n: _text(form, f"{prefix}.{n}") for n in names}
    present = {n: v for n, v in values.items() if v}
    return present or None


def submission_from_form(form: Any) -> dict[str, Any]:
    """The submission document the form describes, empty optional fields left out (the
    contract then says what is missing)."""
    body: dict[str, Any] = {}
    for name in ("process_type", "issued_on", "case_number", "return_date", "notes"):
        if value := _text(form, name):
            body[name] = value
    body["issuer"] = _group(form, "issuer", ("kind", "name", "jurisdiction")) or {}
    body["officer"] = _group(form, "officer", ("name", "email", "badge", "phone")) or {}
    targets = []
    for row in range(TARGET_ROWS):
        value = _text(form, f"targets[{row}].value")
        if value:
            targets.append({"kind": _text(form, f"targets[{row}].kind"), "value": value})
    body["targets"] = targets
    getall = getattr(form, "getall", None)
    categories = getall("categories", []) if getall else form.get("categories") or []
    body["categories"] = [c for c in ([categories] if isinstance(categories, str) else categories)]
    if date_range := _group(form, "date_range", ("start", "end")):
        body["date_range"] = date_range
    if ndo := _group(form, "non_disclosure_order", ("authority", "ends_on")):
        body["non_disclosure_order"] = ndo
    if danger := _text(form, "emergency.nature_of_danger"):
        body["emergency"] = {
            "nature_of_danger": danger,
            "follow_up_process_expected": _text(form, "emergency.follow_up_process_expected")
            == "true",
        }
    return body


def form_values(form: Any) -> dict[str, Any]:
    """What the officer typed, to fill the form in again next to its errors."""
    values = {k: v for k, v in form.items() if isinstance(v, str)} if form is not None else {}
    getall = getattr(form, "getall", None)
    values["categories"] = list(getall("categories", [])) if getall else []
    return values
