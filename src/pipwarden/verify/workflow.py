"""Reusable verify checks over values: pinned dependencies (hashes, confusion, provenance)
and an installed environment (RECORD, hooks). Used by ``pipwarden verify`` and meant for
``audit --verify`` and ``install``; results accumulate in a :class:`Collected`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pipwarden import net
from pipwarden.errors import NetworkError
from pipwarden.models import AnyFinding, Dependency, PackageName, Skipped
from pipwarden.net import IndexConfig
from pipwarden.settings import home
from pipwarden.verify.confusion import find_confusion
from pipwarden.verify.hashes import check_hashes, missing_hash_findings
from pipwarden.verify.index import IndexClient, IndexFile, ProjectPage
from pipwarden.verify.provenance import FileProvenance, Memory, judge, verify_file
from pipwarden.verify.record import check_environment, environment_paths


@dataclass
class Collected:
    """Mutable accumulator for one run; frozen into a Report at the end."""

    dependencies: list[Dependency] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    findings: list[AnyFinding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)
    unchecked_keys: set[tuple[str, str]] = field(default_factory=set)  # (name, version)
    unattested: list[str] = field(default_factory=list)  # "name version"
    unverifiable: set[tuple[str, str]] = field(default_factory=set)
    publishers: dict[str, list[str]] = field(default_factory=dict)
    files_checked: int = 0

    def add_unchecked(self, text: str, key: tuple[str, str] | None = None) -> None:
        if text not in self.unchecked:
            self.unchecked.append(text)
        if key:
            self.unchecked_keys.add(key)


def _key(name: str | None, version: str | None) -> tuple[str, str]:
    return (str(name or ""), str(version or ""))


def check_installed(python: str | None, acc: Collected | None = None) -> Collected:
    """The installed environment of ``python`` (None: this interpreter) against RECORD."""
    acc = acc if acc is not None else Collected()
    env = environment_paths(python)
    result = check_environment(env)
    for dist in result.distributions:
        acc.dependencies.append(Dependency(
            name=PackageName(dist.name), version=dist.version,
            source=f"environment:{env.executable}", format="environment",
        ))
        if dist.unverifiable_reason:
            acc.unverifiable.add(_key(dist.name, dist.version))
    acc.skipped.extend(result.unverifiable)
    acc.findings.extend(result.findings)
    for text in result.unchecked:
        acc.add_unchecked(text)
    acc.files_checked += result.files_checked
    acc.warnings.extend(result.warnings)
    return acc


_INDEX_URL_LINE = re.compile(r"^\s*(-i\s*\S|--index-url[\s=])", re.MULTILINE)


def _declares_index_url(source: str, cache: dict[str, bool]) -> bool:
    """Whether a requirements file sets ``--index-url`` itself (it then replaces pip's)."""
    if source not in cache:
        try:
            text = Path(source).read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = ""
        cache[source] = bool(_INDEX_URL_LINE.search(text))
    return cache[source]


_NO_INDEX_LINE = re.compile(r"^\s*--no-index\b", re.MULTILINE)
_FIND_LINKS_LINE = re.compile(r"^\s*(?:-f|--find-links)(?:\s*=\s*|\s+|(?=[^\s=-]))(\S+)", re.MULTILINE)


def _local_sources(source: str, cache: dict[str, tuple[bool, tuple[str, ...]]]) -> tuple[
    bool, tuple[str, ...]
]:
    """Whether a requirements file says ``--no-index``, and its local ``--find-links``
    directories (relative to the file, as pip resolves them) as ``file:`` URLs."""
    if source not in cache:
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = ""
        links = []
        for value in _FIND_LINKS_LINE.findall(text):
            if "://" in value:
                continue
            directory = path.parent / value
            if directory.is_dir():
                links.append(directory.resolve().as_uri())
        cache[source] = (bool(_NO_INDEX_LINE.search(text)), tuple(links))
    return cache[source]


def _dedupe(urls: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(u.rstrip("/") + "/" for u in urls if u))


def indexes_for(
    dep: Dependency,
    config: IndexConfig,
    cache: dict[str, bool],
    links_cache: dict[str, tuple[bool, tuple[str, ...]]] | None = None,
) -> tuple[str, ...]:
    """The indexes pip would consult for ``dep``, the way pip combines them.

    A lock file's own index URLs are exact. In a requirements file ``--index-url`` replaces
    pip's configured index and ``--extra-index-url`` adds to pip's configured extras; its local
    ``--find-links`` directories are sources too, the only ones with ``--no-index``.
    """
    if dep.index_urls and dep.format != "requirements":
        return _dedupe(dep.index_urls)
    if dep.format == "requirements":
        no_index, links = _local_sources(dep.source, {} if links_cache is None else links_cache)
        if no_index:
            return _dedupe(links)
        return _dedupe([*_indexes(dep, config, cache), *links])
    return _indexes(dep, config, cache)


def _indexes(dep: Dependency, config: IndexConfig, cache: dict[str, bool]) -> tuple[str, ...]:
    if dep.index_urls and _declares_index_url(dep.source, cache):
        return _dedupe([dep.index_urls[0], *config.extra_index_urls, *dep.index_urls[1:]])
    return _dedupe([config.index_url, *config.extra_index_urls, *dep.index_urls])


def check_dependencies(
    deps: Sequence[Dependency],
    acc: Collected | None = None,
    *,
    offline: bool = False,
    memory_path: Path | None = None,
) -> Collected:
    """Hashes, missing hashes, dependency confusion and provenance for pinned dependencies.

    Reusable by ``audit --verify`` and ``install`` (pass the planned dependencies). Nothing is
    printed; what could not be checked lands in ``acc.unchecked``.
    """
    acc = acc if acc is not None else Collected()
    deps = list(deps)
    acc.findings.extend(missing_hash_findings(deps))
    if not deps:
        return acc
    if offline:
        for dep in deps:
            acc.unchecked_keys.add(_key(dep.name, dep.version))
        acc.add_unchecked(
            f"{len(deps)} requirements: hashes, indexes and provenance not checked against the "
            "index (--offline)")
        return acc
    config = net.index_config()
    cache: dict[str, bool] = {}
    links: dict[str, tuple[bool, tuple[str, ...]]] = {}
    plan = {id(dep): indexes_for(dep, config, cache, links) for dep in deps}
    client = IndexClient(offline=offline)
    client.prefetch((index, dep.name) for dep in deps for index in plan[id(dep)])
    memory = Memory(memory_path or home() / "provenance.sqlite")
    try:
        for dep in deps:
            key = _key(dep.name, dep.version)
            if not plan[id(dep)]:
                acc.add_unchecked(f"{dep.location}: {dep.name}=={dep.version}: --no-index and "
                                  "no local --find-links directory to verify it against", key)
                continue
            pages: list[ProjectPage] = []
            for index in plan[id(dep)]:
                try:
                    pages.append(client.page(index, dep.name))
                except NetworkError as exc:
                    acc.add_unchecked(f"{dep.location}: {dep.name}=={dep.version}: {exc}", key)
            complete = len(pages) == len(plan[id(dep)])
            matched: list[tuple[ProjectPage, IndexFile]] = []
            pinned_ok = False
            if dep.hashes:
                outcome = check_hashes(dep, pages)
                if outcome.findings and not complete:
                    # the hash may be served by the index that could not be asked
                    acc.add_unchecked(f"{dep.location}: {dep.name}=={dep.version}: "
                                      f"{len(outcome.findings)} hash(es) not found on the "
                                      "reachable indexes", key)
                else:
                    acc.findings.extend(outcome.findings)
                for text in outcome.unchecked:
                    acc.add_unchecked(text, key)
                matched = outcome.matched
                pinned_ok = outcome.all_matched
            confusion = find_confusion(
                str(dep.name), dep.version, pages, hash_pinned=pinned_ok,
                source=dep.source, line=dep.line,
            )
            if confusion is not None:
                acc.findings.append(confusion)
            if dep.hashes:
                targets = list(dict.fromkeys(matched))
            else:
                targets = [(p, f) for p in pages if p.exists for f in p.files_for(dep.version)]
                if not targets and complete:
                    acc.add_unchecked(f"{dep.location}: {dep.name}=={dep.version}: no index "
                                      "serves this version: nothing to verify it against", key)
            _provenance(dep, targets, client, memory, acc)
    finally:
        memory.close()
    return acc


def _provenance(
    dep: Dependency,
    targets: list[tuple[ProjectPage, IndexFile]],
    client: IndexClient,
    memory: Memory,
    acc: Collected,
) -> None:
    key = _key(dep.name, dep.version)
    if not targets:
        return
    outcomes: list[FileProvenance] = []
    fetched: list[tuple[IndexFile, dict[str, object] | NetworkError | None]] = []
    with ThreadPoolExecutor(max_workers=min(8, len(targets))) as pool:
        def fetch(pair: tuple[ProjectPage, IndexFile]) -> dict[str, object] | NetworkError | None:
            try:
                return client.provenance(*pair)
            except NetworkError as exc:
                return exc

        for (_page, file), data in zip(targets, pool.map(fetch, targets), strict=True):
            fetched.append((file, data))
    for file, data in fetched:
        if isinstance(data, NetworkError):
            acc.add_unchecked(f"{dep.name}=={dep.version}: {file.filename}: provenance "
                              f"unavailable: {data}", key)
            continue
        if data is None:
            outcomes.append(FileProvenance(file.filename))
            continue
        sha256 = file.hash("sha256")
        if sha256 is None:
            acc.add_unchecked(f"{file.filename}: the index gives no sha256 to verify the "
                              "attestation against", key)
            continue
        result = verify_file(data, file.filename, sha256)
        if result.unchecked:
            acc.add_unchecked(result.unchecked, key)
            if result.error is None:
                continue
        outcomes.append(result)
    if not outcomes:
        return
    findings, unattested = judge(
        memory, str(dep.name), dep.version, outcomes, source=dep.source, line=dep.line)
    acc.findings.extend(findings)
    if unattested:
        acc.unattested.append(f"{dep.name} {dep.version}")
    identities = sorted({i for o in outcomes for i in o.identities})
    if identities and not findings:
        acc.publishers[f"{dep.name} {dep.version}"] = identities
