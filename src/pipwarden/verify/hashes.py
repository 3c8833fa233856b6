"""Hashes in requirements and lock files: present, and served by the index for that version.

Pure functions over :class:`Dependency` values and :class:`ProjectPage` values fetched by
:mod:`pipwarden.verify.index`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from pipwarden.models import Dependency, IntegrityFinding, Severity
from pipwarden.verify.index import IndexFile, ProjectPage

# Formats that can carry file hashes, and the command that writes them.
HASH_TOOLS: dict[str, str] = {
    "requirements": "pip-compile --generate-hashes, or uv pip compile --generate-hashes",
    "poetry.lock": "poetry lock",
    "uv.lock": "uv lock",
    "Pipfile.lock": "pipenv lock",
    "pylock.toml": "uv export --format pylock.toml (or pip lock)",
}
STRONG = ("sha256", "sha384", "sha512")


def split_hash(text: str) -> tuple[str, str]:
    """``sha256:ABC`` or ``sha256=ABC`` -> (``sha256``, ``abc``)."""
    for sep in (":", "="):
        algo, found, value = text.partition(sep)
        if found:
            return algo.strip().lower(), value.strip().lower()
    return "", text.strip().lower()


def missing_hash_findings(deps: Sequence[Dependency]) -> list[IntegrityFinding]:
    """One finding per pinned requirement without hashes, in formats that can carry them.

    Moderate when other requirements of the same file have hashes (pip's hash-checking mode
    would refuse the file), low when the file carries none at all.
    """
    hashed_sources = {d.source for d in deps if d.hashes}
    out: list[IntegrityFinding] = []
    for dep in deps:
        if dep.hashes or dep.format not in HASH_TOOLS or dep.editable or dep.url:
            continue
        partial = dep.source in hashed_sources
        out.append(IntegrityFinding(
            id="missing-hash", check="missing-hash",
            severity=Severity.MODERATE if partial else Severity.LOW,
            summary=(f"{dep.name}=={dep.version} has no hashes"
                     + (" while other requirements in the file do" if partial else "")
                     + f"; add them with {HASH_TOOLS[dep.format]}"),
            package=str(dep.name), version=dep.version, file=dep.source,
            source=dep.source, line=dep.line,
        ))
    return out


@dataclass
class HashOutcome:
    findings: list[IntegrityFinding] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)
    matched: list[tuple[ProjectPage, IndexFile]] = field(default_factory=list)

    @property
    def all_matched(self) -> bool:
        return not self.findings and not self.unchecked and bool(self.matched)


def check_hashes(dep: Dependency, pages: Sequence[ProjectPage]) -> HashOutcome:
    """Every hash of ``dep`` must match a file the index(es) serve for exactly that version."""
    out = HashOutcome()
    where = dep.location
    indexes = ", ".join(p.index for p in pages) or "no index"
    candidates = [(p, f) for p in pages if p.exists for f in p.files_for(dep.version)]
    by_hash: dict[tuple[str, str], list[tuple[ProjectPage, IndexFile]]] = defaultdict(list)
    other_versions: dict[tuple[str, str], str] = {}
    wanted = {id(f) for _, f in candidates}
    for page in pages:
        for file in page.files:
            if id(file) in wanted:
                continue
            for algo, value in file.hashes:
                other_versions.setdefault((algo, value), f"{file.filename} ({page.index})")
    for page, file in candidates:
        for algo, value in file.hashes:
            by_hash[(algo, value)].append((page, file))
    for text in dep.hashes:
        algo, value = split_hash(text)
        if algo not in STRONG:
            out.unchecked.append(
                f"{where}: {dep.name}=={dep.version}: hash algorithm {algo or '?'!r} is too weak "
                "to verify (use sha256)")
            continue
        hits = by_hash.get((algo, value))
        if hits:
            out.matched.extend(hits)
            continue
        lacking = [f.filename for _, f in candidates if f.hash(algo) is None]
        if lacking:
            out.unchecked.append(
                f"{where}: {dep.name}=={dep.version}: the index gives no {algo} for "
                f"{', '.join(lacking[:3])}")
            continue
        short = f"{algo}:{value[:16]}…"
        if not candidates:
            served = [p for p in pages if p.exists]
            what = (f"{indexes} serves no file for {dep.name}=={dep.version}" if served
                    else f"{dep.name} is not on {indexes}")
        else:
            what = (f"matches none of the {len(candidates)} files {indexes} serves for "
                    f"{dep.name}=={dep.version}")
        other = other_versions.get((algo, value))
        if other:
            what += f" (it is the hash of {other})"
        out.findings.append(IntegrityFinding(
            id="hash-mismatch", check="hash", severity=Severity.HIGH,
            summary=f"{short} {what}: the lock or requirements file may have been tampered "
                    "with, or the index serves different files",
            package=str(dep.name), version=dep.version, file=dep.source,
            source=dep.source, line=dep.line,
        ))
    return out
