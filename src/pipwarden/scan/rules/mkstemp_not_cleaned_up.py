"""PW202 mkstemp-not-cleaned-up

## What it does
Finds `tempfile.mkstemp()` calls whose file descriptor is never closed (`os.close`,
`os.fdopen`) or whose file is never removed (`os.remove`/`os.unlink`, `Path.unlink`, moved
into place with `os.replace`/`shutil.move`, or registered for clean-up), in the function that
created it. Returning or storing the path hands the clean-up to someone else and is fine.

## Why
`mkstemp` returns an open OS-level descriptor and leaves the file on disk; unlike
`NamedTemporaryFile` nothing closes or deletes either. Each call leaks a descriptor and a file
in the temporary directory, sometimes holding sensitive data.

## Example
```python
fd, path = tempfile.mkstemp()
with open(path, "w") as f:
    f.write(data)
```

## Use instead
```python
fd, path = tempfile.mkstemp()
try:
    with os.fdopen(fd, "w") as f:
        f.write(data)
    process(path)
finally:
    os.unlink(path)
```
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import ClassVar

from pipwarden.models import Severity
from pipwarden.scan.rule import FileContext, Hit, Rule
from pipwarden.scan.tempfiles import Uses, creations

NAMES = {"tempfile.mkstemp"}


class MkstempNotCleanedUp(Rule):
    code: ClassVar[str] = "PW202"
    name: ClassVar[str] = "mkstemp-not-cleaned-up"
    severity: ClassVar[Severity] = Severity.MODERATE
    summary: ClassVar[str] = "mkstemp() descriptor never closed or file never removed"
    node_types: ClassVar[tuple[type[ast.AST], ...]] = (
        ast.FunctionDef,
        ast.AsyncFunctionDef,
        ast.Module,
    )
    words: ClassVar[tuple[str, ...]] = ("mkstemp",)

    def check(self, node: ast.AST, parent: ast.AST | None, ctx: FileContext) -> Iterable[Hit]:
        found = list(creations(node, ctx.imports, NAMES))
        if not found:
            return ()
        uses = Uses(node, ctx.imports)
        hits = []
        for call, target in found:
            fd_key: set[str] = set()
            path_key: set[str] = set()
            if isinstance(target, (ast.Tuple, ast.List)) and len(target.elts) == 2:
                fd, path = target.elts
                if isinstance(fd, ast.Name) and fd.id != "_":
                    fd_key = {fd.id}
                if isinstance(path, ast.Name) and path.id != "_":
                    path_key = uses.aliases({path.id})
            elif isinstance(target, ast.Name):
                fd_key = path_key = {target.id}
            elif target is not None:
                continue  # stored on an attribute or in a container
            if (fd_key | path_key) and uses.escaped(fd_key | path_key):
                continue
            problems = []
            if not fd_key or not uses.closed(fd_key):
                problems.append("its descriptor is never closed")
            if not path_key or not uses.removed(path_key):
                problems.append("its file is never removed")
            if problems:
                hits.append(
                    Hit(call, f"mkstemp() at line {call.lineno}: {' and '.join(problems)}")
                )
        return hits
