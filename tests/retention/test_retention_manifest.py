"""The deploy-time Job that sets up the retention schedule runs a command the CLI has,
with the same settings as the worker (the schedule names the worker's task queue)."""

from __future__ import annotations

from pathlib import Path

import yaml

from services.cli import build_parser

KUBERNETES = Path(__file__).resolve().parents[2] / "infra" / "kubernetes"


def test_the_schedule_job_runs_writ_retention_schedule_with_the_worker_settings():
    job = yaml.safe_load((KUBERNETES / "retention-schedule-job.yaml").read_text())
    worker = yaml.safe_load((KUBERNETES / "worker-deployment.yaml").read_text())
    kustomization = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())
    assert "retention-schedule-job.yaml" in kustomization["resources"]

    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["args"] == ["writ", "retention", "schedule"]
    args = build_parser().parse_args(container["args"][1:])
    assert args.func.__name__ == "_cmd_schedule"

    worker_container = worker["spec"]["template"]["spec"]["containers"][0]
    assert container["envFrom"] == worker_container["envFrom"]
    tls = {"name": "temporal-tls", "mountPath": "/etc/writ/temporal-tls", "readOnly": True}
    assert tls in container["volumeMounts"], "a secured Temporal needs the same client certificate"
