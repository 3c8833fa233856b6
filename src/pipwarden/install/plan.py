"""Learn exactly what ``pip install ARGS`` would do, from pip itself.

pip runs in the target interpreter with ``--dry-run --report`` (see :mod:`.driver`) and we
parse its installation report (names, versions, file URLs, hashes, which were requested).
The planned archives are then copied (local files) or downloaded (through
:mod:`pipwarden.net`) into a private wheelhouse, their sha256 checked against the report, so
that what is inspected is exactly what gets installed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import shlex
import subprocess
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipwarden.errors import InstallError
from pipwarden.install import pipargs
from pipwarden.names import canonicalize_name
from pipwarden.pyexec import pip_argv

PIP_TIMEOUT = 3600

# Lines of a requirements file that configure where packages come from.
_SOURCE_LINE_OPTIONS = {
    "-i": "--index-url",
    "--index-url": "--index-url",
    "--extra-index-url": "--extra-index-url",
    "-f": "--find-links",
    "--find-links": "--find-links",
    "--no-index": "--no-index",
    "--trusted-host": "--trusted-host",
    "--pre": "--pre",
    "--prefer-binary": "--prefer-binary",
}


@dataclass(frozen=True)
class PipArgs:
    """The user's ``pip install`` arguments, split by what they are for."""

    all: tuple[str, ...]  # everything, for the planning dry-run
    install_options: tuple[str, ...]  # index/build/network options, for the real install too
    requirement_files: tuple[str, ...] = ()
    requested: tuple[str, ...] = ()  # names typed on the command line (canonical)
    reinstall: bool = False  # --force-reinstall / -I given
    ignore_installed: bool = False


def split_pip_args(args: Sequence[str]) -> PipArgs:
    """Classify ``pip install`` arguments; refuse the ones the journal cannot follow."""
    from packaging.requirements import InvalidRequirement, Requirement

    install: list[str] = []
    files: list[str] = []
    requested: list[str] = []
    reinstall = ignore = False
    items = list(args)
    for arg, name, value in pipargs.options(items):
        if not arg.startswith("-") or arg == "-":
            with contextlib.suppress(InvalidRequirement):  # a path or URL: pip will tell
                requested.append(canonicalize_name(Requirement(arg).name))
            continue
        if name == "--requirement" and value is not None:
            files.append(value)
        if name in ("--force-reinstall",):
            reinstall = True
        if name in ("-I", "--ignore-installed"):
            ignore = True
        if name in pipargs.PLAN_ONLY:
            continue
        install.append(name)
        if value is not None:
            install.append(value)
    return PipArgs(tuple(items), tuple(install), tuple(files), tuple(requested), reinstall, ignore)


def requirement_file_sources(files: Sequence[str], seen: set[str] | None = None) -> list[str]:
    """Index and find-links lines of requirements files (followed through ``-r``), as options.

    Relative ``--find-links`` paths are resolved against the file, as pip does.
    """
    out: list[str] = []
    seen = seen if seen is not None else set()
    for name in files:
        path = Path(name)
        if str(path) in seen or not path.is_file():
            continue
        seen.add(str(path))
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for raw in text.replace("\\\n", " ").splitlines():
            line = raw.split(" #", 1)[0].strip()
            if not line.startswith("-"):
                continue
            try:
                parts = shlex.split(line)
            except ValueError:
                continue
            head, value = parts[0], (parts[1] if len(parts) > 1 else None)
            if "=" in head:
                head, value = head.split("=", 1)
            if head in ("-r", "--requirement") and value:
                out += requirement_file_sources([str(path.parent / value)], seen)
                continue
            option = _SOURCE_LINE_OPTIONS.get(head)
            if option is None:
                continue
            if option == "--find-links" and value and "://" not in value:
                candidate = path.parent / value
                if candidate.exists():
                    value = str(candidate.resolve())
            out.append(option)
            if value is not None and option not in ("--no-index", "--pre", "--prefer-binary"):
                out.append(value)
    return out


@dataclass(frozen=True)
class PlannedItem:
    """One distribution pip would install."""

    name: str  # as in its metadata
    version: str
    url: str
    sha256: str | None
    requested: bool
    is_direct: bool
    kind: str  # wheel, sdist, dir, editable, vcs
    requires: tuple[str, ...] = ()
    vcs_spec: str | None = None
    yanked: bool = False
    local_path: str | None = None  # the archive pip itself downloaded (gated driver)

    @property
    def key(self) -> str:
        return canonicalize_name(self.name)

    @property
    def filename(self) -> str:
        return urllib.parse.unquote(urllib.parse.urlsplit(self.url).path.rsplit("/", 1)[-1])

    @property
    def hashable(self) -> bool:
        return self.kind in ("wheel", "sdist") and self.sha256 is not None


@dataclass(frozen=True)
class Plan:
    python: str
    items: tuple[PlannedItem, ...]
    pip_version: str = ""
    environment: dict[str, str] = field(default_factory=dict, hash=False, compare=False)


def _pip_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_NO_INPUT"] = "1"
    env.pop("PIP_REQUIRE_VIRTUALENV", None)
    return env


