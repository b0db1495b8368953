"""Distinctive national-security counts planted in a register, and the check that none of
them (nor any sum of them) appears in an output."""

from __future__ import annotations

import itertools
import re

# (kind, half) -> (requests, selectors): numbers chosen to be unlike any other figure.
PLANTED = {
    ("nsl", 1): (733, 1871),
    ("fisa_non_content", 1): (419, 4483),
    ("fisa_content", 2): (352, 2957),
}


def forbidden_numbers() -> set[int]:
    """Every exact figure that could leak: each count and every sum of several of them
    (a per-half, per-category or combined total), for requests and for selectors."""
    numbers: set[int] = set()
    for index in (0, 1):
        values = [v[index] for v in PLANTED.values()]
        for size in range(1, len(values) + 1):
            for combo in itertools.combinations(values, size):
                numbers.add(sum(combo))
    return numbers


def _off_band_boundaries() -> None:
    # Every band's bounds are multiples of 50 or one less (widths 100, 250, 500, 1000): a
    # planted sum there would be printed as a bound, lawfully, and the search would flag it.
    assert all(n % 50 not in (0, 49) for n in forbidden_numbers())


_off_band_boundaries()


def leaked(text: str) -> set[int]:
    """The forbidden numbers standing alone in ``text``: not inside a longer or decimal
    number, nor inside a hexadecimal word (object addresses in debug logs, digests)."""
    found = set()
    for number in forbidden_numbers():
        if re.search(rf"(?<![0-9A-Za-z.]){number}(?![0-9A-Za-z.])", text):
            found.add(number)
    return found
