"""Read a planned wheel safely (zipfile, limits, nothing extracted or run) and say what it does
at install and start-up time: code-running ``.pth`` files, files outside its own top-level
names, console scripts that shadow common commands, native executables among its scripts."""

from __future__ import annotations

import configparser
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pipwarden.names import canonicalize_name

MAX_MEMBERS = 100_000
MAX_SMALL_READ = 256 * 1024  # .pth, entry_points.txt, top_level.txt, WHEEL

SHADOWED_COMMANDS = frozenset(
    [
        "pip",
        "pip3",
        "python",
        "python3",
        "sudo",
        "su",
        "ls",
        "git",
        "ssh",
        "scp",
        "sh",
        "bash",
        "zsh",
        "dash",
        "cp",
        "mv",
        "rm",
        "cat",
        "curl",
        "wget",
        "env",
        "which",
        "make",
        "gcc",
        "cc",
        "ld",
        "node",
        "npm",
        "npx",
        "docker",
        "kubectl",
        "apt",
        "apt-get",
        "yum",
        "dnf",
        "brew",
        "chmod",
        "chown",
        "ps",
        "kill",
        "grep",
        "find",
        "tar",
        "gpg",
        "openssl",
        "passwd",
        "login",
        "systemctl",
        "crontab",
    ]
)

_NATIVE_MAGIC = (
    b"\x7fELF",
    b"MZ",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
)

# .pth import lines written by well-known build tools (matched by shape, not by package name):
# setuptools' namespace-package loader and its distutils shim.
_BENIGN_PTH = (
    re.compile(r"^import sys, types, os;has_mfs = sys\.version_info > \(3, 5\);p = "),
    re.compile(
        r"^import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os\.environ\.get\(var, "
        r"'(local|stdlib)'\) == 'local'; enabled and __import__\('_distutils_hack'\)\."
        r"add_shim\(\); ?$"
    ),
)


@dataclass(frozen=True)
class Issue:
    verdict: str  # OK, REVIEW or BLOCK
    check: str  # pth, overwrite, shadow, native, unsafe-path, sdist, unreadable
    reason: str
    file: str | None = None
    owner: str | None = None  # overwrite: the installed distribution whose files these are


@dataclass(frozen=True)
class WheelContents:
    """What inspection learnt about one wheel."""

    files: tuple[str, ...]  # archive paths (installed paths for purelib/platlib members)
    top_level: tuple[str, ...]
    scripts: tuple[str, ...]  # console/gui script names and .data/scripts files
    issues: tuple[Issue, ...]


def _is_code_line(line: str) -> bool:
    return line.startswith(("import ", "import\t"))


def pth_issue(path: str, text: str) -> Issue | None:
    """A ``.pth`` line starting with ``import`` runs at every interpreter start-up."""
    text = text.removeprefix("\ufeff")  # Python 3.13+ reads .pth files as utf-8-sig
    code = [line for line in text.splitlines() if _is_code_line(line)]
    if not code:
        return None
    if all(any(p.search(line) for p in _BENIGN_PTH) for line in code):
        return Issue("OK", "pth", f"{path}: standard setuptools start-up hook", path)
    first = code[0].strip()
    if len(first) > 80:
        first = first[:77] + "..."
    return Issue("BLOCK", "pth", f"{path} runs code at every Python start-up: {first}", path)


def _safe_member(name: str) -> bool:
    if name.startswith(("/", "\\")) or "\\" in name or re.match(r"^[A-Za-z]:", name):
        return False
    return ".." not in PurePosixPath(name).parts


def _pth_check(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: str) -> Issue | None:
    if info.file_size > MAX_SMALL_READ:
        return Issue(
            "BLOCK", "pth", f"{path} is too large to inspect ({info.file_size} bytes)", path
        )
    return pth_issue(path, _read_small(archive, info))


