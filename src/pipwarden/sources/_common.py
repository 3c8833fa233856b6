"""Helpers shared by the source parsers: reading files safely, TOML errors with a line,
marker evaluation for the target environment, and the per-file :class:`Collector`.

Every parser raises only :class:`~pipwarden.errors.SourceError` (naming the file and the
line or key path); problems confined to one entry are recorded in ``Collector.errors``.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipwarden.errors import SourceError
from pipwarden.files import read_regular
from pipwarden.models import Dependency, PackageName, Skipped
from pipwarden.names import canonicalize_name, parse_version
from pipwarden.urls import redact

if TYPE_CHECKING:
    from packaging.requirements import Requirement

# ``name==version`` and nothing else: the common case, read without packaging's PEP 508 parser
# (importing it and parsing every line costs more than the rest of a large audit).
_SIMPLE_PIN = re.compile(
    r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*==\s*([A-Za-z0-9][A-Za-z0-9.!+_-]*)\s*"
)


def simple_pin(text: str) -> tuple[str, str] | None:
    """(name, version) of a plain ``name==version`` requirement whose version is PEP 440;
    None for anything else (extras, markers, URLs, ranges), which goes through packaging."""
    found = _SIMPLE_PIN.fullmatch(text)
    if found is None or parse_version(found.group(2)) is None:
        return None
    return found.group(1), found.group(2)


MAX_FILE_BYTES = 64 * 1024 * 1024  # a dependency file larger than this is refused

_TOML_LINE_RE = re.compile(r"line (\d+)")
_EXTRA_RE = re.compile(r"""\bextra\s*==\s*['"]([^'"]*)['"]|['"]([^'"]*)['"]\s*==\s*extra\b""")


def read_text(path: Path, *, display: str | None = None) -> str:
    """The text of a dependency file: size-limited, UTF-8 (BOM tolerated)."""
    where = display or str(path)
    try:
        # a regular file only: an include of a FIFO or a device must not block the run
        data = read_regular(path, MAX_FILE_BYTES)
    except (OSError, ValueError) as exc:
        message = getattr(exc, "strerror", None) or str(exc)
        raise SourceError(f"cannot read file: {message}", location=where) from None
    if len(data) > MAX_FILE_BYTES:
        raise SourceError(
            f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB", location=where
        )
    return decode(data, where)


def decode(data: bytes, where: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError(
            "file is not valid UTF-8 text", location=f"{where}:{line}"
        ) from None


def load_toml(text: str, where: str, *, fast: bool = False) -> dict[str, Any]:
    """Parse TOML; ``fast`` tries the lock-file subset reader first (see _fasttoml)."""
    if fast:
        from pipwarden.sources import _fasttoml

        try:
            return _fasttoml.loads(text)
        except Exception:  # noqa: BLE001, S110 - anything unusual: let tomllib decide
            pass
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_LINE_RE.search(str(exc))
        location = f"{where}:{found.group(1)}" if found else where
        raise SourceError(f"invalid TOML: {exc}", location=location) from None
    except (RecursionError, ValueError) as exc:  # pathological nesting
        raise SourceError(f"invalid TOML: {exc}", location=where) from None
    return data


def table(value: object) -> Mapping[str, Any]:
    """``value`` if it is a table, else an empty one (wrong types are checked by callers)."""
    return value if isinstance(value, dict) else {}


@functools.lru_cache(maxsize=8192)
def canonical(name: str) -> str:
    """The PEP 503 name (a plain str; wrap in PackageName where a model needs it)."""
    return str(canonicalize_name(name))


def current_environment() -> dict[str, str]:
    """The marker environment of the running interpreter."""
    from packaging.markers import default_environment

    return {key: str(value) for key, value in default_environment().items()}


def pinned_version(req: Requirement) -> str | None:
    """The exact version of ``name==X`` / ``name===X``; None for ranges and wildcards."""
    specs = list(req.specifier)
    if len(specs) != 1:
        return None
    spec = specs[0]
    if spec.operator == "===":
        return spec.version
    if spec.operator == "==" and not spec.version.endswith(".*"):
        return spec.version
    return None


def toml_string_line(lines: list[str], needle: str, start: int = 0) -> int | None:
    """1-based number of the first line at or after ``start`` that contains ``needle``."""
    for index in range(max(start, 0), len(lines)):
        if needle in lines[index]:
            return index + 1
    return None


def header_lines(text: str, header: str = "[[package]]") -> list[int]:
    """1-based line numbers of every ``header`` line (``[[package]]``), in order."""
    result: list[int] = []
    line, last = 1, 0
    position = text.find(header)
    while position != -1:
        start = text.rfind("\n", 0, position) + 1
        end = text.find("\n", position)
        end = len(text) if end == -1 else end
        if not text[start:position].strip(" \t") and not text[position + len(header):end].strip(
            " \t\r"
        ):
            line += text.count("\n", last, position)
            last = position
            result.append(line)
        position = text.find(header, position + len(header))
    return result


class MarkerEnvironment:
    """Evaluates PEP 508 markers for one target interpreter, or keeps everything.

    ``environment`` None means ``--all-platforms``. A marker that cannot be evaluated
    (malformed, comparing non-versions) counts as *included*: an audit errs on the side of
    checking a package. ``extra == "x"`` clauses are true when any named extra could apply.
    """

    def __init__(
        self, environment: Mapping[str, str] | None, *, any_extra: bool = True
    ) -> None:
        self._environment = dict(environment) if environment is not None else None
        self._lazy = False
        self.any_extra = any_extra  # False: extras count as not requested (installed envs)
        self._cache: dict[str, bool] = {}

    @classmethod
    def running(cls) -> MarkerEnvironment:
        """The running interpreter's environment, computed on first use only (reading it
        imports packaging's marker machinery, which files without markers never need)."""
        markers = cls({})
        markers._lazy = True
        return markers

    @property
    def environment(self) -> dict[str, str] | None:
        if self._lazy:
            self._environment = current_environment()
            self._lazy = False
        return self._environment

    @property
    def all_platforms(self) -> bool:
        return self._environment is None and not self._lazy

    def included(self, marker: str | None) -> bool:
        if not marker or self.all_platforms:
            return True
        cached = self._cache.get(marker)
        if cached is None:
            cached = self._evaluate(marker)
            self._cache[marker] = cached
        return cached

    def _evaluate(self, text: str) -> bool:
        from packaging.markers import InvalidMarker, Marker

        try:
            marker = Marker(text)
        except InvalidMarker:
            return True
        if self.environment is None:
            return True
        extras = {""}
        for found in _EXTRA_RE.finditer(text) if self.any_extra else ():
            extras.add(found.group(1) if found.group(1) is not None else found.group(2))
        for extra in sorted(extras):
            env = dict(self.environment)
            env["extra"] = extra
            try:
                if marker.evaluate(env):
                    return True
            except Exception:  # noqa: BLE001 - packaging raises several kinds; include it
                return True
        return False


