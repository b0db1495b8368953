"""Production tokens: RS256/ES256 verified against the identity provider's JWKS (served
here by a real local HTTP server); HS256 refused outside local mode."""

from __future__ import annotations

import http.server
import json
import threading
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from contracts.enums import Role
from services.intake.auth.tokens import InvalidToken, verify_token
from services.platform.settings import Settings, load_settings

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def jwks_url():
    keys = []
    for kid, key, alg in (("rsa-1", RSA_KEY, "RS256"), ("ec-1", EC_KEY, "ES256")):
        jwk = json.loads(jwt.algorithms.get_default_algorithms()[alg].to_jwk(key.public_key()))
        keys.append({**jwk, "kid": kid, "alg": alg, "use": "sig"})
    document = json.dumps({"keys": keys}).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    server.shutdown()


def production(jwks_url: str) -> Settings:
    return Settings(
        mode="production", jwks_url=jwks_url, jwt_issuer="https://idp.example", jwt_audience="writ"
    )


def claims(**extra) -> dict:
    now = int(time.time())
    return {
        "iss": "https://idp.example",
        "aud": "writ",
        "sub": "alice",
        "exp": now + 300,
        "iat": now,
        **extra,
    }


@pytest.mark.parametrize(
    ("kid", "key", "alg"), [("rsa-1", RSA_KEY, "RS256"), ("ec-1", EC_KEY, "ES256")]
)
def test_asymmetric_tokens_verify_against_the_jwks(jwks_url, kid, key, alg):
    token = jwt.encode(claims(roles=["reviewer"]), key, algorithm=alg, headers={"kid": kid})
    principal = verify_token(production(jwks_url), token)
    assert principal.subject == "alice" and principal.roles == frozenset({Role.REVIEWER})


def test_token_signed_by_another_key_is_refused(jwks_url):
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(
        claims(roles=["admin"]), stranger, algorithm="RS256", headers={"kid": "rsa-1"}
    )
    with pytest.raises(InvalidToken):
        verify_token(production(jwks_url), token)


def test_hs256_is_refused_in_production(jwks_url):
    token = jwt.encode(claims(roles=["admin"]), Settings().jwt_hs256_secret, algorithm="HS256")
    with pytest.raises(InvalidToken, match="local mode"):
        verify_token(production(jwks_url), token)


def test_agency_token_must_name_its_agency_and_carry_no_staff_role(jwks_url):
    settings = production(jwks_url)
    unscoped = jwt.encode(
        claims(roles=["agency"]), RSA_KEY, algorithm="RS256", headers={"kid": "rsa-1"}
    )
    with pytest.raises(InvalidToken, match="agency_id"):
        verify_token(settings, unscoped)
    mixed = jwt.encode(
        claims(roles=["agency", "reviewer"], agency_id="pd"),
        RSA_KEY,
        algorithm="RS256",
        headers={"kid": "rsa-1"},
    )
    with pytest.raises(InvalidToken, match="staff roles"):
        verify_token(settings, mixed)


def test_production_mode_requires_a_jwks_url():
    with pytest.raises(ValueError, match="WRIT_JWKS_URL"):
        load_settings({"WRIT_MODE": "production"})


# -- subjects: one person, one spelling (the four-eyes rule compares them) ----------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("alice", "alice"), ("Alice", "alice"), ("  ALICE ", "alice"), ("ａｌｉｃｅ", "alice")],
)
def test_subjects_are_normalised(raw, expected) -> None:
    from services.intake.auth.tokens import normalise_subject

    assert normalise_subject(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", 42, "a\u0000b", "x" * 201])
def test_empty_or_odd_subjects_are_refused(raw) -> None:
    from services.intake.auth.tokens import InvalidToken, normalise_subject

    with pytest.raises(InvalidToken, match="subject"):
        normalise_subject(raw)


def test_token_errors_say_what_is_wrong() -> None:
    from services.intake.auth.tokens import InvalidToken, mint_local_token, verify_token
    from services.platform.settings import Settings

    settings = Settings()
    with pytest.raises(InvalidToken, match="not a JWT"):
        verify_token(settings, "Not enough segments")
    forged = mint_local_token(
        Settings(jwt_hs256_secret="someone-else-entirely-with-their-own-key"),
        subject="alice",
        roles=["reviewer"],
    )
    with pytest.raises(InvalidToken, match="signature does not verify"):
        verify_token(settings, forged)
    token = mint_local_token(settings, subject=" Alice ", roles=["reviewer"])
    assert verify_token(settings, token).subject == "alice"
