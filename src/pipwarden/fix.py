"""Choose the smallest upgrades that clear known vulnerabilities, and write them down.

- :func:`plan_fixes`: for each vulnerable dependency, the smallest version above the current
  one that none of its matched advisories affects (a version no advisory affects is preferred),
  among the releases the index lists when known. Never a downgrade; a new major version only
  with ``allow_major``; advisories with no fix are listed as such.
- :func:`rewrite_requirements` / :func:`rewrite_pyproject`: change the pinned versions in place,
  keeping comments, order and formatting (``--hash`` options are replaced when new hashes are
  known, otherwise the pin is left alone and reported).
- :func:`lock_commands`: ``uv lock --upgrade-package X`` / ``poetry update X`` /
  ``pipenv update X`` for lock files.
- :func:`conflicts`: which installed distributions require something an upgrade breaks.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from pipwarden.advisories.osv import Affected
from pipwarden.advisories.store import Store
from pipwarden.checks.matching import is_affected, match
from pipwarden.errors import SourceError
from pipwarden.models import Dependency, MaliciousFinding, VulnerabilityFinding

VersionsLookup = Callable[[str], "Sequence[str] | None"]
HashLookup = Callable[[str, str], "Sequence[str] | None"]

LOCK_TOOLS = {
    "uv.lock": ("uv", ["uv", "lock", "--upgrade-package"]),
    "poetry.lock": ("poetry", ["poetry", "update"]),
    "Pipfile.lock": ("pipenv", ["pipenv", "update"]),
}


@dataclass(frozen=True)
class Upgrade:
    name: str
    current: str
    target: str
    advisories: tuple[str, ...]
    source: str = ""
    line: int | None = None
    format: str = "requirements"


@dataclass(frozen=True)
class NoFix:
    name: str
    version: str
    advisories: tuple[str, ...]
    reason: str
    source: str = ""


@dataclass(frozen=True)
class FixPlan:
    upgrades: tuple[Upgrade, ...] = ()
    unfixable: tuple[NoFix, ...] = ()
    warnings: tuple[str, ...] = ()
    findings: tuple[VulnerabilityFinding | MaliciousFinding, ...] = field(default=(), compare=False)


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def choose_fix(
    current: str,
    matched: Sequence[Affected],
    others: Sequence[Affected],
    releases: Sequence[str] | None,
) -> str | None:
    """The smallest version above ``current`` that none of ``matched`` affects.

    Candidates are the index's releases when known, else the advisories' ``fixed`` versions.
    Among clearing versions, the smallest that no advisory of the package affects wins.
    """
    now = _version(current)
    if now is None:
        return None
    if releases is not None:
        pool = list(releases)
    else:
        pool = [v for e in (*matched, *others) for v in e.fixed_versions()]
    candidates: list[Version] = []
    for text in pool:
        v = _version(text)
        if v is None or v <= now or (v.is_prerelease and not now.is_prerelease):
            continue
        candidates.append(v)
    candidates = sorted(set(candidates))
    clearing = [v for v in candidates if not any(is_affected(str(v), e) for e in matched)]
    if not clearing:
        return None
    for v in clearing:
        if not any(is_affected(str(v), e) for e in others):
            return str(v)
    return str(clearing[0])


def plan_fixes(
    deps: Sequence[Dependency],
    store: Store,
    *,
    allow_major: bool = False,
    versions: VersionsLookup | None = None,
) -> FixPlan:
    result = match(deps, store)
    by_dep: dict[tuple[str, str], list[VulnerabilityFinding | MaliciousFinding]] = {}
    for finding in result.findings:
        by_dep.setdefault((str(finding.package), str(finding.version)), []).append(finding)
    upgrades: list[Upgrade] = []
    unfixable: list[NoFix] = []
    warnings = list(result.warnings)
    done: set[tuple[str, str, str]] = set()
    for dep in deps:
        found = by_dep.get((dep.name, dep.version))
        if not found or (dep.name, dep.version, dep.location) in done:
            continue
        done.add((dep.name, dep.version, dep.location))
        ids = tuple(f.id for f in found)
        if any(isinstance(f, MaliciousFinding) for f in found):
            unfixable.append(
                NoFix(dep.name, dep.version, ids, "known malicious: remove it", dep.location)
            )
            continue
        pairs = [(a, e) for a, e in store.advisories_for(dep.name) if a.withdrawn is None]
        matched = [e for _, e in pairs if is_affected(dep.version, e)]
        others = [e for _, e in pairs]
        releases = versions(dep.name) if versions else None
        target = choose_fix(dep.version, matched, others, releases)
        if target is None:
            why = "no fixed version is known"
            if releases is not None:
                why = "no released version fixes it"
            unfixable.append(NoFix(dep.name, dep.version, ids, why, dep.location))
            continue
        old, new = _version(dep.version), _version(target)
        calendar = old is not None and old.major >= 1000  # CalVer (2023.7.22): years, not breaks
        major = old is not None and new is not None and new.major > old.major and not calendar
        if major and not allow_major:
            unfixable.append(
                NoFix(
                    dep.name,
                    dep.version,
                    ids,
                    f"the fix, {target}, is a new major version (use --allow-major)",
                    dep.location,
                )
            )
            continue
        upgrades.append(
            Upgrade(dep.name, dep.version, target, ids, dep.source, dep.line, dep.format)
        )
    return FixPlan(tuple(upgrades), tuple(unfixable), tuple(warnings), result.findings)


# --- rewriting pins ------------------------------------------------------------------------------

_REQ_PIN = re.compile(
    r"^(?P<lead>\s*)(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?P<extras>\s*\[[^\]]*\])?"
    r"(?P<op>\s*===?\s*)(?P<version>[A-Za-z0-9.+!_-]+)"
)
_HASH = re.compile(r"--hash[=\s]+(?P<hash>[a-z0-9]+:[0-9a-fA-F]+)")


@dataclass(frozen=True)
class Rewrite:
    text: str
    changed: tuple[Upgrade, ...]
    problems: tuple[str, ...]


def _logical_lines(text: str) -> list[list[int]]:
    """Indices of the physical lines that make up each logical requirements line."""
    lines = text.splitlines(keepends=True)
    groups: list[list[int]] = []
    current: list[int] = []
    for index, line in enumerate(lines):
        current.append(index)
        if not line.rstrip("\r\n").endswith("\\"):
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def rewrite_requirements(
    text: str, upgrades: Iterable[Upgrade], hashes: HashLookup | None = None, source: str = ""
) -> Rewrite:
    """Replace ``name==old`` by ``name==new`` on the pin lines, keeping everything else."""
    wanted = {(canonicalize_name(u.name), u.current): u for u in upgrades}
    lines = text.splitlines(keepends=True)
    changed: list[Upgrade] = []
    problems: list[str] = []
    for group in reversed(_logical_lines(text)):  # from the end: edits may add lines
        first = lines[group[0]]
        found = _REQ_PIN.match(first)
        if not found:
            continue
        key = (canonicalize_name(found["name"]), found["version"])
        upgrade = wanted.get(key)
        if upgrade is None:
            continue
        line_no = group[0] + 1
        has_hashes = any(_HASH.search(lines[i]) for i in group)
        new_hashes: Sequence[str] | None = None
        if has_hashes:
            new_hashes = hashes(upgrade.name, upgrade.target) if hashes else None
            if not new_hashes:
                problems.append(
                    f"{source}:{line_no}: {upgrade.name} is hash-pinned and the hashes of "
                    f"{upgrade.target} are unknown; left unchanged"
                )
                continue
        start, end = found.span("version")
        lines[group[0]] = first[:start] + upgrade.target + first[end:]
        if has_hashes and new_hashes:
            _replace_hashes(lines, group, new_hashes)
        changed.append(upgrade)
    return Rewrite("".join(lines), tuple(reversed(changed)), tuple(reversed(problems)))


def _replace_hashes(lines: list[str], group: list[int], new_hashes: Sequence[str]) -> None:
    """Put the new ``--hash`` options where the old ones were, in the same layout."""
    rest = group[1:]
    own_line = re.compile(r"^(?P<indent>\s*)--hash[=\s]+[a-z0-9]+:[0-9a-fA-F]+\s*(\\)?\s*$")
    if rest and all(own_line.match(lines[i]) for i in rest):
        indent = own_line.match(lines[rest[0]])["indent"]  # type: ignore[index]
        ending = "\r\n" if lines[rest[-1]].endswith("\r\n") else "\n"
        tail_continues = lines[rest[-1]].rstrip().endswith("\\")
        new = [f"{indent}--hash=sha256:{h} \\{ending}" for h in new_hashes]
        if not tail_continues:
            new[-1] = f"{indent}--hash=sha256:{new_hashes[-1]}{ending}"
        lines[rest[0] : rest[-1] + 1] = new
        return
    first = group[0]
    match_ = None
    for index in group:
        match_ = _HASH.search(lines[index])
        if match_:
            first = index
            break
    if match_ is None:
        return
    position = match_.start()
    for index in group:
        lines[index] = re.sub(r"[ \t]*--hash[=\s]+[a-z0-9]+:[0-9a-fA-F]+", "", lines[index])
    line = lines[first]
    cut = min(position, len(line.rstrip("\r\n")))
    inserted = " ".join(f"--hash=sha256:{h}" for h in new_hashes)
    head = line[:cut].rstrip(" \t")
    lines[first] = f"{head} {inserted}{line[cut:]}" if head else f"{inserted}{line[cut:]}"


_QUOTED = re.compile(r"\"(?P<d>[^\"\n\\]*)\"|'(?P<s>[^'\n\\]*)'")


def rewrite_pyproject(text: str, upgrades: Iterable[Upgrade], source: str = "") -> Rewrite:
    """Change ``"name==old"`` requirement strings (PEP 621 / PEP 735 lists) in place.

    An upgrade that knows its line changes that line only (the same quoted pin in a comment
    or in another tool's table stays as it is); one without a line changes any non-comment
    line that holds the pin.
    """
    all_upgrades = list(upgrades)
    changed: list[Upgrade] = []
    by_line: dict[int, list[Upgrade]] = {}
    loose = [u for u in all_upgrades if u.line is None]
    for u in all_upgrades:
        if u.line is not None:
            by_line.setdefault(u.line, []).append(u)
    out_lines: list[str] = []
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        here = by_line.get(number, [])
        if not line.lstrip().startswith("#"):
            here = here + loose
        out_lines.append(_rewrite_pins(line, here, changed) if here else line)
    return Rewrite("".join(out_lines), tuple(dict.fromkeys(changed)), ())


def _rewrite_pins(text: str, upgrades: Iterable[Upgrade], changed: list[Upgrade]) -> str:
    """Replace the quoted ``name==old`` strings of ``upgrades`` in ``text`` (one line)."""
    wanted = {(canonicalize_name(u.name), u.current): u for u in upgrades}

    def replace(m: re.Match[str]) -> str:
        quote = '"' if m["d"] is not None else "'"
        body = m["d"] if m["d"] is not None else m["s"]
        try:
            req = Requirement(body)
        except InvalidRequirement:
            return m.group(0)
        specs = list(req.specifier)
        if len(specs) != 1 or specs[0].operator not in ("==", "==="):
            return m.group(0)
        upgrade = wanted.get((canonicalize_name(req.name), specs[0].version))
        if upgrade is None:
            return m.group(0)
        pin = re.search(r"===?\s*" + re.escape(specs[0].version), body)
        if pin is None:
            return m.group(0)
        new_body = (
            body[: pin.start()]
            + body[pin.start() : pin.end()].replace(specs[0].version, upgrade.target)
            + body[pin.end() :]
        )
        changed.append(upgrade)
        return f"{quote}{new_body}{quote}"

    return _QUOTED.sub(replace, text)


def unified_diff(path: str, old: str, new: str) -> str:
    """A unified diff (``a/``, ``b/`` labels for relative paths, the path itself otherwise)."""
    before, after = (path, path) if os.path.isabs(path) else (f"a/{path}", f"b/{path}")
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True), before, after
        )
    )


def atomic_replace(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file, keeping the file's mode."""
    path = Path(os.path.realpath(path))  # a symlinked file is written, not the link replaced
    tmp = path.with_name(f".{path.name}.pipwarden-tmp")
    try:
        mode = path.stat().st_mode & 0o7777
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise SourceError(f"cannot write: {exc.strerror}", location=str(path)) from None


def read_text(path: Path) -> str:
    try:
        with path.open("r", encoding="utf-8", newline="") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"cannot read: {exc}", location=str(path)) from None


