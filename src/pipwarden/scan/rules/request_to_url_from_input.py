"""PW108 request-to-url-from-input

## What it does
Finds outgoing HTTP requests whose URL (or host) comes from request data (server-side request
forgery): `requests`, `httpx`, `urllib.request.urlopen`/`Request`, `urllib3`,
`http.client` connections and session or client objects (`session.get(url)`). An allow-list
check on the URL or its host makes it safe.

## Why
The server fetches whatever the attacker names, including internal services and cloud
metadata endpoints (`http://169.254.169.254/`) that are unreachable from outside.

## Example
```python
url = request.args["url"]
return requests.get(url, timeout=5).text
```

## Use instead
```python
if urlparse(url).hostname not in ALLOWED_HOSTS:
    abort(400)
return requests.get(url, timeout=5).text
```
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import ClassVar

from pipwarden.models import Severity
from pipwarden.scan import astutil
from pipwarden.scan.rule import FileContext, TaintRule

VERBS = {"get", "post", "put", "patch", "delete", "head", "options", "request", "stream"}
URL_FIRST = {
    "urllib.request.urlopen", "urllib.urlopen", "urllib2.urlopen",
    "http.client.HTTPConnection", "http.client.HTTPSConnection", "aiohttp.request",
}


CLIENTS = {
    "requests.Session", "requests.session", "httpx.Client", "httpx.AsyncClient",
    "aiohttp.ClientSession", "urllib3.PoolManager", "urllib3.PoolManager.request",
}


def _clients(ctx: FileContext) -> set[str]:
    """Names bound to HTTP client objects anywhere in the file (``s = requests.Session()``)."""
    cached = ctx.cache.get("http-clients")
    if isinstance(cached, set):
        return cached
    names: set[str] = set()
    for node in ast.walk(ctx.tree):
        pairs: list[tuple[ast.AST, ast.expr | None]] = []
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            pairs.append((node.value, node.targets[0]))
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            pairs.extend((item.context_expr, item.optional_vars) for item in node.items)
        for value, target in pairs:
            if isinstance(value, ast.Call) and ctx.call_name(value) in CLIENTS and target is not None:
                key = astutil.dotted(target)
                if key:
                    names.add(key)
    ctx.cache["http-clients"] = names
    return names


class RequestToUrlFromInput(TaintRule):
    code: ClassVar[str] = "PW108"
    name: ClassVar[str] = "request-to-url-from-input"
    severity: ClassVar[Severity] = Severity.HIGH
    summary: ClassVar[str] = "an outgoing HTTP request goes to a URL taken from request data (SSRF)"
    family: ClassVar[str] = "ssrf"
    remote_only: ClassVar[bool] = True
    call_names: ClassVar[frozenset[str] | None] = frozenset(
        VERBS | {name.rsplit(".", 1)[-1] for name in URL_FIRST}
    )

    def sinks(self, call: ast.Call, ctx: FileContext) -> Iterable[tuple[ast.expr, str]]:
        name = ctx.call_name(call) or ""
        module, _, verb = name.rpartition(".")
        if name in URL_FIRST:
            first = astutil.arg(call, 0, "url") or astutil.keyword(call, "host")
            return [(first, f"{name}()")] if first is not None else ()
        if verb not in VERBS:
            return ()
        receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
        http_module = module in {"requests", "httpx", "aiohttp"}
        client = False
        if receiver is not None and not http_module:
            text = (astutil.dotted(receiver) or "").lower()
            if isinstance(receiver, ast.Call):
                text = (astutil.dotted(receiver.func) or "").lower()
            client = any(word in text for word in ("session", "client", "http", "pool"))
            client = client or astutil.dotted(receiver) in _clients(ctx)
        if not (http_module or client):
            return ()
        index = 1 if verb == "request" else 0
        url = astutil.arg(call, index, "url")
        return [(url, f"{name or verb}()")] if url is not None else ()
