"""The layout holds (docs/architecture.md §1): no import cycles between modules, domain
packages importable without Temporal or Litestar, and package ``__init__`` files that
re-export nothing."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("contracts", "services")
# Domain packages: the business, importable by any tool without the frameworks.
DOMAINS = (
    "contracts",
    "services.decisions",
    "services.carrier",
    "services.delivery",
    "services.retention",
)
FRAMEWORKS = ("temporalio", "litestar")


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def module_level_imports(path: Path, known: set[str]) -> set[str]:
    """First-party modules imported at module level (not inside functions, not only for
    type checking): the imports that run when the module is imported."""
    tree = ast.parse(path.read_text())
    imported: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            if isinstance(node, ast.Import):
                imported.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module)
                imported.update(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.If | ast.Try | ast.With):
                visit(node.body)
                for handler in getattr(node, "handlers", []):
                    visit(handler.body)
                visit(getattr(node, "orelse", []))

    visit(tree.body)
    return {name for name in imported if name in known}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    visiting, done = set(), set()

    def walk(node: str, trail: list[str]) -> list[str] | None:
        visiting.add(node)
        for nxt in sorted(graph[node]):
            if nxt in visiting:
                return [*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt]
            if nxt not in done:
                cycle = walk(nxt, [*trail, nxt])
                if cycle:
                    return cycle
        visiting.discard(node)
        done.add(node)
        return None

    for start in sorted(graph):
        if start not in done:
            cycle = walk(start, [start])
            if cycle:
                return cycle
    return None


def test_no_import_cycles_between_modules() -> None:
    known = modules()
    graph = {name: module_level_imports(path, set(known)) - {name} for name, path in known.items()}
    # A package's __init__ importing nothing keeps a submodule's import of its package free.
    assert find_cycle(graph) is None, f"import cycle: {' -> '.join(find_cycle(graph) or [])}"


def test_the_cycle_check_can_fail() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_package_inits_reexport_nothing() -> None:
    """An ``__init__`` that imports its own submodules (to re-export them) makes every
    submodule importing a sibling go through the package: the cycles issue 8 removed."""
    for path in ROOT.glob("*/**/__init__.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] not in PACKAGES:
            continue
        package = ".".join(parts[:-1])
        tree = ast.parse(path.read_text())
        own = [
            ast.unparse(n)
            for n in tree.body
            if isinstance(n, ast.ImportFrom) and (n.module or "").startswith(package)
        ]
        assert not own, f"{path.relative_to(ROOT)} re-exports its package: {own[0]}"


@pytest.mark.parametrize("domain", DOMAINS)
def test_domain_packages_import_without_the_frameworks(domain: str) -> None:
    """Every module of the domain package imports in a fresh interpreter where importing
    temporalio or litestar fails."""
    names = sorted(n for n in modules() if n == domain or n.startswith(domain + "."))
    if not names:
        pytest.skip(f"{domain} is not in this tree")
    blocker = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name.split('.')[0] in {FRAMEWORKS!r}:\n"
        "            raise ImportError(f'{name} must not be needed here')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import importlib\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", blocker], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
