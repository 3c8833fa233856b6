"""Dependency sources: every way a Python project declares what it installs.

:func:`collect` reads files or directories (``-`` = a requirements list on stdin) and returns
one :class:`SourceResult`: pinned, checkable :class:`~pipwarden.models.Dependency` values,
:class:`~pipwarden.models.Skipped` values for what cannot be checked (and why), the files
read, and the errors for what could not be read at all. :func:`collect_environment` reads an
installed interpreter. One module per format; each parser raises only ``SourceError``.
"""

from __future__ import annotations

import contextlib
import gc
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipwarden.errors import PipwardenError, SourceError
from pipwarden.models import Dependency, Skipped
from pipwarden.sources._common import Collector, MarkerEnvironment

__all__ = [
    "FORMATS",
    "SourceResult",
    "collect",
    "collect_environment",
    "detect",
    "detect_format",
]

FORMATS: tuple[str, ...] = (
    "requirements",
    "pyproject",
    "poetry.lock",
    "uv.lock",
    "Pipfile.lock",
    "Pipfile",
    "pylock.toml",
    "script",
    "environment",
)

_PYLOCK_RE = re.compile(r"^pylock\.([^.]+\.)?toml$")
_SNIFF_BYTES = 16 * 1024


@dataclass(frozen=True)
class SourceResult:
    """Everything the sources layer found (see the module doc)."""

    dependencies: tuple[Dependency, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    files: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    index_urls: tuple[str, ...] = ()
    formats: dict[str, str] = field(default_factory=dict, hash=False, compare=False)


def detect(directory: Path) -> list[Path]:
    """The known dependency files in ``directory``, lock files winning over their manifests.

    uv.lock, poetry.lock (or the legacy pyproject.lock) and pylock.toml files replace
    pyproject.toml; Pipfile.lock replaces Pipfile; requirements files (``requirements*.txt``
    and ``requirements/*.txt``) are always included. ``[]`` when there is none.
    """
    if not directory.is_dir():
        return []
    found: list[Path] = []

    def present(name: str) -> Path | None:
        path = directory / name
        return path if path.is_file() else None

    locks = [p for p in (present("uv.lock"), present("poetry.lock")) if p is not None]
    if not locks and (legacy := present("pyproject.lock")) is not None:
        locks.append(legacy)
    try:
        entries = sorted(directory.iterdir())
    except OSError:
        entries = []
    locks.extend(p for p in entries if p.is_file() and _PYLOCK_RE.match(p.name))
    found.extend(locks)
    pyproject = present("pyproject.toml")
    if not locks and pyproject is not None:
        found.append(pyproject)
    pipfile_lock = present("Pipfile.lock")
    if pipfile_lock is not None:
        found.append(pipfile_lock)
    elif (pipfile := present("Pipfile")) is not None:
        found.append(pipfile)
    found.extend(
        p for p in entries
        if p.is_file() and p.name.lower().startswith("requirements") and p.suffix == ".txt"
    )
    subdir = directory / "requirements"
    if subdir.is_dir():
        with contextlib.suppress(OSError):
            found.extend(sorted(p for p in subdir.iterdir() if p.is_file() and p.suffix == ".txt"))
    return found


def detect_format(path: Path) -> str | None:
    """The format of one file: by its name first, then by its content; None if unknown."""
    name = path.name
    lowered = name.lower()
    if name.endswith("uv.lock"):
        return "uv.lock"
    if name.endswith(("poetry.lock", "pyproject.lock")):
        return "poetry.lock"
    if name.endswith("Pipfile.lock"):
        return "Pipfile.lock"
    if name == "Pipfile" or name.endswith("_Pipfile"):
        return "Pipfile"
    if _PYLOCK_RE.match(name):
        return "pylock.toml"
    if name.endswith("pyproject.toml"):
        return "pyproject"
    if lowered.endswith((".py", ".pyw")):
        return "script"
    if lowered.endswith((".txt", ".in")):
        return "requirements"
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES).decode("utf-8", "replace")
    except OSError:
        return None
    return sniff(head)


def sniff(head: str) -> str | None:
    """Guess a format from the start of a file."""
    stripped = head.lstrip("\ufeff \t\r\n")
    if stripped.startswith("{"):
        return "Pipfile.lock" if '"_meta"' in head else None
    if re.search(r"(?m)^# /// script\s*$", head):
        return "script"
    if re.search(r"(?m)^lock-version\s*=", head) and "[[packages]]" in head:
        return "pylock.toml"
    if "[[package]]" in head:
        if re.search(r"(?m)^(revision|requires-python)\s*=", head) and re.search(
            r"(?m)^version\s*=\s*1\s*$", head
        ):
            return "uv.lock"
        return "poetry.lock"
    if re.search(r"(?m)^\[(project|tool\.poetry|build-system|dependency-groups)\]", head):
        return "pyproject"
    if re.search(r"(?m)^\[(packages|dev-packages|requires|source)\]", head):
        return "Pipfile"
    return "requirements"


Parser = Callable[[Path, MarkerEnvironment], Collector]


