"""pyproject.toml: PEP 621 ``dependencies`` / ``optional-dependencies``, PEP 735
``[dependency-groups]`` (with ``include-group``), and Poetry's ``[tool.poetry.dependencies]``,
``[tool.poetry.group.<name>.dependencies]`` and legacy ``[tool.poetry.dev-dependencies]``.

Manifests rarely pin: ranges (``>=1``, Poetry's ``^1.2`` / ``~1.2``) become
``Skipped("not pinned")`` and can be resolved with ``--resolve``. A Poetry bare version
(``bcrypt = "4.0.1"``) is an exact pin. Groups: ``main``, an extra's name, or the group's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
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
    read_text,
    table,
)
from pipwarden.sources._poetry import (
    combine_markers,
    exact_version,
    python_marker,
    to_specifiers,
)

FORMAT = "pyproject"
_MAX_GROUP_DEPTH = 100


class _Lines:
    """Cheap line lookups in the TOML text for ``Dependency.line``.

    Headers are found once; within a section the search resumes after the previous hit
    (entries are read in file order), so a file of N entries costs O(lines), not O(N x lines).
    """

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self._headers: dict[str, int] = {}
        self._cursors: dict[tuple[str, str], int] = {}

    def header(self, name: str) -> int:
        """0-based index of the ``[name]`` header line, or 0."""
        if name not in self._headers:
            pattern = re.compile(r"^\s*\[\s*" + r"\s*\.\s*".join(
                rf"(\"{re.escape(p)}\"|'{re.escape(p)}'|{re.escape(p)})" for p in name.split(".")
            ) + r"\s*\]\s*(#.*)?$")
            self._headers[name] = next(
                (index for index, line in enumerate(self.lines) if pattern.match(line)), 0
            )
        return self._headers[name]

    def _find(self, kind: str, section: str, hit: Callable[[str], bool]) -> int | None:
        start = self.header(section)
        cursor = self._cursors.get((kind, section), start)
        for span in (range(cursor, len(self.lines)), range(start, cursor)):
            for index in span:
                if hit(self.lines[index]):
                    self._cursors[(kind, section)] = index + 1
                    return index + 1
        return None

    def key(self, section: str, key: str) -> int | None:
        pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*[=.]")
        return self._find("key", section, lambda line: pattern.match(line) is not None)

    def string(self, section: str, text: str) -> int | None:
        needles = (f'"{text}"', f"'{text}'")
        return self._find("string", section, lambda line: any(n in line for n in needles))


def parse(path: Path, markers: MarkerEnvironment) -> Collector:
    source = str(path)
    text = read_text(path)
    data = load_toml(text, source)
    collector = Collector(source=source, format=FORMAT, markers=markers)
    collector.files.append(source)
    read_data(collector, data, _Lines(text))
    return collector


def project_name(data: Mapping[str, Any]) -> str | None:
    name = table(data.get("project")).get("name")
    if not isinstance(name, str):
        name = table(table(data.get("tool")).get("poetry")).get("name")
    return canonical(name) if isinstance(name, str) and name else None


def read_data(collector: Collector, data: Mapping[str, Any], lines: _Lines) -> None:
    own = project_name(data)
    project = data.get("project")
    if project is not None and not isinstance(project, dict):
        raise SourceError("[project] must be a table", location=f"{collector.source}:project")
    project = table(project)
    _pep508_list(collector, project.get("dependencies"), "project.dependencies", "project",
                 "main", lines, own)
    optional = project.get("optional-dependencies")
    if optional is not None:
        if not isinstance(optional, dict):
            collector.error("must be a table", key="project.optional-dependencies")
        else:
            for extra, items in optional.items():
                _pep508_list(collector, items, f"project.optional-dependencies.{extra}",
                             "project.optional-dependencies", str(extra), lines, own)
    _dependency_groups(collector, data.get("dependency-groups"), lines, own)
    poetry = table(table(data.get("tool")).get("poetry"))
    if poetry:
        _poetry(collector, poetry, lines)


def _pep508_list(
    collector: Collector,
    items: object,
    key: str,
    section: str,
    group: str,
    lines: _Lines,
    own: str | None,
) -> None:
    if items is None:
        return
    if not isinstance(items, list):
        collector.error("must be a list of requirement strings", key=key)
        return
    for index, item in enumerate(items):
        if not isinstance(item, str):
            collector.error("must be a requirement string", key=f"{key}[{index}]")
            continue
        collector.add_requirement(
            item,
            line=lines.string(section, item),
            key_path=f"{key}[{index}]",
            group=group,
            project=own,
        )


def _dependency_groups(
    collector: Collector, groups: object, lines: _Lines, own: str | None
) -> None:
    """PEP 735: each requirement is listed under the group that declares it; include-group
    references are checked (unknown groups and cycles are errors)."""
    if groups is None:
        return
    if not isinstance(groups, dict):
        collector.error("must be a table", key="dependency-groups")
        return
    normalised = {canonical(str(name)): name for name in groups}
    reported: set[frozenset[str]] = set()

    def check(name: str, stack: tuple[str, ...]) -> None:
        if len(stack) > _MAX_GROUP_DEPTH:
            collector.error("include-group nested too deeply", key=f"dependency-groups.{name}")
            return
        items = groups.get(normalised[name])
        if not isinstance(items, list):
            return
        for item in items:
            if isinstance(item, dict) and "include-group" in item:
                target = item.get("include-group")
                if not isinstance(target, str) or canonical(target) not in normalised:
                    collector.error(f"include-group of unknown group {target!r}",
                                    key=f"dependency-groups.{name}")
                    continue
                target_key = canonical(target)
                if target_key in stack:
                    cycle = frozenset(stack[stack.index(target_key):])
                    if cycle not in reported:
                        reported.add(cycle)
                        chain = " -> ".join([*stack[stack.index(target_key):], target_key])
                        collector.error(f"include-group cycle: {chain}",
                                        key=f"dependency-groups.{name}")
                    continue
                check(target_key, (*stack, target_key))

    for key, name in normalised.items():
        check(key, (key,))
        items = groups[name]
        where = f"dependency-groups.{name}"
        if not isinstance(items, list):
            collector.error("must be a list", key=where)
            continue
        for index, item in enumerate(items):
            if isinstance(item, str):
                collector.add_requirement(
                    item, line=lines.string("dependency-groups", item),
                    key_path=f"{where}[{index}]", group=str(name), project=own,
                )
            elif not (isinstance(item, dict) and "include-group" in item):
                collector.error("must be a requirement string or an include-group table",
                                key=f"{where}[{index}]")


def _poetry(collector: Collector, poetry: Mapping[str, Any], lines: _Lines) -> None:
    extras_of: dict[str, str] = {}
    extras = poetry.get("extras")
    if isinstance(extras, dict):
        for extra, names in extras.items():
            if isinstance(names, list):
                for name in names:
                    if isinstance(name, str):
                        extras_of.setdefault(canonical(name), str(extra))
    sections: list[tuple[str, str, object]] = [
        ("tool.poetry.dependencies", "main", poetry.get("dependencies")),
        ("tool.poetry.dev-dependencies", "dev", poetry.get("dev-dependencies")),
    ]
    groups = poetry.get("group")
    if isinstance(groups, dict):
        for name, body in groups.items():
            sections.append(
                (f"tool.poetry.group.{name}.dependencies", str(name),
                 table(body).get("dependencies"))
            )
    for section, group, deps in sections:
        if deps is None:
            continue
        if not isinstance(deps, dict):
            collector.error("must be a table", key=section)
            continue
        for name, spec in deps.items():
            if canonical(str(name)) == "python":
                continue
            _poetry_entry(collector, str(name), spec, section, group, lines, extras_of)


def _poetry_entry(
    collector: Collector,
    raw_name: str,
    spec: object,
    section: str,
    group: str,
    lines: _Lines,
    extras_of: Mapping[str, str],
) -> None:
    name = canonical(raw_name)
    key = f"{section}.{raw_name}"
    line = lines.key(section, raw_name)
    entries: list[object] = spec if isinstance(spec, list) else [spec]
    for position, entry in enumerate(entries):
        where = key if len(entries) == 1 else f"{key}[{position}]"
        if isinstance(entry, str):
            entry = {"version": entry}
        if not isinstance(entry, dict):
            collector.error("must be a version string or a table", key=where)
            continue
        entry_group = group
        if entry.get("optional") is True and group == "main":
            entry_group = extras_of.get(name, group)
        python = entry.get("python")
        marker = combine_markers(
            entry.get("markers") if isinstance(entry.get("markers"), str) else None,
            python_marker(python) if isinstance(python, str) else None,
        )
        if marker and not collector.markers.included(marker):
            collector.skip(name, excluded_reason(marker), line=line, group=entry_group)
            continue
        for kind in ("git", "path", "url", "file"):
            if isinstance(entry.get(kind), str):
                reason = f"{kind} dependency, not checked: {entry[kind]}"
                if entry.get("develop") is True:
                    reason = f"editable {reason}"
                collector.skip(name, reason, line=line, group=entry_group)
                break
        else:
            version = entry.get("version")
            raw_extras = entry.get("extras")
            extras = tuple(sorted(str(e) for e in raw_extras)) if isinstance(
                raw_extras, list) else ()
            if not isinstance(version, str):
                collector.skip(name, "not pinned", line=line, group=entry_group)
                continue
            pinned = exact_version(version)
            if pinned is None:
                collector.skip(name, "not pinned", line=line, group=entry_group)
                requirement = _as_requirement(raw_name, extras, version, marker)
                if requirement is not None:
                    collector.want(requirement, None, line, entry_group)
                continue
            collector.add(
                Dependency(
                    name=PackageName(name),
                    version=pinned,
                    source=collector.source,
                    format=collector.format,
                    line=line,
                    key_path=where,
                    group=entry_group,
                    direct=True,
                    markers=marker,
                    extras=extras,
                    specifier=f"{raw_name} = {version!r}",
                )
            )


def _as_requirement(name: str, extras: tuple[str, ...], constraint: str,
                    marker: str | None) -> str | None:
    """A PEP 508 requirement for a Poetry constraint (for --resolve); None if not expressible."""
    alternatives = to_specifiers(constraint)
    if alternatives is None or len(alternatives) > 1:
        return None
    spec = ",".join(f"{op}{value}" for op, value in alternatives[0]) if alternatives else ""
    text = name + (f"[{','.join(extras)}]" if extras else "") + spec
    return f"{text}; {marker}" if marker else text


def declared(data: Mapping[str, Any]) -> dict[str, str]:
    """Names the project declares directly -> group (``main`` first), for lock files."""
    result: dict[str, str] = {}
    collector = Collector(source="pyproject.toml", format=FORMAT,
                          markers=MarkerEnvironment(None))
    try:
        read_data(collector, data, _Lines(""))
    except SourceError:
        return result
    entries = [(d.name, d.group) for d in collector.dependencies] + [
        (s.name, s.group) for s in collector.skipped
    ]
    for name, group in sorted(entries, key=lambda item: item[1] != "main"):
        result.setdefault(canonical(name), group)
    return result


def declared_near(lock: Path) -> dict[str, str] | None:
    """:func:`declared` for the pyproject.toml next to a lock file; None when absent/broken."""
    candidate = lock.parent / "pyproject.toml"
    if not candidate.is_file():
        return None
    try:
        return declared(load_toml(read_text(candidate), str(candidate)))
    except SourceError:
        return None
