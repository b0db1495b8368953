"""``writ verify-production PACKAGE.zip``: prove offline that a production is complete,
unaltered and the provider's, naming what failed.

Checks, in order: the package holds ``manifest.json`` and its signature; the signature
verifies against the provider's published keys (a JWKS from a file, or fetched from the
provider's ``/.well-known/jwks.json``); every file the manifest lists is there with the
size and SHA-256 it states; nothing is there that the manifest does not list.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import msgspec

from services.delivery.keys import MANIFEST_NAME
from services.delivery.signing import (
    SIGNATURE_NAME,
    InvalidProductionSignature,
    verify_manifest,
)


class PackageVerification(msgspec.Struct, frozen=True, kw_only=True):
    request_id: str = ""
    key_id: str = ""
    files_checked: int = 0
    problems: list[str] = []

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_package(archive: bytes | Path, jwks: dict[str, Any]) -> PackageVerification:
    """``archive`` is the zip's bytes or its path (read member by member, never whole)."""
    try:
        package = zipfile.ZipFile(io.BytesIO(archive) if isinstance(archive, bytes) else archive)
    except (zipfile.BadZipFile, OSError) as exc:
        return PackageVerification(problems=[f"not a readable zip archive: {exc}"])
    with package:
        return _verify(package, jwks)


def _member_digest(package: zipfile.ZipFile, name: str) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with package.open(name) as member:
        while chunk := member.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _verify(package: zipfile.ZipFile, jwks: dict[str, Any]) -> PackageVerification:
    names = set(package.namelist())
    problems: list[str] = []
    for required in (MANIFEST_NAME, SIGNATURE_NAME):
        if required not in names:
            problems.append(f"{required} is missing")
    if problems:
        return PackageVerification(problems=problems)

    manifest_bytes = package.read(MANIFEST_NAME)
    key_id = ""
    try:
        key_id = verify_manifest(manifest_bytes, package.read(SIGNATURE_NAME).decode(), jwks)
    except (InvalidProductionSignature, UnicodeDecodeError) as exc:
        problems.append(f"signature: {exc}")
    try:
        manifest = json.loads(manifest_bytes)
        listed = {entry["name"]: entry for entry in manifest["files"]}
    except (ValueError, KeyError, TypeError):
        return PackageVerification(
            key_id=key_id, problems=[*problems, "manifest.json is malformed"]
        )

    for name, entry in sorted(listed.items()):
        if name not in names:
            problems.append(f"{name}: listed in the manifest but missing")
            continue
        size, sha256 = _member_digest(package, name)
        if size != entry.get("bytes"):
            problems.append(f"{name}: {size} bytes, the manifest says {entry.get('bytes')}")
        elif sha256 != entry.get("sha256"):
            problems.append(f"{name}: content differs from the manifest's SHA-256")
    for extra in sorted(names - set(listed) - {MANIFEST_NAME, SIGNATURE_NAME}):
        problems.append(f"{extra}: not listed in the manifest")
    return PackageVerification(
        request_id=str(manifest.get("request_id", "")),
        key_id=key_id,
        files_checked=len(listed),
        problems=problems,
    )


def load_jwks(source: str, *, timeout: float = 20.0) -> dict[str, Any]:
    """A JWKS from a file path, or from an https (or local http) URL."""
    if source.startswith(("https://", "http://")):
        import httpx

        response = httpx.get(source, timeout=timeout, follow_redirects=False)
        response.raise_for_status()
        return response.json()
    return json.loads(Path(source).read_text())


def add_verify_command(subparsers: Any) -> None:
    """``writ verify-production PACKAGE.zip [--jwks FILE|URL]``."""
    parser = subparsers.add_parser(
        "verify-production",
        help="check offline that a production package is complete, unaltered and signed",
    )
    parser.add_argument("package", type=Path, help="the production.zip an agency downloaded")
    parser.add_argument(
        "--jwks",
        help="the provider's public keys: a JWKS file, or a URL "
        "(default: WRIT_PUBLIC_BASE_URL/.well-known/jwks.json)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(func=_cmd_verify_production)


def _cmd_verify_production(args: Any) -> int:
    import sys

    from services.platform.settings import get_settings

    source = args.jwks or f"{get_settings().api_base_url}/.well-known/jwks.json"
    try:
        jwks = load_jwks(source)
    except Exception as exc:  # a file, a URL or a body that is no JWKS: one clear line
        print(f"cannot read the provider's keys from {source}: {exc}", file=sys.stderr)
        return 2
    result = verify_package(args.package, jwks)
    if args.json:
        print(msgspec.json.encode(result).decode())
    elif result.intact:
        print(
            f"{args.package}: intact — {result.files_checked} files match the manifest, "
            f"signed by key {result.key_id} (request {result.request_id})"
        )
    else:
        print(f"{args.package}: NOT intact", file=sys.stderr)
        for problem in result.problems:
            print(f"  - {problem}", file=sys.stderr)
    return 0 if result.intact else 1
