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
    with pytest.raises(ValueError, match="does not decrypt") as refused:
        await EncryptionCodec(b"x" * 32).decode([encrypted])
    assert isinstance(refused.value.__cause__, InvalidTag)


async def test_rotated_key_still_reads_old_payloads():
    [old] = await EncryptionCodec(KEY, key_id="2025").encode([Payload(data=b"old")])
    rotated = EncryptionCodec(b"n" * 32, key_id="2026", old_keys={"2025": KEY})
    [decoded] = await rotated.decode([old])
    assert decoded.data == b"old"


def test_settings_reject_a_short_key():
    from services.platform.settings import Settings

    with pytest.raises(ValueError):
        _ = Settings(payload_key=base64.b64encode(b"short").decode()).payload_key_bytes


async def test_rotation_is_configured_from_settings():
    """The converter every process builds reads payloads written under the previous key."""
    from services.platform.settings import load_settings
    from services.platform.temporal import data_converter

    old_key, new_key = base64.b64encode(KEY).decode(), base64.b64encode(b"n" * 32).decode()
    before = data_converter(load_settings({"WRIT_PAYLOAD_KEY": old_key}))
    [written] = await before.payload_codec.encode([Payload(data=b"history")])
    after = data_converter(
        load_settings(
            {
                "WRIT_PAYLOAD_KEY": new_key,
                "WRIT_PAYLOAD_KEY_ID": "2026-12",
                "WRIT_PAYLOAD_PREVIOUS_KEYS": f"default:{old_key}",
            }
        )
    )
    [read] = await after.payload_codec.decode([written])
    assert read.data == b"history"
    [rewritten] = await after.payload_codec.encode([Payload(data=b"new")])
    assert rewritten.metadata["encryption-key-id"] == b"2026-12"
    forgotten = data_converter(
        load_settings({"WRIT_PAYLOAD_KEY": new_key, "WRIT_PAYLOAD_KEY_ID": "2026-12"})
    )
    with pytest.raises(ValueError, match="no payload key with id 'default'"):
        await forgotten.payload_codec.decode([written])
    replaced = data_converter(load_settings({"WRIT_PAYLOAD_KEY": new_key}))
    with pytest.raises(ValueError, match="replaced without a new WRIT_PAYLOAD_KEY_ID"):
        await replaced.payload_codec.decode([written])


@pytest.mark.parametrize(
    "previous", ["default", "old:notbase64!", "old:" + base64.b64encode(b"short").decode()]
)
def test_malformed_previous_keys_are_refused(previous):
    from services.platform.settings import load_settings

    settings = load_settings(
        {
            "WRIT_PAYLOAD_KEY": base64.b64encode(KEY).decode(),
            "WRIT_PAYLOAD_PREVIOUS_KEYS": previous,
        }
    )
    with pytest.raises(ValueError, match="WRIT_PAYLOAD_PREVIOUS_KEYS|current key's id"):
        _ = settings.payload_previous_key_bytes
