"""Dependency confusion: a name that exists on more than one index in play.

pip treats ``--index-url`` and every ``--extra-index-url`` as equals and takes the highest
version across all of them, so anyone who registers a private name on a public index wins.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipwarden.models import IntegrityFinding, Severity
from pipwarden.verify.index import ProjectPage


def _latest(page: ProjectPage) -> str:
    versions = [f.version for f in page.files if f.version is not None and not f.yanked]
    return str(max(versions)) if versions else "no files"


def _fileset(page: ProjectPage) -> frozenset[tuple[str, str | None]]:
    return frozenset((f.filename, f.hash("sha256")) for f in page.files)


def find_confusion(
    name: str,
    version: str | None,
    pages: Sequence[ProjectPage],
    *,
    hash_pinned: bool = False,
    source: str | None = None,
    line: int | None = None,
) -> IntegrityFinding | None:
    """A finding when ``name`` exists on more than one of the indexes its ``pages`` come from.

    High, unless the risk is contained: every index serves the very same files (a mirror), or
    the requirement is hash-pinned and its hashes matched (pip refuses any other file) -- then
    low.
    """
    present = [p for p in pages if p.exists]
    if len({p.index for p in present}) < 2:
        return None
    where = ", ".join(f"{p.index} (latest {_latest(p)})" for p in present)
    mirror = len({_fileset(p) for p in present}) == 1
    if mirror:
        severity, note = Severity.LOW, "every index serves the same files (a mirror)"
    elif hash_pinned:
        severity, note = Severity.LOW, "hash pinning keeps pip from taking another file"
    else:
        severity, note = Severity.HIGH, "pip takes the highest version from any of them"
    return IntegrityFinding(
        id="dependency-confusion", check="confusion", severity=severity,
        summary=f"{name} exists on {len(present)} indexes: {where}; {note}. Fix: use a single "
                "index (--index-url only, no --extra-index-url) or pin hashes "
                "(--require-hashes)",
        package=name, version=version, file=source, source=source, line=line,
    )