def run_pip(
    python: str, args: Sequence[str], *, quiet_output: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m pip ARGS`` and return the finished process (never raises on exit != 0)."""
    command = [*pip_argv(python), *args]
    try:
        return subprocess.run(
            command,
            capture_output=quiet_output,
            text=True,
            env=_pip_env(),
            timeout=PIP_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InstallError(f"cannot run pip: {exc}", location=python) from None


def parse_report(data: Any, python: str) -> Plan:
    """pip's installation report (https://pip.pypa.io/en/stable/reference/installation-report/)."""
    if not isinstance(data, dict) or not isinstance(data.get("install"), list):
        raise InstallError("pip's report has no install list", location="report")
    items: list[PlannedItem] = []
    for index, entry in enumerate(data["install"]):
        where = f"report.install[{index}]"
        if not isinstance(entry, dict):
            raise InstallError("entry is not an object", location=where)
        meta = entry.get("metadata") or {}
        info = entry.get("download_info") or {}
        name, version, url = meta.get("name"), meta.get("version"), info.get("url")
        if not all(isinstance(v, str) and v for v in (name, version, url)):
            raise InstallError("entry lacks name, version or url", location=where)
        sha256 = None
        kind = "wheel"
        vcs_spec = None
        if "archive_info" in info:
            archive = info.get("archive_info") or {}
            hashes = archive.get("hashes") or {}
            sha256 = hashes.get("sha256")
            legacy = archive.get("hash")
            if sha256 is None and isinstance(legacy, str) and legacy.startswith("sha256="):
                sha256 = legacy.split("=", 1)[1]
            path = urllib.parse.urlsplit(str(url)).path
            kind = "wheel" if path.endswith(".whl") else "sdist"
        elif "dir_info" in info:
            kind = "editable" if (info.get("dir_info") or {}).get("editable") else "dir"
        elif "vcs_info" in info:
            kind = "vcs"
            vcs = info.get("vcs_info") or {}
            vcs_spec = f"{vcs.get('vcs', 'git')}+{url}@{vcs.get('commit_id', '')}"
        requires = meta.get("requires_dist") or []
        items.append(
            PlannedItem(
                name=str(name),
                version=str(version),
                url=str(url),
                sha256=str(sha256).lower() if sha256 else None,
                requested=bool(entry.get("requested")),
                is_direct=bool(entry.get("is_direct")),
                kind=kind,
                requires=tuple(str(r) for r in requires),
                vcs_spec=vcs_spec,
                yanked=bool(entry.get("is_yanked")),
            )
        )
    env = data.get("environment") or {}
    return Plan(
        python=python,
        items=tuple(items),
        pip_version=str(data.get("pip_version", "")),
        environment={str(k): str(v) for k, v in env.items()} if isinstance(env, dict) else {},
    )


def file_url_path(path: str) -> str:
    """The local path of a ``file:`` URL's path part (``urllib.request.url2pathname`` without
    importing urllib.request and its HTTP stack on POSIX, where it is a plain unquote)."""
    if os.name == "nt":  # pragma: no cover - drive letters and UNC names
        from urllib.request import url2pathname

        return url2pathname(path)
    return urllib.parse.unquote(path)


def fetch(item: PlannedItem, wheelhouse: Path, *, offline: bool = False) -> Path:
    """Copy or download one planned archive into ``wheelhouse``, checking its sha256."""
    wheelhouse.mkdir(parents=True, exist_ok=True)
    name = item.filename
    if not name or "/" in name or name.startswith("."):
        raise InstallError("unsafe file name in pip's report", location=item.url)
    target = wheelhouse / name
    parts = urllib.parse.urlsplit(item.url)
    tmp = target.with_name(f".{name}.part")
    if item.local_path is not None or parts.scheme == "file":
        source = Path(item.local_path or file_url_path(parts.path))
        digest = hashlib.sha256()
        try:
            with source.open("rb") as src, tmp.open("wb") as dst:
                for chunk in iter(lambda: src.read(1024 * 1024), b""):
                    digest.update(chunk)
                    dst.write(chunk)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise InstallError(f"cannot read {source}: {exc.strerror}", location=item.url) from None
        actual = digest.hexdigest()
    elif parts.scheme in ("http", "https"):
        from pipwarden import net

        try:
            with tmp.open("wb") as dst:
                actual = net.download(item.url, dst, offline=offline)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    else:
        raise InstallError(f"unsupported URL scheme {parts.scheme!r}", location=item.url)
    if item.sha256 and actual != item.sha256:
        tmp.unlink(missing_ok=True)
        raise InstallError(
            f"sha256 of {name} changed since pip planned it ({actual} != {item.sha256})",
            location=item.url,
        )
    os.replace(tmp, target)
    return target


def pin_unhashed(items: Sequence[PlannedItem], wheelhouse: Path) -> tuple[PlannedItem, ...]:
    """Archives pip planned without a hash (an index that serves none) are fetched and pinned to
    the sha256 of the fetched file, so that they are inspected and installed hash-checked."""
    out = []
    for item in items:
        if item.kind in ("wheel", "sdist") and item.sha256 is None:
            path = fetch(item, wheelhouse)
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                    digest.update(chunk)
            item = dataclasses.replace(item, sha256=digest.hexdigest())
        out.append(item)
    return tuple(out)
