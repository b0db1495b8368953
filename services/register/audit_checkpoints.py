"""Audit checkpoints: the chain head anchored outside the database (issue 13 defect 5).

The hash chain alone proves only that the rows agree with each other: whoever can write
the register can delete its last rows, or edit one and recompute every later hash, and
the chain still verifies. So, periodically (``writ worker``, every
``WRIT_AUDIT_CHECKPOINT_EVERY_MINUTES``) and at every delivery, the chain head — its
``seq`` and ``hash`` — is signed with the provider's Ed25519 key (the productions key,
``services/delivery/signing.py``; a detached JWS of type ``writ-audit-checkpoint+jws``)
and written to the object-locked productions bucket under ``audit-checkpoints/``, where
nobody can overwrite or delete it before its retention ends. ``writ audit verify`` then
checks the rows against every checkpoint: a checkpoint whose ``seq`` has no row is a
truncated tail; one whose hash differs from the row's is a re-hashed segment.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from typing import Any

import msgspec
import sqlalchemy as sa
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.delivery.signing import (
    InvalidProductionSignature,
    load_signer,
    published_keys,
    verify_manifest,
)
from services.platform.settings import Settings
from services.register.audit import AuditChainBroken
from services.register.tables import audit_events, audit_seals

PREFIX = "audit-checkpoints/"
CHECKPOINT_TYPE = "writ-audit-checkpoint+jws"


class Checkpoint(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    hash: str
    at: dt.datetime  # when the chain head was read and signed
    issuer: str  # the provider, as on the certificates
    reason: str  # "periodic" or "delivery:<request id>"


class CheckpointProblem(AuditChainBroken):
    """The rows disagree with a signed checkpoint (or a checkpoint is not the provider's)."""


def checkpoint_key(seq: int) -> str:
    # Zero-padded, so the listing's order is the chain's.
    return f"{PREFIX}{seq:020d}.json"


def _payload(checkpoint: Checkpoint) -> bytes:
    return msgspec.json.encode(checkpoint, order="sorted")


async def chain_head(engine: AsyncEngine) -> tuple[int, str] | None:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                sa.select(audit_events.c.seq, audit_events.c.hash)
                .order_by(audit_events.c.seq.desc())
                .limit(1)
            )
        ).first()
    return (row.seq, row.hash) if row is not None else None


def _exists(s3: BaseClient, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


def put_checkpoint(
    s3: BaseClient, settings: Settings, seq: int, hash_: str, reason: str
) -> Checkpoint | None:
    """Sign ``seq``/``hash_`` and write it under object lock; None when that seq is already
    anchored (a retried delivery, or nothing appended since the last one)."""
    bucket, key = settings.productions_bucket, checkpoint_key(seq)
    if _exists(s3, bucket, key):
        return None
    checkpoint = Checkpoint(
        seq=seq,
        hash=hash_,
        at=dt.datetime.now(dt.UTC),
        issuer=settings.provider_name,
        reason=reason,
    )
    payload = _payload(checkpoint)
    body = json.dumps(
        {
            "checkpoint": msgspec.to_builtins(checkpoint),
            "payload": payload.decode(),
            "signature": load_signer(settings).sign(payload, typ=CHECKPOINT_TYPE),
        },
        indent=2,
    ).encode()
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=body,
        ContentType="application/json",
        ChecksumAlgorithm="SHA256",
        ChecksumSHA256=base64.b64encode(hashlib.sha256(body).digest()).decode("ascii"),
    )
    return checkpoint


async def write_checkpoint(
    engine: AsyncEngine, s3: BaseClient, settings: Settings, reason: str
) -> Checkpoint | None:
    """Anchor the current chain head (nothing when the chain is empty)."""
    import asyncio

    head = await chain_head(engine)
    if head is None:
        return None
    return await asyncio.to_thread(put_checkpoint, s3, settings, head[0], head[1], reason)


