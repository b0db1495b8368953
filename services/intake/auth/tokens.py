"""Bearer tokens (PyJWT). Production verifies RS256/ES256 against the identity provider's
JWKS; local mode also accepts HS256 tokens minted by ``writ token``. ``iss``, ``aud`` and
``exp`` are always required and checked."""

from __future__ import annotations

import functools
import time
import unicodedata
import uuid

import jwt
import msgspec

from contracts.enums import Role
from services.platform.settings import Settings

ASYMMETRIC = ["RS256", "ES256"]


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    subject: str
    roles: frozenset[Role]
    agency_id: str | None = None
    account_id: str | None = None  # billing hook: the customer role's account

    def has(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))

    @property
    def is_agency(self) -> bool:
        return Role.AGENCY in self.roles


class InvalidToken(Exception):
    pass


def normalise_subject(raw: object) -> str:
    """The person a token speaks for, in one canonical spelling.

    Four-eyes rules compare subjects, so ``Alice`` and ``alice`` (or a full-width ``ａｌｉｃｅ``)
    must be one person and an empty subject no one: NFKC, trimmed, case-folded. The identity
    provider must guarantee that ``sub`` is stable per person and that two people never share
    a subject up to case (docs/operations.md, "Identity provider").
    """
    if not isinstance(raw, str):
        raise InvalidToken("the token's subject (sub) must be a string")
    subject = unicodedata.normalize("NFKC", raw).strip().casefold()
    if not subject:
        raise InvalidToken("the token's subject (sub) is empty")
    if len(subject) > 200 or any(unicodedata.category(c).startswith("C") for c in subject):
        raise InvalidToken("the token's subject (sub) is not a plain identifier")
    return subject


@functools.cache
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=300)


def verify_token(settings: Settings, token: str) -> Principal:
    try:
        header = jwt.get_unverified_header(token)
        algorithm = header.get("alg", "")
        if algorithm == "HS256":
            if settings.mode != "local":
                raise InvalidToken("HS256 tokens are accepted only in local mode")
            key: object = settings.jwt_hs256_secret
            algorithms = ["HS256"]
        elif algorithm in ASYMMETRIC and settings.jwks_url:
            key = _jwks_client(settings.jwks_url).get_signing_key_from_jwt(token).key
            algorithms = ASYMMETRIC
        else:
            raise InvalidToken(f"token algorithm {algorithm!r} is not accepted")
        claims = jwt.decode(
            token,
            key=key,
            algorithms=algorithms,
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "iss", "aud", "sub"]},
            leeway=30,
        )
    except InvalidToken:
        raise
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("token expired") from exc
    except jwt.DecodeError as exc:
        if isinstance(exc, jwt.InvalidSignatureError):  # a subclass: the token parsed
            raise InvalidToken("token rejected: its signature does not verify") from exc
        raise InvalidToken(
            "not a JWT: a bearer token is three base64url parts joined by dots"
        ) from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken(f"token rejected: {exc}") from exc

    raw_roles = claims.get("roles", [])
    if isinstance(raw_roles, str):
        raw_roles = [raw_roles]
    try:
        roles = frozenset(Role(r) for r in raw_roles)
    except ValueError as exc:
        raise InvalidToken(f"unknown role in token: {exc}") from exc
    if not roles:
        raise InvalidToken("token carries no role")
    agency_id = claims.get("agency_id")
    if Role.AGENCY in roles and not agency_id:
        raise InvalidToken("an agency token must name its agency (agency_id claim)")
    if Role.AGENCY in roles and len(roles) > 1:
        raise InvalidToken("an agency token cannot carry staff roles")
    # Billing hook (docs/billing.md): a customer token names its account and nothing else.
    account_id = claims.get("account_id")
    if Role.CUSTOMER in roles and not (isinstance(account_id, str) and account_id.strip()):
        raise InvalidToken("a customer token must name its account (account_id claim)")
    if Role.CUSTOMER in roles and len(roles) > 1:
        raise InvalidToken("a customer token cannot carry other roles")
    return Principal(
        subject=normalise_subject(claims["sub"]),
        roles=roles,
        agency_id=agency_id,
        account_id=account_id if Role.CUSTOMER in roles else None,
    )


def mint_local_token(
    settings: Settings,
    *,
    subject: str,
    roles: list[str],
    agency_id: str | None = None,
    ttl_seconds: int = 3600,
    account_id: str | None = None,
) -> str:
    """An HS256 token for the local stack and tests; production tokens come from the IdP."""
    if settings.mode != "local":
        raise InvalidToken("local tokens can only be minted in local mode")
    now = int(time.time())
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": subject,
        "roles": list(roles),
        "iat": now,
        "exp": now + ttl_seconds,
        "jti": str(uuid.uuid4()),
    }
    if agency_id:
        claims["agency_id"] = agency_id
    if account_id:
        claims["account_id"] = account_id  # billing hook: customer tokens
    return jwt.encode(claims, settings.jwt_hs256_secret, algorithm="HS256")
