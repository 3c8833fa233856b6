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
- ``d`` the separator-free form and each of its one-letter deletions (``D``: the same, only
  for the most downloaded names)
- ``s`` the visual skeleton (confusables mapped, separators dropped, doubled letters squeezed)
- ``t`` the sorted tokens of a name with two tokens or more
- ``c`` the separator-free core once a common affix is removed (``pyyaml`` -> ``yaml``)
- ``x`` + a popular name: the most downloaded names it looks like (precomputed)
- ``p<letter><length>`` the first letter and length of a widely used name (distance-2 pool);
  ``q<letter><length>`` the same for long names that are less used
"""

from __future__ import annotations

import re
import sqlite3
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


def pool_key(first: str, length: int, long: bool = False) -> str:
    """The distance-2 pool of names with this first letter and length (``long``: the less
    used long names, asked for only by long candidates)."""
    return f"{'q' if long else 'p'}{first}{length}"


def popular_keys(canonical: str, downloads: int = 0) -> Iterator[str]:
    """Every key a popular name is filed under."""
    yield "n" + canonical
    f = flat(canonical)
    yield "f" + f
    if len(f) >= MIN_DELETE_LEN:
        yield "d" + f
        for variant in deletions(f):
            yield "d" + variant
        if downloads >= TOP_MIN_DOWNLOADS:
            yield "D" + f
            for variant in deletions(f):
                yield "D" + variant
    yield "s" + skeleton(f)
    parts = tokens(canonical)
    if len(parts) >= 2:
        yield "t" + "-".join(sorted(parts))
    for core in cores(f):
        yield "c" + core
    if f and downloads >= POOL_MIN_DOWNLOADS:
        yield pool_key(f[0], len(f))
    elif len(f) >= POOL_LONG_LEN and downloads >= POOL_LONG_MIN_DOWNLOADS:
        yield pool_key(f[0], len(f), long=True)


# Names this popular are also filed by first letter and length, for distance-2 searches.
POOL_MIN_DOWNLOADS = 5_000_000
# Long names that are less used go to a second pool (``q``), asked for only by candidates of
# POOL_LONG_QUERY_LEN letters or more: two slips in a long name are rarely a chance resemblance,
# so the typosquat check accepts less popular targets for long candidates.
POOL_LONG_LEN = 8
POOL_LONG_QUERY_LEN = POOL_LONG_LEN + 2
POOL_LONG_MIN_DOWNLOADS = 300_000
# Names this popular get their deletions filed twice, under ``D`` too, so that a popular
# candidate (which can only imitate a far more popular name) asks a much smaller table.
TOP_MIN_DOWNLOADS = 50_000_000

# A key holding only the most downloaded name, so a look-up can tell how popular the top is.
TOP_KEY = "*top"


def lookalike_keys(canonical: str, visual: str | None = None) -> list[tuple[str, str]]:
    """(key, purpose) pairs that find the most downloaded names ``canonical`` looks like:
    same letters without separators, one edit away, same skeleton, same words reordered.
    ``visual`` is the flat form read with a capital I as l (default: the flat form)."""
    f = flat(canonical)
    keys = [("f" + f, "flat")]
    if len(f) >= MIN_DELETE_LEN - 1:
        keys.append(("D" + f, "edit"))
        keys += [("D" + variant, "edit") for variant in deletions(f)]
    keys.append(("s" + skeleton(visual or f), "skeleton"))
    parts = tokens(canonical)
    if len(parts) >= 2:
        keys.append(("t" + "-".join(sorted(parts)), "tokens"))
    return keys


def rows(popular: Iterable[tuple[str, int]]) -> Iterator[tuple[str, str, int]]:
    """(key, name, downloads) for every key of every popular name (most downloaded first).

    Besides the keys of :func:`popular_keys`, each popular name gets ``x<name>`` rows: the
    most downloaded names it looks like (so a popular candidate needs one look-up)."""
    index = build_base(popular)
    yield from ((key, n, d) for key, found in index.items() for n, d in found)
    for key in list(index):
        if not key.startswith("n"):
            continue
        name = key[1:]
        targets: dict[str, int] = {}
        for probe_key, _purpose in lookalike_keys(name):
            for target, downloads in index.get(probe_key, ()):
                if target != name and downloads >= TOP_MIN_DOWNLOADS:
                    targets[target] = downloads
        yield from (("x" + name, t, d) for t, d in targets.items())


def build_base(popular: Iterable[tuple[str, int]]) -> dict[str, list[tuple[str, int]]]:
    index: dict[str, list[tuple[str, int]]] = {}
    for position, (name, downloads) in enumerate(popular):
        if position == 0:
            index[TOP_KEY] = [(name, downloads)]
        for key in set(popular_keys(name, downloads)):
            index.setdefault(key, []).append((name, downloads))
    return index


def build(popular: Iterable[tuple[str, int]]) -> dict[str, list[tuple[str, int]]]:
    """key -> [(popular name, downloads)] in the order given (most downloaded first)."""
    index: dict[str, list[tuple[str, int]]] = {}
    for key, name, downloads in rows(popular):
        index.setdefault(key, []).append((name, downloads))
    return index


def fill_neighbours(conn: sqlite3.Connection) -> None:
    """Fill the store's ``neighbours`` table from its ``popular`` table (``db update``)."""
    popular = conn.execute("SELECT name, downloads FROM popular ORDER BY rank").fetchall()
    conn.executemany(
        "INSERT OR IGNORE INTO neighbours VALUES (?, ?, ?)",
        rows((str(n), int(d)) for n, d in popular),
    )
