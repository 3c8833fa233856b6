"""``--resolve``: pin unpinned requirements with pip's own resolver.

For each source file, its unpinned requirements go to
``<python> -m pip install --dry-run --ignore-installed --only-binary :all: --quiet
--report - -r <tmp>`` in the target interpreter, and the installation report becomes
dependencies: the requested ones keep the file, line and group of their requirement; the
others are transitive, with parents from the reported ``requires_dist``.

``--only-binary :all:`` keeps pip from building an sdist (which would run package code);
a requirement that has only an sdist cannot be resolved and is reported as an error.
This is the one place where reading sources uses the network (pip's own configuration).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement

from pipwarden.models import Dependency, PackageName, Skipped
from pipwarden.pyexec import pip_argv
from pipwarden.sources._common import (
    MarkerEnvironment,
    Unpinned,
    canonical,
    current_environment,
    normalise_hash,
)
from pipwarden.sources.environment import find_python, target_marker_environment

TIMEOUT = 900.0


def pip_command(python: str, requirements: Path, index_urls: Sequence[str] = ()) -> list[str]:
    command = [
        *pip_argv(python), "install", "--dry-run", "--ignore-installed",
        "--only-binary", ":all:", "--quiet", "--disable-pip-version-check",
        "--report", "-", "-r", str(requirements),
    ]
    if index_urls:
        command += ["--index-url", index_urls[0]]
        for url in index_urls[1:]:
            command += ["--extra-index-url", url]
    return command


def run_pip_report(python: str, requirements: Iterable[str],
                   index_urls: Sequence[str] = ()) -> Mapping[str, Any]:
    """pip's installation report for ``requirements``; raises RuntimeError with pip's message."""
    if os.sep in python:  # a relative interpreter path must survive cwd=tmp below
        python = os.path.abspath(python)
    with tempfile.TemporaryDirectory(prefix="pipwarden-resolve-") as tmp:
        path = Path(tmp) / "requirements.txt"
        path.write_text("\n".join(requirements) + "\n", encoding="utf-8")
        env = dict(os.environ)
        env["PIP_NO_INPUT"] = "1"
        env.pop("PIP_REQUIRE_VIRTUALENV", None)
        try:
            # cwd: ``-m`` puts the working directory (the audited project) first on
            # sys.path, and a pip/ folder there must not run
            done = subprocess.run(
                pip_command(python, path, index_urls),
                capture_output=True, timeout=TIMEOUT, check=False, env=env, cwd=tmp,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise RuntimeError(f"cannot run pip: {exc}") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.decode("utf-8", "replace").splitlines()
                 if line.strip()]
        message = next((line for line in lines if line.startswith("ERROR")),
                       lines[-1] if lines else f"exit {done.returncode}")
        raise RuntimeError(f"pip could not resolve: {message.strip()}")
    try:
        report = json.loads(done.stdout.decode("utf-8", "replace"))
    except ValueError:
        raise RuntimeError("pip printed no valid installation report") from None
    if not isinstance(report, dict) or not isinstance(report.get("install"), list):
        raise RuntimeError("unexpected pip installation report")
    return report


def report_to_dependencies(
    report: Mapping[str, Any],
    wanted: Sequence[Unpinned],
    markers: MarkerEnvironment,
) -> list[Dependency]:
    """Dependencies from one pip report for the unpinned requirements of one file."""
    by_name: dict[str, Unpinned] = {}
    for item in wanted:
        try:
            by_name.setdefault(canonical(Requirement(item.text).name), item)
        except InvalidRequirement:
            continue
    items: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for entry in report.get("install", []):
        metadata = entry.get("metadata") if isinstance(entry, dict) else None
        if not isinstance(metadata, dict):
            continue
        name, version = metadata.get("name"), metadata.get("version")
        if isinstance(name, str) and isinstance(version, str):
            items[canonical(name)] = (version, entry)
    parents: dict[str, set[str]] = {}
    for name, (_, entry) in items.items():
        for text in entry["metadata"].get("requires_dist") or []:
            try:
                req = Requirement(str(text))
            except InvalidRequirement:
                continue
            child = canonical(req.name)
            if child in items and child != name and markers.included(
                str(req.marker) if req.marker else None
            ):
                parents.setdefault(child, set()).add(name)
    fallback = wanted[0]
    result: list[Dependency] = []
    for name, (version, entry) in sorted(items.items()):
        origin = by_name.get(name)
        requested = bool(entry.get("requested")) or origin is not None
        info = entry.get("download_info") if isinstance(entry.get("download_info"), dict) \
            else {}
        hashes = []
        archive = info.get("archive_info") if isinstance(info, dict) else None
        if isinstance(archive, dict):
            raw = archive.get("hashes")
            if isinstance(raw, dict):
                hashes = [h for a, d in raw.items() if (h := normalise_hash(f"{a}:{d}"))]
            elif isinstance(archive.get("hash"), str):
                hashes = [h for h in [normalise_hash(archive["hash"])] if h]
        base = origin or fallback
        result.append(
            Dependency(
                name=PackageName(name),
                version=version,
                source=base.source,
                format=base.format,
                line=origin.line if origin else None,
                group=base.group,
                direct=requested,
                parents=tuple(sorted(parents.get(name, ()))),
                hashes=tuple(hashes),
                specifier=f"{origin.text} (resolved by pip)" if origin else "(resolved by pip)",
            )
        )
    return result


def resolve_unpinned(
    unpinned: Sequence[Unpinned],
    skipped: Sequence[Skipped],
    *,
    python: str | None,
    index_urls: Sequence[str] = (),
) -> tuple[list[Dependency], list[Skipped], list[str]]:
    """Resolve per source file; returns (dependencies, remaining skipped, errors)."""
    import sys

    interpreter = find_python(python) if python else sys.executable
    env = target_marker_environment(interpreter) if python else None
    if env is None:
        env = current_environment()
    markers = MarkerEnvironment(env, any_extra=False)
    by_source: dict[str, list[Unpinned]] = {}
    for item in unpinned:
        by_source.setdefault(item.source, []).append(item)
    dependencies: list[Dependency] = []
    errors: list[str] = []
    resolved: set[tuple[str, str, int | None]] = set()
    for source, items in by_source.items():
        try:
            report = run_pip_report(interpreter, [i.text for i in items], index_urls)
        except RuntimeError as exc:
            errors.append(f"{source}: --resolve failed: {exc}")
            continue
        deps = report_to_dependencies(report, items, markers)
        dependencies.extend(deps)
        for item in items:
            try:
                name = canonical(Requirement(item.text).name)
            except InvalidRequirement:
                continue
            if any(d.name == name for d in deps):
                resolved.add((name, item.source, item.line))
    remaining = [
        s for s in skipped
        if not (s.reason == "not pinned" and (s.name, s.source, s.line) in resolved)
    ]
    return dependencies, remaining, errors
