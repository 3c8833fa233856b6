"""Where temporary files and directories end up: removed, closed, or handed on.

These checks are flow-insensitive on purpose: PW202-PW204 report a temporary file or
directory that is *never* removed (or a descriptor never closed) in the function that made
it, unless the function returns it or stores it somewhere that outlives the call.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from pipwarden.scan import astutil

REMOVERS = frozenset(
    {
        "os.remove", "os.unlink", "os.rmdir", "os.removedirs", "shutil.rmtree", "shutil.move",
        "os.rename", "os.replace", "os.renames", "remove", "unlink", "rmtree", "rmdir",
    }
)
REMOVE_METHODS = frozenset({"unlink", "rmdir", "rename", "replace", "cleanup"})
CLOSERS = frozenset({"os.close", "os.fdopen", "open", "io.open", "socket.socket", "os.closerange"})
STORES = frozenset(
    {"append", "add", "extend", "put", "register", "callback", "enter_context", "addCleanup"}
)
WRAPPERS = frozenset({"Path", "pathlib.Path", "PurePath", "str", "os.fspath", "os.fsencode"})


def unwrap(expr: ast.AST, imports: dict[str, str]) -> ast.AST:
    while (
        isinstance(expr, ast.Call)
        and len(expr.args) == 1
        and (astutil.qualname(expr.func, imports) or "") in WRAPPERS
    ):
        expr = expr.args[0]
    return expr


def matches(expr: ast.AST, keys: set[str], imports: dict[str, str]) -> bool:
    expr = unwrap(expr, imports)
    if isinstance(expr, ast.Subscript):
        expr = expr.value
    key = astutil.dotted(expr)
    return key is not None and key in keys


class Uses:
    """What happens to a set of names anywhere in ``scope`` (nested functions included)."""

    def __init__(self, scope: ast.AST, imports: dict[str, str]) -> None:
        self.imports = imports
        self.nodes = list(ast.walk(scope))
        self.parents: dict[int, ast.AST] = {}
        for node in self.nodes:
            for child in ast.iter_child_nodes(node):
                self.parents[id(child)] = node

    def aliases(self, keys: set[str]) -> set[str]:
        """``path = tmp.name`` makes ``path`` another name for ``tmp.name``."""
        out = set(keys)
        for _ in range(2):
            for node in self.nodes:
                if isinstance(node, ast.Assign) and len(node.targets) == 1:
                    target = astutil.dotted(node.targets[0])
                    if target and matches(node.value, out, self.imports):
                        out.add(target)
        return out

    def removed(self, keys: set[str]) -> bool:
        for node in self.nodes:
            if not isinstance(node, ast.Call):
                continue
            name = astutil.qualname(node.func, self.imports) or ""
            if (name in REMOVERS or astutil.last_part(name) in {"rmtree", "remove", "unlink"}) and node.args and matches(node.args[0], keys, self.imports):
                return True
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in REMOVE_METHODS and matches(func.value, keys, self.imports):
                return True
            refs = [astutil.qualname(a, self.imports) or "" for a in node.args]
            if any(r in REMOVERS or astutil.last_part(r) in REMOVE_METHODS | {"rmtree"} for r in refs):
                if any(matches(a, keys, self.imports) for a in node.args):
                    return True
                if any(
                    isinstance(a, ast.Attribute) and a.attr in REMOVE_METHODS and matches(a.value, keys, self.imports)
                    for a in node.args
                ):
                    return True
        return False

    def closed(self, keys: set[str]) -> bool:
        for node in self.nodes:
            if isinstance(node, ast.Call) and node.args:
                name = astutil.qualname(node.func, self.imports) or ""
                if name in CLOSERS and matches(node.args[0], keys, self.imports):
                    return True
                if isinstance(node.func, ast.Attribute) and node.func.attr == "close" and matches(node.func.value, keys, self.imports):
                    return True
        return False

    def escaped(self, keys: set[str]) -> bool:
        """Returned, yielded, or stored on an attribute, in a container or a global."""
        for node in self.nodes:
            if isinstance(node, (ast.Return, ast.Yield, ast.YieldFrom)) and node.value is not None:
                if any(matches(sub, keys, self.imports) for sub in _bare(node.value)):
                    return True
            elif isinstance(node, ast.Assign):
                stores = [t for t in node.targets if not isinstance(t, ast.Name)]
                if stores and any(matches(sub, keys, self.imports) for sub in _bare(node.value)):
                    return True
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in STORES
                and any(matches(sub, keys, self.imports) for a in node.args for sub in _bare(a))
            ):
                return True
        return False


def _bare(expr: ast.AST) -> Iterable[ast.AST]:
    """The expression itself and the items of literal containers around it."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            stack.extend(node.elts)
        elif isinstance(node, ast.Dict):
            stack.extend(v for v in node.values if v is not None)
        elif isinstance(node, ast.Call) and astutil.last_part(astutil.dotted(node.func)) in {
            "Path", "str", "os.fspath"
        }:
            stack.extend(node.args)


PATH_TRANSFORMS = frozenset(
    {"os.path.realpath", "os.path.abspath", "os.path.normpath", "os.fspath", "str", "Path",
     "pathlib.Path", "os.path.expanduser"}
)


def _unwrap_call(expr: ast.AST, imports: dict[str, str]) -> ast.AST:
    while (
        isinstance(expr, ast.Call)
        and len(expr.args) == 1
        and (astutil.qualname(expr.func, imports) or "") in PATH_TRANSFORMS
    ):
        expr = expr.args[0]
    return expr


def creations(scope: ast.AST, imports: dict[str, str], names: set[str]) -> Iterable[tuple[ast.Call, ast.AST | None]]:
    """Calls to one of ``names`` in ``scope`` (not nested scopes) with their binding target:
    the assignment target, the ``with ... as`` target, or None when the result is unbound."""
    bound: set[int] = set()
    found: list[tuple[ast.Call, ast.AST | None]] = []
    for node in astutil.walk_scope(scope):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and len(node.targets) == 1:
            value = _unwrap_call(node.value, imports)
            if isinstance(value, ast.Call) and (astutil.qualname(value.func, imports) or "") in names:
                found.append((value, node.targets[0]))
                bound.add(id(value))
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                expr = item.context_expr
                if isinstance(expr, ast.Call) and (astutil.qualname(expr.func, imports) or "") in names:
                    found.append((expr, item.optional_vars))
                    bound.add(id(expr))
        elif isinstance(node, (ast.Return, ast.Yield)) and node.value is not None:
            value = _unwrap_call(node.value, imports)
            if isinstance(value, ast.Call) and (astutil.qualname(value.func, imports) or "") in names:
                bound.add(id(value))  # handed to the caller
    for node in astutil.walk_scope(scope):
        if (
            isinstance(node, ast.Call)
            and id(node) not in bound
            and (astutil.qualname(node.func, imports) or "") in names
        ):
            found.append((node, None))
    return found
