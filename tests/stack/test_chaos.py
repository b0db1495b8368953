"""The chaos benchmark, small (issue 13 What to build #1): 50 mixed requests on a real
``writ up`` stack while the worker and the API are SIGKILLed 3 times; every request ends
where it should, once: no loss, no duplicate rows, one disclosure, archive, webhook
delivery and officer mail per production, at most one notice per customer, and the audit
chain verifies against its signed checkpoints; and, once every workflow has nothing in
flight, each request's view agrees with the register (the defect that took this test out
of ``make test`` for a while: bench/README.md). ``bench/chaos.py`` runs the full 300."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_fifty_mixed_requests_through_three_kills_end_exactly_once(capsys) -> None:
    from bench.chaos import main

    status = main(["--requests", "50", "--kills", "3", "--timeout", "900", "--seed", "50"])
    printed = capsys.readouterr().out
    print(printed)  # the figures, for ``pytest -rP``
    assert status == 0, printed
    assert "RESULT: all checks hold" in printed
