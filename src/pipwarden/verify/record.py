"""The installed environment against its RECORD files (PEP 376/627), plus start-up hooks.

A short script run in the target interpreter (``-I -S``: no site, no ``.pth`` processing, no
``sitecustomize``, nothing from the environment runs) reports its paths; everything else --
listing distributions, parsing RECORD, hashing files, reading ``.pth`` files -- happens here,
as data. Reported:

- files whose sha256 (or size) differs from RECORD (``record``, high; moderate for bytecode);
- files RECORD lists that are missing (``record``, moderate);
- files inside site-packages that no RECORD claims (``record``, moderate; interpreter-written
  ``__pycache__`` bytecode is not reported);
- ``.pth`` files with ``import`` lines, which run at every interpreter start (``pth``);
- ``sitecustomize`` / ``usercustomize`` modules (``customize``);
- editable and URL installs, and distributions without RECORD: unverifiable (``Skipped``).
"""

from __future__ import annotations

import ast
import base64
import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name

from pipwarden.errors import UsageError
from pipwarden.models import IntegrityFinding, PackageName, Severity, Skipped
from pipwarden.urls import redact

# Run in the target interpreter with -I -S; prints JSON. Keep it compatible with old Pythons.
PATHS_SCRIPT = r"""
import json, os, site, sys, sysconfig
# Without site, a virtual environment is not activated: repeat site.venv()'s detection.
exe_dir = os.path.dirname(os.path.abspath(sys.executable))
venv_prefix = None
system_site = True
for cfg in (os.path.join(exe_dir, "pyvenv.cfg"),
            os.path.join(os.path.dirname(exe_dir), "pyvenv.cfg")):
    if os.path.isfile(cfg):
        venv_prefix = os.path.dirname(exe_dir)
        system_site = False
        with open(cfg, encoding="utf-8", errors="replace") as f:
            for line in f:
                key, _, value = line.partition("=")
                if key.strip().lower() == "include-system-site-packages":
                    system_site = value.strip().lower() == "true"
        break
prefix = venv_prefix or sys.prefix
dirs = []
try:
    dirs.extend(site.getsitepackages([prefix]))
except (AttributeError, TypeError):
    pass
scheme_vars = {"base": prefix, "platbase": prefix}
paths = sysconfig.get_paths(vars=scheme_vars)
dirs.extend([paths.get("purelib"), paths.get("platlib")])
if venv_prefix and system_site:
    try:
        dirs.extend(site.getsitepackages([sys.base_prefix]))
    except (AttributeError, TypeError):
        pass
user = None
if not venv_prefix:
    try:
        user = site.getusersitepackages()
    except AttributeError:
        user = None
print(json.dumps({
    "executable": sys.executable,
    "prefix": prefix,
    "version": "%d.%d.%d" % sys.version_info[:3],
    "site_dirs": [d for d in dirs if d],
    "user_site": user,
    "stdlib_dirs": [p for p in sys.path if p],
    "scripts": paths.get("scripts"),
}))
"""


@dataclass(frozen=True)
class EnvironmentPaths:
    executable: str
    prefix: str
    version: str
    site_dirs: tuple[str, ...]  # existing, de-duplicated (real paths), .pth processed here
    stdlib_dirs: tuple[str, ...] = ()
    scripts: str | None = None


def resolve_python(python: str | None) -> str:
    if python is None:
        return sys.executable
    found = shutil.which(python)
    if found is None and Path(python).is_file():
        found = python
    if found is None:
        raise UsageError(f"interpreter not found: {python}", location="--python",
                          hint="give a path to a python executable or a name on PATH")
    return found


