"""requirements files, read the way pip reads them (without importing pip).

Supported: ``==`` pins, ``--hash`` options, ``-r``/``-c`` includes (relative to the including
file; cycles are errors; a file included twice is read once), ``-e`` and URL/VCS/path
requirements (skipped with a reason), extras, markers, backslash continuations, comments,
CRLF, ``-i/--index-url`` and ``--extra-index-url`` (recorded), ``${VAR}`` expansion exactly
as pip does it (only ``${NAME}`` with ``A-Z 0-9 _`` names, unset variables left as they are).

pip-compile's ``# via`` annotations are read: a package only pulled in ``via`` other
packages is transitive and gets them as parents; ``via -r file.in`` marks it direct.
Constraint files (``-c``) add no dependencies; a constraint pin fills in the version of an
unpinned requirement of the same name (pip would install exactly that version).
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from pipwarden.errors import SourceError
from pipwarden.sources._common import (
    Collector,
    MarkerEnvironment,
    canonical,
    decode,
    is_url_requirement,
    normalise_hash,
    pinned_version,
    read_text,
    simple_pin,
)

FORMAT = "requirements"
STDIN = "<stdin>"

# pip/_internal/req/req_file.py
# pip's (^|\s+)#.*$, without its quadratic backtracking over a long run of spaces: a "#" at
# the start or after whitespace (callers strip what is left)
_COMMENT_RE = re.compile(r"(?:^|(?<=\s))#.*$")
_COMMENT_LINE_RE = re.compile(r"\s*#")
_ENV_VAR_RE = re.compile(r"(?P<var>\$\{(?P<name>[A-Z0-9_]+)\})")
_VIA_START_RE = re.compile(r"^#\s*via\b\s*(?P<rest>.*)$")
_VIA_ITEM_RE = re.compile(r"^#\s{2,}(?P<item>\S.*)$")
_ARCHIVE_SUFFIXES = (".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip", ".tar")
_MAX_INCLUDE_DEPTH = 50

_GLOBAL_FLAGS = {"--no-index", "--pre", "--require-hashes", "--prefer-binary"}
_GLOBAL_WITH_VALUE = {
    "-i": "index",
    "--index-url": "index",
    "--extra-index-url": "extra-index",
    "-r": "requirement",
    "--requirement": "requirement",
    "-c": "constraint",
    "--constraint": "constraint",
    "-e": "editable",
    "--editable": "editable",
    "-f": "ignored",
    "--find-links": "ignored",
    "--no-binary": "ignored",
    "--only-binary": "ignored",
    "--trusted-host": "ignored",
    "--use-feature": "ignored",
}
_REQ_WITH_VALUE = {"--hash", "--global-option", "--config-settings", "-C", "--install-option"}


@dataclass
class _Entry:
    text: str
    source: str
    line: int
    hashes: list[str] = field(default_factory=list)
    via: list[str] = field(default_factory=list)


@dataclass
class _State:
    collector: Collector
    entries: list[_Entry] = field(default_factory=list)
    constraints: dict[str, str] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)
    index_url: str | None = None
    extra_index_urls: list[str] = field(default_factory=list)


def parse(
    path: Path | None,
    markers: MarkerEnvironment,
    *,
    text: str | None = None,
    display: str | None = None,
) -> Collector:
    """Read one requirements file (or ``text`` from stdin when ``path`` is None).

    Raises :class:`SourceError` when the top-level file cannot be read at all; problems in
    single lines or included files are recorded in ``Collector.errors``.
    """
    source = display or (str(path) if path is not None else STDIN)
    collector = Collector(source=source, format=FORMAT, markers=markers)
    state = _State(collector)
    if path is None:
        content = text or ""
        base = Path.cwd()
        _read_lines(state, content, source, base, stack=(source,), constraint=False)
    else:
        content = read_text(path, display=source) if text is None else text
        state.seen.add(_key(path))
        collector.files.append(source)
        _read_lines(state, content, source, path.parent, stack=(_key(path),), constraint=False)
    urls = ([state.index_url] if state.index_url else []) + [
        url for url in state.extra_index_urls if url != state.index_url
    ]
    collector.index_urls.extend(urls)
    for entry in state.entries:
        _add_entry(state, entry, tuple(urls))
    return collector


def parse_text(text: str, markers: MarkerEnvironment, display: str = STDIN) -> Collector:
    return parse(None, markers, text=text, display=display)


def _key(path: Path) -> str:
    try:
        return str(path.resolve())
    except (OSError, RuntimeError, ValueError):
        return os.path.abspath(path)


def _logical_lines(content: str) -> list[tuple[int, str]]:
    """pip's join_lines: backslash continuations, comment lines end a continuation."""
    result: list[tuple[int, str]] = []
    primary = 0
    parts: list[str] = []
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.endswith("\\") or _COMMENT_LINE_RE.match(line):
            if _COMMENT_LINE_RE.match(line):
                line = " " + line
            if parts:
                parts.append(line)
                result.append((primary, "".join(parts)))
                parts = []
            else:
                result.append((number, line))
        else:
            if not parts:
                primary = number
            parts.append(line.strip("\\"))
    if parts:
        result.append((primary, "".join(parts)))
    return result


