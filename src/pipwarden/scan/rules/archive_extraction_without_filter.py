"""PW106 archive-extraction-without-filter

## What it does
Finds `tarfile` extraction (`extractall`, `extract`, `shutil.unpack_archive`) without an
extraction `filter` (or a `members=` selection), and `zipfile` extraction of an archive that
came from request data. The archive's member names are the untrusted input.

## Why
A tar member named `../../home/user/.bashrc`, an absolute path, or a symlink pointing outside
the target lets the archive's author write anywhere the process can (CVE-2007-4559). Python
3.12 added extraction filters; before 3.14 the default is to trust the archive.

## Example
```python
with tarfile.open(upload_path) as tar:
    tar.extractall(dest)
```

## Use instead
```python
with tarfile.open(upload_path) as tar:
    tar.extractall(dest, filter="data")
```
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import ClassVar

from pipwarden.models import Severity
from pipwarden.scan import astutil
from pipwarden.scan.rule import FileContext, Hit, TaintRule

TAR_OPENERS = {"tarfile.open", "tarfile.TarFile", "tarfile.TarFile.open", "tarfile.TarFile.gzopen"}
ZIP_OPENERS = {"zipfile.ZipFile"}


class ArchiveExtractionWithoutFilter(TaintRule):
    code: ClassVar[str] = "PW106"
    name: ClassVar[str] = "archive-extraction-without-filter"
    severity: ClassVar[Severity] = Severity.HIGH
    summary: ClassVar[str] = "an archive is extracted without a filter on its member paths"
    family: ClassVar[str] = "archive"
    remote_only: ClassVar[bool] = True
    call_names: ClassVar[frozenset[str] | None] = frozenset(
        {"extractall", "extract", "unpack_archive"}
    )
    words: ClassVar[tuple[str, ...]] = ("extract", "unpack_archive")

    def applies(self, ctx: FileContext) -> bool:
        return any(word in ctx.source for word in self.words)  # tar findings need no source

    def check(self, node: ast.AST, parent: ast.AST | None, ctx: FileContext) -> Iterable[Hit]:
        if not isinstance(node, ast.Call):
            return ()
        func = node.func
        name = ctx.call_name(node) or ""
        filtered = astutil.keyword(node, "filter") is not None and astutil.const_str(
            astutil.keyword(node, "filter")
        ) != "fully_trusted"
        if name == "shutil.unpack_archive":
            if not filtered and "extraction_filter" not in ctx.source:
                return [Hit(node, "shutil.unpack_archive() without filter= trusts member paths")]
            return ()
        if not isinstance(func, ast.Attribute) or func.attr not in {"extractall", "extract"}:
            return ()
        opener = self._opener(func.value, ctx)
        if opener is None:
            return ()
        kind, ctor = opener
        if kind == "tar":
            if filtered or astutil.keyword(node, "members") is not None:
                return ()
            if "extraction_filter" in ctx.source:
                return ()
            return [
                Hit(
                    node,
                    f"tarfile {func.attr}() at line {node.lineno} without filter= trusts member "
                    f"paths of the archive opened at line {ctor.lineno}",
                    ctor.lineno,
                )
            ]
        first = astutil.arg(ctor, 0, "file")
        if first is not None:
            ctx.request_sink(self, node, first, f"zipfile {func.attr}()")
        return ()

    def _opener(self, receiver: ast.expr, ctx: FileContext) -> tuple[str, ast.Call] | None:
        if isinstance(receiver, ast.Call):
            return _kind(receiver, ctx)
        key = astutil.dotted(receiver)
        if key is None:
            return None
        scopes = ctx.cache.get("archive-scopes")
        if not isinstance(scopes, dict):
            scopes = _scopes(ctx)
            ctx.cache["archive-scopes"] = scopes
        found = scopes.get(id(receiver))
        return found if isinstance(found, tuple) else None


def _kind(call: ast.Call, ctx: FileContext) -> tuple[str, ast.Call] | None:
    name = ctx.call_name(call)
    if name in TAR_OPENERS:
        return ("tar", call)
    if name in ZIP_OPENERS:
        return ("zip", call)
    return None


def _scopes(ctx: FileContext) -> dict[int, tuple[str, ast.Call]]:
    """For every name node that is the receiver of a call inside a scope, the archive it is
    bound to in that scope (module body or one function)."""
    out: dict[int, tuple[str, ast.Call]] = {}
    scopes: list[ast.AST] = [ctx.tree]
    scopes += [n for n in ast.walk(ctx.tree) if isinstance(n, astutil.FUNCTION_NODES)]
    for scope in scopes:
        nodes = list(astutil.walk_scope(scope))
        bindings: dict[str, tuple[str, ast.Call]] = {}
        for node in nodes:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                kind = _kind(node.value, ctx)
                if kind:
                    for target in node.targets:
                        key = astutil.dotted(target)
                        if key:
                            bindings[key] = kind
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if isinstance(item.context_expr, ast.Call) and item.optional_vars is not None:
                        kind = _kind(item.context_expr, ctx)
                        key = astutil.dotted(item.optional_vars)
                        if kind and key:
                            bindings[key] = kind
        if not bindings:
            continue
        for node in nodes:
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                key = astutil.dotted(node.func.value)
                if key in bindings:
                    out[id(node.func.value)] = bindings[key]
    return out