# --- lock files ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LockCommand:
    argv: tuple[str, ...]
    cwd: str
    available: bool


def lock_commands(lock_file: Path, names: Iterable[str]) -> list[LockCommand]:
    tool, base = LOCK_TOOLS[lock_file.name]
    available = shutil.which(tool) is not None
    return [
        LockCommand((*base, name), str(lock_file.parent), available)
        for name in dict.fromkeys(names)
    ]


# --- environment consistency ----------------------------------------------------------------------


def conflicts(
    requires: Mapping[str, Sequence[str]],
    versions: Mapping[str, str],
    upgrades: Iterable[Upgrade],
) -> list[str]:
    """Installed distributions whose requirements an upgrade would break.

    ``requires`` maps canonical names to their Requires-Dist strings (markers evaluated for
    this interpreter; extras are ignored), ``versions`` the installed versions.
    """
    new = {canonicalize_name(u.name): u.target for u in upgrades}
    out: list[str] = []
    for owner, reqs in sorted(requires.items()):
        if owner in new:
            continue
        for text in reqs:
            try:
                req = Requirement(text)
            except InvalidRequirement:
                continue
            target = new.get(canonicalize_name(req.name))
            if target is None:
                continue
            if req.marker is not None:
                try:
                    applies = req.marker.evaluate({"extra": ""})
                except Exception:  # noqa: BLE001 - an unknown marker variable: assume it applies
                    applies = True
                if not applies:
                    continue
            if not req.specifier.contains(target, prereleases=True):
                out.append(
                    f"{owner} {versions.get(owner, '')} requires {req}; "
                    f"{req.name} {target} does not fit"
                )
    return out


