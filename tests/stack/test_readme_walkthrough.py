"""The README's walk-through is what a new user runs: its shell block is extracted from
README.md and run, unchanged but for the API's port and the scratch directory, with bash
against a real ``writ up`` on a fresh data directory. It must end with both productions
downloaded and verified: one approved automatically (an in-state subpoena for basic
subscriber information), one approved by a reviewer (a §2703(d) order)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from services.stack.launch import clean_environment
from tests.stack.writ_up_process import SharedStack

ROOT = Path(__file__).parents[2]
SECTION = "### Walk-through: an agency's two requests"


def walkthrough() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert SECTION in readme, "the README has no walk-through section"
    section = readme.split(SECTION, 1)[1].split("\n### ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) == 1, "the walk-through is one copy-paste block"
    return blocks[0]


def test_the_walkthrough_needs_no_hand_copied_ids():
    script = walkthrough()
    assert "lp_" not in script, "ids are captured by the commands, never copied by hand"
    assert "writ agency download" in script.replace("$W ", "writ ")
    assert script.count("agency download") == 2


@pytest.mark.slow
def test_the_readme_walkthrough_runs_against_writ_up(
    tmp_path: Path, shared_stack: SharedStack
) -> None:
    """On the session's shared stack (no other test uses the README's agency)."""
    script = walkthrough()
    assert "http://127.0.0.1:8000" in script and "/tmp/" in script
    stack = shared_stack.running()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    runnable = script.replace("http://127.0.0.1:8000", stack.api).replace("/tmp/", f"{scratch}/")
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", runnable],
        cwd=ROOT,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    print(result.stdout)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}\n{stack.output[-3000:]}"
    out = result.stdout  # curl's answers end without a newline: search, do not split
    assert '"id":"raleigh-pd"' in out.replace(" ", ""), "the README's agency was registered here"
    closed = re.findall(r"lp_\w+ closed outcome=\w+", out)
    assert len(closed) == 2, out
    assert closed[0].endswith("outcome=produced"), out  # the subpoena: nobody decided it
    assert re.search(r"lp_\w+ in_review\n", out), out  # the order waited for a reviewer
    assert len(re.findall(r": intact — \d+ files match the manifest", out)) == 2, out
    for name in ("subpoena-production.zip", "order-production.zip"):
        assert (scratch / name).stat().st_size > 0
