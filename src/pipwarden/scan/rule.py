"""The rule interface and the per-file context every rule sees.

A rule declares the node types it wants (``node_types``); the engine walks each file's tree
once and calls :meth:`Rule.check` for every node of those types, then :meth:`Rule.finish`
once per file. Rules of the PW1xx family describe sinks; the shared taint analysis
(:mod:`pipwarden.scan.taint`) says which sink arguments carry untrusted input.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from pipwarden.models import Severity
from pipwarden.scan import astutil
from pipwarden.scan.taint import Label, ModuleTaint, Taint, may_have_sources


@dataclass(frozen=True)
class Hit:
    """One violation found by a rule, located at ``node``."""

    node: ast.AST
    message: str
    source_line: int | None = None


@dataclass(frozen=True)
class SinkRequest:
    rule: TaintRule
    call: ast.Call
    arg: ast.expr
    what: str  # "eval()", "subprocess.run(shell=True)", ...


class FileContext:
    """What rules may ask about one parsed file."""

    def __init__(self, path: str, source: str, tree: ast.Module) -> None:
        self.path = path
        self.source = source
        self.tree = tree
        self._imports: dict[str, str] | None = None
        self._names: dict[int, str | None] = {}
        self.sink_requests: list[SinkRequest] = []
        self._taint: ModuleTaint | None = None
        self._taint_error: BaseException | None = None
        self.cache: dict[str, object] = {}

    @property
    def imports(self) -> dict[str, str]:
        if self._imports is None:
            self._imports = astutil.import_map(self.tree)
        return self._imports

    def qualname(self, node: ast.AST) -> str | None:
        return astutil.qualname(node, self.imports)

    def call_name(self, call: ast.Call) -> str | None:
        key = id(call)
        if key not in self._names:
            self._names[key] = self.qualname(call.func)
        return self._names[key]

    def is_builtin(self, call: ast.Call, name: str) -> bool:
        return isinstance(call.func, ast.Name) and call.func.id == name and name not in self.imports

    def may_have_sources(self) -> bool:
        cached = self.cache.get("may-have-sources")
        if not isinstance(cached, bool):
            cached = may_have_sources(self.source)
            self.cache["may-have-sources"] = cached
        return cached

    def request_sink(self, rule: TaintRule, call: ast.Call, arg: ast.expr, what: str) -> None:
        self.sink_requests.append(SinkRequest(rule, call, arg, what))

    def taint(self) -> ModuleTaint:
        """The module's taint analysis, run once for all sink requests of this file."""
        if self._taint_error is not None:
            raise self._taint_error
        if self._taint is None:
            interest = {id(r.arg) for r in self.sink_requests}
            try:
                analysis = ModuleTaint(self.tree, self.imports, interest)
                if may_have_sources(self.source):
                    analysis.run()
            except (RecursionError, Exception) as exc:
                self._taint_error = exc
                raise
            self._taint = analysis
        return self._taint


class Rule:
    """Base of every rule. Subclasses set the class attributes and override check/finish."""

    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    severity: ClassVar[Severity] = Severity.MODERATE
    summary: ClassVar[str] = ""
    node_types: ClassVar[tuple[type[ast.AST], ...]] = ()
    # For ast.Call rules: the called names (last part) worth a look; None means every call.
    call_names: ClassVar[frozenset[str] | None] = None
    # Words one of which must appear in a file for the rule to apply to it (cheap prefilter).
    words: ClassVar[tuple[str, ...]] = ()

    def applies(self, ctx: FileContext) -> bool:
        return not self.words or any(word in ctx.source for word in self.words)

    def check(self, node: ast.AST, parent: ast.AST | None, ctx: FileContext) -> Iterable[Hit]:
        return ()

    def finish(self, ctx: FileContext) -> Iterable[Hit]:
        return ()

    @classmethod
    def doc(cls) -> str:
        module = sys.modules[cls.__module__]
        return (module.__doc__ or "").strip()


class TaintRule(Rule):
    """A PW1xx rule: untrusted input of ``family`` must not reach the arguments it names."""

    family: ClassVar[str] = ""
    remote_only: ClassVar[bool] = False  # only input from the network counts (not argv/env)
    node_types: ClassVar[tuple[type[ast.AST], ...]] = (ast.Call,)

    def applies(self, ctx: FileContext) -> bool:
        return super().applies(ctx) and ctx.may_have_sources()

    def sinks(self, call: ast.Call, ctx: FileContext) -> Iterable[tuple[ast.expr, str]]:
        """The (argument, description) pairs of ``call`` that are sinks for this rule."""
        return ()

    def check(self, node: ast.AST, parent: ast.AST | None, ctx: FileContext) -> Iterable[Hit]:
        if not isinstance(node, ast.Call):
            return ()
        for expr, what in self.sinks(node, ctx):
            ctx.request_sink(self, node, expr, what)
        return ()

    def relevant(self, labels: Taint) -> list[Label]:
        return [
            label
            for label in labels
            if self.family not in label.safe and (label.remote or not self.remote_only)
        ]

    def finish(self, ctx: FileContext) -> Iterable[Hit]:
        mine = [r for r in ctx.sink_requests if r.rule is self]
        if not mine:
            return []
        analysis = ctx.taint()
        hits: list[Hit] = []
        seen: set[int] = set()
        for request in mine:
            if id(request.call) in seen:
                continue
            labels = self.relevant(analysis.resolved(request.arg))
            if not labels:
                continue
            seen.add(id(request.call))
            first = min(labels, key=lambda label: (label.line, label.desc))
            via = f" (passed through {first.via})" if first.via else ""
            message = (
                f"untrusted input from {first.desc} (line {first.line}){via} reaches "
                f"{request.what} at line {request.call.lineno}"
            )
            hits.append(Hit(request.call, message, first.line))
        # exec(compile(src)) is one flow: keep the outermost of nested reported sinks
        nested = {
            id(inner)
            for hit in hits
            for inner in ast.walk(hit.node)
            if inner is not hit.node and isinstance(inner, ast.Call)
        }
        return [hit for hit in hits if id(hit.node) not in nested]