# --- the fix workflow ----------------------------------------------------------------------------

_REQUIRES_SCRIPT = r"""
import importlib.metadata as md, json, os, re, sys
sys.path[:] = [p for p in sys.path if p not in ("", os.getcwd())]
out = {}
for d in md.distributions():
    name = d.metadata["Name"]
    if not name:
        continue
    key = re.sub(r"[-_.]+", "-", name).lower()
    out.setdefault(key, {"version": d.version, "requires": list(d.requires or [])})
print(json.dumps(out))
"""

InstallFn = Callable[[Sequence[str]], int]


def installed_requirements(python: str) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Requires-Dist and versions of every distribution of ``python``'s environment."""
    import json
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="pipwarden-fix-") as empty:
        try:
            proc = subprocess.run(
                [python, "-c", _REQUIRES_SCRIPT],
                capture_output=True,
                text=True,
                cwd=empty,
                timeout=120,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SourceError(f"cannot run the interpreter: {exc}", location=python) from None
    if proc.returncode != 0:
        raise SourceError("cannot read the environment's requirements", location=python)
    lines = [line for line in proc.stdout.splitlines() if line.strip()]  # after start-up output
    try:
        data = json.loads(lines[-1])
    except (IndexError, ValueError):
        raise SourceError(
            "the environment's requirements were not valid JSON", location=python
        ) from None
    return (
        {k: [str(r) for r in v["requires"]] for k, v in data.items()},
        {k: str(v["version"]) for k, v in data.items()},
    )


def resolver_check(python: str, requirements_file: Path) -> str | None:
    """Ask pip's resolver (dry-run, ignoring what is installed) whether the file resolves.

    Returns None when it does, else the end of pip's error output.
    """
    import subprocess
    import tempfile

    from pipwarden.pyexec import pip_argv

    with tempfile.TemporaryDirectory(prefix="pipwarden-fix-") as tmp:
        command = [
            *pip_argv(python),
            "install",
            "--dry-run",
            "--ignore-installed",
            "--quiet",
            "--disable-pip-version-check",
            "--no-input",
            "--report",
            str(Path(tmp) / "r.json"),
            "-r",
            str(requirements_file),
        ]
        try:
            proc = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=1800,
                check=False,
                cwd=str(requirements_file.parent),
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"cannot run pip: {exc}"
    if proc.returncode == 0:
        return None
    lines = [line for line in (proc.stderr + proc.stdout).splitlines() if line.strip()]
    return "\n".join(lines[-6:]) or f"pip exited with {proc.returncode}"


@dataclass(frozen=True)
class FixOptions:
    python: str
    dry_run: bool = False
    allow_major: bool = False
    offline: bool = False


def describe_plan(plan: FixPlan) -> list[str]:
    lines = []
    for u in plan.upgrades:
        lines.append(f"  {u.name} {u.current} -> {u.target}  fixes {', '.join(u.advisories)}")
    for n in plan.unfixable:
        lines.append(f"  no fix: {n.name} {n.version} ({', '.join(n.advisories)}): {n.reason}")
    return lines


def fix_environment(
    deps: Sequence[Dependency],
    store: Store,
    options: FixOptions,
    *,
    versions: VersionsLookup | None,
    install: InstallFn,
    write: Callable[[str], None],
) -> int:
    plan = plan_fixes(deps, store, allow_major=options.allow_major, versions=versions)
    for warning in plan.warnings:
        write(f"warning: {warning}")
    if not plan.upgrades and not plan.unfixable:
        write("nothing to fix: no known vulnerabilities in this environment")
        return 0
    write(f"fix: {len(plan.upgrades)} upgrade(s), {len(plan.unfixable)} without a fix")
    for line in describe_plan(plan):
        write(line)
    if not plan.upgrades:
        return 1
    requires, installed = installed_requirements(options.python)
    broken = conflicts(requires, installed, plan.upgrades)
    if broken:
        for line in broken:
            write(f"  conflict: {line}")
        write("refused: the upgrades do not fit the installed packages; nothing was changed")
        return 1
    pins = [f"{u.name}=={u.target}" for u in plan.upgrades]
    if options.dry_run:
        write("would run: pipwarden install " + " ".join(pins))
        return 1 if plan.unfixable else 0
    code = install(pins)
    if code != 0:
        return code
    return 1 if plan.unfixable else 0


def fix_files(
    paths: Sequence[str],
    deps: Sequence[Dependency],
    formats: Mapping[str, str],
    store: Store,
    options: FixOptions,
    *,
    versions: VersionsLookup | None,
    hashes: HashLookup | None,
    write: Callable[[str], None],
    run: Callable[[LockCommand], int] | None = None,
) -> int:
    plan = plan_fixes(deps, store, allow_major=options.allow_major, versions=versions)
    for warning in plan.warnings:
        write(f"warning: {warning}")
    if not plan.upgrades and not plan.unfixable:
        write("nothing to fix: no known vulnerabilities in " + ", ".join(paths))
        return 0
    write(f"fix: {len(plan.upgrades)} upgrade(s), {len(plan.unfixable)} without a fix")
    for line in describe_plan(plan):
        write(line)
    by_file: dict[str, list[Upgrade]] = {}
    for u in plan.upgrades:
        by_file.setdefault(u.source, []).append(u)
    failed = bool(plan.unfixable)
    # Nothing is changed until every file has passed the resolver check.
    locks: list[LockCommand] = []
    writes: list[tuple[Path, str, Rewrite]] = []
    for source, upgrades in by_file.items():
        path = Path(source)
        fmt = formats.get(source) or upgrades[0].format
        if path.name in LOCK_TOOLS:
            for command in lock_commands(path, [u.name for u in upgrades]):
                text = " ".join(command.argv)
                if options.dry_run or not command.available or run is None:
                    why = "" if command.available else f" ({command.argv[0]} is not installed)"
                    write(f"run in {command.cwd}: {text}{why}")
                    failed = failed or not command.available
                    continue
                locks.append(command)
            continue
        if fmt not in ("requirements", "pyproject"):
            write(f"{source}: {fmt} files are not rewritten; upgrade by hand")
            failed = True
            continue
        old = read_text(path)
        if fmt == "requirements":
            rewrite = rewrite_requirements(old, upgrades, hashes, source)
        else:
            rewrite = rewrite_pyproject(old, upgrades, source)
        for problem in rewrite.problems:
            write(f"warning: {problem}")
        if not rewrite.changed:
            failed = True
            continue
        if rewrite.text == old:
            continue
        if not options.offline:
            error = _check_file(options.python, path, rewrite.text, fmt, deps, upgrades)
            if error is not None:
                write(f"refused: pip cannot resolve {source} with these upgrades:\n{error}")
                write("nothing was changed")
                return 1
        else:
            write(f"note: {source} not checked with pip's resolver (--offline)")
        if options.dry_run:
            write(unified_diff(source, old, rewrite.text).rstrip("\n"))
            continue
        writes.append((path, source, rewrite))
    for command in locks:
        text = " ".join(command.argv)
        write(f"running in {command.cwd}: {text}")
        if run is None or run(command) != 0:
            write(f"error: {text} failed")
            failed = True
    for path, source, rewrite in writes:
        atomic_replace(path, rewrite.text)
        changes = ", ".join(f"{u.name} {u.current} -> {u.target}" for u in rewrite.changed)
        write(f"updated {source}: {changes}")
    return 1 if failed else 0


def _check_file(
    python: str,
    path: Path,
    new_text: str,
    fmt: str,
    deps: Sequence[Dependency],
    upgrades: Sequence[Upgrade],
) -> str | None:
    if fmt == "requirements":
        body = new_text
    else:
        target: dict[str, str] = {str(canonicalize_name(u.name)): u.target for u in upgrades}
        pins = [f"{d.name}=={target.get(d.name, d.version)}" for d in deps if d.source == str(path)]
        body = "\n".join(dict.fromkeys(pins)) + "\n"
    check = path.with_name(f".{path.name}.pipwarden-check.txt")
    try:
        check.write_text(body, encoding="utf-8")
        return resolver_check(python, check)
    finally:
        check.unlink(missing_ok=True)


def run_lock_command(command: LockCommand) -> int:
    """Run a lock tool (argv from :func:`lock_commands`, no shell) in the lock file's folder."""
    import subprocess

    try:
        return subprocess.run(list(command.argv), cwd=command.cwd, check=False).returncode
    except OSError:
        return 127