def _expand(line: str) -> str:
    for var, name in _ENV_VAR_RE.findall(line):
        value = os.environ.get(name)
        if value:
            line = line.replace(var, value)
    return line


def _read_lines(
    state: _State,
    content: str,
    source: str,
    base: Path,
    *,
    stack: tuple[str, ...],
    constraint: bool,
) -> None:
    collector = state.collector
    last: _Entry | None = None
    in_via = False
    for number, raw in _logical_lines(content):
        comment_match = _COMMENT_RE.search(raw)
        comment = comment_match.group(0).strip() if comment_match else ""
        line = _COMMENT_RE.sub("", raw).strip()
        if not line:
            # a comment-only line: pip-compile's multi-line "# via" block
            if last is not None and comment:
                if in_via and (item := _VIA_ITEM_RE.match(comment)):
                    last.via.append(item.group("item").strip())
                    continue
                start = _VIA_START_RE.match(comment)
                if start:
                    in_via = _via_start(last, start.group("rest"))
                    continue
            in_via = False
            continue
        in_via = False
        line = _expand(line)
        if line.startswith("-"):
            last = None
            _option_line(state, line, source, number, base, stack=stack, constraint=constraint)
            continue
        entry = _requirement_line(collector, line, source, number)
        if entry is None:
            last = None
            continue
        if constraint:
            _add_constraint(state, entry)
            last = None
            continue
        state.entries.append(entry)
        last = entry
        start = _VIA_START_RE.match(comment) if comment else None
        if start:
            in_via = _via_start(entry, start.group("rest"))


def _via_start(entry: _Entry, rest: str) -> bool:
    """Record ``# via a, b``; True when the list continues on the next comment lines."""
    rest = rest.strip()
    if not rest:
        return True
    entry.via.extend(part.strip() for part in rest.split(",") if part.strip())
    return False


def _split(text: str, collector: Collector, number: int, source: str) -> list[str] | None:
    try:
        return shlex.split(text, comments=False, posix=True)
    except ValueError as exc:
        collector.error(f"cannot split options: {exc}", line=number, source=source)
        return None


def _option_line(
    state: _State,
    line: str,
    source: str,
    number: int,
    base: Path,
    *,
    stack: tuple[str, ...],
    constraint: bool,
) -> None:
    collector = state.collector
    tokens = _split(line, collector, number, source)
    if not tokens:
        return
    index = 0
    while index < len(tokens):
        token = tokens[index]
        option, value = token, None
        if token.startswith("--") and "=" in token:
            option, _, value = token.partition("=")
        elif token[:2] in ("-i", "-r", "-c", "-e", "-f") and len(token) > 2:
            option, value = token[:2], token[2:].lstrip("=").strip()
        if option in _GLOBAL_FLAGS:
            index += 1
            continue
        kind = _GLOBAL_WITH_VALUE.get(option)
        if kind is None:
            collector.error(f"unknown option {option!r}", line=number, source=source)
            return
        if value is None:
            if index + 1 >= len(tokens):
                collector.error(f"option {option} needs a value", line=number, source=source)
                return
            value = tokens[index + 1]
            index += 2
        else:
            index += 1
        if kind == "index":
            state.index_url = value
        elif kind == "extra-index":
            if value not in state.extra_index_urls:
                state.extra_index_urls.append(value)
        elif kind in ("requirement", "constraint"):
            _include(state, value, source, number, base, stack=stack,
                     constraint=constraint or kind == "constraint")
        elif kind == "editable":
            if not constraint:
                name = _name_from_target(value)
                collector.skip(name, f"editable requirement, not checked: {value}",
                               line=number, source=source)
            # anything after -e VALUE is a per-requirement option (e.g. --config-settings)
            return


def _include(
    state: _State,
    target: str,
    source: str,
    number: int,
    base: Path,
    *,
    stack: tuple[str, ...],
    constraint: bool,
) -> None:
    collector = state.collector
    if "\x00" in target:
        collector.error("include path contains a NUL character", line=number, source=source)
        return
    if is_url_requirement(target) and not target.lower().startswith("file:"):
        collector.error(f"remote requirements file is not read: {target}", line=number, source=source)
        return
    if target.lower().startswith("file:"):
        target = re.sub(r"^file:(//)?", "", target, flags=re.IGNORECASE)
    path = Path(target).expanduser()
    if not path.is_absolute():
        path = base / path
    key = _key(path)
    if key in stack:
        chain = " -> ".join([*stack[stack.index(key):], key])
        collector.error(f"include cycle: {chain}", line=number, source=source)
        return
    if len(stack) > _MAX_INCLUDE_DEPTH:
        collector.error("includes nested too deeply", line=number, source=source)
        return
    if key in state.seen:
        return
    state.seen.add(key)
    display = str(path)
    try:
        content = read_text(path, display=display)
    except SourceError as exc:
        collector.error(f"cannot read included file {target!r}: {exc}", line=number, source=source)
        return
    collector.files.append(display)
    _read_lines(state, content, display, path.parent, stack=(*stack, key), constraint=constraint)


