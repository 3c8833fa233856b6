"""PW104 sql-built-from-input

## What it does
Finds SQL text built from untrusted input (f-strings, `%`, `+`, `.format`, joins) that is
passed to `execute`, `executemany`, `executescript`, Django's `raw`/`RawSQL`/`extra`,
SQLAlchemy's `text`/`exec_driver_sql` or `pandas.read_sql`. Parametrised queries, where the
input travels as a separate parameter, are not reported.

## Why
Input spliced into SQL text can close the string literal and add its own clauses
(`' OR 1=1 --`), reading or destroying any data the connection can reach.

## Example
```python
name = request.args["name"]
cur.execute(f"SELECT * FROM users WHERE name = '{name}'")
```

## Use instead
```python
cur.execute("SELECT * FROM users WHERE name = %s", (name,))
```
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import ClassVar

from pipwarden.models import Severity
from pipwarden.scan import astutil
from pipwarden.scan.rule import FileContext, TaintRule

METHODS = {"execute", "executemany", "executescript", "raw", "exec_driver_sql", "mogrify"}
FUNCTIONS = {
    "sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text",
    "pandas.read_sql", "pandas.read_sql_query", "pd.read_sql", "pd.read_sql_query",
    "django.db.models.expressions.RawSQL", "django.db.models.RawSQL",
}


class SqlBuiltFromInput(TaintRule):
    code: ClassVar[str] = "PW104"
    name: ClassVar[str] = "sql-built-from-input"
    severity: ClassVar[Severity] = Severity.HIGH
    summary: ClassVar[str] = "untrusted input is spliced into SQL text"
    family: ClassVar[str] = "sql"
    call_names: ClassVar[frozenset[str] | None] = frozenset(
        METHODS | {name.rsplit(".", 1)[-1] for name in FUNCTIONS} | {"extra"}
    )

    def sinks(self, call: ast.Call, ctx: FileContext) -> Iterable[tuple[ast.expr, str]]:
        func = call.func
        name = ctx.call_name(call) or ""
        if name in FUNCTIONS or astutil.last_part(name) == "RawSQL":
            first = astutil.arg(call, 0, "sql")
            return [(first, f"{astutil.last_part(name)}()")] if first is not None else ()
        if isinstance(func, ast.Attribute) and func.attr in METHODS:
            first = astutil.arg(call, 0, "sql") or astutil.keyword(call, "query")
            if first is None or isinstance(first, ast.Constant):
                return ()
            return [(first, f".{func.attr}()")]
        if isinstance(func, ast.Attribute) and func.attr == "extra":
            return [
                (kw.value, ".extra()") for kw in call.keywords if kw.arg in {"where", "select"}
            ]
        return ()