def environment_paths(python: str | None = None) -> EnvironmentPaths:
    """Ask the target interpreter (isolated, without site) where its packages live."""
    exe = resolve_python(python)
    try:
        out = subprocess.run(
            [exe, "-I", "-S", "-c", PATHS_SCRIPT],
            capture_output=True, text=True, timeout=60, check=True,
        )
        data = json.loads(out.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        raise UsageError(f"cannot query the interpreter: {exc}", location=exe) from None
    seen: dict[str, None] = {}
    candidates = list(data.get("site_dirs") or [])
    if data.get("user_site"):
        candidates.append(data["user_site"])
    for directory in candidates:
        if os.path.isdir(directory):
            seen.setdefault(os.path.realpath(directory), None)
    stdlib = tuple(
        os.path.realpath(d) for d in data.get("stdlib_dirs") or [] if os.path.isdir(d)
    )
    return EnvironmentPaths(
        executable=str(data.get("executable") or exe),
        prefix=str(data.get("prefix") or ""),
        version=str(data.get("version") or ""),
        site_dirs=tuple(seen),
        stdlib_dirs=tuple(d for d in stdlib if d not in seen),
        scripts=data.get("scripts"),
    )


# --- installed distributions ------------------------------------------------------------------


@dataclass(frozen=True)
class InstalledDist:
    name: PackageName
    version: str
    meta_dir: Path  # the .dist-info / .egg-info directory
    site_dir: Path
    record: Path | None  # RECORD, None for legacy installs
    direct_url: dict[str, object] | None = field(default=None, hash=False, compare=False)

    @property
    def is_editable(self) -> bool:
        dir_info = (self.direct_url or {}).get("dir_info")
        return isinstance(dir_info, dict) and bool(dir_info.get("editable"))

    @property
    def unverifiable_reason(self) -> str | None:
        if self.record is None:
            return "no RECORD file (legacy egg-info install): installed files cannot be verified"
        if self.direct_url is None:
            return None
        url = str(self.direct_url.get("url", ""))
        if self.is_editable:
            return f"editable install from {redact(url)}: its code lives outside site-packages"
        if "vcs_info" in self.direct_url:
            return f"installed from a VCS URL ({redact(url)}): no published file to verify against"
        return f"installed from a URL or path ({redact(url)}): no published file to verify against"


def _headers(path: Path) -> dict[str, str]:
    """Name and Version from a METADATA / PKG-INFO header (stops at the first blank line)."""
    out: dict[str, str] = {}
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if not line.strip():
                    break
                key, sep, value = line.partition(":")
                if sep and key in ("Name", "Version") and key not in out:
                    out[key] = value.strip()
                if len(out) == 2:
                    break
    except OSError:
        pass
    return out


def find_distributions(site_dirs: Iterable[str]) -> list[InstalledDist]:
    dists: list[InstalledDist] = []
    for site_dir in site_dirs:
        base = Path(site_dir)
        try:
            entries = sorted(os.scandir(base), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name.endswith(".dist-info") and entry.is_dir():
                meta = Path(entry.path)
                head = _headers(meta / "METADATA")
                stem = entry.name[: -len(".dist-info")]
                name, _, version = stem.partition("-")
                record = meta / "RECORD"
                direct: dict[str, object] | None = None
                direct_path = meta / "direct_url.json"
                if direct_path.is_file():
                    try:
                        loaded = json.loads(direct_path.read_text(encoding="utf-8"))
                        direct = loaded if isinstance(loaded, dict) else {"url": "?"}
                    except (OSError, ValueError):
                        direct = {"url": "unreadable direct_url.json"}
                dists.append(InstalledDist(
                    PackageName(canonicalize_name(head.get("Name", name))),
                    head.get("Version", version),
                    meta, base, record if record.is_file() else None, direct,
                ))
            elif entry.name.endswith(".egg-info"):
                meta = Path(entry.path)
                info = meta / "PKG-INFO" if meta.is_dir() else meta
                head = _headers(info)
                stem = entry.name[: -len(".egg-info")]
                dists.append(InstalledDist(
                    PackageName(canonicalize_name(head.get("Name", stem.split("-")[0]))),
                    head.get("Version", ""), meta, base, None,
                ))
    return dists


# --- RECORD -----------------------------------------------------------------------------------

_STRONG = {"sha256", "sha384", "sha512"}
_UNHASHED_OK = ("RECORD", "RECORD.jws", "RECORD.p7s")


def _digest(path: Path, algorithm: str) -> str:
    h = hashlib.new(algorithm)
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            h.update(chunk)
    return base64.urlsafe_b64encode(h.digest()).rstrip(b"=").decode("ascii")


@dataclass
class _Outcome:
    findings: list[IntegrityFinding] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)
    claimed: set[str] = field(default_factory=set)
    files_checked: int = 0
    warnings: list[str] = field(default_factory=list)
    managed: set[str] = field(default_factory=set)  # site dirs run by a system package manager
    virtualenv: bool = False  # created by the virtualenv tool (it adds _virtualenv.pth/.py)


def _finding(
    ident: str, check: str, severity: Severity, summary: str, file: str,
    dist: InstalledDist | None = None,
) -> IntegrityFinding:
    return IntegrityFinding(
        id=ident, severity=severity, summary=summary,
        package=str(dist.name) if dist else None, version=dist.version if dist else None,
        file=file, check=check, source=str(dist.meta_dir) if dist else None,
    )


def _check_record(dist: InstalledDist, out: _Outcome) -> set[str]:
    """Check one distribution's files; returns the paths its RECORD claims."""
    assert dist.record is not None  # noqa: S101 - callers filter
    mine: set[str] = set()
    try:
        text = dist.record.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        out.unchecked.append(f"{dist.name} {dist.version}: cannot read RECORD: {exc.strerror}")
        return mine
    base = str(dist.site_dir)
    mine.add(os.path.normpath(str(dist.record)))
    for row in csv.reader(io.StringIO(text)):
        if not row or not row[0]:
            continue
        rel = row[0]
        hash_field = row[1] if len(row) > 1 else ""
        size_field = row[2] if len(row) > 2 else ""
        path = os.path.normpath(os.path.join(base, rel))
        mine.add(path)
        if not os.path.lexists(path):
            if rel.endswith(".pyc") and not hash_field:
                continue  # bytecode recorded without a hash: optional
            out.findings.append(_finding(
                "record-missing", "record", Severity.MODERATE,
                f"{rel} is listed in RECORD but missing", path, dist))
            continue
        if not hash_field:
            continue  # RECORD itself, signatures, unhashed bytecode
        algorithm, sep, expected = hash_field.partition("=")
        algorithm = algorithm.lower()
        if not sep or algorithm not in _STRONG:
            out.unchecked.append(f"{path}: RECORD hash {algorithm!r} is not sha256 or stronger")
            continue
        out.files_checked += 1
        pyc = rel.endswith(".pyc")
        try:
            if size_field.isdigit() and os.path.getsize(path) != int(size_field):
                actual = None
            else:
                actual = _digest(Path(path), algorithm)
        except OSError as exc:
            out.unchecked.append(f"{path}: cannot read: {exc.strerror}")
            continue
        if actual != expected:
            if pyc:
                out.findings.append(_finding(
                    "record-modified", "record", Severity.MODERATE,
                    f"{rel}: bytecode differs from RECORD (regenerated after a timestamp "
                    "change, or tampered)", path, dist))
            else:
                what = "size" if actual is None else algorithm
                out.findings.append(_finding(
                    "record-modified", "record", Severity.HIGH,
                    f"{rel}: {what} differs from RECORD (modified after installation)",
                    path, dist))
    return mine


def _claim_legacy(dist: InstalledDist, out: _Outcome) -> None:
    """Claim what a legacy (egg-info) install lists, so its files are not 'unclaimed'."""
    meta = dist.meta_dir
    out.claimed.add(os.path.normpath(str(meta)))
    if not meta.is_dir():
        return
    for child in meta.iterdir():
        out.claimed.add(os.path.normpath(str(child)))
    listing = meta / "installed-files.txt"
    if listing.is_file():
        for line in listing.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.strip():
                out.claimed.add(os.path.normpath(os.path.join(str(meta), line.strip())))
        return
    guess = str(dist.name).replace("-", "_")
    out.claimed.add(os.path.normpath(os.path.join(str(dist.site_dir), guess)) + os.sep)
    out.claimed.add(os.path.normpath(os.path.join(str(dist.site_dir), guess + ".py")))
    top = meta / "top_level.txt"
    if top.is_file():
        for line in top.read_text(encoding="utf-8", errors="replace").splitlines():
            name = line.strip()
            if name and "/" not in name and name not in (".", ".."):
                out.claimed.add(os.path.normpath(os.path.join(str(dist.site_dir), name)) + os.sep)
                out.claimed.add(os.path.normpath(os.path.join(str(dist.site_dir), name + ".py")))


# --- .pth and customize hooks -------------------------------------------------------------------


def pth_exec_line(text: str) -> tuple[int, str] | None:
    """The first line of a ``.pth`` file that the interpreter executes (``import ...``)."""
    text = text.removeprefix("\ufeff")  # Python 3.13+ reads .pth files as utf-8-sig
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(("import ", "import\t")):
            return number, line.strip()
    return None


def first_statement(text: str) -> tuple[int, str] | None:
    """The first executable statement of a module's source (docstring skipped), parsed only."""
    lines = text.splitlines()
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        for number, line in enumerate(lines, start=1):
            if line.strip() and not line.lstrip().startswith("#"):
                return number, line.strip()
        return None
    for node in tree.body:
        if (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)):
            continue
        return node.lineno, lines[node.lineno - 1].strip() if node.lineno <= len(lines) else ""
    return None


