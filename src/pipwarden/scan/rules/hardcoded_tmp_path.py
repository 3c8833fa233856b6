"""PW206 hardcoded-tmp-path

## What it does
Finds hard-coded paths in shared temporary directories: string literals and f-strings that
start with `/tmp`, `/var/tmp` or `/dev/shm` and are used as values (not compared with, and not
docstrings).

## Why
Every user of the machine can write to these directories. A predictable name lets another
user pre-create the file or a symbolic link (CWE-377/CWE-379), read what you write, or make
your program overwrite their target; two copies of your program also collide.

## Example
```python
LOG = "/tmp/myapp.log"
with open(f"/tmp/report-{user}.csv", "w") as f:
    ...
```

## Use instead
```python
with tempfile.NamedTemporaryFile("w", prefix="report-", suffix=".csv") as f:
    ...
# or a per-user directory: platformdirs.user_cache_dir("myapp")
```
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import ClassVar

from pipwarden.models import Severity
from pipwarden.scan import astutil
from pipwarden.scan.rule import FileContext, Hit, Rule

ROOTS = ("/tmp", "/var/tmp", "/dev/shm")  # noqa: S108 - the pattern this rule looks for


def _is_tmp(text: str) -> bool:
    return any(text == root or text.startswith(root + "/") for root in ROOTS)


class HardcodedTmpPath(Rule):
    code: ClassVar[str] = "PW206"
    name: ClassVar[str] = "hardcoded-tmp-path"
    severity: ClassVar[Severity] = Severity.LOW
    summary: ClassVar[str] = "hard-coded path in a shared temporary directory"
    node_types: ClassVar[tuple[type[ast.AST], ...]] = (ast.Constant, ast.JoinedStr)
    words: ClassVar[tuple[str, ...]] = ROOTS

    def check(self, node: ast.AST, parent: ast.AST | None, ctx: FileContext) -> Iterable[Hit]:
        if isinstance(node, ast.JoinedStr):
            first = node.values[0] if node.values else None
            text = astutil.const_str(first)
        else:
            if isinstance(parent, ast.JoinedStr):
                return ()
            text = astutil.const_str(node)
        if text is None or not _is_tmp(text):
            return ()
        if isinstance(parent, (ast.Expr, ast.Compare)):
            return ()  # a docstring, or a comparison
        if (
            isinstance(parent, ast.Call)
            and isinstance(parent.func, ast.Attribute)
            and parent.func.attr in {"startswith", "endswith", "replace", "split", "strip"}
        ):
            return ()
        if isinstance(parent, (ast.Tuple, ast.List, ast.Set)) and text in ROOTS:
            return ()  # lists of directories to skip or check
        if isinstance(parent, ast.keyword) and parent.arg == "dir" and text in ROOTS:
            return ()  # tempfile.mkstemp(dir="/tmp") picks an unpredictable name
        return [Hit(node, f"hard-coded path {text!r} in a shared temporary directory")]
