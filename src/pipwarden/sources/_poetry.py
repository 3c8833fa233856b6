"""Poetry version constraints (``^1.2``, ``~1.2``, ``>=1,<2 || 3.*``) in PEP 440 terms.

Only what the sources layer needs: is a constraint an exact pin, and a ``python = "..."``
restriction as a PEP 508 marker.
"""

from __future__ import annotations

import re

from packaging.version import InvalidVersion, Version

_TOKEN_RE = re.compile(r"\s*(\^|~=|~|===|==|!=|>=|<=|>|<|=)?\s*([0-9A-Za-z*][0-9A-Za-z.*+!_-]*)\s*")


def exact_version(constraint: str) -> str | None:
    """The version of an exact Poetry pin (``1.2.3``, ``==1.2.3``, ``=1.2.3``); else None."""
    text = constraint.strip()
    for prefix in ("===", "==", "="):
        if text.startswith(prefix):
            text = text[len(prefix):].strip()
            break
    if not text or "*" in text or any(c in text for c in " ,|<>^~!"):
        return None
    try:
        Version(text)
    except InvalidVersion:
        return None
    return text


def _bump(release: tuple[int, ...], index: int) -> str:
    parts = [*list(release[: index + 1])]
    parts[index] += 1
    return ".".join(str(p) for p in parts)


def _caret(version: Version) -> list[tuple[str, str]]:
    release = version.release
    index = 0
    while index < len(release) - 1 and release[index] == 0:
        index += 1
    return [(">=", str(version)), ("<", _bump(release, index))]


def _tilde(version: Version) -> list[tuple[str, str]]:
    release = version.release
    index = 0 if len(release) == 1 else 1
    return [(">=", str(version)), ("<", _bump(release, index))]


def to_specifiers(constraint: str) -> list[list[tuple[str, str]]] | None:
    """OR-of-ANDs of (operator, version); [] for "any"; None when it cannot be read."""
    alternatives: list[list[tuple[str, str]]] = []
    for alternative in re.split(r"\|\|?", constraint):
        text = alternative.replace(",", " ").strip()
        if not text or text == "*":
            return []
        clauses: list[tuple[str, str]] = []
        position = 0
        while position < len(text):
            match = _TOKEN_RE.match(text, position)
            if match is None or match.end() == position:
                return None
            position = match.end()
            op, value = match.group(1) or "", match.group(2)
            if value == "*":
                continue
            if "*" in value:
                if op not in ("", "==", "=", "!="):
                    return None
                clauses.append(("!=" if op == "!=" else "==", value))
                continue
            try:
                version = Version(value)
            except InvalidVersion:
                return None
            if op == "^":
                clauses.extend(_caret(version))
            elif op == "~":
                clauses.extend(_tilde(version))
            elif op in ("", "="):
                clauses.append(("==", value))
            else:
                clauses.append((op, value))
        alternatives.append(clauses)
    return alternatives


def python_marker(constraint: str) -> str | None:
    """``python = "<3.7"`` as a PEP 508 marker on python_full_version; None for any/unknown."""
    alternatives = to_specifiers(constraint)
    if not alternatives:
        return None
    parts: list[str] = []
    for clauses in alternatives:
        if not clauses:
            return None
        joined = " and ".join(f'python_full_version {op} "{value}"' for op, value in clauses)
        parts.append(f"({joined})" if len(alternatives) > 1 and len(clauses) > 1 else joined)
    return " or ".join(parts)


def combine_markers(*markers: str | None) -> str | None:
    present = [m.strip() for m in markers if m and m.strip()]
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    return " and ".join(f"({m})" for m in present)