# Code-running .pth files that well-known tools install; still reported, at low severity, when
# the owning distribution's RECORD claims them and they are intact.
_KNOWN_PTH = {("setuptools", "distutils-precedence.pth")}


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _check_hooks(
    env: EnvironmentPaths, dists: list[InstalledDist], out: _Outcome,
    owners: dict[str, InstalledDist],
) -> None:
    bad_files = {f.file for f in out.findings}
    editable = {d.name for d in dists if d.is_editable}
    for site_dir in env.site_dirs:
        try:
            names = sorted(os.listdir(site_dir))
        except OSError:
            continue
        for name in names:
            if not name.endswith(".pth"):
                continue
            path = os.path.normpath(os.path.join(site_dir, name))
            try:
                text = Path(path).read_bytes().decode("utf-8", errors="replace")
            except OSError as exc:
                out.unchecked.append(f"{path}: cannot read: {exc.strerror}")
                continue
            hit = pth_exec_line(text)
            if hit is None:
                continue
            owner = owners.get(path)
            intact = owner is not None and path not in bad_files
            if owner is None and out.virtualenv and name == "_virtualenv.pth":
                how = "created by the virtualenv tool (no RECORD claims it)"
                severity = Severity.LOW
            elif owner is None and site_dir in out.managed:
                how = "in a directory managed by the system package manager (no RECORD)"
                severity = Severity.MODERATE
            elif owner is None:
                how = "not installed by any distribution (no RECORD claims it)"
                severity = Severity.HIGH
            elif not intact:
                how = f"installed by {owner.name} {owner.version} but modified since"
                severity = Severity.HIGH
            else:
                how = f"installed by {owner.name} {owner.version}"
                known = (str(owner.name), name) in _KNOWN_PTH or owner.name in editable
                severity = Severity.LOW if known else Severity.HIGH
            out.findings.append(IntegrityFinding(
                id="pth-exec", check="pth", severity=severity,
                summary=f"{name} runs code at every interpreter start, {how}: "
                        f"line {hit[0]}: {_short(hit[1])}",
                package=str(owner.name) if owner else None,
                version=owner.version if owner else None,
                file=path, line=hit[0],
            ))
    search = [*env.site_dirs, *env.stdlib_dirs]
    for directory in search:
        for module in ("sitecustomize", "usercustomize"):
            for candidate in (module + ".py", os.path.join(module, "__init__.py"), module + ".pyc"):
                path = os.path.normpath(os.path.join(directory, candidate))
                if not os.path.isfile(path):
                    continue
                owner = owners.get(path)
                in_site = directory in env.site_dirs
                if candidate.endswith(".pyc"):
                    where: tuple[int, str] | None = (1, "(compiled bytecode)")
                else:
                    try:
                        source = Path(path).read_bytes().decode("utf-8", errors="replace")
                    except OSError:
                        source = ""
                    where = first_statement(source)
                if where is None:
                    continue  # empty module: nothing runs
                if in_site and owner is None:
                    severity, how = Severity.HIGH, "not installed by any distribution"
                elif owner is not None and path not in bad_files:
                    severity, how = Severity.MODERATE, f"installed by {owner.name} {owner.version}"
                elif owner is not None:
                    severity, how = Severity.HIGH, f"installed by {owner.name} but modified since"
                else:
                    severity, how = Severity.MODERATE, "part of the Python installation"
                out.findings.append(IntegrityFinding(
                    id="customize", check="customize", severity=severity,
                    summary=f"{module} runs at every interpreter start ({how}): "
                            f"line {where[0]}: {_short(where[1])}",
                    package=str(owner.name) if owner else None,
                    version=owner.version if owner else None,
                    file=path, line=where[0],
                ))