def _parser(fmt: str) -> Parser:
    if fmt == "requirements":
        from pipwarden.sources import requirements

        return lambda path, markers: requirements.parse(path, markers)
    if fmt == "pyproject":
        from pipwarden.sources import pyproject

        return pyproject.parse
    if fmt == "poetry.lock":
        from pipwarden.sources import poetry_lock

        return poetry_lock.parse
    if fmt == "uv.lock":
        from pipwarden.sources import uv_lock

        return uv_lock.parse
    if fmt in ("Pipfile.lock", "Pipfile"):
        from pipwarden.sources import pipfile_lock

        return pipfile_lock.parse if fmt == "Pipfile.lock" else pipfile_lock.parse_pipfile
    if fmt == "pylock.toml":
        from pipwarden.sources import pylock

        return pylock.parse
    if fmt == "script":
        from pipwarden.sources import script

        return script.parse
    raise SourceError(f"unsupported format {fmt!r}")


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Parsers build large acyclic trees of dicts and lists: the cyclic garbage collector
    finds nothing in them but costs about a quarter of the parse time of a big lock file."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse_file(path: Path, markers: MarkerEnvironment, fmt: str | None = None) -> Collector:
    """Parse one file in a known (or detected) format. Raises only SourceError."""
    fmt = fmt or detect_format(path)
    if fmt is None:
        raise SourceError("unknown dependency file format", location=str(path),
                          hint="name it requirements.txt, pyproject.toml, uv.lock, ...")
    try:
        with _gc_paused():
            return _parser(fmt)(path, markers)
    except PipwardenError:
        raise
    except RecursionError:
        raise SourceError("input is nested too deeply", location=str(path)) from None
    except MemoryError:
        raise SourceError("input is too large to parse", location=str(path)) from None


def marker_environment(python: str | None, all_platforms: bool) -> MarkerEnvironment:
    """Markers are evaluated for ``python`` (or the running interpreter)."""
    if all_platforms:
        return MarkerEnvironment(None)
    if python is None:
        return MarkerEnvironment.running()
    from pipwarden.sources.environment import target_marker_environment

    return MarkerEnvironment(target_marker_environment(python))


def collect(
    paths: Sequence[str],
    *,
    python: str | None = None,
    all_platforms: bool = False,
    resolve: bool = False,
    offline: bool = False,
) -> SourceResult:
    """Read every path (file, directory, or ``-`` for stdin) into one SourceResult.

    A file that cannot be parsed lands in ``errors``; SourceError is raised only for a
    usage problem (``--resolve`` with ``--offline``, an unusable ``--python``).
    """
    if resolve and offline:
        raise SourceError("--resolve needs the network and cannot be used with --offline",
                          hint="pin the requirements, or drop --offline")
    markers = marker_environment(python, all_platforms)
    collectors: list[Collector] = []
    errors: list[str] = []
    formats: dict[str, str] = {}
    files: list[str] = []
    for raw in paths:
        if raw == "-":
            from pipwarden.sources import requirements

            data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else (
                sys.stdin.read().encode("utf-8")
            )
            try:
                collector = requirements.read_stdin_bytes(data, markers)
            except SourceError as exc:
                errors.append(str(exc))
                continue
            collectors.append(collector)
            formats[requirements.STDIN] = "requirements"
            continue
        path = Path(raw)
        if path.is_dir():
            found = detect(path)
            if not found:
                errors.append(f"{raw}: no known dependency file in this directory")
            targets = found
        elif path.is_file():
            targets = [path]
        else:
            errors.append(f"{raw}: no such file or directory")
            continue
        for target in targets:
            fmt = detect_format(target)
            if fmt is None:
                errors.append(f"{target}: unknown dependency file format")
                continue
            formats[str(target)] = fmt
            try:
                collector = parse_file(target, markers, fmt)
            except SourceError as exc:
                errors.append(str(exc))
                files.append(str(target))
                continue
            collectors.append(collector)
    dependencies: list[Dependency] = []
    skipped: list[Skipped] = []
    index_urls: list[str] = []
    seen: set[tuple[str, str, str, int | None, str | None, str]] = set()
    for collector in collectors:
        files.extend(collector.files or [collector.source])
        errors.extend(collector.errors)
        for url in collector.index_urls:
            if url not in index_urls:
                index_urls.append(url)
        for dep in collector.dependencies:
            key = (dep.name, dep.version, dep.source, dep.line, dep.key_path, dep.group)
            if key not in seen:
                seen.add(key)
                dependencies.append(dep)
        skipped.extend(collector.skipped)
        for name in collector.files:
            formats.setdefault(name, collector.format)
    if resolve:
        from pipwarden.sources.resolve import resolve_unpinned

        unpinned = [item for collector in collectors for item in collector.unpinned]
        if unpinned:
            resolved, remaining, resolve_errors = resolve_unpinned(
                unpinned, skipped, python=python, index_urls=index_urls
            )
            dependencies.extend(resolved)
            skipped = remaining
            errors.extend(resolve_errors)
    return SourceResult(
        dependencies=tuple(dependencies),
        skipped=tuple(skipped),
        files=tuple(dict.fromkeys(files)),
        errors=tuple(errors),
        index_urls=tuple(index_urls),
        formats=formats,
    )


def collect_environment(python: str | None = None, *, include_self: bool = False) -> SourceResult:
    """The distributions installed in ``python`` (or the running interpreter)."""
    from pipwarden.sources.environment import collect_environment as _collect

    return _collect(python, include_self=include_self)


def format_counts(result: SourceResult) -> Mapping[str, int]:
    """Dependencies per format (for summaries)."""
    counts: dict[str, int] = {}
    for dep in result.dependencies:
        counts[dep.format] = counts.get(dep.format, 0) + 1
    return counts
