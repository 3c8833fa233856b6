"""uv.lock (``version = 1``, every ``revision``, and the early ``[[distribution]]`` files with
``source = "registry+URL"`` strings): registry, git, path, directory, url, editable and
virtual sources; workspaces.

Workspace members (``[manifest] members`` and the root package whose source is
``editable``/``virtual`` ``"."``) are the project itself, not third-party dependencies:
they are skipped with a reason. Direct = declared by a member (``dependencies``,
``optional-dependencies``, ``dev-dependencies``) or by the workspace root
(``[manifest] requirements`` / ``dependency-groups``). Group: ``main`` when reachable from a
member's ``dependencies``; else the extra or group whose declarations reach it.
``parents`` are the packages (members excluded) that list it. A package with several locked
versions (resolution forks) is matched by ``version`` where the edge gives one.

Markers: a package is excluded when every path to it crosses a marker that is false for
the target environment. Only registry packages are checked; git/path/url/editable sources
become Skipped values.
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

FORMAT = "uv.lock"
_SOURCE_KINDS = ("registry", "git", "path", "directory", "editable", "virtual", "url")

Edge = tuple[str, str | None]


def parse(path: Path, markers: MarkerEnvironment) -> Collector:
    source = str(path)
    text = read_text(path)
    data = load_toml(text, source, fast=True)
    collector = Collector(source=source, format=FORMAT, markers=markers)
    collector.files.append(source)
    read_data(collector, data, header_lines(text))
    return collector


class _Package:
    __slots__ = ("entry", "index", "key", "name", "source_kind", "source_value", "version")

    def __init__(self, index: int, name: str, version: str | None, entry: Mapping[str, Any]):
        self.index = index
        self.name = name
        self.version = version
        self.entry = entry
        self.key = name
        self.source_kind: str | None = None
        self.source_value: str | None = None
        raw = entry.get("source")
        if isinstance(raw, str) and "+" in raw:  # early lock files: "registry+https://..."
            kind, _, rest = raw.partition("+")
            self.source_kind = kind if kind in _SOURCE_KINDS else None
            self.source_value = rest if self.source_kind else raw
            return
        src = table(raw)
        self.source_kind = next((k for k in _SOURCE_KINDS if k in src), None)
        value = src.get(self.source_kind) if self.source_kind else None
        self.source_value = str(value) if value is not None else None


def read_data(collector: Collector, data: Mapping[str, Any], headers: Sequence[int]) -> None:
    # "[[distribution]]" is what uv's first lock files (before revisions) called a package
    raw_packages = data.get("package", data.get("distribution", []))
    if not isinstance(raw_packages, list):
        collector.error("'package' must be an array of tables", key="package")
        return
    if len(headers) != len(raw_packages):
        headers = ()
    packages: list[_Package] = []
    by_name: dict[str, list[_Package]] = {}
    for index, entry in enumerate(raw_packages):
        where = f"package[{index}]"
        if not isinstance(entry, dict):
            collector.error("must be a table", key=where)
            continue
        raw_name = entry.get("name")
        if not isinstance(raw_name, str) or not raw_name.strip():
            collector.error("missing 'name'", key=f"{where}.name")
            continue
        version = entry.get("version")
        package = _Package(index, canonical(raw_name), version if isinstance(version, str)
                           else None, entry)
        packages.append(package)
        by_name.setdefault(package.name, []).append(package)
    for name, same in by_name.items():
        if len(same) > 1:
            for package in same:
                package.key = f"{name}=={package.version}"
    manifest = table(data.get("manifest"))
    member_names = {canonical(str(m)) for m in manifest.get("members", []) or []
                    if isinstance(m, str)} if isinstance(manifest.get("members"), list) else set()
    members = {
        p.key for p in packages
        if p.name in member_names
        or (p.source_kind in ("editable", "virtual") and p.source_value == ".")
    }

    def targets(dep: object) -> list[tuple[str, str | None, list[str]]]:
        """(node key, marker, extras) for one dependency entry."""
        item = table(dep)
        name = item.get("name")
        if not isinstance(name, str):
            return []
        candidates = by_name.get(canonical(name), [])
        version = item.get("version")
        if isinstance(version, str) and len(candidates) > 1:
            chosen = [p for p in candidates if p.version == version] or candidates
        else:
            chosen = candidates
        marker = item.get("marker")
        extras = item.get("extra")
        extra_list = [str(e) for e in extras] if isinstance(extras, list) else []
        return [(p.key, marker if isinstance(marker, str) else None, extra_list) for p in chosen]

    # Nodes: package keys, plus "key[extra]" for an extra of a package.
    edges: dict[str, list[Edge]] = {}
    parents: dict[str, set[str]] = {}
    for package in packages:
        node_edges = edges.setdefault(package.key, [])
        for dep in _list(package.entry.get("dependencies")):
            for key, marker, extras in targets(dep):
                node_edges.extend(_edge(key, marker, extras))
                _note_parent(parents, key, package, members)
        for extra, deps in table(package.entry.get("optional-dependencies")).items():
            extra_node = edges.setdefault(f"{package.key}[{canonical(str(extra))}]",
                                          [(package.key, None)])
            for dep in _list(deps):
                for key, marker, extras in targets(dep):
                    extra_node.extend(_edge(key, marker, extras))
                    _note_parent(parents, key, package, members)
    # Roots: what the members (and the workspace root) declare, per group.
    roots_by_group: dict[str, list[Edge]] = {}
    for package in packages:
        if package.key not in members:
            continue
        for dep in _list(package.entry.get("dependencies")):
            for key, marker, extras in targets(dep):
                roots_by_group.setdefault("main", []).extend(_edge(key, marker, extras))
        for field in ("optional-dependencies", "dev-dependencies"):
            for group, deps in table(package.entry.get(field)).items():
                for dep in _list(deps):
                    for key, marker, extras in targets(dep):
                        roots_by_group.setdefault(str(group), []).extend(
                            _edge(key, marker, extras))
    for dep in _list(manifest.get("requirements")):
        for key, marker, extras in targets(dep):
            roots_by_group.setdefault("main", []).extend(_edge(key, marker, extras))
    for group, deps in table(manifest.get("dependency-groups")).items():
        for dep in _list(deps):
            for key, marker, extras in targets(dep):
                roots_by_group.setdefault(str(group), []).extend(_edge(key, marker, extras))
    for member in members:  # a member's own extras and its dependencies on other members
        edges.setdefault(member, [])
    direct = {key.split("[", 1)[0] for edges_ in roots_by_group.values()
              for key, _ in edges_} - members
    if not roots_by_group and not members:
        # a lock without a project (e.g. uv pip compile output): roots = nobody's children
        children = {key.split("[", 1)[0] for node in edges.values() for key, _ in node}
        direct = {p.key for p in packages} - children
        roots_by_group = {"main": [(key, None) for key in sorted(direct)]}
    all_roots = [edge for group_edges in roots_by_group.values() for edge in group_edges]
    everywhere = reachable(all_roots, edges, None)
    incoming = IncomingMarkers(edges)
    here = reachable(all_roots, edges, collector.markers)
    group_of: dict[str, str] = {}
    for group in sorted(roots_by_group, key=lambda g: g != "main"):
        for node in reachable(roots_by_group[group], edges, None):
            group_of.setdefault(node, group)
    index_urls: list[str] = []
    for package in packages:
        line = headers[package.index] if headers else None
        group = group_of.get(package.key, "main")
        name = package.name
        if package.key in members:
            collector.skip(name, "workspace member (the project itself), not a third-party "
                           "dependency", line=line, group=group)
            continue
        if package.key in everywhere and package.key not in here:
            collector.skip(name, excluded_reason(incoming.text(package.key)),
                           line=line, group=group)
            continue
        kind, value = package.source_kind, package.source_value
        if kind != "registry":
            label = {"editable": "editable", "virtual": "virtual", "git": "git",
                     "path": "local path", "directory": "local directory",
                     "url": "direct URL"}.get(kind or "", "unknown")
            collector.skip(name, f"{label} source, not checked: {value}", line=line,
                           group=group)
            continue
        if not package.version:
            collector.skip(name, "no version in the lock file", line=line, group=group)
            continue
        if value and value not in index_urls:
            index_urls.append(value)
        collector.add(
            Dependency(
                name=PackageName(name),
                version=package.version,
                source=collector.source,
                format=FORMAT,
                line=line,
                key_path=f"package[{package.index}]",
                group=group,
                direct=package.key in direct,
                parents=tuple(sorted(parents.get(package.key, ()))),
                hashes=_hashes(package.entry),
                index_urls=(value,) if value else (),
            )
        )
    collector.index_urls.extend(index_urls)


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _edge(key: str, marker: str | None, extras: list[str]) -> list[Edge]:
    return [(key, marker)] + [(f"{key}[{canonical(extra)}]", marker) for extra in extras]


def _note_parent(parents: dict[str, set[str]], key: str, package: _Package,
                 members: set[str]) -> None:
    if package.key not in members and key != package.key:
        parents.setdefault(key, set()).add(package.name)


def _hashes(entry: Mapping[str, Any]) -> tuple[str, ...]:
    found: list[str] = []
    candidates = [entry.get("sdist"), *_list(entry.get("wheels"))]
    for item in candidates:
        value = table(item).get("hash")
        if isinstance(value, str) and (digest := normalise_hash(value)):
            found.append(digest)
    return tuple(dict.fromkeys(found))