def _requirement_line(collector: Collector, line: str, source: str, number: int) -> _Entry | None:
    # pip's break_args_options: the requirement ends at the first token starting with "-"
    tokens = line.split(" ")
    args: list[str] = []
    for position, token in enumerate(tokens):
        if token.startswith("-"):
            options = " ".join(tokens[position:])
            break
        args.append(token)
    else:
        options = ""
    entry = _Entry(" ".join(args).strip(), source, number)
    if options:
        parts = _split(options, collector, number, source)
        if parts is None:
            return None
        index = 0
        while index < len(parts):
            token = parts[index]
            option, value = token, None
            if token.startswith("--") and "=" in token:
                option, _, value = token.partition("=")
            if option not in _REQ_WITH_VALUE:
                collector.error(f"unknown option {option!r} after a requirement", line=number, source=source)
                return None
            if value is None:
                if index + 1 >= len(parts):
                    collector.error(f"option {option} needs a value", line=number, source=source)
                    return None
                value = parts[index + 1]
                index += 2
            else:
                index += 1
            if option == "--hash":
                digest = normalise_hash(value)
                if digest is None:
                    collector.error(f"malformed --hash value {value!r}", line=number, source=source)
                    return None
                entry.hashes.append(digest)
    return entry


def _add_constraint(state: _State, entry: _Entry) -> None:
    pin = simple_pin(entry.text)
    if pin is not None:
        state.constraints[canonical(pin[0])] = pin[1]
        return
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        req = Requirement(entry.text)
    except InvalidRequirement:
        return  # URL constraints and the like do not pin a version we can check
    version = pinned_version(req)
    if version is not None:
        state.constraints[canonical(req.name)] = version


def _looks_like_path(text: str) -> bool:
    lowered = text.lower()
    return (
        is_url_requirement(text)
        or "/" in text
        or "\\" in text
        or lowered.startswith((".", "~"))
        or lowered.endswith(_ARCHIVE_SUFFIXES)
    )


def _name_from_target(target: str) -> str:
    """A display name for a URL/path requirement: ``#egg=``, the archive name, or the text."""
    egg = re.search(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)", target)
    if egg:
        return canonical(egg.group(1))
    if "@" in target and "://" not in target.split("@", 1)[0]:
        head = target.split("@", 1)[0].strip()
        if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*(\[.*\])?", head):
            return canonical(head.split("[", 1)[0])
    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    filename = target.rstrip("/").rsplit("/", 1)[-1].split("#", 1)[0].split("?", 1)[0]
    try:
        if filename.endswith(".whl"):
            return canonical(parse_wheel_filename(filename)[0])
        return canonical(parse_sdist_filename(filename)[0])
    except (InvalidWheelFilename, InvalidSdistFilename, ValueError):
        return target


def _valid_requirement(state: _State, entry: _Entry) -> bool:
    """Check one requirement with packaging's PEP 508 parser; URL and path requirements are
    skipped with their kind, anything else invalid is an error."""
    from packaging.requirements import InvalidRequirement, Requirement

    text = entry.text
    collector = state.collector
    try:
        Requirement(text)
    except InvalidRequirement as exc:
        if _looks_like_path(text):
            name = _name_from_target(text)
            kind = "VCS" if re.match(r"^(git|hg|svn|bzr)\+", text, re.I) else (
                "direct URL" if "://" in text else "local path"
            )
            collector.skip(name, f"{kind} requirement, not checked: {text}", line=entry.line,
                           source=entry.source)
        else:
            reason = str(exc).splitlines()[0]  # packaging adds the text and a caret line
            collector.errors.append(f"{entry.source}:{entry.line}: invalid requirement "
                                    f"{text!r}: {reason}")
        return False
    return True


def _add_entry(state: _State, entry: _Entry, index_urls: tuple[str, ...]) -> None:
    collector = state.collector
    text = entry.text
    if not text:
        collector.error("requirement missing before options", line=entry.line,
                        source=entry.source)
        return
    pin = simple_pin(text)
    if pin is None and not _valid_requirement(state, entry):
        return
    parents: list[str] = []
    direct = not entry.via
    for item in entry.via:
        if item.startswith("-r") or item.startswith("--requirement") or re.search(
            r"\((setup\.py|setup\.cfg|pyproject\.toml)\)", item
        ):
            direct = True
        elif item.startswith("-"):
            continue
        else:
            word = item.split()[0].split("[", 1)[0]
            if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", word):
                name = canonical(word)
                if name not in parents:
                    parents.append(name)
    if not parents:
        direct = True
    collector.add_requirement(
        text,
        line=entry.line,
        direct=direct,
        hashes=entry.hashes,
        parents=tuple(parents),
        source=entry.source,
        constraints=state.constraints,
        index_urls=index_urls,
        pin=pin,
    )


def read_stdin_bytes(data: bytes, markers: MarkerEnvironment) -> Collector:
    return parse_text(decode(data, STDIN), markers)
