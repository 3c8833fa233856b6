"""The scan engine: find files, parse each once, dispatch nodes to rules, collect findings.

Dispatch by node type and the isolation of one rule's crash from the others follow bandit's
node visitor; a crashing rule becomes a warning and leaves the file unchecked (exit 2), never a
traceback.
"""

from __future__ import annotations

import ast
import fnmatch
import importlib.util
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipwarden.errors import UsageError
from pipwarden.files import read_regular
from pipwarden.models import CodeFinding, Report, Severity
from pipwarden.scan.rule import FileContext, Hit, Rule
from pipwarden.scan.rules import select_rules

SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", "__pycache__", ".tox", ".nox", "node_modules", "site-packages",
        "build", "dist", ".venv", "venv", ".mypy_cache", ".pytest_cache", ".ruff_cache",
        ".eggs",
    }
)
IGNORE_COMMENT = re.compile(r"#\s*pipwarden:\s*ignore(?:\[([A-Za-z0-9_,\s]*)\])?", re.I)


@dataclass
class ScanResult:
    findings: list[CodeFinding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)
    files_scanned: int = 0


def discover(paths: Sequence[str], exclude: Sequence[str] = ()) -> list[Path]:
    """Python files under ``paths``, skipping environments, build output and caches."""
    files: list[Path] = []
    for raw in paths:
        root = Path(raw)
        if not root.exists():
            raise UsageError("no such file or directory", location=raw)
        if not root.is_dir():  # a file (or a FIFO/device: scan_file refuses it)
            files.append(root)
            continue
        for current, dirs, names in os.walk(root):
            base = Path(current)
            kept = []
            for name in sorted(dirs):
                if name in SKIP_DIRS or name.endswith(".egg-info"):
                    continue
                sub = base / name
                if (sub / "pyvenv.cfg").exists() or _excluded(sub, root, exclude):
                    continue
                kept.append(name)
            dirs[:] = kept
            for name in sorted(names):
                if name.endswith(".py"):
                    path = base / name
                    # like directories, symlinked files are not followed (out of the tree)
                    if not path.is_symlink() and not _excluded(path, root, exclude):
                        files.append(path)
    return files


def _excluded(path: Path, root: Path, patterns: Sequence[str]) -> bool:
    if not patterns:
        return False
    rel = path.relative_to(root).as_posix()
    for pattern in patterns:
        pat = pattern.rstrip("/")
        if fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(path.name, pat):
            return True
        if rel.startswith(pat + "/"):
            return True
    return False


