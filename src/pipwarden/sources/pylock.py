"""pylock.toml (PEP 751), validated by :mod:`packaging.pylock`.

Markers are evaluated in the ``lock_file`` context, where ``extras`` and
``dependency_groups`` are sets. Group: ``main`` when the package is installed with the
default groups and no extra; else the first extra, then the first group, that selects it.
A package no extra/group combination selects on the target environment is skipped
("excluded by markers"). PEP 751 makes the graph optional and informational
(``packages[].dependencies``): when a lock records it, ``parents`` come from it and a
package that no other package names is direct; without it every package counts as direct
and ``parents`` stay empty. Packages from VCS, a directory or an archive URL are skipped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from packaging.markers import Marker, default_environment

from pipwarden.errors import SourceError
from pipwarden.models import Dependency, PackageName
from pipwarden.sources._common import (
    Collector,
    MarkerEnvironment,
    canonical,
    excluded_reason,
    header_lines,
    load_toml,
    normalise_hash,
    read_text,
)

FORMAT = "pylock.toml"


def parse(path: Path, markers: MarkerEnvironment) -> Collector:
    source = str(path)
    text = read_text(path)
    data = load_toml(text, source, fast=True)
    collector = Collector(source=source, format=FORMAT, markers=markers)
    collector.files.append(source)
    read_data(collector, data, header_lines(text, "[[packages]]"))
    return collector


def _load(data: Mapping[str, Any], source: str) -> Any:
    try:
        from packaging.pylock import Pylock, PylockValidationError
    except ImportError:  # pragma: no cover - packaging < 25
        raise SourceError("reading pylock.toml needs packaging >= 25", location=source,
                          hint="pip install -U packaging") from None
    try:
        return Pylock.from_dict(data)
    except PylockValidationError as exc:
        context = getattr(exc, "context", None)
        location = f"{source}:{context}" if context else source
        raise SourceError(f"invalid pylock file: {getattr(exc, 'message', exc)}",
                          location=location) from None
    except Exception as exc:  # noqa: BLE001 - any failure of the validator is a bad file
        raise SourceError(f"invalid pylock file: {exc}", location=source) from None


def _evaluate(marker: Marker, env: Mapping[str, Any]) -> bool:
    try:
        return bool(marker.evaluate(dict(env), context="lock_file"))  # type: ignore[call-arg]
    except TypeError:
        try:
            return bool(marker.evaluate(dict(env)))
        except Exception:  # noqa: BLE001
            return True
    except Exception:  # noqa: BLE001 - a marker we cannot evaluate: check the package
        return True


def _hashes(*mappings: object) -> tuple[str, ...]:
    found: list[str] = []
    for value in mappings:
        if isinstance(value, dict):
            for algorithm, digest in value.items():
                if isinstance(digest, str) and (h := normalise_hash(f"{algorithm}:{digest}")):
                    found.append(h)
    return tuple(dict.fromkeys(found))


def read_data(collector: Collector, data: Mapping[str, Any], headers: Sequence[int]) -> None:
    lock = _load(data, collector.source)
    packages = list(lock.packages)
    if len(headers) != len(packages):
        headers = ()
    extras = [str(e) for e in (lock.extras or ())]
    groups = [str(g) for g in (lock.dependency_groups or ())]
    defaults = frozenset(str(g) for g in (lock.default_groups or ()))
    target = collector.markers.environment
    base: dict[str, Any] = dict(target) if target is not None else dict(default_environment())
    parents: dict[str, set[str]] = {}
    graph = False
    for package in packages:
        for item in package.dependencies or ():
            child = item.get("name") if isinstance(item, dict) else None
            graph = True
            if isinstance(child, str) and canonical(child) != canonical(str(package.name)):
                parents.setdefault(canonical(child), set()).add(canonical(str(package.name)))
    for index, package in enumerate(packages):
        name = canonical(str(package.name))
        line = headers[index] if headers else None
        key = f"packages[{index}]"
        group = "main"
        if package.marker is not None:
            marker = package.marker
            choices: list[tuple[str, frozenset[str], frozenset[str]]] = [
                ("main", frozenset(), defaults)
            ]
            choices += [(e, frozenset({e}), defaults) for e in extras]
            choices += [(g, frozenset(), frozenset({g})) for g in groups]
            chosen = next(
                (label for label, ex, gr in choices
                 if _evaluate(marker, {**base, "extras": ex, "dependency_groups": gr})),
                None,
            )
            if chosen is None and target is not None:
                every = {**base, "extras": frozenset(extras),
                         "dependency_groups": frozenset(groups) | defaults}
                if not _evaluate(marker, every):
                    collector.skip(name, excluded_reason(str(marker)), line=line)
                    continue
            group = chosen or "main"
        if package.vcs is not None:
            collector.skip(name, f"VCS package, not checked: {package.vcs.url or package.vcs.path}",
                           line=line, group=group)
            continue
        if package.directory is not None:
            collector.skip(name, f"local directory, not checked: {package.directory.path}",
                           line=line, group=group)
            continue
        if package.archive is not None:
            where = package.archive.url or package.archive.path
            collector.skip(name, f"archive package, not checked: {where}", line=line,
                           group=group)
            continue
        if package.version is None:
            collector.skip(name, "no version in the lock file", line=line, group=group)
            continue
        hashes = _hashes(
            package.sdist.hashes if package.sdist else None,
            *[wheel.hashes for wheel in (package.wheels or ())],
        )
        index_url = package.index
        if index_url and index_url not in collector.index_urls:
            collector.index_urls.append(index_url)
        collector.dependencies.append(
            Dependency(
                name=PackageName(name),
                version=str(package.version),
                source=collector.source,
                format=FORMAT,
                line=line,
                key_path=key,
                group=group,
                direct=not (graph and name in parents),
                parents=tuple(sorted(parents.get(name, ()))),
                hashes=hashes,
                markers=str(package.marker) if package.marker is not None else None,
                index_urls=(index_url,) if index_url else (),
            )
        )
