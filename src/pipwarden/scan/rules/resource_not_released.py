"""PW201 resource-not-released

## What it does
Finds files, sockets, database connections, processes, archives, HTTP responses and
connections, temporary files and similar resources that are acquired and not released on
every path, including the path where an exception is raised between the acquisition and the
release. A resource counts as released when it is used as a context manager, closed (or
waited for) in a `finally` or on every path, returned or yielded, stored on `self`, a global
or a container, or handed to `contextlib.closing`, `ExitStack.enter_context`/`callback`,
`weakref.finalize` or another owner. Reported at the acquisition.

## Why
Leaked descriptors exhaust the process limit ("Too many open files"), keep database locks
and temporary files alive, leave zombie processes, and lose buffered writes when the
interpreter exits; without CPython's reference counting (PyPy) they stay open until the next
garbage collection.

## Example
```python
f = open(path)
data = f.read()  # an exception here leaks f
f.close()
sock = socket.create_connection(addr)
sock.sendall(payload)  # never closed
```

## Use instead
```python
with open(path) as f:
    data = f.read()
with socket.create_connection(addr) as sock:
    sock.sendall(payload)
```
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import ClassVar

from pipwarden.models import Severity
from pipwarden.scan.resources import ACQUIRERS, RELEASE_METHODS, Leak, ResourceAnalysis
from pipwarden.scan.rule import FileContext, Hit, Rule

MESSAGES = {
    "path": "{kind} acquired at line {line} is not released on every path "
    "(use `with`, or close it in `finally`)",
    "exception": "{kind} acquired at line {line} leaks if an exception is raised before it is "
    "closed (use `with`, or close it in `finally`)",
    "overwritten": "{kind} acquired at line {line} is overwritten before it is released",
    "unbound": "{kind} acquired at line {line} is never closed (it is used without a name or "
    "a `with`)",
}


def local_defs(ctx: FileContext) -> set[str]:
    cached = ctx.cache.get("local-defs")
    if isinstance(cached, set):
        return cached
    # functions of the module borrow a resource passed to them (unless they close or keep
    # it: see keeping_functions); classes are assumed to keep it
    names = {
        node.name
        for node in ctx.tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.name not in keeping_functions(ctx)
    }
    ctx.cache["local-defs"] = names
    return names


def keeping_functions(ctx: FileContext) -> set[str]:
    """Module functions that close, return or store one of their parameters
    (``def close_quietly(f): ...``): a resource passed to them is handed over."""
    cached = ctx.cache.get("keeping-functions")
    if isinstance(cached, set):
        return cached
    names: set[str] = set()
    for node in ctx.tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            params = {a.arg for a in (*node.args.posonlyargs, *node.args.args)}
            if params and _keeps(node, params):
                names.add(node.name)
    ctx.cache["keeping-functions"] = names
    return names


def _keeps(func: ast.FunctionDef | ast.AsyncFunctionDef, params: set[str]) -> bool:
    for sub in ast.walk(func):
        if (
            isinstance(sub, ast.Call)
            and isinstance(sub.func, ast.Attribute)
            and sub.func.attr in RELEASE_METHODS
            and isinstance(sub.func.value, ast.Name)
            and sub.func.value.id in params
        ):
            return True
        if isinstance(sub, (ast.With, ast.AsyncWith)) and any(
            isinstance(item.context_expr, ast.Name) and item.context_expr.id in params
            for item in sub.items
        ):
            return True
        if (
            isinstance(sub, (ast.Return, ast.Yield))
            and isinstance(sub.value, ast.Name)
            and sub.value.id in params
        ):
            return True
        if (
            isinstance(sub, ast.Assign)
            and isinstance(sub.value, ast.Name)
            and sub.value.id in params
            and any(not isinstance(t, ast.Name) for t in sub.targets)
        ):
            return True
    return False


ACQUIRER_ATTRS = frozenset(
    {name.rsplit(".", 1)[-1] for name in ACQUIRERS} | {"makefile", "accept", "open"}
)


def _candidate(call: ast.Call, ctx: FileContext) -> bool:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr in ACQUIRER_ATTRS
    if isinstance(func, ast.Name):
        return func.id == "open" or ctx.imports.get(func.id) in ACQUIRERS
    return False


class ResourceNotReleased(Rule):
    code: ClassVar[str] = "PW201"
    name: ClassVar[str] = "resource-not-released"
    severity: ClassVar[Severity] = Severity.MODERATE
    summary: ClassVar[str] = "a file, socket, connection or process is not released on every path"
    node_types: ClassVar[tuple[type[ast.AST], ...]] = (
        ast.Call,
        ast.FunctionDef,
        ast.AsyncFunctionDef,
    )
    call_names: ClassVar[frozenset[str] | None] = ACQUIRER_ATTRS
    # every acquirer's name (or its module's) must occur in a file that acquires something
    words: ClassVar[tuple[str, ...]] = tuple(sorted(ACQUIRER_ATTRS))

    def check(self, node: ast.AST, parent: ast.AST | None, ctx: FileContext) -> Iterable[Hit]:
        key = "pw201-functions" if not isinstance(node, ast.Call) else "pw201-calls"
        if isinstance(node, ast.Call) and not _candidate(node, ctx):
            return ()
        found = ctx.cache.setdefault(key, [])
        if isinstance(found, list):
            found.append(node)
        return ()

    def finish(self, ctx: FileContext) -> Iterable[Hit]:
        calls = ctx.cache.get("pw201-calls")
        if not isinstance(calls, list) or not calls:
            return []
        functions = ctx.cache.get("pw201-functions")
        functions = functions if isinstance(functions, list) else []
        scopes: dict[int, ast.AST] = {}
        for call in calls:
            inner: ast.AST = ctx.tree
            best = -1
            for func in functions:
                end = getattr(func, "end_lineno", None) or func.lineno
                if func.lineno <= call.lineno <= end and func.lineno > best:
                    inner, best = func, func.lineno
            scopes[id(inner)] = inner
        hits: list[Hit] = []
        for scope in scopes.values():
            analysis = ResourceAnalysis(ctx.imports, local_defs(ctx))
            if isinstance(scope, ast.Module):
                leaks = analysis.module(scope)
            elif isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
                leaks = analysis.function(scope)
            else:
                continue
            hits.extend(self._hit(leak) for leak in leaks)
        return hits

    @staticmethod
    def _hit(leak: Leak) -> Hit:
        text = MESSAGES[leak.how].format(kind=leak.kind.capitalize(), line=leak.node.lineno)
        return Hit(leak.node, text)
