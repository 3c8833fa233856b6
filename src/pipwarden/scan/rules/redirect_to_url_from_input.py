"""PW109 redirect-to-url-from-input

## What it does
Finds redirects whose target comes from request data: Flask/Werkzeug `redirect`, Django
`redirect`/`HttpResponseRedirect`/`HttpResponsePermanentRedirect`, Starlette/FastAPI
`RedirectResponse` and Tornado's `self.redirect`. `url_has_allowed_host_and_scheme`, an
`is_safe_url`-style check, a prefix check or an allow-list comparison make it safe.

## Why
An open redirect lends your domain to phishing: `https://you.example/login?next=https://evil`
sends users to the attacker after a trusted-looking link.

## Example
```python
return redirect(request.args.get("next", "/"))
```

## Use instead
```python
target = request.args.get("next", "/")
if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.host}):
    target = "/"
return redirect(target)
```
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import ClassVar

from pipwarden.models import Severity
from pipwarden.scan import astutil
from pipwarden.scan.rule import FileContext, TaintRule

NAMES = {"redirect", "HttpResponseRedirect", "HttpResponsePermanentRedirect", "RedirectResponse"}


class RedirectToUrlFromInput(TaintRule):
    code: ClassVar[str] = "PW109"
    name: ClassVar[str] = "redirect-to-url-from-input"
    severity: ClassVar[Severity] = Severity.HIGH
    summary: ClassVar[str] = "a redirect goes to a URL taken from request data (open redirect)"
    family: ClassVar[str] = "redirect"
    remote_only: ClassVar[bool] = True
    call_names: ClassVar[frozenset[str] | None] = frozenset(NAMES)
    words: ClassVar[tuple[str, ...]] = ("edirect",)

    def sinks(self, call: ast.Call, ctx: FileContext) -> Iterable[tuple[ast.expr, str]]:
        name = ctx.call_name(call) or ""
        if astutil.last_part(name) not in NAMES:
            return ()
        target = (
            astutil.arg(call, 0, "url")
            or astutil.keyword(call, "to")
            or astutil.keyword(call, "location")
            or astutil.keyword(call, "redirect_to")
        )
        return [(target, f"{astutil.last_part(name)}()")] if target is not None else ()
