"""The production manifests and the docs agree with the code they configure."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import msgspec
import yaml

from services.platform.settings import Settings, load_settings
from services.workflows.search_attributes import CLI_TYPES

ROOT = Path(__file__).resolve().parents[2]
KUBERNETES = ROOT / "infra" / "kubernetes"
SETTING_NAMES = {f"WRIT_{field.name.upper()}" for field in msgspec.structs.fields(Settings)}


def manifest(name: str) -> list[dict]:
    return [doc for doc in yaml.safe_load_all((KUBERNETES / name).read_text()) if doc]


def test_every_manifest_variable_is_a_setting_and_production_settings_load() -> None:
    config = manifest("configmap.yaml")[0]["data"]
    secret = manifest("secret.example.yaml")[0]["stringData"]
    assert not (set(config) | set(secret)) - SETTING_NAMES, "a WRIT_* name that Settings lacks"

    environ = config | secret | {"WRIT_PAYLOAD_KEY": base64.b64encode(bytes(32)).decode()}
    settings = load_settings(environ)

    assert settings.mode == "production"
    assert settings.api_host == "0.0.0.0", "a pod listening on 127.0.0.1 is unreachable"
    assert settings.database_url.startswith("postgresql://")
    assert settings.s3_endpoint == "", "AWS S3 itself, not the local SeaweedFS default"
    assert not settings.s3_access_key, "the pod's own AWS identity, not the local key"
    assert "127.0.0.1" not in settings.temporal_address


def test_deployments_run_writ_with_the_settings_and_probes() -> None:
    api = manifest("api-deployment.yaml")[0]
    worker = manifest("worker-deployment.yaml")[0]
    migrate = manifest("migrate-job.yaml")[0]
    assert api["spec"]["replicas"] == 2
    api_container = api["spec"]["template"]["spec"]["containers"][0]
    assert api_container["args"] == ["writ", "api"]
    assert api_container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert api_container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert worker["spec"]["template"]["spec"]["containers"][0]["args"] == ["writ", "worker"]
    assert migrate["spec"]["template"]["spec"]["containers"][0]["args"] == ["writ", "migrate"]
    for workload in (api, worker, migrate):
        sources = workload["spec"]["template"]["spec"]["containers"][0]["envFrom"]
        assert {"configMapRef": {"name": "writ-config"}} in sources
        assert {"secretRef": {"name": "writ-secrets"}} in sources


def test_search_attribute_job_registers_what_the_code_uses() -> None:
    job = manifest("search-attributes-job.yaml")[0]
    command = job["spec"]["template"]["spec"]["containers"][0]["command"]
    names = [arg.split("=", 1)[1] for arg in command if arg.startswith("--name=")]
    types = [arg.split("=", 1)[1] for arg in command if arg.startswith("--type=")]
    assert dict(zip(names, types, strict=True)) == CLI_TYPES


def test_configuration_doc_covers_every_setting() -> None:
    documented = set(
        re.findall(r"`(WRIT_[A-Z0-9_]+)`", (ROOT / "docs" / "configuration.md").read_text())
    )
    missing = SETTING_NAMES - documented
    assert not missing, f"document {sorted(missing)} in docs/configuration.md"
    assert not documented - SETTING_NAMES, (
        "docs/configuration.md names a setting that does not exist"
    )