# --- unclaimed files ----------------------------------------------------------------------------


def _unclaimed(env: EnvironmentPaths, out: _Outcome) -> None:
    claimed = out.claimed
    hooks = {f.file for f in out.findings if f.check in ("pth", "customize")}
    claimed_dirs = tuple(p for p in claimed if p.endswith(os.sep))
    for site_dir in env.site_dirs:
        if site_dir in out.managed:
            out.warnings.append(
                f"{site_dir}: most distributions there have no RECORD (installed by the system "
                "package manager): files no RECORD claims are not reported there")
            continue
        nested = {d for d in env.site_dirs if d != site_dir and d.startswith(site_dir + os.sep)}
        for root, dirs, files in os.walk(site_dir):
            dirs[:] = [d for d in dirs if d != "__pycache__"
                       and os.path.join(root, d) not in nested]
            for name in files:
                path = os.path.normpath(os.path.join(root, name))
                if path in claimed:
                    continue
                if claimed_dirs and (path + os.sep).startswith(claimed_dirs):
                    continue
                if path in hooks:
                    continue  # reported by the .pth / customize check already
                rel = os.path.relpath(path, site_dir)
                if out.virtualenv and root == site_dir and name == "_virtualenv.py":
                    severity, note = Severity.LOW, " (created by the virtualenv tool)"
                else:
                    severity, note = Severity.MODERATE, ""
                out.findings.append(IntegrityFinding(
                    id="record-unclaimed", check="record", severity=severity,
                    summary=f"{rel} is in site-packages but no installed distribution's "
                            f"RECORD lists it{note}",
                    file=path,
                ))