class Scanner:
    """Runs a fixed set of rules over files."""

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules
        self.dispatch: dict[type[ast.AST], list[Rule]] = {}
        for rule in rules:
            for node_type in rule.node_types:
                self.dispatch.setdefault(node_type, []).append(rule)

    def scan_file(self, path: Path, display: str, result: ScanResult) -> None:
        try:
            data = _read_limited(path)
            source = importlib.util.decode_source(data)
        except (OSError, UnicodeDecodeError, SyntaxError, LookupError) as exc:
            result.warnings.append(f"{display}: cannot read: {exc}")
            result.unchecked.append(display)
            return
        try:
            tree = ast.parse(source, filename=display)
        except SyntaxError as exc:
            result.warnings.append(f"{display}:{exc.lineno or 0}: syntax error, not scanned: {exc.msg}")
            result.unchecked.append(display)
            return
        except (ValueError, RecursionError, MemoryError) as exc:
            result.warnings.append(f"{display}: cannot parse, not scanned: {exc}")
            result.unchecked.append(display)
            return
        result.files_scanned += 1
        crashes = len(result.warnings)
        result.findings.extend(self.scan_tree(display, source, tree, result.warnings))
        if len(result.warnings) > crashes:  # a rule crashed: the file was not fully checked
            result.unchecked.append(display)

    def scan_source(self, source: str, display: str = "<string>") -> list[CodeFinding]:
        warnings: list[str] = []
        found = self.scan_tree(display, source, ast.parse(source), warnings)
        return sorted(found, key=lambda f: (f.line or 0, f.column, f.id))

    def scan_tree(
        self, display: str, source: str, tree: ast.Module, warnings: list[str]
    ) -> list[CodeFinding]:
        ctx = FileContext(display, source, tree)
        hits: list[tuple[Rule, Hit]] = []
        broken: set[str] = set()
        active: list[Rule] = []
        for rule in self.rules:
            try:
                if rule.applies(ctx):
                    active.append(rule)
            except Exception as exc:  # noqa: BLE001 - one rule must not stop the scan
                broken.add(rule.code)
                warnings.append(_crash(display, rule, exc, None))
        if not active:
            return []
        dispatch: dict[type[ast.AST], list[Rule]] = {}
        for rule in active:
            for node_type in rule.node_types:
                dispatch.setdefault(node_type, []).append(rule)
        call_rules = dispatch.pop(ast.Call, [])
        stack: list[tuple[ast.AST, ast.AST | None]] = [(tree, None)]
        fields = _FIELDS
        while stack:
            node, parent = stack.pop()
            kind = type(node)
            rules = dispatch.get(kind)
            if kind is ast.Call and call_rules:
                last = _call_last(node, ctx.imports)  # type: ignore[arg-type]
                rules = [r for r in call_rules if r.call_names is None or last in r.call_names]
            if rules:
                for rule in rules:
                    if rule.code in broken:
                        continue
                    try:
                        hits.extend((rule, hit) for hit in rule.check(node, parent, ctx))
                    except Exception as exc:  # noqa: BLE001 - one rule must not stop the scan
                        broken.add(rule.code)
                        warnings.append(_crash(display, rule, exc, node))
            names = fields.get(kind)
            if names is None:
                names = fields[kind] = tuple(f for f in kind._fields if f not in _SKIP_FIELDS)
            for name in names:
                value = getattr(node, name, None)
                if isinstance(value, list):
                    for item in value:
                        if isinstance(item, ast.AST):
                            stack.append((item, node))
                elif isinstance(value, ast.AST):
                    stack.append((value, node))
        for rule in active:
            if rule.code in broken:
                continue
            try:
                hits.extend((rule, hit) for hit in rule.finish(ctx))
            except Exception as exc:  # noqa: BLE001 - one rule must not stop the scan
                warnings.append(_crash(display, rule, exc, None))
        return _to_findings(display, source, hits)


MAX_FILE_BYTES = 16 * 1024 * 1024  # a larger "source file" is not read


