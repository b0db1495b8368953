"""The production manifests and the docs agree with the code they configure."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import kubernetes_validate
import msgspec
import pytest
import yaml

from services.platform.settings import Settings, load_settings
from services.workflows.search_attributes import CLI_TYPES

ROOT = Path(__file__).resolve().parents[2]
# The oldest Kubernetes release the manifests are written for (docs/operations.md).
KUBERNETES_VERSION = "1.31.0"
KUBERNETES = ROOT / "infra" / "kubernetes"
SETTING_NAMES = {f"WRIT_{field.name.upper()}" for field in msgspec.structs.fields(Settings)}


def manifest(name: str) -> list[dict]:
    return [doc for doc in yaml.safe_load_all((KUBERNETES / name).read_text()) if doc]


def rendered() -> list[dict]:
    import importlib.util

    spec = importlib.util.spec_from_file_location("infra_render", ROOT / "infra" / "render.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.render()


def test_every_rendered_object_is_valid_kubernetes() -> None:
    """Each object, as `kubectl apply -k` would send it, against the API server's own
    schemas (strict: an unknown or misplaced field fails, as a typo in a manifest should)."""
    objects = rendered() + manifest("secret.example.yaml")
    kinds = sorted(f"{o['kind']}/{o['metadata']['name']}" for o in objects)
    assert "HorizontalPodAutoscaler/writ-worker" in kinds and "Deployment/writ-api" in kinds
    for obj in objects:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        if obj["kind"] != "Secret":
            assert obj["metadata"]["namespace"] == "writ"
            assert obj["metadata"]["labels"]["app.kubernetes.io/part-of"] == "writ"


@pytest.mark.parametrize(
    "break_it",
    [
        pytest.param(lambda d: d["spec"].update(replicas="two"), id="wrong-type"),
        pytest.param(
            lambda d: d["spec"]["template"]["spec"].update(restartPolcy="Always"), id="typo"
        ),
        pytest.param(lambda d: d["spec"].pop("selector"), id="missing-required"),
    ],
)
def test_a_broken_manifest_fails_validation(break_it) -> None:
    api = next(
        o for o in rendered() if o["metadata"]["name"] == "writ-api" and o["kind"] == "Deployment"
    )
    break_it(api)
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(api, KUBERNETES_VERSION, strict=True)


def test_images_are_set_by_the_kustomization() -> None:
    for obj in rendered():
        for container in (
            obj.get("spec", {}).get("template", {}).get("spec", {}).get("containers", [])
        ):
            assert container["image"] == "registry.example.com/writ:0.1.0"


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
    assert "replicas" not in worker["spec"], "the HPA owns the worker count"
    hpa = manifest("worker-hpa.yaml")[0]
    assert hpa["spec"]["scaleTargetRef"]["name"] == worker["metadata"]["name"]
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