# --- the whole check ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordResult:
    env: EnvironmentPaths
    distributions: tuple[InstalledDist, ...]
    findings: tuple[IntegrityFinding, ...]
    unverifiable: tuple[Skipped, ...]
    unchecked: tuple[str, ...]
    files_checked: int
    warnings: tuple[str, ...] = ()


def check_environment(env: EnvironmentPaths) -> RecordResult:
    """Every installed file against its RECORD, unclaimed files, ``.pth`` and customize hooks."""
    dists = find_distributions(env.site_dirs)
    out = _Outcome(virtualenv=_made_by_virtualenv(env.prefix))
    for site_dir in env.site_dirs:
        here = [d for d in dists if str(d.site_dir) == site_dir]
        if here and sum(d.record is None for d in here) * 2 > len(here):
            out.managed.add(site_dir)
    skipped: list[Skipped] = []
    owners: dict[str, InstalledDist] = {}
    for dist in dists:
        reason = dist.unverifiable_reason
        if reason:
            skipped.append(Skipped(str(dist.name), reason, source=str(dist.meta_dir)))
        if dist.record is None:
            _claim_legacy(dist, out)
            continue
        mine = _check_record(dist, out)
        out.claimed |= mine
        for path in mine:
            owners[path] = dist
    _check_hooks(env, dists, out, owners)
    _unclaimed(env, out)
    return RecordResult(env, tuple(dists), tuple(out.findings), tuple(skipped),
                        tuple(out.unchecked), out.files_checked, tuple(out.warnings))


def _made_by_virtualenv(prefix: str) -> bool:
    try:
        text = (Path(prefix) / "pyvenv.cfg").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(line.partition("=")[0].strip().lower() == "virtualenv" for line in text.splitlines())
