"""PW203 mkdtemp-never-removed

## What it does
Finds `tempfile.mkdtemp()` directories that are never removed (`shutil.rmtree`, `os.rmdir`, a
registered clean-up such as `addCleanup(shutil.rmtree, d)` or `atexit.register`), neither in
the function that created them nor, for a directory stored on `self`, anywhere in the module.
Returning the path hands the clean-up to the caller and is fine.

## Why
`mkdtemp` leaves the directory and everything written into it behind: disks fill up on
long-running hosts and CI runners, and leftovers may hold sensitive data.

## Example
```python
work = tempfile.mkdtemp()
subprocess.run(["git", "clone", url, work], check=True)
```

## Use instead
```python
with tempfile.TemporaryDirectory() as work:
    subprocess.run(["git", "clone", url, work], check=True)
```
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import ClassVar

from pipwarden.models import Severity
from pipwarden.scan import astutil
from pipwarden.scan.rule import FileContext, Hit, Rule
from pipwarden.scan.tempfiles import Uses, creations

NAMES = {"tempfile.mkdtemp"}


class MkdtempNeverRemoved(Rule):
    code: ClassVar[str] = "PW203"
    name: ClassVar[str] = "mkdtemp-never-removed"
    severity: ClassVar[Severity] = Severity.LOW
    summary: ClassVar[str] = "mkdtemp() directory never removed"
    node_types: ClassVar[tuple[type[ast.AST], ...]] = (
        ast.FunctionDef,
        ast.AsyncFunctionDef,
        ast.Module,
    )
    words: ClassVar[tuple[str, ...]] = ("mkdtemp",)

    def check(self, node: ast.AST, parent: ast.AST | None, ctx: FileContext) -> Iterable[Hit]:
        found = list(creations(node, ctx.imports, NAMES))
        if not found:
            return ()
        uses = Uses(node, ctx.imports)
        hits = []
        for call, target in found:
            key = astutil.dotted(target) if target is not None else None
            if target is not None and key is None:
                continue  # stored in a container
            if key is not None:
                keys = uses.aliases({key})
                if "." in key:
                    module_uses = ctx.cache.get("module-uses")
                    if not isinstance(module_uses, Uses):
                        module_uses = Uses(ctx.tree, ctx.imports)
                        ctx.cache["module-uses"] = module_uses
                    if module_uses.removed(keys) or (module_uses.escaped({key}) and not key.startswith("self.")):
                        continue
                elif uses.removed(keys) or uses.escaped(keys):
                    continue
            hits.append(Hit(call, f"directory from mkdtemp() at line {call.lineno} is never removed"))
        return hits