def read_checkpoints(s3: BaseClient, settings: Settings) -> list[Checkpoint]:
    """Every checkpoint in the bucket, oldest first, each one's signature verified against
    the provider's published keys (``CheckpointProblem`` naming the first that fails).

    Every *version* is read: in a versioned bucket a delete without a version id only
    hides an object behind a delete marker, and a hidden checkpoint must still count."""
    jwks = published_keys(settings)
    bucket = settings.productions_bucket
    versions: list[tuple[str, str]] = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=PREFIX):
        versions.extend((v["Key"], v["VersionId"]) for v in page.get("Versions", []))
    found: dict[int, Checkpoint] = {}
    for key, version_id in sorted(versions):
        raw = s3.get_object(Bucket=bucket, Key=key, VersionId=version_id)["Body"].read()
        seq = _seq_of(key)
        checkpoint = _verified(raw, key, seq, jwks)
        found.setdefault(seq, checkpoint)
    return [found[seq] for seq in sorted(found)]


def _verified(raw: bytes, key: str, seq: int, jwks: dict[str, Any]) -> Checkpoint:
    try:
        document: dict[str, Any] = json.loads(raw)
        payload = document["payload"].encode()
        signature = document["signature"]
        encoded = signature.split(".")[0]
        header = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
        if header.get("typ") != CHECKPOINT_TYPE:
            raise ValueError(f"a signature of type {header.get('typ')!r}, not a checkpoint")
        verify_manifest(payload, signature, jwks)
        checkpoint = msgspec.json.decode(payload, type=Checkpoint)
    except InvalidProductionSignature as exc:
        raise CheckpointProblem(
            seq, f"checkpoint {key} is not signed by the provider: {exc}"
        ) from exc
    except (ValueError, KeyError, TypeError, AttributeError, msgspec.DecodeError) as exc:
        raise CheckpointProblem(seq, f"checkpoint {key} cannot be read: {exc}") from exc
    if checkpoint.seq != seq:
        raise CheckpointProblem(seq, f"checkpoint {key} names seq {checkpoint.seq}")
    return checkpoint


def _seq_of(key: str) -> int:
    try:
        return int(key.removeprefix(PREFIX).removesuffix(".json"))
    except ValueError:
        return 0


async def verify_against_checkpoints(engine: AsyncEngine, checkpoints: list[Checkpoint]) -> int:
    """Check the rows against each signed checkpoint, oldest first; raise
    ``CheckpointProblem`` at the first disagreement. Returns how many were checked (those
    inside a sealed, purged segment are checked against the seal that ends at them, or
    skipped when they fall inside it)."""
    if not checkpoints:
        return 0
    async with engine.connect() as conn:
        seals = {
            s.through_seq: s
            for s in await conn.execute(
                sa.select(audit_seals.c.through_seq, audit_seals.c.last_hash)
            )
        }
        sealed_through = max(seals, default=0)
        top = await conn.scalar(sa.select(sa.func.max(audit_events.c.seq)))
        wanted = [c.seq for c in checkpoints if c.seq > sealed_through]
        rows = (
            {
                r.seq: r.hash
                for r in await conn.execute(
                    sa.select(audit_events.c.seq, audit_events.c.hash).where(
                        audit_events.c.seq.in_(wanted)
                    )
                )
            }
            if wanted
            else {}
        )
    checked = 0
    last_good: Checkpoint | None = None
    for checkpoint in checkpoints:
        if checkpoint.seq <= sealed_through:
            seal = seals.get(checkpoint.seq)
            if seal is not None and seal.last_hash != checkpoint.hash:
                raise CheckpointProblem(
                    checkpoint.seq,
                    f"re-hashed segment: the seal ending at {checkpoint.seq} does not match the"
                    f" checkpoint signed {checkpoint.at.isoformat()}",
                )
            continue
        stored = rows.get(checkpoint.seq)
        since = f" after seq {last_good.seq}" if last_good else ""
        if stored is None:
            newest = f"the newest row is seq {top}" if top is not None else "there are no rows"
            raise CheckpointProblem(
                checkpoint.seq,
                f"truncated tail: the checkpoint signed {checkpoint.at.isoformat()} anchors"
                f" seq {checkpoint.seq}, which is missing ({newest}): rows were deleted"
                f"{since}",
            )
        if stored != checkpoint.hash:
            raise CheckpointProblem(
                checkpoint.seq,
                f"re-hashed segment: the hash of seq {checkpoint.seq} differs from the"
                f" checkpoint signed {checkpoint.at.isoformat()}: events{since or ' up to it'}"
                f" through {checkpoint.seq} were rewritten",
            )
        last_good = checkpoint
        checked += 1
    return checked
