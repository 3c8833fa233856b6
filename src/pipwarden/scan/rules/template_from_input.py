"""PW110 template-from-input

## What it does
Finds templates whose source text comes from untrusted input: `jinja2.Template(...)`,
`Environment.from_string(...)`, Flask's `render_template_string`, Mako and Django `Template`,
Tornado's `template.Template`. Passing input as a *variable* to a fixed template is fine.

## Why
Template languages evaluate expressions: `{{ cycler.__init__.__globals__.os.popen('id').read() }}`
in a Jinja template runs commands (server-side template injection).

## Example
```python
name = request.args["name"]
return render_template_string("Hello " + name)
```

## Use instead
```python
return render_template_string("Hello {{ name }}", name=name)
```
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import ClassVar

from pipwarden.models import Severity
from pipwarden.scan import astutil
from pipwarden.scan.rule import FileContext, TaintRule

CONSTRUCTORS = {
    "jinja2.Template", "jinja2.environment.Template", "mako.template.Template",
    "django.template.Template", "tornado.template.Template", "flask.render_template_string",
    "render_template_string", "jinja2.Environment.from_string",
}


def _environment(receiver: ast.expr) -> bool:
    """``env.from_string`` / ``jinja2.Environment().from_string`` / ``app.jinja_env...``, not
    ``PackageURL.from_string``."""
    if isinstance(receiver, ast.Call):
        receiver = receiver.func
    text = (astutil.dotted(receiver) or "").lower()
    return any(word in text for word in ("env", "jinja", "template", "loader"))


class TemplateFromInput(TaintRule):
    code: ClassVar[str] = "PW110"
    name: ClassVar[str] = "template-from-input"
    severity: ClassVar[Severity] = Severity.CRITICAL
    summary: ClassVar[str] = "untrusted input is used as template source (template injection)"
    family: ClassVar[str] = "template"
    call_names: ClassVar[frozenset[str] | None] = frozenset(
        {"Template", "from_string", "render_template_string"}
    )
    words: ClassVar[tuple[str, ...]] = ("Template", "from_string", "render_template_string")

    def sinks(self, call: ast.Call, ctx: FileContext) -> Iterable[tuple[ast.expr, str]]:
        name = ctx.call_name(call) or ""
        func = call.func
        if name in CONSTRUCTORS or (
            isinstance(func, ast.Attribute) and func.attr == "from_string" and _environment(func.value)
        ):
            first = astutil.arg(call, 0, "source") or astutil.keyword(call, "text")
            if first is None:
                first = astutil.keyword(call, "source")
            return [(first, f"{astutil.last_part(name) or 'from_string'}()")] if first else ()
        return ()
