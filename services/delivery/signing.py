"""Signed productions: a detached JWS over ``manifest.json`` with the provider's key.

The manifest names the SHA-256 of every file in the package, so a valid signature over it
proves the whole package is complete, unaltered and the provider's. The signature is a
JWS with an unencoded, detached payload (RFC 7515 appendix F, RFC 7797 ``b64: false``):
the signing input is ``BASE64URL(header) || "." || manifest bytes``, which standard tools
can check without any JOSE library (``docs/agencies.md`` has the recipe).

EdDSA over Ed25519 (RFC 8037) because its signatures are deterministic: the same manifest
signed again gives the same bytes, so a retried packaging step re-creates an identical
object in the object-locked bucket instead of superseding it. The key id is the key's
RFC 7638 thumbprint, so it is stable wherever the key is loaded. Previous public keys
stay published (``/.well-known/jwks.json``) after a rotation, so old productions verify.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.api_jws import PyJWS
from jwt.exceptions import InvalidTokenError

from services.platform.settings import Settings

ALGORITHM = "EdDSA"
# Beside manifest.json, in the package and in the productions bucket.
SIGNATURE_NAME = "manifest.jws"
SIGNATURE_TYPE = "writ-manifest+jws"
_JWS = PyJWS(options={"verify_signature": True})


class SigningKeyError(ValueError):
    """The configured signing key (or the published keys) cannot be used."""


class InvalidProductionSignature(Exception):
    """The signature does not verify against any published key."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_jwk(public_key: Ed25519PublicKey) -> dict[str, str]:
    from cryptography.hazmat.primitives import serialization

    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw)}
    return {**jwk, "kid": thumbprint(jwk), "alg": ALGORITHM, "use": "sig"}


def thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace."""
    required = {name: jwk[name] for name in ("crv", "kty", "x")}
    canonical = json.dumps(required, sort_keys=True, separators=(",", ":")).encode()
    return _b64url(hashlib.sha256(canonical).digest())


class ProductionSigner:
    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.jwk = public_jwk(private_key.public_key())
        self.kid = self.jwk["kid"]

    @classmethod
    def from_seed(cls, seed_b64: str) -> ProductionSigner:
        try:
            seed = base64.b64decode(seed_b64, validate=True)
        except ValueError as exc:
            raise SigningKeyError("WRIT_PRODUCTION_SIGNING_KEY is not base64") from exc
        if len(seed) != 32:
            raise SigningKeyError("WRIT_PRODUCTION_SIGNING_KEY must be a 32-byte Ed25519 key")
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    def sign(self, manifest: bytes, typ: str = SIGNATURE_TYPE) -> str:
        """The detached compact JWS: ``header..signature`` (the payload is the manifest;
        ``typ`` names what is signed, e.g. an audit checkpoint)."""
        return _JWS.encode(
            manifest,
            self._key,
            algorithm=ALGORITHM,
            headers={"kid": self.kid, "typ": typ},
            is_payload_detached=True,
        )


def load_signer(settings: Settings) -> ProductionSigner:
    if not settings.production_signing_key:
        raise SigningKeyError("WRIT_PRODUCTION_SIGNING_KEY is not set: productions must be signed")
    return ProductionSigner.from_seed(settings.production_signing_key)


def new_signing_key() -> str:
    """A fresh key, as WRIT_PRODUCTION_SIGNING_KEY takes it (base64 of the 32-byte seed)."""
    from cryptography.hazmat.primitives import serialization

    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return base64.b64encode(raw).decode("ascii")


def published_keys(settings: Settings) -> dict[str, Any]:
    """The JWKS served at ``/.well-known/jwks.json``: the current key first, then every
    previous key from ``WRIT_PRODUCTION_PREVIOUS_KEYS_FILE`` (a JWKS of public keys)."""
    keys = [load_signer(settings).jwk]
    if settings.production_previous_keys_file:
        try:
            previous = json.loads(Path(settings.production_previous_keys_file).read_text())
        except (OSError, ValueError) as exc:
            raise SigningKeyError(
                f"WRIT_PRODUCTION_PREVIOUS_KEYS_FILE cannot be read as a JWKS: {exc}"
            ) from exc
        for key in previous.get("keys", []):
            if key.get("kty") != "OKP" or key.get("crv") != "Ed25519" or "d" in key:
                raise SigningKeyError("previous keys must be Ed25519 public keys (no 'd')")
            if key.get("kid", thumbprint(key)) not in {k["kid"] for k in keys}:
                keys.append({**key, "kid": key.get("kid", thumbprint(key))})
    return {"keys": keys}


def signature_key_id(signature: str) -> str:
    """The ``kid`` a compact JWS names in its header ("" when it names none)."""
    try:
        return str(json.loads(_b64url_decode(signature.split(".", 1)[0])).get("kid", ""))
    except (ValueError, AttributeError):
        return ""


def verify_manifest(manifest: bytes, signature: str, jwks: dict[str, Any]) -> str:
    """The key id that signed ``manifest``; ``InvalidProductionSignature`` otherwise."""
    try:
        header = json.loads(_b64url_decode(signature.split(".", 1)[0]))
    except (ValueError, IndexError) as exc:
        raise InvalidProductionSignature("the signature is not a compact JWS") from exc
    if header.get("alg") != ALGORITHM:
        raise InvalidProductionSignature(f"unexpected algorithm {header.get('alg')!r}")
    candidates = _keys_for(header.get("kid"), jwks.get("keys", []))
    if not candidates:
        raise InvalidProductionSignature(
            f"key {header.get('kid')!r} is not among the provider's published keys"
        )
    for jwk in candidates:
        public_key = Ed25519PublicKey.from_public_bytes(_b64url_decode(jwk["x"]))
        try:
            _JWS.decode_complete(
                signature, public_key, algorithms=[ALGORITHM], detached_payload=manifest
            )
        except InvalidTokenError:
            continue
        return jwk.get("kid") or thumbprint(jwk)
    raise InvalidProductionSignature("the manifest does not match its signature")


def _keys_for(kid: str | None, keys: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    usable = [k for k in keys if k.get("kty") == "OKP" and k.get("crv") == "Ed25519"]
    return [k for k in usable if (k.get("kid") or thumbprint(k)) == kid]