def excluded_reason(marker: str) -> str:
    return f"excluded by markers: {marker}"


def is_url_requirement(text: str) -> bool:
    lowered = text.strip().lower()
    return "://" in lowered or lowered.startswith(("git+", "hg+", "svn+", "bzr+", "file:"))


@dataclass(frozen=True)
class Unpinned:
    """A requirement without an exact pin, kept for ``--resolve``."""

    text: str
    source: str
    line: int | None
    group: str
    format: str


@dataclass
class Collector:
    """What one parser found in one file (mutable while parsing, frozen into SourceResult)."""

    source: str
    format: str
    markers: MarkerEnvironment
    dependencies: list[Dependency] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    index_urls: list[str] = field(default_factory=list)
    # Requirements that are not pinned, for --resolve
    unpinned: list[Unpinned] = field(default_factory=list)

    def want(self, text: str, source: str | None, line: int | None, group: str) -> None:
        self.unpinned.append(Unpinned(text, source or self.source, line, group, self.format))

    def error(self, message: str, *, line: int | None = None, key: str | None = None,
              source: str | None = None) -> None:
        where = source or self.source
        if line is not None:
            where = f"{where}:{line}"
        elif key:
            where = f"{where}:{key}"
        self.errors.append(f"{where}: {message}")

    def skip(
        self,
        name: str,
        reason: str,
        *,
        line: int | None = None,
        group: str = "main",
        source: str | None = None,
    ) -> None:
        self.skipped.append(Skipped(name, reason, source or self.source, line, group))

    def add(self, dep: Dependency) -> None:
        """Add a pinned dependency unless its markers exclude it (then it is skipped)."""
        if dep.markers and not self.markers.included(dep.markers):
            self.skip(dep.name, excluded_reason(dep.markers), line=dep.line, group=dep.group,
                      source=dep.source)
            return
        self.dependencies.append(dep)

    def add_requirement(
        self,
        text: str,
        *,
        line: int | None = None,
        key_path: str | None = None,
        group: str = "main",
        direct: bool = True,
        hashes: Iterable[str] = (),
        parents: tuple[str, ...] = (),
        source: str | None = None,
        constraints: Mapping[str, str] | None = None,
        project: str | None = None,
        index_urls: tuple[str, ...] = (),
        pin: tuple[str, str] | None = None,
    ) -> Requirement | None:
        """Turn one PEP 508 requirement string into a Dependency or a Skipped value.

        Returns the parsed requirement (None for the plain ``name==version`` fast path and for
        an invalid one)."""
        src = source or self.source

        def pinned(
            name: str, version: str, specifier: str, marker: str | None = None,
            extras: tuple[str, ...] = (),
        ) -> None:
            self.dependencies.append(
                Dependency(
                    name=PackageName(name),
                    version=version,
                    source=src,
                    format=self.format,
                    line=line,
                    key_path=key_path,
                    group=group,
                    direct=direct,
                    parents=parents,
                    hashes=tuple(hashes),
                    markers=marker,
                    extras=extras,
                    specifier=specifier,
                    index_urls=index_urls,
                )
            )

        pin = pin or simple_pin(text)
        if pin is not None and (project is None or canonical(pin[0]) != project):
            pinned(canonical(pin[0]), pin[1], text.strip())
            return None
        from packaging.requirements import InvalidRequirement, Requirement

        try:
            req = Requirement(text)
        except InvalidRequirement as exc:
            reason = str(exc).splitlines()[0]  # packaging adds the text and a caret line
            self.error(f"invalid requirement {text!r}: {reason}", line=line, key=key_path)
            return None
        name = canonical(req.name)
        marker = str(req.marker) if req.marker is not None else None
        if project is not None and name == project:
            self.skip(name, "the project itself (self-referencing extra)", line=line,
                      group=group, source=src)
            return req
        if marker and not self.markers.included(marker):
            self.skip(name, excluded_reason(marker), line=line, group=group, source=src)
            return req
        if req.url:
            self.skip(name, f"direct URL requirement, not checked: {redact(req.url)}", line=line,
                      group=group, source=src)
            return req
        version = pinned_version(req)
        pinned_by = None
        if version is None and constraints and name in constraints:
            version = constraints[name]
            if not req.specifier.contains(version, prereleases=True):
                version = None
            else:
                pinned_by = "constraint"
        if version is None:
            self.skip(name, "not pinned", line=line, group=group, source=src)
            self.want(text, src, line, group)
            return req
        specifier = text.strip() if pinned_by is None else f"{text.strip()} (constraint)"
        pinned(name, version, specifier, marker, tuple(sorted(req.extras)))
        return req


