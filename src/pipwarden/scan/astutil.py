"""Small helpers over :mod:`ast` shared by the analyses and the rules."""

from __future__ import annotations

import ast
from collections.abc import Iterator

FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef)
SCOPE_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def import_map(tree: ast.Module) -> dict[str, str]:
    """Local name -> fully qualified name, from every import in the file."""
    names: dict[str, str] = {}
    for node in _statements(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    head = alias.name.split(".", 1)[0]
                    names[head] = head
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                if alias.name != "*":
                    names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _statements(tree: ast.AST) -> Iterator[ast.stmt]:
    """Every statement, nested ones included, without descending into expressions."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.stmt):
            yield node
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            block = getattr(node, name, None)
            if isinstance(block, list):
                stack.extend(block)


def dotted(node: ast.AST) -> str | None:
    """``a.b.c`` for a chain of attributes over a name, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def qualname(node: ast.AST, imports: dict[str, str]) -> str | None:
    """The dotted name with its head resolved through the imports (``ET.parse`` ->
    ``xml.etree.ElementTree.parse``)."""
    name = dotted(node)
    if name is None:
        return None
    head, _, rest = name.partition(".")
    full = imports.get(head)
    if full is None:
        return name
    return f"{full}.{rest}" if rest else full


def last_part(name: str | None) -> str:
    return name.rsplit(".", 1)[-1] if name else ""


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def arg(call: ast.Call, index: int, name: str | None = None) -> ast.expr | None:
    """Positional argument ``index`` or keyword ``name``."""
    if len(call.args) > index and not isinstance(call.args[index], ast.Starred):
        return call.args[index]
    return keyword(call, name) if name else None


def is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def is_false(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def const_str(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def walk_scope(node: ast.AST) -> Iterator[ast.AST]:
    """Every node under ``node`` without entering nested functions, lambdas or classes."""
    stack = list(ast.iter_child_nodes(node))
    while stack:
        item = stack.pop()
        yield item
        if isinstance(item, SCOPE_NODES):
            continue
        stack.extend(ast.iter_child_nodes(item))


def scope_body(scope: ast.AST) -> list[ast.stmt]:
    body = getattr(scope, "body", [])
    return body if isinstance(body, list) else []


def names_in(node: ast.AST) -> set[str]:
    """Names and attribute-chain keys (``self.path``) read in an expression."""
    found: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            found.add(sub.id)
        elif isinstance(sub, ast.Attribute):
            key = dotted(sub)
            if key:
                found.add(key)
    return found
