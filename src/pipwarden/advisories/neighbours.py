"""Name neighbourhoods of the popular projects, for fast typosquat look-ups.

Each popular name is filed under a few *keys*: derived spellings that a look-alike would share
with it (its separator-free form, its one-letter deletions as in SymSpell, its visual skeleton,
its sorted tokens, its core without a common affix). A candidate computes the same kinds of keys
for itself, and one look-up per key finds every popular name it could imitate; the judgement
(which rule, which popularity gate) is made in :mod:`pipwarden.checks.typosquat`.

The keys are computed once, when ``db update`` writes the store (table ``neighbours``), or in
memory from a popular list (tests, benchmarks, stores built before the table existed).
Every key starts with one character naming its kind:

- ``n`` the canonical name itself (exact look-up, carries the download count)
- ``f`` the separator-free form (``python-dateutil`` -> ``pythondateutil``)
- ``d`` a one-letter deletion of the separator-free form
- ``s`` the visual skeleton (confusables mapped, separators dropped, doubled letters squeezed)
- ``t`` the sorted tokens of a name with two tokens or more
- ``c`` the separator-free core once a common affix is removed (``pyyaml`` -> ``yaml``)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

# Common affixes around a project name (separator-free forms; longest first).
PREFIXES: tuple[str, ...] = ("python3", "python", "py3", "lib", "py")
SUFFIXES: tuple[str, ...] = ("python3", "python", "py3", "lib", "dev", "sdk", "py", "3", "2")

# Deletion keys only for names at least this long: shorter ones have too many neighbours.
MIN_DELETE_LEN = 4
MIN_CORE_LEN = 4

_SEPARATORS = re.compile(r"[-_.]+")
_CONFUSABLE_PAIRS: tuple[tuple[str, str], ...] = (
    ("rn", "m"),
    ("vv", "w"),
    ("1", "l"),
    ("0", "o"),
)
_SQUEEZE = re.compile(r"(.)\1+")


def tokens(canonical: str) -> list[str]:
    return [t for t in canonical.split("-") if t]


def flat(name: str) -> str:
    """The separator-free, lower-case form: ``Python_DateUtil`` -> ``pythondateutil``."""
    return _SEPARATORS.sub("", name.lower())


def visual_flat(raw: str) -> str:
    """Like :func:`flat`, but a capital ``I`` (which looks like ``l``) is read as ``l``."""
    return flat(raw.replace("I", "l"))


def skeleton(flat_name: str) -> str:
    """What the name looks like: confusable letters mapped to one shape, doubles squeezed."""
    text = flat_name
    for old, new in _CONFUSABLE_PAIRS:
        text = text.replace(old, new)
    return _SQUEEZE.sub(r"\1", text)


def squeeze(text: str) -> str:
    """Runs of one letter reduced to one: ``requesttss`` -> ``requests``."""
    return _SQUEEZE.sub(r"\1", text)


def deletions(flat_name: str) -> set[str]:
    return {flat_name[:i] + flat_name[i + 1 :] for i in range(len(flat_name))}


def cores(flat_name: str) -> set[str]:
    """The name without one common prefix and/or one common suffix (each core >= 4 letters)."""
    out: set[str] = set()
    heads = [flat_name] + [flat_name[len(p) :] for p in PREFIXES if flat_name.startswith(p)]
    for head in heads:
        if head != flat_name and len(head) >= MIN_CORE_LEN:
            out.add(head)
        for s in SUFFIXES:
            if head.endswith(s) and len(head) - len(s) >= MIN_CORE_LEN:
                out.add(head[: -len(s)])
    return out


def popular_keys(canonical: str) -> Iterator[str]:
    """Every key a popular name is filed under."""
    yield "n" + canonical
    f = flat(canonical)
    yield "f" + f
    if len(f) >= MIN_DELETE_LEN:
        for variant in deletions(f):
            yield "d" + variant
    yield "s" + skeleton(f)
    parts = tokens(canonical)
    if len(parts) >= 2:
        yield "t" + "-".join(sorted(parts))
    for core in cores(f):
        yield "c" + core


def build(popular: Iterable[str]) -> dict[str, list[str]]:
    """key -> popular names filed under it, in the order given (most downloaded first)."""
    index: dict[str, list[str]] = {}
    for name in popular:
        for key in set(popular_keys(name)):
            index.setdefault(key, []).append(name)
    return index


def rows(popular: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(key, name) rows for the store's ``neighbours`` table."""
    for name in popular:
        for key in set(popular_keys(name)):
            yield key, name
