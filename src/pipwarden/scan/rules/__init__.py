"""The rule registry: every module in this package defines exactly one rule.

A module is named after the bad pattern it finds; registration is the module itself (no
second list to keep in step). :func:`all_rules` imports them and returns them ordered by code.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from pipwarden.errors import UsageError
from pipwarden.scan.rule import Rule


@cache
def all_rules() -> tuple[type[Rule], ...]:
    found: list[type[Rule]] = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        rules = [
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, Rule)
            and value.__module__ == module.__name__
            and value.code
        ]
        found.extend(rules)
    return tuple(sorted(found, key=lambda rule: rule.code))


def by_code() -> dict[str, type[Rule]]:
    return {rule.code: rule for rule in all_rules()}


def _matches(code: str, patterns: tuple[str, ...]) -> bool:
    return any(code.startswith(p) for p in patterns)


def select_rules(select: tuple[str, ...] = (), ignore: tuple[str, ...] = ()) -> list[Rule]:
    """Instances of the rules chosen by ``--select``/``--ignore`` (codes or prefixes)."""
    codes = [rule.code for rule in all_rules()]
    for pattern in (*select, *ignore):
        if pattern != "ALL" and not any(code.startswith(pattern) for code in codes):
            raise UsageError(
                f"unknown rule code or prefix: {pattern}",
                hint=f"known rules: {', '.join(codes)}",
            )
    chosen = [
        rule()
        for rule in all_rules()
        if (not select or "ALL" in select or _matches(rule.code, select))
        and not _matches(rule.code, ignore)
    ]
    return chosen
