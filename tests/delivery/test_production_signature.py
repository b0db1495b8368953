"""Signed productions: the detached JWS over the manifest, the published keys with
rotation, and the offline package check that names what failed."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile

import msgspec
import pytest

from services.delivery.signing import (
    InvalidProductionSignature,
    ProductionSigner,
    SigningKeyError,
    new_signing_key,
    published_keys,
    thumbprint,
    verify_manifest,
)
from services.delivery.verification import verify_package
from services.platform.settings import Settings

# RFC 8037 appendix A.2 and A.3: an Ed25519 key and its RFC 7638 thumbprint.
RFC8037_SEED = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC8037_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"

MANIFEST = json.dumps({"request_id": "lp_1", "files": []}).encode()


def _seed_b64(b64url: str) -> str:
    return base64.b64encode(base64.urlsafe_b64decode(b64url + "=")).decode()


def test_key_id_is_the_rfc7638_thumbprint() -> None:
    signer = ProductionSigner.from_seed(_seed_b64(RFC8037_SEED))
    assert signer.jwk["x"] == RFC8037_X
    assert signer.kid == RFC8037_THUMBPRINT == thumbprint(signer.jwk)


def test_signature_verifies_and_is_deterministic() -> None:
    signer = ProductionSigner.from_seed(new_signing_key())
    signature = signer.sign(MANIFEST)
    assert signature == signer.sign(MANIFEST), "a retry must re-create identical bytes"
    header_b64, payload, _ = signature.split(".")
    assert payload == "", "the manifest is detached, not embedded"
    header = json.loads(base64.urlsafe_b64decode(header_b64 + "=="))
    assert header["alg"] == "EdDSA" and header["kid"] == signer.kid and header["b64"] is False
    assert verify_manifest(MANIFEST, signature, {"keys": [signer.jwk]}) == signer.kid


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda m, s: (m + b" ", s), id="manifest-changed"),
        pytest.param(
            lambda m, s: (m, s[:-4] + ("AAAA" if s[-4:] != "AAAA" else "BBBB")),
            id="signature-changed",
        ),
        pytest.param(lambda m, s: (m, "not a jws"), id="not-a-jws"),
    ],
)
def test_a_tampered_package_fails(tamper) -> None:
    signer = ProductionSigner.from_seed(new_signing_key())
    manifest, signature = tamper(MANIFEST, signer.sign(MANIFEST))
    with pytest.raises(InvalidProductionSignature):
        verify_manifest(manifest, signature, {"keys": [signer.jwk]})


def test_a_key_that_is_not_published_fails() -> None:
    signer, other = (ProductionSigner.from_seed(new_signing_key()) for _ in range(2))
    with pytest.raises(InvalidProductionSignature, match="not among the provider's"):
        verify_manifest(MANIFEST, signer.sign(MANIFEST), {"keys": [other.jwk]})


def test_rotation_keeps_old_productions_verifiable(tmp_path) -> None:
    old, new = new_signing_key(), new_signing_key()
    old_signature = ProductionSigner.from_seed(old).sign(MANIFEST)
    previous = tmp_path / "previous.json"
    previous.write_text(json.dumps({"keys": [ProductionSigner.from_seed(old).jwk]}))
    settings = Settings(production_signing_key=new, production_previous_keys_file=str(previous))
    jwks = published_keys(settings)
    assert [k["kid"] for k in jwks["keys"]] == [
        ProductionSigner.from_seed(new).kid,
        ProductionSigner.from_seed(old).kid,
    ]
    assert all("d" not in k for k in jwks["keys"]), "never the private half"
    assert verify_manifest(MANIFEST, old_signature, jwks) == ProductionSigner.from_seed(old).kid


def test_bad_keys_are_refused_with_the_setting_named(tmp_path) -> None:
    with pytest.raises(SigningKeyError, match="WRIT_PRODUCTION_SIGNING_KEY"):
        published_keys(Settings())
    with pytest.raises(SigningKeyError, match="32-byte"):
        ProductionSigner.from_seed(base64.b64encode(b"short").decode())
    private = tmp_path / "private.json"
    signer = ProductionSigner.from_seed(new_signing_key())
    private.write_text(json.dumps({"keys": [{**signer.jwk, "d": "secret"}]}))
    with pytest.raises(SigningKeyError, match="public keys"):
        published_keys(
            Settings(
                production_signing_key=new_signing_key(), production_previous_keys_file=str(private)
            )
        )


# -- the offline package check ---------------------------------------------------------


def _package(files: dict[str, bytes], signer: ProductionSigner, **changes) -> bytes:
    manifest = json.dumps(
        {
            "request_id": "lp_1",
            "files": [
                {"name": n, "sha256": hashlib.sha256(d).hexdigest(), "bytes": len(d)}
                for n, d in files.items()
            ],
        }
    ).encode()
    contents = {**files, "manifest.json": manifest, "manifest.jws": signer.sign(manifest).encode()}
    contents.update(changes.get("replace", {}))
    for name in changes.get("drop", ()):
        contents.pop(name)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
    return buffer.getvalue()


FILES = {"subscriber_info.csv": b"name\nA\n", "records.json": b"{}", "certificate.pdf": b"%PDF"}


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({}, None),
        (
            {"replace": {"subscriber_info.csv": b"name\nB\n"}},
            "subscriber_info.csv: content differs",
        ),
        ({"replace": {"records.json": b"{ }"}}, "records.json: 3 bytes, the manifest says 2"),
        ({"drop": ["certificate.pdf"]}, "certificate.pdf: listed in the manifest but missing"),
        ({"replace": {"extra.csv": b"x"}}, "extra.csv: not listed in the manifest"),
        ({"drop": ["manifest.jws"]}, "manifest.jws is missing"),
        ({"replace": {"manifest.json": b'{"request_id": "lp_2", "files": []}'}}, "signature:"),
    ],
    ids=["intact", "edited", "resized", "missing", "extra", "unsigned", "manifest-swapped"],
)
def test_verify_package_names_what_failed(changes, problem) -> None:
    signer = ProductionSigner.from_seed(new_signing_key())
    result = verify_package(_package(FILES, signer, **changes), {"keys": [signer.jwk]})
    if problem is None:
        assert result.intact and result.key_id == signer.kid and result.files_checked == 3
    else:
        assert not result.intact
        assert any(p.startswith(problem) for p in result.problems), result.problems
    assert msgspec.json.encode(result)  # the CLI prints it as JSON


def test_verify_production_command(tmp_path, capsys) -> None:
    from services.cli import main

    signer = ProductionSigner.from_seed(new_signing_key())
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [signer.jwk]}))
    good, bad = tmp_path / "good.zip", tmp_path / "bad.zip"
    good.write_bytes(_package(FILES, signer))
    bad.write_bytes(_package(FILES, signer, replace={"records.json": b"[]"}))
    assert main(["verify-production", str(good), "--jwks", str(jwks)]) == 0
    assert "intact — 3 files match the manifest" in capsys.readouterr().out
    assert main(["verify-production", str(bad), "--jwks", str(jwks)]) == 1
    assert "records.json: content differs" in capsys.readouterr().err
    assert main(["verify-production", str(good), "--jwks", str(tmp_path / "none.json")]) == 2


async def test_the_api_publishes_the_signing_keys_without_a_token(api, base_settings) -> None:
    response = await api.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/jwk-set+json")
    keys = response.json()["keys"]
    assert keys == published_keys(base_settings)["keys"]
    assert keys[0]["kid"] == ProductionSigner.from_seed(base_settings.production_signing_key).kid
    assert all("d" not in key for key in keys)
