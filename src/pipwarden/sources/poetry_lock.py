"""poetry.lock, every lock-version (Poetry 0.x ``pyproject.lock`` with ``[metadata.hashes]``,
1.0/1.1 with ``category`` and ``[metadata.files]``, 2.0 with per-package ``files``, 2.1 with
``groups`` and ``markers``).

Graph: ``[package.dependencies]`` gives the edges (with ``markers`` / ``python``
restrictions); ``parents`` are the packages whose dependencies name a package.

Direct vs transitive: when a ``pyproject.toml`` sits next to the lock file, direct means
declared there (PEP 621 or Poetry sections, any group). Without it, a package that no other
locked package depends on (not even through an extra) is direct: the roots of the graph;
everything else is transitive. (So a declared package that is also some other package's
dependency counts as transitive when the pyproject.toml is missing.)

Group: ``groups`` (2.1, ``main`` preferred) or ``category`` (before 2.0); for 2.0 files the
group of the first declared root that reaches the package (``main`` first), from the
neighbouring pyproject.toml, else ``main``.

Markers: a package is excluded when every path from the roots to it crosses a marker that
is false for the target environment (or its own 2.1 ``markers`` are false). Packages that no
root reaches are kept (checked) rather than guessed away.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pipwarden.models import Dependency, PackageName
from pipwarden.sources._common import (
    Collector,
    IncomingMarkers,
    MarkerEnvironment,
    canonical,
    excluded_reason,
    header_lines,
    load_toml,
    normalise_hash,
    reachable,
    read_text,
    table,
)
from pipwarden.sources._poetry import combine_markers, python_marker
from pipwarden.sources.pyproject import declared_near
from pipwarden.urls import redact

FORMAT = "poetry.lock"
_UNCHECKED_SOURCES = ("git", "directory", "file", "url")


def parse(path: Path, markers: MarkerEnvironment) -> Collector:
    source = str(path)
    text = read_text(path)
    data = load_toml(text, source, fast=True)
    collector = Collector(source=source, format=FORMAT, markers=markers)
    collector.files.append(source)
    read_data(collector, data, header_lines(text), declared_near(path))
    return collector


def _edge_marker(spec: object) -> str | None:
    if isinstance(spec, dict):
        python = spec.get("python")
        raw = spec.get("markers")
        return combine_markers(
            raw if isinstance(raw, str) else None,
            python_marker(python) if isinstance(python, str) else None,
        )
    return None


def _own_marker(entry: Mapping[str, Any]) -> str | None:
    raw = entry.get("markers")
    if isinstance(raw, str):
        return raw
    if isinstance(raw, dict):
        values = [str(v) for v in raw.values() if isinstance(v, str)]
        if values and len(values) == len(raw):
            return " or ".join(f"({v})" for v in values) if len(values) > 1 else values[0]
    return None


def _hashes(entry: Mapping[str, Any], metadata: Mapping[str, Any], name: str,
            raw_name: str) -> tuple[str, ...]:
    found: list[str] = []
    files = entry.get("files")
    if not isinstance(files, list):
        files = table(metadata.get("files")).get(raw_name, table(metadata.get("files")).get(name))
    if isinstance(files, list):
        for item in files:
            value = table(item).get("hash")
            if isinstance(value, str) and (digest := normalise_hash(value)):
                found.append(digest)
    legacy = table(metadata.get("hashes")).get(raw_name, table(metadata.get("hashes")).get(name))
    if isinstance(legacy, list):
        for value in legacy:
            if isinstance(value, str) and (digest := normalise_hash(f"sha256:{value}")):
                found.append(digest)
    return tuple(dict.fromkeys(found))


def read_data(
    collector: Collector,
    data: Mapping[str, Any],
    headers: Sequence[int],
    declared: Mapping[str, str] | None,
) -> None:
    packages = data.get("package", [])
    if not isinstance(packages, list):
        collector.error("'package' must be an array of tables", key="package")
        return
    metadata = table(data.get("metadata"))
    if len(headers) != len(packages):
        headers = ()
    entries: list[tuple[int, str, str, Mapping[str, Any]]] = []  # index, name, version, entry
    for index, entry in enumerate(packages):
        where = f"package[{index}]"
        if not isinstance(entry, dict):
            collector.error("must be a table", key=where)
            continue
        raw_name, version = entry.get("name"), entry.get("version")
        if not isinstance(raw_name, str) or not raw_name.strip():
            collector.error("missing 'name'", key=f"{where}.name")
            continue
        if not isinstance(version, str) or not version.strip():
            collector.error(f"missing 'version' for {raw_name}", key=f"{where}.version")
            continue
        entries.append((index, raw_name, version, entry))
    names = {canonical(raw) for _, raw, _, _ in entries}
    edges: dict[str, list[tuple[str, str | None]]] = {}
    parents: dict[str, set[str]] = {}
    for _, raw_name, _, entry in entries:
        name = canonical(raw_name)
        deps = entry.get("dependencies")
        children = edges.setdefault(name, [])
        for child_raw, spec in table(deps).items():
            child = canonical(str(child_raw))
            if child not in names or child == name:
                continue
            specs = spec if isinstance(spec, list) else [spec]
            for item in specs:
                children.append((child, _edge_marker(item)))
            parents.setdefault(child, set()).add(name)
    if declared is not None:
        roots_by_group: dict[str, list[str]] = {}
        for name, group in declared.items():
            if name in names:
                roots_by_group.setdefault(group, []).append(name)
        direct = {name for name in declared if name in names}
    else:
        direct = {name for name in names if name not in parents}
        roots_by_group = {"main": sorted(direct)}
    roots = [(name, None) for name in sorted(direct)]
    everywhere = reachable(roots, edges, None)
    incoming = IncomingMarkers(edges)
    here = reachable(roots, edges, collector.markers)
    group_of: dict[str, str] = {}
    for group in sorted(roots_by_group, key=lambda g: g != "main"):
        for name in reachable([(n, None) for n in roots_by_group[group]], edges, None):
            group_of.setdefault(name, group)
    index_urls: list[str] = []
    for index, raw_name, version, entry in entries:
        name = canonical(raw_name)
        line = headers[index] if index < len(headers) else None
        groups = entry.get("groups")
        category = entry.get("category")
        if isinstance(groups, list) and groups and all(isinstance(g, str) for g in groups):
            group = "main" if "main" in groups else str(groups[0])
        elif isinstance(category, str) and category:
            group = category
        else:
            group = group_of.get(name, "main")
        own = _own_marker(entry)
        if name in everywhere and name not in here:
            collector.skip(name, excluded_reason(incoming.text(name)), line=line,
                           group=group)
            continue
        src = table(entry.get("source"))
        kind = src.get("type")
        url = src.get("url")
        if kind in _UNCHECKED_SOURCES:
            collector.skip(name, f"{kind} source, not checked: {redact(str(url))}", line=line, group=group)
            continue
        urls: tuple[str, ...] = ()
        if kind == "legacy" and isinstance(url, str):
            urls = (url,)
            if url not in index_urls:
                index_urls.append(url)
        collector.add(
            Dependency(
                name=PackageName(name),
                version=version.strip(),
                source=collector.source,
                format=FORMAT,
                line=line,
                key_path=f"package[{index}]",
                group=group,
                direct=name in direct,
                parents=tuple(sorted(parents.get(name, ()))),
                hashes=_hashes(entry, metadata, name, raw_name),
                markers=own,
                index_urls=urls,
            )
        )
    collector.index_urls.extend(index_urls)
