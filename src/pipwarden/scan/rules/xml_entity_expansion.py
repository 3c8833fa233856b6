"""PW107 xml-entity-expansion

## What it does
Finds request data parsed by XML parsers that expand entities: `xml.etree.ElementTree`,
`xml.dom.minidom`, `xml.dom.pulldom`, `xml.sax` and `lxml.etree` (unless given a parser
created with `resolve_entities=False`).

## Why
Entity declarations let a few hundred bytes expand to gigabytes ("billion laughs"), and
external entities (`<!ENTITY x SYSTEM "file:///etc/passwd">`, resolved by lxml) read local
files or reach internal hosts (XXE).

## Example
```python
root = lxml.etree.fromstring(request.data)
```

## Use instead
```python
import defusedxml.ElementTree as ET
root = ET.fromstring(request.data)
# or: lxml.etree.fromstring(data, parser=lxml.etree.XMLParser(resolve_entities=False))
```
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import ClassVar

from pipwarden.models import Severity
from pipwarden.scan import astutil
from pipwarden.scan.rule import FileContext, TaintRule

MODULES = (
    "xml.etree.ElementTree", "xml.etree.cElementTree", "xml.dom.minidom", "xml.dom.pulldom",
    "xml.sax", "lxml.etree",
)
FUNCTIONS = {"parse", "fromstring", "XML", "iterparse", "parseString", "XMLID", "fromstringlist"}


class XmlEntityExpansion(TaintRule):
    code: ClassVar[str] = "PW107"
    name: ClassVar[str] = "xml-entity-expansion"
    severity: ClassVar[Severity] = Severity.HIGH
    summary: ClassVar[str] = "request data is parsed by an XML parser that expands entities"
    family: ClassVar[str] = "xml"
    remote_only: ClassVar[bool] = True
    call_names: ClassVar[frozenset[str] | None] = frozenset(FUNCTIONS)
    words: ClassVar[tuple[str, ...]] = ("xml",)

    def sinks(self, call: ast.Call, ctx: FileContext) -> Iterable[tuple[ast.expr, str]]:
        name = ctx.call_name(call) or ""
        module, _, func = name.rpartition(".")
        if module not in MODULES or func not in FUNCTIONS:
            return ()
        parser = astutil.keyword(call, "parser")
        if parser is None and len(call.args) > 1 and module == "lxml.etree":
            parser = call.args[1]
        if parser is not None and _safe_parser(parser, ctx):
            return ()
        first = astutil.arg(call, 0, "source") or astutil.keyword(call, "text")
        return [(first, f"{name}()")] if first is not None else ()


def _safe_parser(parser: ast.expr, ctx: FileContext) -> bool:
    if isinstance(parser, ast.Call):
        return astutil.is_false(astutil.keyword(parser, "resolve_entities"))
    key = astutil.dotted(parser)
    for node in ast.walk(ctx.tree):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and any(astutil.dotted(t) == key for t in node.targets)
        ):
            return astutil.is_false(astutil.keyword(node.value, "resolve_entities"))
    return False
