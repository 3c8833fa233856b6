"""PW101 eval-of-untrusted-input

## What it does
Finds untrusted input (web request data, sockets, command-line arguments, environment
variables, stdin) that reaches `eval()`, `exec()` or `compile()`, following the value through
assignments, string building, containers and helper functions of the same module.

## Why
Whoever controls the string controls the process: `eval` runs arbitrary Python with the
privileges of your service.

## Example
```python
expr = request.args["expr"]
result = eval(expr)
```

## Use instead
```python
import ast
result = ast.literal_eval(request.args["expr"])  # literals only, no code
```
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import ClassVar

from pipwarden.models import Severity
from pipwarden.scan.rule import FileContext, TaintRule

SINKS = {"eval", "exec", "compile", "builtins.eval", "builtins.exec", "builtins.compile"}


class EvalOfUntrustedInput(TaintRule):
    code: ClassVar[str] = "PW101"
    name: ClassVar[str] = "eval-of-untrusted-input"
    severity: ClassVar[Severity] = Severity.CRITICAL
    summary: ClassVar[str] = "untrusted input reaches eval/exec/compile"
    family: ClassVar[str] = "code"
    call_names: ClassVar[frozenset[str] | None] = frozenset({"eval", "exec", "compile"})
    words: ClassVar[tuple[str, ...]] = ("eval", "exec", "compile")

    def sinks(self, call: ast.Call, ctx: FileContext) -> Iterable[tuple[ast.expr, str]]:
        func = call.func
        if isinstance(func, ast.Name) and func.id in {"eval", "exec", "compile"}:
            if func.id in ctx.imports:
                return ()
        elif ctx.call_name(call) not in SINKS:
            return ()
        first = call.args[0] if call.args else None
        if first is None:
            for kw in call.keywords:
                if kw.arg in {"source", "expression"}:
                    first = kw.value
        if first is None:
            return ()
        return [(first, f"{ctx.call_name(call)}()")]
