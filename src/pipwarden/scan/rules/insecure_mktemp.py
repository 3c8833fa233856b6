"""PW205 insecure-mktemp

## What it does
Finds calls to `tempfile.mktemp()` (and `os.tempnam`/`os.tmpnam`), which return a name for a
temporary file without creating it.

## Why
Between choosing the name and opening the file, another process can create a file or a
symbolic link with that name (a race, CWE-377), redirecting your writes or reads. The
function has been deprecated since Python 2.3.

## Example
```python
path = tempfile.mktemp(suffix=".txt")
with open(path, "w") as f:
    f.write(report)
```

## Use instead
```python
with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
    f.write(report)
```
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import ClassVar

from pipwarden.models import Severity
from pipwarden.scan.rule import FileContext, Hit, Rule

NAMES = {"tempfile.mktemp", "os.tempnam", "os.tmpnam"}


class InsecureMktemp(Rule):
    code: ClassVar[str] = "PW205"
    name: ClassVar[str] = "insecure-mktemp"
    severity: ClassVar[Severity] = Severity.MODERATE
    summary: ClassVar[str] = "tempfile.mktemp() creates a race on the file name"
    node_types: ClassVar[tuple[type[ast.AST], ...]] = (ast.Call,)
    call_names: ClassVar[frozenset[str] | None] = frozenset({"mktemp", "tempnam", "tmpnam"})
    words: ClassVar[tuple[str, ...]] = ("mktemp", "tempnam", "tmpnam")

    def check(self, node: ast.AST, parent: ast.AST | None, ctx: FileContext) -> Iterable[Hit]:
        if not isinstance(node, ast.Call):
            return ()
        name = ctx.call_name(node)
        if name in NAMES:
            return [Hit(node, f"{name}() returns a name another process can claim first")]
        return ()