_HASH_RE = re.compile(r"\s*([A-Za-z0-9_-]+)\s*[:=]\s*([0-9A-Fa-f]+)\s*")


def normalise_hash(value: str) -> str | None:
    """``sha256:<hex>`` (lowercase algorithm and digest) or None when malformed."""
    match = _HASH_RE.fullmatch(value)
    if match is None:
        return None
    return f"{match.group(1).lower()}:{match.group(2).lower()}"


def reachable(
    roots: Iterable[tuple[str, str | None]],
    edges: Mapping[str, list[tuple[str, str | None]]],
    markers: MarkerEnvironment | None,
) -> set[str]:
    """Nodes reachable from ``roots`` ((node, marker) pairs) along ``edges``.

    With ``markers`` None every edge is followed; otherwise an edge whose marker is false
    for the target environment is not.
    """
    seen: set[str] = set()
    stack = [
        node for node, marker in roots if markers is None or markers.included(marker)
    ]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for child, marker in edges.get(node, ()):
            if child not in seen and (markers is None or markers.included(marker)):
                stack.append(child)
    return seen


def incoming_markers(
    node: str, edges: Mapping[str, list[tuple[str, str | None]]], limit: int = 3
) -> str:
    """A short text of the markers on the edges into ``node`` (for the skip reason)."""
    return IncomingMarkers(edges).text(node, limit)


class IncomingMarkers:
    """The markers on the edges into each node, indexed once."""

    def __init__(self, edges: Mapping[str, list[tuple[str, str | None]]]) -> None:
        self.index: dict[str, list[str]] = {}
        for children in edges.values():
            for child, marker in children:
                if marker:
                    found = self.index.setdefault(child, [])
                    if marker not in found:
                        found.append(marker)

    def text(self, node: str, limit: int = 3) -> str:
        return " or ".join(self.index.get(node, [])[:limit]) or "no path for this environment"
