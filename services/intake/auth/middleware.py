"""Bearer-token authentication: every route but health, metrics and the API docs needs one."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from services.intake.auth.tokens import InvalidToken, verify_token
from services.platform.settings import Settings

# The review UI authenticates with its own session cookie (services/intake/ui/session.py).
PUBLIC_PATHS = [
    "^/healthz$",
    "^/readyz$",
    "^/metrics$",
    "^/schema",
    "^/ui(/|$)",
    "^/portal(/|$)",  # the agency portal signs in with its own session cookie
    "^/\\.well-known/jwks\\.json$",
]


class BearerTokenMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthorizedException(
                "a bearer token is required (Authorization: Bearer <token>)",
                headers={"WWW-Authenticate": 'Bearer realm="writ"'},
            )
        settings: Settings = connection.app.state.settings
        try:
            principal = verify_token(settings, token.strip())
        except InvalidToken as exc:
            raise NotAuthorizedException(
                str(exc), headers={"WWW-Authenticate": 'Bearer realm="writ", error="invalid_token"'}
            ) from exc
        return AuthenticationResult(user=principal, auth=token)
