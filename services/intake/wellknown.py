"""``GET /.well-known/jwks.json``: the public keys that sign productions (current first,
then the previous ones kept after a rotation), so an agency can check a package offline
with ``writ verify-production`` or standard tools (docs/agencies.md)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get

from services.delivery.signing import published_keys

JWK_SET = "application/jwk-set+json"  # RFC 7517 §8.5


@get(
    "/.well-known/jwks.json",
    tags=["agency"],
    summary="Production signing keys",
    description="A JWKS (RFC 7517) of the Ed25519 keys whose detached signature "
    "(`manifest.jws`) each production carries over its `manifest.json`. No token needed.",
    sync_to_thread=False,
    security=[],
    media_type=JWK_SET,
)
def jwks(request: Request) -> Response[dict[str, Any]]:
    return Response(
        published_keys(request.app.state.settings),
        media_type=JWK_SET,
        headers={"Cache-Control": "public, max-age=300"},
    )
