"""The pure decision engine: what the law lets the provider disclose.

No I/O and no clock: workflows, activities and HTTP handlers call these functions with
contract Structs and a ``now``; tests call them directly. ``determine`` is the entry point;
``docs/architecture.md`` maps each rule to its module and ``docs/legal-rules.md`` to its
authority. Import the submodules themselves: this package re-exports nothing.
"""