def _read_limited(path: Path) -> bytes:
    """A regular file's bytes, at most MAX_FILE_BYTES; FIFOs and devices are refused
    without blocking (O_NONBLOCK), larger files raise OSError."""
    data = read_regular(path, MAX_FILE_BYTES)
    if len(data) > MAX_FILE_BYTES:
        raise OSError(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    return data


_FIELDS: dict[type, tuple[str, ...]] = {}
_SKIP_FIELDS = frozenset({"ctx", "op", "ops", "type_comment", "type_ignores"})


def _call_last(call: ast.Call, imports: dict[str, str]) -> str:
    """The last part of the called name, resolved through imports (``run`` for
    ``from subprocess import run as sh`` called as ``sh()``)."""
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        full = imports.get(func.id)
        return full.rsplit(".", 1)[-1] if full else func.id
    return ""


def _crash(display: str, rule: Rule, exc: BaseException, node: ast.AST | None) -> str:
    where = f"{display}:{getattr(node, 'lineno', 0)}" if node is not None else display
    return f"{where}: rule {rule.code} crashed and was skipped for this file ({type(exc).__name__}: {exc})"


def _suppressed(lines: list[str], line: int, code: str) -> bool:
    if not 1 <= line <= len(lines):
        return False
    text = lines[line - 1]
    if "pipwarden" not in text:
        return False
    match = IGNORE_COMMENT.search(text)
    if match is None:
        return False
    if match.group(1) is None:
        return True
    codes = [c.strip().upper() for c in match.group(1).split(",") if c.strip()]
    return any(code.startswith(c) for c in codes)


def _to_findings(display: str, source: str, hits: Iterable[tuple[Rule, Hit]]) -> list[CodeFinding]:
    lines = source.splitlines()
    out: list[CodeFinding] = []
    seen: set[tuple[str, int, int]] = set()
    for rule, hit in hits:
        line = getattr(hit.node, "lineno", 1)
        col = getattr(hit.node, "col_offset", 0) + 1
        key = (rule.code, line, col)
        if key in seen:
            continue
        seen.add(key)
        end_line = getattr(hit.node, "end_lineno", None)
        suppressed = _suppressed(lines, line, rule.code) or (
            end_line is not None and end_line != line and _suppressed(lines, end_line, rule.code)
        )
        end_col = getattr(hit.node, "end_col_offset", None)
        out.append(
            CodeFinding(
                id=rule.code,
                severity=rule.severity,
                summary=hit.message,
                file=display,
                line=line,
                column=col,
                end_line=end_line,
                end_column=end_col + 1 if end_col is not None else None,
                source_line=hit.source_line,
                rule_name=rule.name,
                ignored=suppressed,
                ignore_reason="# pipwarden: ignore comment" if suppressed else None,
            )
        )
    return out


def scan_paths(
    paths: Sequence[str],
    *,
    select: tuple[str, ...] = (),
    ignore: tuple[str, ...] = (),
    exclude: Sequence[str] = (),
) -> ScanResult:
    rules = select_rules(select, ignore)  # validates the codes before any work
    files = discover(paths, exclude)
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    if workers > 1 and len(files) >= PARALLEL_THRESHOLD:
        result = _scan_parallel(files, select, ignore, workers)
    else:
        result = _scan_chunk([str(p) for p in files], Scanner(rules))
    result.findings.sort(key=lambda f: (f.file, f.line or 0, f.column, f.id))
    return result


PARALLEL_THRESHOLD = 200  # files; below this, starting processes costs more than it saves
MAX_WORKERS = 4


def _scan_chunk(paths: list[str], scanner: Scanner) -> ScanResult:
    result = ScanResult()
    for path in paths:
        scanner.scan_file(Path(path), path, result)
    return result


def _worker(paths: list[str], select: tuple[str, ...], ignore: tuple[str, ...]) -> ScanResult:
    return _scan_chunk(paths, Scanner(select_rules(select, ignore)))


def _scan_parallel(
    files: list[Path], select: tuple[str, ...], ignore: tuple[str, ...], workers: int
) -> ScanResult:
    """Parsing dominates the cost of a scan; spread the files over processes."""
    from concurrent.futures import ProcessPoolExecutor

    names = [str(p) for p in files]
    size = max(16, len(names) // (workers * 8))
    chunks = [names[i : i + size] for i in range(0, len(names), size)]
    result = ScanResult()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for part in pool.map(_worker, chunks, [select] * len(chunks), [ignore] * len(chunks)):
            result.findings.extend(part.findings)
            result.warnings.extend(part.warnings)
            result.unchecked.extend(part.unchecked)
            result.files_scanned += part.files_scanned
    return result


def fail_threshold(fail_on: str) -> int | None:
    if fail_on == "none":
        return None
    return Severity.parse(fail_on).rank


def run(
    paths: Sequence[str],
    *,
    select: tuple[str, ...] = (),
    ignore: tuple[str, ...] = (),
    exclude: Sequence[str] = (),
    fail_on: str = "low",
) -> Report:
    """Scan ``paths`` and build the command's Report (exit code included).

    Exit code: 1 when a finding is at or above ``fail_on``; otherwise 2 when a file could not
    be read or parsed (listed in ``unchecked``); otherwise 0.
    """
    result = scan_paths(paths, select=select, ignore=ignore, exclude=exclude)
    threshold = fail_threshold(fail_on)
    failing = threshold is not None and any(
        f.severity.rank >= threshold for f in result.findings if not f.ignored
    )
    exit_code = 1 if failing else 2 if result.unchecked else 0
    return Report(
        command="scan",
        findings=tuple(result.findings),
        warnings=tuple(result.warnings),
        unchecked=tuple(result.unchecked),
        partial=bool(result.unchecked),
        exit_code=exit_code,
        fail_on=fail_on,
        extra={
            "files_scanned": result.files_scanned,
            # for reporters that describe rules (SARIF tool.driver.rules); report/ cannot
            # import the scan layer, so the descriptions travel with the Report
            "rules": {
                rule.code: {
                    "name": rule.name,
                    "summary": rule.summary,
                    "severity": rule.severity.value,
                    "help": rule.doc(),
                }
                for rule in select_rules(select, ignore)
            },
        },
    )
