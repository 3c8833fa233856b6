"""The ``audit`` workflow: sources -> store -> checks -> one Report."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pipwarden import sources
from pipwarden.advisories.store import Store
from pipwarden.checks.matching import match
from pipwarden.checks.policy import apply_ignores, exit_code
from pipwarden.errors import PipwardenError, SourceError, StoreError
from pipwarden.models import AnyFinding, Dependency, Report
from pipwarden.settings import AuditSettings, store_path

if TYPE_CHECKING:
    from pipwarden.verify.workflow import Collected

LOCK_TOOLS = {
    "uv.lock": "uv lock --upgrade-package {name}",
    "poetry.lock": "poetry update {name}",
    "Pipfile.lock": "pipenv update {name}",
}


def open_store(offline: bool) -> Store:
    """Open the store; build it first when it has never been built (unless offline)."""
    path = store_path()
    if not path.exists():
        if offline:
            raise StoreError(
                f"no advisory store at {path} and --offline was given",
                hint="pipwarden db update --osv PATH",
            )
        from pipwarden.advisories.importer import update

        sys.stderr.write("no advisory store yet: building it first (pipwarden db update)\n")
        result = update(path)
        sys.stderr.write(result.describe() + "\n")
    return Store.open(path)


def collect(settings: AuditSettings) -> sources.SourceResult:
    """The dependencies to audit."""
    if settings.paths:
        return sources.collect(
            settings.paths,
            python=settings.python,
            all_platforms=settings.all_platforms,
            resolve=settings.resolve,
            offline=settings.offline,
        )
    if settings.python is None:
        found = sources.detect(Path.cwd())
        if found:
            return sources.collect(
                [str(p) for p in found],
                all_platforms=settings.all_platforms,
                resolve=settings.resolve,
                offline=settings.offline,
            )
    return sources.collect_environment(settings.python, include_self=settings.include_self)


def via(dep: Dependency, deps_by_source: dict[tuple[str, str], Dependency]) -> str:
    """``direct`` or ``via fastapi > starlette`` (shortest path from a direct dependency)."""
    if dep.direct or not dep.parents:
        return "direct" if dep.direct else "transitive"
    start = str(dep.name)
    seen = {start}
    frontier: list[list[str]] = [[start]]
    while frontier:
        next_frontier: list[list[str]] = []
        for path in frontier:
            node = deps_by_source.get((dep.source, path[-1]))
            parents = node.parents if node else ()
            for parent in sorted(parents):
                if parent in seen:
                    continue
                seen.add(parent)
                parent_dep = deps_by_source.get((dep.source, parent))
                new_path = [*path, parent]
                if parent_dep is None or parent_dep.direct:
                    chain = list(reversed(new_path[1:]))
                    return "via " + " > ".join(chain)
                next_frontier.append(new_path)
        frontier = next_frontier
    return "via " + " > ".join(sorted(dep.parents)[:1])


def fix_command(dep: Dependency, fix: str | None, python: str | None) -> str | None:
    """The one command (or edited line) that fixes ``dep`` for its kind of source."""
    if fix is None:
        return None
    if dep.format in LOCK_TOOLS:
        return LOCK_TOOLS[dep.format].format(name=dep.name)
    if dep.format == "environment":
        prefix = f"{python} -m pip" if python else "pip"
        return f"{prefix} install '{dep.name}>={fix}'"
    if dep.format == "pylock.toml":
        return f"re-lock {Path(dep.source).name} with {dep.name}>={fix}"
    extras = f"[{','.join(dep.extras)}]" if dep.extras else ""
    line = f"{dep.name}{extras}=={fix}"
    if dep.format == "pyproject" and dep.key_path and "poetry" in dep.key_path:
        line = f'{dep.name} = "{fix}"'
    where = f"{dep.source}:{dep.line}" if dep.line else dep.source
    return f"{where}: {line}"


def audit_dependencies(
    deps: Sequence[Dependency], store: Store, *, typosquats: bool = True, offline: bool = True
) -> tuple[list[AnyFinding], list[str], dict[tuple[str, str], str | None]]:
    """Vulnerability + malicious matches, and typosquat checks on direct dependencies; the
    smallest fix of each vulnerable (name, version).

    Online, the fixing versions of vulnerable packages are chosen among the index's real,
    non-yanked releases; when the index cannot be reached they come from the advisories.
    """
    result = match(deps, store)
    warnings = list(result.warnings)
    if not offline and result.fixes:
        releases, problem = _release_lists(sorted(result.fixes))
        if releases:  # again, only for the affected packages, now among real releases
            result = match([d for d in deps if d.name in result.fixes], store, releases)
        if problem:
            warnings.append(
                f"release lists unavailable ({problem}); fixing versions come from the advisories"
            )
    findings: list[AnyFinding] = list(result.findings)
    if typosquats:
        findings += _typosquats(deps, store)
    return findings, warnings, dict(result.fixes_by_version)


def _release_lists(names: Sequence[str]) -> tuple[dict[str, list[str]], str | None]:
    """The index's non-yanked releases of ``names`` (cached), and the first error if any."""
    from pipwarden.outdated import ReleaseIndex

    index = ReleaseIndex()
    try:
        index.prefetch(names)
    except PipwardenError as exc:
        return {}, str(exc)
    out: dict[str, list[str]] = {}
    for name in names:
        versions = index.versions(name)
        if versions is not None:
            out[name] = versions
    return out, (index.errors[0] if index.errors else None)


