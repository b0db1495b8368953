"""The client side of a secured Temporal: ``connect()`` speaks TLS and mTLS as configured.

Neither Temporal server binary here serves TLS itself, so the test puts a TLS-terminating
proxy (Python's ``ssl``, requiring a client certificate, ALPN h2) in front of the real
test server, with a throwaway CA and certificates made in the test. Through it a client
configured with the CA, its certificate and the server name reaches Temporal; one without
a client certificate, or trusting another CA, does not."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ipaddress
import ssl
from pathlib import Path

import msgspec
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest

from services.platform.settings import load_settings
from services.platform.temporal import connect, tls_config

SERVER_NAME = "temporal.writ.test"


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _issue(subject: str, issuer_key, issuer_name, *, ca=False, server=False, key=None):
    key = key or ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name or _name(subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(SERVER_NAME), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    elif not ca:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
    cert = builder.sign(issuer_key or key, hashes.SHA256())
    return cert, key


def _write(directory: Path, stem: str, cert, key=None) -> tuple[str, str]:
    cert_path = directory / f"{stem}.crt"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path = ""
    if key is not None:
        key_file = directory / f"{stem}.key"
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        key_path = str(key_file)
    return str(cert_path), key_path


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    directory = tmp_path_factory.mktemp("pki")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert, _ = _issue("Writ test CA", None, None, ca=True, key=ca_key)
    server_cert, server_key = _issue("temporal", ca_key, ca_cert.subject, server=True)
    client_cert, client_key = _issue("writ-worker", ca_key, ca_cert.subject)
    other_ca_key = ec.generate_private_key(ec.SECP256R1())
    other_ca, _ = _issue("Someone else's CA", None, None, ca=True, key=other_ca_key)
    files = {
        "ca": _write(directory, "ca", ca_cert)[0],
        "server": _write(directory, "server", server_cert, server_key),
        "client": _write(directory, "client", client_cert, client_key),
        "other_ca": _write(directory, "other-ca", other_ca)[0],
    }
    return files


@contextlib.asynccontextmanager
async def mtls_proxy(pki, backend: str):
    """TLS on the front (client certificate required), plaintext gRPC to the backend."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=pki["ca"])
    context.load_cert_chain(*pki["server"])
    context.verify_mode = ssl.CERT_REQUIRED
    context.set_alpn_protocols(["h2"])
    host, port = backend.rsplit(":", 1)
    handshakes = {"accepted": 0}

    async def pipe(reader, writer):
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    async def handle(client_reader, client_writer):
        handshakes["accepted"] += 1
        upstream_reader, upstream_writer = await asyncio.open_connection(host, int(port))
        await asyncio.gather(
            pipe(client_reader, upstream_writer), pipe(upstream_reader, client_writer)
        )

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    address = f"127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        yield address, handshakes
    finally:
        server.close()


def _settings(base_settings, address: str, **tls) -> object:
    environ = {f"WRIT_{k.upper()}": v for k, v in tls.items()}
    secured = load_settings(environ | {"WRIT_TEMPORAL_ADDRESS": address})
    return msgspec.structs.replace(
        base_settings,
        temporal_address=address,
        **{
            f.name: getattr(secured, f.name)
            for f in msgspec.structs.fields(secured)
            if "tls" in f.name
        },
    )


async def test_mtls_client_reaches_temporal_through_tls(pki, base_settings, temporal_env):
    backend = temporal_env.client.service_client.config.target_host
    async with mtls_proxy(pki, backend) as (address, handshakes):
        settings = _settings(
            base_settings,
            address,
            temporal_tls_ca_file=pki["ca"],
            temporal_tls_cert_file=pki["client"][0],
            temporal_tls_key_file=pki["client"][1],
            temporal_tls_server_name=SERVER_NAME,
        )
        client = await connect(settings)
        info = await client.workflow_service.get_system_info(GetSystemInfoRequest())
        assert info.server_version or info.capabilities is not None
        assert handshakes["accepted"] >= 1


@pytest.mark.parametrize("missing", ["client-certificate", "trusted-ca"])
async def test_tls_is_refused_without_the_right_credentials(
    pki, base_settings, temporal_env, missing
):
    backend = temporal_env.client.service_client.config.target_host
    async with mtls_proxy(pki, backend) as (address, _):
        tls = {"temporal_tls_server_name": SERVER_NAME}
        if missing == "client-certificate":
            tls["temporal_tls_ca_file"] = pki["ca"]
        else:
            tls |= {
                "temporal_tls_ca_file": pki["other_ca"],
                "temporal_tls_cert_file": pki["client"][0],
                "temporal_tls_key_file": pki["client"][1],
            }
        with pytest.raises(RuntimeError) as refused:
            await asyncio.wait_for(connect(_settings(base_settings, address, **tls)), 30)
        assert "connect" in str(refused.value).lower()


def test_tls_settings_are_read_and_checked(tmp_path, pki):
    assert tls_config(load_settings({})) is False, "the local dev server is plaintext"
    assert tls_config(load_settings({"WRIT_TEMPORAL_TLS": "true"})) is True
    assert tls_config(load_settings({"WRIT_TEMPORAL_API_KEY": "k"})) is True, "Cloud: TLS"
    config = tls_config(load_settings({"WRIT_TEMPORAL_TLS_CA_FILE": pki["ca"]}))
    assert config.server_root_ca_cert.startswith(b"-----BEGIN CERTIFICATE-----")
    with pytest.raises(ValueError, match="go together"):
        load_settings({"WRIT_TEMPORAL_TLS_CERT_FILE": pki["client"][0]})
    with pytest.raises(ValueError, match="cannot read Temporal TLS file"):
        tls_config(load_settings({"WRIT_TEMPORAL_TLS_CA_FILE": str(tmp_path / "nope.pem")}))