def _read_small(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    if info.file_size > MAX_SMALL_READ:
        return ""
    with archive.open(info) as handle:
        data = handle.read(MAX_SMALL_READ + 1)[:MAX_SMALL_READ]
    return data.decode("utf-8", errors="replace")


def _entry_point_scripts(text: str) -> list[str]:
    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(text)
    except configparser.Error:
        return []
    names: list[str] = []
    for section in ("console_scripts", "gui_scripts"):
        if parser.has_section(section):
            names.extend(parser.options(section))
    return names


def _shadows(script: str, dist_key: str) -> bool:
    base = script.rsplit("/", 1)[-1]
    stem = re.sub(r"(\.exe|\.py|[0-9.]+)$", "", base.lower()) or base.lower()
    if base.lower() not in SHADOWED_COMMANDS and stem not in SHADOWED_COMMANDS:
        return False
    # A project may own the command named after it (pip ships pip, pip3, pip3.12).
    return canonicalize_name(stem) != dist_key


def inspect_wheel(
    path: Path,
    dist_name: str,
    *,
    installed_owners: Mapping[str, str] | None = None,
    site_packages: str | None = None,
    other_projects: Mapping[str, tuple[str, int]] | None = None,
    own_downloads: int = 0,
) -> WheelContents:
    """Inspect ``path`` (a wheel of ``dist_name``) without extracting or running it.

    ``installed_owners`` maps absolute installed file paths to the canonical name of the
    distribution that owns them; ``site_packages`` is where this wheel's files would land;
    ``other_projects`` maps module names to (popular project, downloads): a top-level name of a
    project far more popular than this one is reported.
    """
    key = canonicalize_name(dist_name)
    issues: list[Issue] = []
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        issue = Issue("BLOCK", "unreadable", f"not a readable wheel: {exc}")
        return WheelContents((), (), (), (issue,))
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            issue = Issue("BLOCK", "unreadable", f"wheel has {len(members)} members")
            return WheelContents((), (), (), (issue,))
        files: list[str] = []
        scripts: list[str] = []
        top: set[str] = set()
        for info in members:
            name = info.filename
            if info.is_dir():
                continue
            if not _safe_member(name):
                issues.append(
                    Issue("BLOCK", "unsafe-path", f"archive member escapes: {name}", name)
                )
                continue
            parts = PurePosixPath(name).parts
            head = parts[0]
            if head.endswith(".dist-info"):
                leaf = parts[-1]
                if leaf == "entry_points.txt" and len(parts) == 2:
                    scripts.extend(_entry_point_scripts(_read_small(archive, info)))
                continue
            if head.endswith(".data") and len(parts) >= 3:
                scheme = parts[1]
                inner = "/".join(parts[2:])
                if scheme == "scripts":
                    scripts.append(inner)
                    with archive.open(info) as handle:
                        magic = handle.read(4)
                    if magic.startswith(_NATIVE_MAGIC):
                        issues.append(
                            Issue(
                                "REVIEW", "native", f"installs a native executable: {inner}", name
                            )
                        )
                elif scheme in ("purelib", "platlib"):
                    files.append(inner)
                    top.add(PurePosixPath(inner).parts[0])
                    if inner.endswith(".pth") and "/" not in inner:
                        found = _pth_check(archive, info, inner)
                        if found:
                            issues.append(found)
                else:
                    files.append(f"{scheme}:{inner}")
                    if scheme == "data" and inner.endswith(".pth"):
                        # installed relative to the prefix: may land in site-packages
                        found = _pth_check(archive, info, inner)
                        if found:
                            issues.append(found)
                continue
            files.append(name)
            top.add(head)
            if name.endswith(".pth") and len(parts) == 1:
                found = _pth_check(archive, info, name)
                if found:
                    issues.append(found)
    for name in sorted(top):
        if name.split(".", 1)[0] in ("sitecustomize", "usercustomize"):
            issues.append(
                Issue("BLOCK", "pth", f"{name} runs code at every Python start-up", name)
            )
    for script in scripts:
        if _shadows(script, key):
            issues.append(
                Issue(
                    "REVIEW", "shadow", f"installs a '{script}' command that shadows the usual one"
                )
            )
    issues.extend(collisions(files, key, installed_owners, site_packages))
    issues.extend(_foreign_top_level(top, key, other_projects, own_downloads))
    return WheelContents(tuple(files), tuple(sorted(top)), tuple(scripts), tuple(issues))


def collisions(
    files: list[str],
    key: str,
    owners: Mapping[str, str] | None,
    site_packages: str | None,
    data_dir: str | None = None,
) -> list[Issue]:
    """Files of ``files`` that another installed distribution owns; ``data:`` files land
    relative to ``data_dir`` (the prefix), so they can overwrite anything under it."""
    if not owners or not site_packages:
        return []
    hits: dict[str, int] = {}
    for rel in files:
        if rel.startswith("data:") and data_dir:
            path = Path(data_dir) / rel[len("data:") :]
        elif ":" in rel:
            continue
        else:
            path = Path(site_packages) / rel
        owner = owners.get(str(path))
        if owner and owner != key:
            hits[owner] = hits.get(owner, 0) + 1
    return [
        Issue("REVIEW", "overwrite", f"overwrites {count} file(s) installed by {owner}", None, owner)
        for owner, count in sorted(hits.items())
    ]


def _foreign_top_level(
    top: set[str],
    key: str,
    other_projects: Mapping[str, tuple[str, int]] | None,
    own_downloads: int,
) -> list[Issue]:
    """A top-level package named after a *different* well-known project."""
    if not other_projects:
        return []
    issues = []
    own = {key, key.replace("-", "_")}
    for name in sorted(top):
        module = name[:-3] if name.endswith(".py") else name
        if module.startswith("_") or module.lower() in own or "." in module:
            continue
        found = other_projects.get(module.lower())
        if found is None:
            continue
        project, downloads = found
        if project != key and not key.startswith(project) and downloads > 10 * own_downloads:
            issues.append(
                Issue(
                    "REVIEW",
                    "overwrite",
                    f"ships a top-level '{module}', the import name of another project ({project})",
                )
            )
    return issues
