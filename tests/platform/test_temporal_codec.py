"""The payload codec: encrypted at rest in Temporal, decrypted only with the key."""

import base64

import pytest
from cryptography.exceptions import InvalidTag
from temporalio.api.common.v1 import Payload

from contracts.enums import IdentifierKind
from contracts.legal_process import Identifier
from services.platform.temporal import EncryptionCodec, MsgspecPayloadConverter

KEY = b"k" * 32


async def test_round_trip_and_no_plaintext():
    converter = MsgspecPayloadConverter()
    [payload] = converter.to_payloads(
        [Identifier(kind=IdentifierKind.TELEPHONE_NUMBER, value="+19195550100")]
    )
    codec = EncryptionCodec(KEY)
    [encrypted] = await codec.encode([payload])
    assert b"+19195550100" not in encrypted.SerializeToString()
    assert encrypted.metadata["encoding"] == b"binary/encrypted"
    [decrypted] = await codec.decode([encrypted])
    [value] = converter.from_payloads([decrypted], [Identifier])
    assert value == Identifier(kind=IdentifierKind.TELEPHONE_NUMBER, value="+19195550100")


async def test_wrong_key_cannot_decrypt():
    [encrypted] = await EncryptionCodec(KEY).encode([Payload(data=b"secret")])
    with pytest.raises(InvalidTag):
        await EncryptionCodec(b"x" * 32).decode([encrypted])


async def test_rotated_key_still_reads_old_payloads():
    [old] = await EncryptionCodec(KEY, key_id="2025").encode([Payload(data=b"old")])
    rotated = EncryptionCodec(b"n" * 32, key_id="2026", old_keys={"2025": KEY})
    [decoded] = await rotated.decode([old])
    assert decoded.data == b"old"


def test_settings_reject_a_short_key():
    from services.platform.settings import Settings

    with pytest.raises(ValueError):
        _ = Settings(payload_key=base64.b64encode(b"short").decode()).payload_key_bytes