def _typosquats(deps: Sequence[Dependency], store: Store) -> list[AnyFinding]:
    """Typosquat checks on the names the project itself declares (direct dependencies)."""
    from pipwarden.checks.typosquat import store_index

    direct = sorted({str(d.name) for d in deps if d.direct})
    if not direct:
        return []
    by_name = {str(d.name): d for d in deps if d.direct}
    found: list[AnyFinding] = []
    for finding in store_index(store).check(direct):
        dep = by_name.get(finding.package or "")
        if dep is not None:
            finding = dataclasses.replace(
                finding, version=dep.version, source=dep.source, line=dep.line
            )
        found.append(finding)
    return found


def _verify(settings: AuditSettings, found: sources.SourceResult) -> Collected:
    """``audit --verify``: the checks of ``pipwarden verify`` on the same inputs."""
    from pipwarden.verify.workflow import Collected, check_dependencies, check_installed

    environment = [d for d in found.dependencies if d.format == "environment"]
    declared = [d for d in found.dependencies if d.format != "environment"]
    acc = Collected()
    if environment:
        check_installed(settings.python, acc)
        acc.dependencies.clear()
    if declared:
        check_dependencies(declared, acc, offline=settings.offline)
    return acc


def run(settings: AuditSettings) -> Report:
    found = collect(settings)
    unchecked = list(found.errors)
    if unchecked and not settings.allow_partial:
        more = f" (and {len(unchecked) - 1} more)" if len(unchecked) > 1 else ""
        raise SourceError(
            f"{unchecked[0]}{more}; nothing was reported as clean",
            hint="fix the input, or pass --allow-partial to audit the rest",
        )
    store = open_store(settings.offline)
    warnings: list[str] = []
    stale = store.staleness_warning()
    if stale:
        warnings.append(stale)
    with store:
        findings, match_warnings, fixes = audit_dependencies(
            found.dependencies, store, offline=settings.offline
        )
    warnings += match_warnings
    if settings.verify:
        verified = _verify(settings, found)
        findings += verified.findings
        warnings += verified.warnings
        unchecked += verified.unchecked
        if verified.unchecked and not settings.allow_partial:
            raise SourceError(
                f"verify: {verified.unchecked[0]}; nothing was reported as clean",
                hint="retry online, or pass --allow-partial",
            )
    outcome = apply_ignores(findings, settings.ignores)
    warnings += outcome.warnings
    by_key: dict[tuple[str, str], Dependency] = {
        (d.source, str(d.name)): d for d in found.dependencies
    }
    packages: list[dict[str, object]] = []
    seen: set[tuple[str, str, str]] = set()
    for finding in outcome.findings:
        key = (finding.source or "", finding.package or "", finding.version or "")
        if key in seen or finding.package is None:
            continue
        seen.add(key)
        dep = by_key.get((finding.source or "", finding.package))
        if dep is None:
            continue
        fix = fixes.get((dep.name, dep.version))
        packages.append(
            {
                "name": dep.name,
                "version": dep.version,
                "source": dep.source,
                "format": dep.format,
                "via": via(dep, by_key),
                "fix": fix,
                "fix_command": fix_command(dep, fix, settings.python),
            }
        )
    code = exit_code(outcome.findings, settings.fail_on)
    return Report(
        command="audit",
        dependencies=found.dependencies,
        skipped=found.skipped,
        findings=outcome.findings,
        warnings=tuple(warnings),
        unchecked=tuple(unchecked),
        partial=bool(unchecked),
        exit_code=code,
        fail_on=settings.fail_on,
        extra={"packages": packages, "files": list(found.files)},
    )
