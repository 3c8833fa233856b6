"""PW204 named-temporary-file-never-unlinked

## What it does
Finds `tempfile.NamedTemporaryFile(delete=False)` files whose name is never removed
(`os.unlink(tmp.name)`, `Path(tmp.name).unlink()`, moved into place with `os.replace`, or a
registered clean-up) in the function that created them. Returning or storing the file or its
name hands the clean-up to someone else and is fine.

## Why
`delete=False` turns off the only clean-up `NamedTemporaryFile` has: every call leaves a file
behind in the temporary directory.

## Example
```python
tmp = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
json.dump(data, tmp)
tmp.close()
upload(tmp.name)
```

## Use instead
```python
with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as tmp:
    json.dump(data, tmp)
try:
    upload(tmp.name)
finally:
    os.unlink(tmp.name)
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

NAMES = {"tempfile.NamedTemporaryFile"}


class NamedTemporaryFileNeverUnlinked(Rule):
    code: ClassVar[str] = "PW204"
    name: ClassVar[str] = "named-temporary-file-never-unlinked"
    severity: ClassVar[Severity] = Severity.LOW
    summary: ClassVar[str] = "NamedTemporaryFile(delete=False) never unlinked"
    node_types: ClassVar[tuple[type[ast.AST], ...]] = (
        ast.FunctionDef,
        ast.AsyncFunctionDef,
        ast.Module,
    )
    words: ClassVar[tuple[str, ...]] = ("NamedTemporaryFile",)

    def check(self, node: ast.AST, parent: ast.AST | None, ctx: FileContext) -> Iterable[Hit]:
        found = [
            (call, target)
            for call, target in creations(node, ctx.imports, NAMES)
            if astutil.is_false(astutil.keyword(call, "delete"))
        ]
        if not found:
            return ()
        uses = Uses(node, ctx.imports)
        hits = []
        for call, target in found:
            key = astutil.dotted(target) if target is not None else None
            if target is not None and (key is None or "." in key):
                continue  # stored on an attribute or in a container
            if key is not None:
                keys = uses.aliases({f"{key}.name"})
                if uses.removed(keys) or uses.escaped(keys | {key}):
                    continue
            hits.append(
                Hit(
                    call,
                    f"NamedTemporaryFile(delete=False) at line {call.lineno} is never unlinked",
                )
            )
        return hits
