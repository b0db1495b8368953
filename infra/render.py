"""Render ``infra/kubernetes`` as ``kubectl kustomize`` would, without a cluster or kubectl.

    python infra/render.py [--image registry.example.com/writ:1.2.3] > writ.yaml

Applies the part of the Kustomization this repository uses — ``namespace``, ``labels``
(without selectors) and ``images`` — to every listed resource and prints one YAML stream.
Anything else in ``kustomization.yaml`` is refused rather than silently ignored, so the
rendering never drifts from what kustomize itself would produce. ``tests/stack/`` renders
the manifests this way and validates every object against the Kubernetes JSON schemas.
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path
from typing import Any

import yaml

KUSTOMIZATION = Path(__file__).resolve().parent / "kubernetes" / "kustomization.yaml"
UNDERSTOOD = {"apiVersion", "kind", "namespace", "labels", "resources", "images"}
# Kinds that live outside any namespace.
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PriorityClass"}


class RenderError(Exception):
    pass


def render(kustomization: Path = KUSTOMIZATION, image: str | None = None) -> list[dict[str, Any]]:
    spec = yaml.safe_load(kustomization.read_text())
    unknown = set(spec) - UNDERSTOOD
    if unknown:
        raise RenderError(f"kustomization fields this renderer does not apply: {sorted(unknown)}")
    images = {i["name"]: i for i in spec.get("images", [])}
    if image:
        name, _, tag = image.rpartition(":")
        for entry in images.values():
            entry.update(newName=name or image, newTag=tag if name else entry.get("newTag"))
    rendered = []
    for resource in spec["resources"]:
        path = kustomization.parent / resource
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                rendered.append(_apply(document, spec, images))
    return rendered


def _apply(document: dict[str, Any], spec: dict[str, Any], images: dict) -> dict[str, Any]:
    obj = copy.deepcopy(document)
    metadata = obj.setdefault("metadata", {})
    if spec.get("namespace") and obj.get("kind") not in CLUSTER_SCOPED:
        metadata["namespace"] = spec["namespace"]
    for group in spec.get("labels", []):
        if group.get("includeSelectors"):
            raise RenderError("labels with includeSelectors are not applied by this renderer")
        metadata.setdefault("labels", {}).update(group["pairs"])
        template = obj.get("spec", {}).get("template")
        if isinstance(template, dict) and group.get("includeTemplates"):
            template.setdefault("metadata", {}).setdefault("labels", {}).update(group["pairs"])
    for container in _containers(obj):
        name, _, tag = container.get("image", "").partition(":")
        if name in images:
            entry = images[name]
            container["image"] = (
                f"{entry.get('newName', name)}:{entry.get('newTag', tag or 'latest')}"
            )
    return obj


def _containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    spec = obj.get("spec", {})
    pod = spec.get("template", {}).get("spec") or spec.get("jobTemplate", {}).get("spec", {}).get(
        "template", {}
    ).get("spec", {})
    return [*pod.get("initContainers", []), *pod.get("containers", [])]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", help="the writ image, registry/name:tag")
    args = parser.parse_args(argv)
    try:
        objects = render(image=args.image)
    except RenderError as exc:
        print(f"render: {exc}", file=sys.stderr)
        return 2
    yaml.safe_dump_all(objects, sys.stdout, sort_keys=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
