"""The distributions installed in an interpreter, read IN that interpreter.

A short script runs as ``python -I -S -c SCRIPT``: isolated mode, and no ``site`` import, so
no ``.pth`` file of an installed package (which can hold code) is executed. The script
finds the site-packages directories itself (venv via ``pyvenv.cfg``, the system ones, the
user site outside a venv), reads them with :mod:`importlib.metadata` (no pip internals) and
prints JSON: the marker environment and, per distribution, name, version, installer,
REQUESTED, ``direct_url.json`` and Requires-Dist (for parents).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement

from pipwarden.errors import SourceError
from pipwarden.models import Dependency, PackageName, Skipped
from pipwarden.sources import SourceResult
from pipwarden.sources._common import MarkerEnvironment, canonical, reachable
from pipwarden.urls import redact

FORMAT = "environment"
TIMEOUT = 120.0

# Runs in the target interpreter (any Python >= 3.8): standard library only.
_MARKERS_SCRIPT = r"""
import json, os, platform, sys
def _fmt(info):
    version = "{0.major}.{0.minor}.{0.micro}".format(info)
    if info.releaselevel != "final":
        version += info.releaselevel[0] + str(info.serial)
    return version
def markers():
    return {
        "implementation_name": sys.implementation.name,
        "implementation_version": _fmt(sys.implementation.version),
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "platform_python_implementation": platform.python_implementation(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    }
"""

_DISTS_SCRIPT = r"""
import site
from importlib import metadata
def _venv():
    exe = os.path.dirname(os.path.abspath(sys.executable))
    for candidate in (exe, os.path.dirname(exe)):
        cfg = os.path.join(candidate, "pyvenv.cfg")
        if os.path.isfile(cfg):
            system = False
            with open(cfg, encoding="utf-8", errors="replace") as handle:
                for line in handle:
                    key, sep, value = line.partition("=")
                    if sep and key.strip().lower() == "include-system-site-packages":
                        system = value.strip().lower() == "true"
            return candidate, system
    return None, True
def paths():
    found = []
    def add(path):
        if path and os.path.isdir(path) and path not in found:
            found.append(path)
    prefix, system = _venv()
    if prefix is not None:
        for path in site.getsitepackages([prefix]):
            add(path)
    if prefix is None or system:
        for path in site.getsitepackages([sys.base_prefix, sys.base_exec_prefix]):
            add(path)
    if prefix is None:
        try:
            add(site.getusersitepackages())
        except Exception:
            pass
    return found
def dists(where):
    seen = set()
    result = []
    for dist in metadata.distributions(path=where):
        try:
            name = dist.metadata["Name"]
            version = dist.version
        except Exception:
            continue
        if not name or version is None:
            continue
        key = name.lower().replace("_", "-").replace(".", "-")
        if key in seen:
            continue
        seen.add(key)
        def text(file):
            try:
                return dist.read_text(file)
            except Exception:
                return None
        direct = text("direct_url.json")
        try:
            direct = json.loads(direct) if direct else None
        except ValueError:
            direct = {"url": "(unreadable direct_url.json)"}
        installer = text("INSTALLER")
        try:
            location = str(dist.locate_file(""))
        except Exception:
            location = ""
        result.append({
            "name": name,
            "version": version,
            "installer": installer.strip() if installer else None,
            "requested": text("REQUESTED") is not None,
            "direct_url": direct,
            "requires": list(dist.requires or []),
            "location": location,
        })
    return result
where = paths()
print(json.dumps({"executable": sys.executable, "markers": markers(), "paths": where,
                  "distributions": dists(where)}))
"""


def find_python(python: str) -> str:
    """An interpreter path from ``--python``: a file, a venv directory, or a name on PATH."""
    path = Path(python).expanduser()
    if path.is_dir():
        for candidate in (path / "bin" / "python", path / "Scripts" / "python.exe"):
            if candidate.is_file():
                return str(candidate)
        raise SourceError("no Python interpreter in this directory", location=python,
                          hint="pass the interpreter itself, e.g. .venv/bin/python")
    if path.is_file():
        return str(path)
    found = shutil.which(python)
    if found:
        return found
    raise SourceError("Python interpreter not found", location=python,
                      hint="pass a path to an interpreter or a virtualenv")


def run_script(python: str, script: str, timeout: float = TIMEOUT) -> Any:
    """Run ``script`` in ``python -I -S`` and parse its JSON output."""
    executable = find_python(python)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env["PYTHONIOENCODING"] = "utf-8"
    try:
        done = subprocess.run(
            [executable, "-I", "-S", "-c", script],
            capture_output=True,
            timeout=timeout,
            check=False,
            env=env,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise SourceError(f"cannot run the interpreter: {exc}", location=python) from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SourceError(
            f"the interpreter failed (exit {done.returncode}): "
            f"{detail[-1] if detail else 'no output'}",
            location=python,
        )
    try:
        return json.loads(done.stdout.decode("utf-8", "replace"))
    except ValueError:
        raise SourceError("the interpreter printed no valid JSON", location=python) from None


def target_marker_environment(python: str) -> dict[str, str]:
    """The PEP 508 marker environment of ``python``."""
    data = run_script(python, _MARKERS_SCRIPT + "\nprint(json.dumps(markers()))\n")
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise SourceError("unexpected marker environment output", location=python)
    return data


def read_environment(python: str | None) -> dict[str, Any]:
    """The raw report of the environment script (markers, paths, distributions)."""
    target = python or sys.executable
    data = run_script(target, _MARKERS_SCRIPT + _DISTS_SCRIPT)
    if not isinstance(data, dict) or not isinstance(data.get("distributions"), list):
        raise SourceError("unexpected environment output", location=target)
    return data


def _direct_url_reason(info: Mapping[str, Any]) -> str:
    url = str(info.get("url", ""))
    dir_info = info.get("dir_info")
    if isinstance(dir_info, dict) and dir_info.get("editable"):
        return f"editable install, not checked: {redact(url)}"
    if isinstance(info.get("vcs_info"), dict):
        return f"VCS install, not checked: {redact(url)}"
    if url.startswith("file:"):
        return f"installed from a local path, not checked: {redact(url)}"
    return f"installed from a direct URL, not checked: {redact(url)}"


def collect_environment(python: str | None = None, *, include_self: bool = False) -> SourceResult:
    """The installed distributions (see :func:`pipwarden.sources.collect_environment`)."""
    target = python or sys.executable
    data = read_environment(target)
    executable = str(data.get("executable") or target)
    source = f"environment:{executable}"
    raw_markers = data.get("markers")
    markers = MarkerEnvironment(
        raw_markers if isinstance(raw_markers, dict) else None, any_extra=False
    )
    dists: dict[str, dict[str, Any]] = {}
    for item in data["distributions"]:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        if not isinstance(item.get("version"), str):
            continue
        dists.setdefault(canonical(item["name"]), item)
    edges: dict[str, list[tuple[str, str | None]]] = {}
    for name, item in dists.items():
        children: list[tuple[str, str | None]] = []
        for text in item.get("requires") or []:
            try:
                req = Requirement(str(text))
            except InvalidRequirement:
                continue
            child = canonical(req.name)
            if child in dists and child != name:
                children.append((child, str(req.marker) if req.marker else None))
        edges[name] = children
    parents: dict[str, list[str]] = {}
    for name, children in edges.items():
        for child, marker in children:
            if markers.included(marker) and name not in parents.setdefault(child, []):
                parents[child].append(name)
    excluded: set[str] = set()
    if not include_self and "pipwarden" in dists:
        own = reachable([("pipwarden", None)], edges, markers)
        roots = [(n, None) for n in dists if n not in own]
        roots += [(n, None) for n in own if n != "pipwarden" and dists[n].get("requested")]
        keep = reachable(roots, edges, markers)
        excluded = own - keep
    dependencies: list[Dependency] = []
    skipped: list[Skipped] = []
    for name in sorted(dists):
        if name in excluded:
            continue
        item = dists[name]
        direct_url = item.get("direct_url")
        requested = bool(item.get("requested"))
        if isinstance(direct_url, dict):
            skipped.append(Skipped(name, _direct_url_reason(direct_url), source))
            continue
        dependencies.append(
            Dependency(
                name=PackageName(name),
                version=str(item["version"]),
                source=source,
                format=FORMAT,
                direct=requested,
                parents=tuple(sorted(p for p in parents.get(name, []) if p not in excluded)),
            )
        )
    return SourceResult(
        dependencies=tuple(dependencies),
        skipped=tuple(skipped),
        files=(source,),
        errors=(),
        index_urls=(),
        formats={source: FORMAT},
    )
