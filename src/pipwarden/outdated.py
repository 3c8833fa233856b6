"""Newer releases of installed or pinned packages, from the index's JSON API (through net.py).

Release lists are cached under ``PIPWARDEN_HOME/cache/index-json/`` for an hour; with
``--offline`` only the cache is used, whatever its age. An update is marked when it fixes a
known vulnerability of the current version.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from pipwarden import net
from pipwarden.errors import NetworkError
from pipwarden.models import Dependency, VulnerabilityFinding
from pipwarden.settings import home
from pipwarden.urls import redact

CACHE_SECONDS = 3600
MAX_JSON = 32 * 1024 * 1024

Fetch = Callable[..., net.Response]


@dataclass(frozen=True)
class Release:
    version: str
    yanked: bool
    sha256: tuple[str, ...] = ()  # digests of the release's files


def _cache_file(url: str) -> Path:
    return home() / "cache" / "index-json" / (hashlib.sha256(url.encode()).hexdigest() + ".json")


def _read_cache(url: str, max_age: float | None) -> Any | None:
    path = _cache_file(url)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or "body" not in data:
        return None
    if max_age is not None and time.time() - float(data.get("fetched", 0)) > max_age:
        return None
    return data["body"]


def _write_cache(url: str, body: Any) -> None:
    path = _cache_file(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps({"fetched": time.time(), "url": url, "body": body}))
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)


class ReleaseIndex:
    """Release lists per project, from the JSON API of the user's (first) index."""

    def __init__(
        self, *, offline: bool = False, fetch: Fetch | None = None, base: str | None = None
    ):
        self.offline = offline
        self._fetch: Fetch = fetch or net.get
        self._base = base
        self.errors: list[str] = []
        self._answers: dict[str, Any] = {}  # canonical name -> body or None, asked once

    @property
    def base(self) -> str:
        if self._base is None:
            self._base = net.json_api_base(net.index_config().index_url)
        return self._base

    def project_json(self, name: str) -> Any | None:
        key = canonicalize_name(name)
        if key not in self._answers:
            self._answers[key] = self._project_json(name)
        return self._answers[key]

    def _project_json(self, name: str) -> Any | None:
        url = f"{self.base}{canonicalize_name(name)}/json"
        cached = _read_cache(url, None if self.offline else CACHE_SECONDS)
        if cached is not None:
            return cached
        if self.offline:
            self.errors.append(f"{name}: no cached release list (--offline)")
            return None
        try:
            resp = self._fetch(url, offline=False, accept="application/json", max_bytes=MAX_JSON)
            body = json.loads(resp.body)
        except NetworkError as exc:
            self.errors.append(f"{name}: {exc}")
            return None
        except ValueError:
            self.errors.append(f"{name}: the index answered with invalid JSON ({redact(url)})")
            return None
        _write_cache(url, body)
        return body

    def releases(self, name: str) -> list[Release] | None:
        """Every release with its yanked state, oldest first; None when unknown."""
        data = self.project_json(name)
        if not isinstance(data, dict) or not isinstance(data.get("releases"), dict):
            return None
        out: list[Release] = []
        for version, files in data["releases"].items():
            files = files if isinstance(files, list) else []
            if not files:
                continue  # a release without files cannot be installed
            yanked = all(bool(f.get("yanked")) for f in files if isinstance(f, dict))
            digests = tuple(
                str(f["digests"]["sha256"])
                for f in files
                if isinstance(f, dict)
                and isinstance(f.get("digests"), dict)
                and isinstance(f["digests"].get("sha256"), str)
            )
            out.append(Release(str(version), yanked, digests))
        return sorted(out, key=lambda r: _sort_key(r.version))

    def versions(self, name: str) -> list[str] | None:
        found = self.releases(name)
        if found is None:
            return None
        return [r.version for r in found if not r.yanked]

    def prefetch(self, names: Sequence[str]) -> None:
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(self.project_json, names))


def _sort_key(text: str) -> tuple[int, Version | str]:
    try:
        return (1, Version(text))
    except InvalidVersion:
        return (0, text)


def latest(versions: Sequence[str], current: str) -> str | None:
    """The newest version (pre-releases only when the current one is a pre-release)."""
    try:
        now = Version(current)
    except InvalidVersion:
        return None
    best: Version | None = None
    for text in versions:
        try:
            v = Version(text)
        except InvalidVersion:
            continue
        if v.is_prerelease and not now.is_prerelease:
            continue
        if best is None or v > best:
            best = v
    return str(best) if best is not None and best > now else None


@dataclass(frozen=True)
class Outdated:
    name: str
    current: str
    latest: str
    source: str
    fixes: tuple[str, ...] = ()  # advisory ids of the current version that the latest clears
    still_affected: tuple[str, ...] = ()  # advisory ids that the latest version still has

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "current": self.current,
            "latest": self.latest,
            "source": self.source,
            "fixes_vulnerabilities": list(self.fixes),
            "still_affected": list(self.still_affected),
        }


def find_outdated(
    deps: Sequence[Dependency],
    index: ReleaseIndex,
    vulnerabilities: Sequence[VulnerabilityFinding],
    affected_by: Callable[[str, str], set[str]],
) -> list[Outdated]:
    """Outdated packages among ``deps``; ``affected_by(name, version)`` gives the advisory ids
    (all aliases) that affect a version, to say which updates fix a vulnerability."""
    names = sorted({d.name for d in deps})
    index.prefetch(names)
    by_name: dict[str, list[VulnerabilityFinding]] = {}
    for f in vulnerabilities:
        by_name.setdefault(str(f.package), []).append(f)
    out: list[Outdated] = []
    seen: set[tuple[str, str]] = set()
    for dep in sorted(deps, key=lambda d: d.name):
        if (dep.name, dep.version) in seen:
            continue
        seen.add((dep.name, dep.version))
        versions = index.versions(dep.name)
        if not versions:
            continue
        newest = latest(versions, dep.version)
        if newest is None:
            continue
        fixes: list[str] = []
        still: list[str] = []
        current = by_name.get(dep.name, [])
        if current:
            remaining = affected_by(dep.name, newest)
            for finding in current:
                ids = {finding.id, *finding.aliases}
                (still if ids & remaining else fixes).append(finding.id)
        out.append(
            Outdated(dep.name, dep.version, newest, dep.location, tuple(fixes), tuple(still))
        )
    return out
