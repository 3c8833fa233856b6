"""Pipfile.lock (``default`` -> group ``main``, ``develop`` -> ``dev``, other pipenv
categories -> their name) and Pipfile (the manifest, used when there is no lock).

Pipfile.lock records no graph, so ``parents`` stay empty. Direct: every entry, unless a
Pipfile sits next to the lock; then only the names it declares are direct.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from pipwarden.errors import SourceError
from pipwarden.models import Dependency, PackageName
from pipwarden.sources._common import (
    Collector,
    MarkerEnvironment,
    canonical,
    excluded_reason,
    load_toml,
    normalise_hash,
    read_text,
    table,
)
from pipwarden.sources._poetry import exact_version

FORMAT = "Pipfile.lock"
_CATEGORY_GROUP: dict[str, str] = {"default": "main", "develop": "dev", "packages": "main", "dev-packages": "dev"}
_UNCHECKED = ("git", "hg", "svn", "bzr", "path", "file")


def _line_index(text: str) -> dict[tuple[str, str], int]:
    """(category, name) -> line, from the indentation pretty-printed lock files use."""
    result: dict[tuple[str, str], int] = {}
    category = ""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped.startswith('"') or not stripped.endswith("{"):
            continue
        key = stripped.split('"')[1] if stripped.count('"') >= 2 else ""
        indent = len(line) - len(line.lstrip())
        if indent <= 4:
            category = key
        elif indent <= 8 and category:
            result.setdefault((category, key), number)
    return result


def parse(path: Path, markers: MarkerEnvironment) -> Collector:
    source = str(path)
    text = read_text(path)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        line = getattr(exc, "lineno", None)
        raise SourceError(f"invalid JSON: {exc}",
                          location=f"{source}:{line}" if line else source) from None
    if not isinstance(data, dict):
        raise SourceError("a Pipfile.lock must be a JSON object", location=source)
    collector = Collector(source=source, format=FORMAT, markers=markers)
    collector.files.append(source)
    declared = _declared_near(path)
    lines = _line_index(text)
    for url in _sources(table(data.get("_meta")).get("sources")):
        if url not in collector.index_urls:
            collector.index_urls.append(url)
    for category, entries in data.items():
        if category == "_meta":
            continue
        if not isinstance(entries, dict):
            collector.error("must be an object", key=category)
            continue
        group = _CATEGORY_GROUP.get(str(category), str(category))
        for raw_name, entry in entries.items():
            _entry(collector, category, group, str(raw_name), entry, declared,
                   lines.get((category, str(raw_name))))
    return collector


def _sources(value: object) -> list[str]:
    if not isinstance(value, list):
        return []
    return [str(table(s).get("url")) for s in value if isinstance(table(s).get("url"), str)]


def _entry(
    collector: Collector,
    category: str,
    group: str,
    raw_name: str,
    entry: object,
    declared: Mapping[str, str] | None,
    line: int | None,
) -> None:
    name = canonical(raw_name)
    key = f"{category}.{raw_name}"
    if not isinstance(entry, dict):
        collector.error("must be an object", key=key)
        return
    markers = entry.get("markers")
    marker = markers if isinstance(markers, str) and markers.strip() else None
    if marker and not collector.markers.included(marker):
        collector.skip(name, excluded_reason(marker), line=line, group=group)
        return
    for kind in _UNCHECKED:
        if isinstance(entry.get(kind), str):
            label = "editable " if entry.get("editable") is True else ""
            collector.skip(name, f"{label}{kind} requirement, not checked: {entry[kind]}",
                           line=line, group=group)
            return
    version = entry.get("version")
    pinned = exact_version(version) if isinstance(version, str) else None
    if pinned is None or not str(version).lstrip().startswith("="):
        collector.skip(name, "not pinned", line=line, group=group)
        return
    hashes = [normalise_hash(h) for h in entry.get("hashes", []) if isinstance(h, str)] if (
        isinstance(entry.get("hashes"), list)) else []
    raw_extras = entry.get("extras")
    collector.add(
        Dependency(
            name=PackageName(name),
            version=pinned,
            source=collector.source,
            format=FORMAT,
            line=line,
            key_path=key,
            group=group,
            direct=True if declared is None else name in declared,
            hashes=tuple(h for h in hashes if h),
            markers=marker,
            extras=tuple(sorted(str(e) for e in raw_extras)) if isinstance(raw_extras, list)
            else (),
            specifier=f"{raw_name}{version}",
        )
    )


def _declared_near(lock: Path) -> dict[str, str] | None:
    candidate = lock.with_name("Pipfile")
    if not candidate.is_file():
        return None
    try:
        data = load_toml(read_text(candidate), str(candidate))
    except SourceError:
        return None
    return declared(data)


def declared(data: Mapping[str, Any]) -> dict[str, str]:
    result: dict[str, str] = {}
    for category, entries in data.items():
        if category in ("source", "requires", "scripts", "pipenv") or not isinstance(
            entries, Mapping
        ):
            continue
        group = _CATEGORY_GROUP.get(category, category)
        for name in entries:
            result.setdefault(canonical(str(name)), group)
    return result


def parse_pipfile(path: Path, markers: MarkerEnvironment) -> Collector:
    """The Pipfile manifest: ``name = "==1.0"`` pins are checked, ``"*"`` and ranges are
    "not pinned"."""
    source = str(path)
    text = read_text(path)
    data = load_toml(text, source)
    collector = Collector(source=source, format="Pipfile", markers=markers)
    collector.files.append(source)
    for item in data.get("source", []) if isinstance(data.get("source"), list) else []:
        url = table(item).get("url")
        if isinstance(url, str) and url not in collector.index_urls:
            collector.index_urls.append(url)
    lines = text.splitlines()
    for category, entries in data.items():
        if category in ("source", "requires", "scripts", "pipenv"):
            continue
        if not isinstance(entries, dict):
            continue
        group = _CATEGORY_GROUP.get(category, category)
        for raw_name, spec in entries.items():
            line = next((i + 1 for i, text_line in enumerate(lines)
                         if text_line.strip().startswith((f"{raw_name} ", f"{raw_name}=",
                                                          f'"{raw_name}"'))), None)
            entry: object = {"version": spec} if isinstance(spec, str) else spec
            if isinstance(entry, dict):
                version = entry.get("version")
                if isinstance(version, str) and version.strip() == "*":
                    entry = {**entry, "version": ""}
            _entry(collector, category, group, str(raw_name), entry, None, line)
            if collector.skipped and collector.skipped[-1].reason == "not pinned" and (
                collector.skipped[-1].name == canonical(str(raw_name))
            ):
                version = table(entry).get("version")
                spec = version.strip() if isinstance(version, str) else ""
                collector.want(f"{raw_name}{spec}", source, line, group)
    collector.dependencies[:] = [replace(d, format="Pipfile") for d in collector.dependencies]
    return collector
