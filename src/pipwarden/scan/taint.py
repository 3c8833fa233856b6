"""Taint analysis: where untrusted input flows inside one module.

Each function is interpreted abstractly over its statements: a state maps variables (and
attribute chains such as ``self.path``) to the set of :class:`Label` values they may carry.
Values flow through assignments, augmented assignments, f-strings, concatenation, ``%`` and
``.format``, containers, comprehensions and returns; a reassignment kills the old taint;
branches are joined and loops iterated to a fixed point. Sanitisers (``int()``,
``shlex.quote``, ``os.path.basename``, comparisons with constants or allow-lists, prefix and
containment checks) clear the taint, for every sink family or for some of them.

Between functions of the same module the analysis uses summaries: a function's return taint
is expressed over its parameters (``returns-its-parameter``), and sink arguments that carry a
parameter are resolved through every call site (``passes-parameter-to-sink``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from pipwarden.scan import astutil

FAMILIES = frozenset(
    {"code", "deserialize", "shell", "sql", "path", "archive", "xml", "ssrf", "redirect", "template"}
)


@dataclass(frozen=True)
class Label:
    """Where a tainted value came from, and for which sink families it was made safe."""

    line: int
    desc: str
    remote: bool = True
    param: tuple[str, str] | None = None  # (function, parameter): symbolic, resolved later
    safe: frozenset[str] = frozenset()
    via: str | None = None


Taint = frozenset[Label]
State = dict[str, Taint]
EMPTY: Taint = frozenset()

# --- sources ------------------------------------------------------------------------------------

LOCAL_ATTR_SOURCES = {
    "sys.argv": "sys.argv",
    "os.environ": "os.environ",
    "sys.stdin": "sys.stdin",
    "os.environb": "os.environ",
}
LOCAL_CALL_SOURCES = {
    "input": "input()",
    "raw_input": "input()",
    "os.getenv": "os.getenv()",
    "os.getenvb": "os.getenv()",
    "fileinput.input": "fileinput.input()",
}
REQUEST_ATTRS = frozenset(
    {
        # Flask / Werkzeug / Bottle
        "args", "form", "json", "values", "cookies", "headers", "data", "files",
        "get_json", "get_data", "query_string", "stream", "read", "referrer",
        # Django
        "GET", "POST", "body", "COOKIES", "META", "FILES",
        # Starlette / FastAPI / aiohttp
        "query_params", "path_params", "query", "match_info", "post", "text", "content",
        # Pyramid / WebOb
        "params", "matchdict", "json_body",
    }
)
REQUEST_NAMES = frozenset({"request", "req", "flask.request", "bottle.request", "self.request"})
RECV_METHODS = frozenset({"recv", "recvfrom", "recv_bytes", "recvmsg"})
TORNADO_METHODS = frozenset(
    {
        "get_argument", "get_arguments", "get_query_argument", "get_query_arguments",
        "get_body_argument", "get_body_arguments", "get_cookie", "get_secure_cookie",
    }
)
HANDLER_SELF_ATTRS = frozenset({"self.path", "self.headers", "self.rfile", "self.requestline"})
ROUTE_DECORATORS = frozenset(
    {"route", "get", "post", "put", "delete", "patch", "head", "options", "api_route", "websocket"}
)
CLI_DECORATORS = frozenset({"command", "argument", "option", "group"})
SAFE_ANNOTATIONS = frozenset(
    {"int", "float", "bool", "UUID", "uuid.UUID", "date", "datetime", "Decimal", "PositiveInt"}
)

# --- sanitisers ---------------------------------------------------------------------------------

KILL_CALLS = frozenset(
    {
        "int", "float", "bool", "len", "complex", "abs", "round", "ord", "hash", "id",
        "isinstance", "issubclass", "callable", "type", "range", "uuid.UUID", "decimal.Decimal",
        "datetime.date.fromisoformat", "datetime.datetime.fromisoformat", "ipaddress.ip_address",
        "os.path.exists", "os.path.isfile", "os.path.isdir", "hmac.compare_digest",
        "url_has_allowed_host_and_scheme", "is_safe_url", "secrets.compare_digest",
    }
)
KILL_PREFIXES = ("hashlib.", "math.")
KILL_METHODS = frozenset(
    {
        "isdigit", "isalnum", "isalpha", "isdecimal", "isnumeric", "isidentifier", "isascii",
        "startswith", "endswith", "count", "find", "rfind", "index", "hexdigest", "digest",
        "exists", "is_file", "is_dir", "is_relative_to", "__len__", "bit_length",
    }
)
CONTENT_IS_CODE = frozenset({"code", "deserialize", "template"})
# ``if x.isdigit():`` constrains x in the true branch (exists/endswith and the like do not)
CHECK_METHODS = frozenset(
    {"isdigit", "isalnum", "isalpha", "isdecimal", "isnumeric", "isidentifier"}
)
PATH_PARTS = frozenset({"name", "stem", "suffix"})  # Path(x).name is a basename
SANITISERS: dict[str, frozenset[str]] = {
    "shlex.quote": frozenset({"shell"}),
    "pipes.quote": frozenset({"shell"}),
    "shlex.join": frozenset({"shell"}),
    "os.path.basename": frozenset({"path"}),
    "posixpath.basename": frozenset({"path"}),
    "werkzeug.utils.secure_filename": frozenset({"path"}),
    "secure_filename": frozenset({"path"}),
    "werkzeug.security.safe_join": frozenset({"path"}),
    "flask.safe_join": frozenset({"path"}),
    "safe_join": frozenset({"path"}),
    "django.utils._os.safe_join": frozenset({"path"}),
    "ast.literal_eval": frozenset({"code", "deserialize", "template"}),
    "yaml.safe_load": frozenset({"code", "deserialize", "template"}),
    "psycopg2.sql.Identifier": frozenset({"sql"}),
    "psycopg2.sql.Literal": frozenset({"sql"}),
    "sql.Identifier": frozenset({"sql"}),
    "sql.Literal": frozenset({"sql"}),
    # the content of a file named by input is not itself input, except where the content
    # is code (a script, a pickle or a template the user points at); the path is PW105's
    **{
        name: FAMILIES - CONTENT_IS_CODE
        for name in (
            "open", "io.open", "codecs.open", "gzip.open", "bz2.open", "lzma.open",
            "zipfile.ZipFile", "tarfile.open", "shelve.open", "sqlite3.connect",
        )
    },
    "django.urls.reverse": frozenset({"redirect", "ssrf"}),
    "django.shortcuts.reverse": frozenset({"redirect", "ssrf"}),
    "reverse": frozenset({"redirect", "ssrf"}),
    "flask.url_for": frozenset({"redirect", "ssrf"}),
    "url_for": frozenset({"redirect", "ssrf"}),
}
SANITISER_METHODS: dict[str, frozenset[str]] = {
    "escape_string": frozenset({"sql"}),
    "quote_identifier": frozenset({"sql"}),
    "escape_identifier": frozenset({"sql"}),
    "escape_literal": frozenset({"sql"}),
}
# A test like ``if is_safe(x):`` or ``if allowed(x):`` makes x safe in the true branch.
CHECK_NAME = re.compile(r"(safe|allow|valid|whitelist|permit|trusted|is_relative_to)", re.I)
PREFIX_FAMILIES = frozenset({"path", "redirect", "ssrf"})
TERMINATORS = frozenset(
    {"abort", "flask.abort", "sys.exit", "exit", "quit", "os._exit", "pytest.fail", "pytest.skip"}
)
LOOKUPS = frozenset({"get", "pop", "setdefault", "get_or_default"})
MUTATORS = frozenset({"append", "extend", "insert", "add", "update", "setdefault", "appendleft"})


SOURCE_HINT = re.compile(
    r"request|argv|environ|getenv|input\(|stdin|recv|parse_args|parse_known_args|"
    r"get_argument|get_query_argument|get_body_argument|get_cookie|rfile|self\.path|"
    r"self\.headers|@[\w.]*\b(?:route|get|post|put|delete|patch|head|options|api_route|"
    r"websocket|command|option|argument|group)\("
)


def may_have_sources(source: str) -> bool:
    """A cheap test: can this module contain an untrusted-input source at all?"""
    return SOURCE_HINT.search(source) is not None


URL_PREFIX_SAFE = frozenset({"redirect", "ssrf"})


def _fixed_prefix(node: ast.AST) -> bool:
    """Does a string starting with ``node`` have a fixed scheme and host (or a fixed local
    path), so that what follows cannot choose where a URL points?"""
    if not isinstance(node, ast.Constant):
        return not isinstance(node, ast.Constant)  # an untainted variable: a base URL
    text = node.value if isinstance(node.value, str) else ""
    if "://" in text:
        host = text.split("://", 1)[1]
        return "/" in host or "?" in host or "#" in host
    return len(text) > 1 and text.startswith("/") and not text.startswith("//")


def with_safe(taint: Taint, families: frozenset[str]) -> Taint:
    if not taint:
        return taint
    if families >= FAMILIES:
        return EMPTY
    return frozenset(replace(label, safe=label.safe | families) for label in taint)


def join(*states: State | None) -> State | None:
    live = [s for s in states if s is not None]
    if not live:
        return None
    if len(live) == 1:
        return dict(live[0])
    out: State = dict(live[0])
    for other in live[1:]:
        for key, value in other.items():
            prev = out.get(key)
            out[key] = value if prev is None else prev | value
    return out


@dataclass
class FunctionInfo:
    qualname: str
    node: ast.FunctionDef | ast.AsyncFunctionDef
    class_name: str | None
    params: list[str]
    kwonly: list[str]
    entry: dict[str, Taint] = field(default_factory=dict)


class ModuleTaint:
    """Taint facts for one module; :meth:`resolved` answers "what reaches this expression?"."""

    def __init__(self, tree: ast.Module, imports: dict[str, str], interest: set[int]) -> None:
        self.tree = tree
        self.imports = imports
        self.interest = interest
        self.functions: dict[str, FunctionInfo] = {}
        self.handler_classes: set[str] = set()
        self.classes: set[str] = {n.name for n in tree.body if isinstance(n, ast.ClassDef)}
        # taint stored on ``self.<attr>`` by any method of a class (flow-insensitive)
        self.attrs: dict[tuple[str, str], Taint] = {}
        self.attrs_changed: set[str] = set()
        self.summaries: dict[str, Taint] = {}
        self.globals: State = {}
        self.recorded: dict[int, Taint] = {}
        self.edges: set[tuple[str, str, Taint]] = set()
        self.readers: dict[str, set[str | None]] = {}
        self.current: str | None = None
        self.param_taint: dict[tuple[str, str], Taint] = {}
        self._collect(tree.body, None, "")
        self.methods: dict[tuple[str, str], str] = {
            (info.class_name, qual.rsplit(".", 1)[-1]): qual
            for qual, info in self.functions.items()
            if info.class_name
        }

    # -- set-up ---------------------------------------------------------------------------

    def _collect(self, body: list[ast.stmt], class_name: str | None, prefix: str) -> None:
        for stmt in body:
            if isinstance(stmt, astutil.FUNCTION_NODES):
                qual = f"{prefix}{stmt.name}"
                self.functions[qual] = self._info(qual, stmt, class_name)
                self._collect(stmt.body, None, f"{qual}.<locals>.")
            elif isinstance(stmt, ast.ClassDef):
                bases = " ".join(astutil.dotted(b) or "" for b in stmt.bases)
                if "RequestHandler" in bases or "HTTPEndpoint" in bases:
                    self.handler_classes.add(stmt.name)
                self._collect(stmt.body, stmt.name, f"{prefix}{stmt.name}.")
            elif isinstance(stmt, (ast.If, ast.Try)):
                self._collect(stmt.body, class_name, prefix)

    def _info(
        self, qual: str, node: ast.FunctionDef | ast.AsyncFunctionDef, class_name: str | None
    ) -> FunctionInfo:
        args = node.args
        positional = [a for a in (*args.posonlyargs, *args.args)]
        decorators = [self._decorator_kind(d) for d in node.decorator_list]
        is_static = "staticmethod" in decorators
        if class_name and not is_static and positional:
            positional = positional[1:]  # self / cls
        info = FunctionInfo(
            qual, node, class_name, [a.arg for a in positional], [a.arg for a in args.kwonlyargs]
        )
        kind = "route" if "route" in decorators else "cli" if "cli" in decorators else None
        typed = self._route_converters(node) if kind == "route" else set()
        defaults = dict(
            zip([a.arg for a in positional][-len(args.defaults) :] if args.defaults else [],
                args.defaults, strict=False)
        )
        for kw_arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=False):
            if kw_default is not None:
                defaults[kw_arg.arg] = kw_default
        for a in (*positional, *args.kwonlyargs):
            if kind is None:
                info.entry[a.arg] = frozenset({Label(a.lineno, a.arg, param=(qual, a.arg))})
                continue
            if a.arg in {"request", "req", "response", "db", "session"} or a.arg in typed:
                continue
            ann = astutil.dotted(a.annotation) if a.annotation is not None else None
            if ann in SAFE_ANNOTATIONS:
                continue
            default = defaults.get(a.arg)
            if isinstance(default, ast.Call) and astutil.last_part(
                astutil.dotted(default.func)
            ) in {"Depends", "Security"}:
                continue
            desc = f"request parameter '{a.arg}'" if kind == "route" else f"CLI parameter '{a.arg}'"
            info.entry[a.arg] = frozenset({Label(a.lineno, desc, remote=kind == "route")})
        return info

    def _decorator_kind(self, dec: ast.expr) -> str | None:
        target = dec.func if isinstance(dec, ast.Call) else dec
        name = astutil.dotted(target) or ""
        last = astutil.last_part(name)
        if name == "staticmethod":
            return "staticmethod"
        if isinstance(dec, ast.Call) and last in ROUTE_DECORATORS:
            path = dec.args[0] if dec.args else astutil.keyword(dec, "path")
            path = path if path is not None else astutil.keyword(dec, "rule")
            text = astutil.const_str(path)
            if text is None or text.startswith("/"):  # web routes are URL paths
                return "route"
            return None
        if last in CLI_DECORATORS and ("click" in name or "typer" in name or "." in name):
            return "cli"
        return None

    @staticmethod
    def _route_converters(node: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
        typed: set[str] = set()
        for dec in node.decorator_list:
            if isinstance(dec, ast.Call) and dec.args:
                text = astutil.const_str(dec.args[0]) or ""
                typed.update(re.findall(r"<(?:int|float|uuid):(\w+)>", text))
                typed.update(re.findall(r"\{(\w+):(?:int|float|uuid)\}", text))
        return typed

    # -- driver ---------------------------------------------------------------------------

    def run(self) -> None:
        """Analyse the module body, then the functions callees first, re-running a unit
        whenever a summary it read (or the module's globals) changed."""
        # definition order: helpers are usually defined above their callers; the worklist
        # re-runs a caller whenever a summary it read changes
        order = list(self.functions)
        queue: list[str | None] = [None, *order]
        runs: dict[str | None, int] = {}
        self.readers = {}
        while queue:
            unit = queue.pop(0)
            if runs.get(unit, 0) >= 4:
                continue
            runs[unit] = runs.get(unit, 0) + 1
            self.current = unit
            if unit is None:
                end = _Interp(self, None).block(self.tree.body, {})
                new_globals = {k: v for k, v in (end or {}).items() if v}
                if new_globals != self.globals:
                    self.globals = new_globals
                    queue.extend(q for q in order if q not in queue and runs.get(q))
                continue
            info = self.functions[unit]
            interp = _Interp(self, info)
            interp.block(info.node.body, dict(info.entry))
            if self.attrs_changed:
                for qual, other in self.functions.items():
                    if (
                        other.class_name in self.attrs_changed
                        and qual != unit
                        and runs.get(qual)
                        and qual not in queue
                    ):
                        queue.append(qual)
                self.attrs_changed = set()
            if interp.returned != self.summaries.get(unit, EMPTY):
                self.summaries[unit] = interp.returned
                for reader in self.readers.get(unit, ()):
                    if reader not in queue and (reader is None or runs.get(reader)):
                        queue.append(reader)
        self._resolve_params()

    def _resolve_params(self) -> None:
        taint: dict[tuple[str, str], Taint] = {}
        for _ in range(8):
            changed = False
            for callee, param, arg_taint in self.edges:
                resolved = self._substitute(arg_taint, taint, f"{callee.rsplit('.', 1)[-1]}()")
                key = (callee, param)
                old = taint.get(key, EMPTY)
                if not resolved <= old:
                    taint[key] = old | resolved
                    changed = True
            if not changed:
                break
        self.param_taint = taint

    @staticmethod
    def _substitute(
        labels: Taint, table: dict[tuple[str, str], Taint], via: str | None
    ) -> Taint:
        out: set[Label] = set()
        for label in labels:
            if label.param is None:
                out.add(label if label.via or via is None else replace(label, via=via))
                continue
            for real in table.get(label.param, EMPTY):
                out.add(replace(real, safe=real.safe | label.safe))
        return frozenset(out)

    def resolved(self, expr: ast.AST) -> Taint:
        """Concrete sources (never parameters) that may reach ``expr``."""
        labels = self.recorded.get(id(expr), EMPTY)
        out: set[Label] = set()
        for label in labels:
            if label.param is None:
                out.add(label)
            else:
                func = label.param[0].rsplit(".", 1)[-1]
                for real in self.param_taint.get(label.param, EMPTY):
                    out.add(
                        replace(real, safe=real.safe | label.safe, via=real.via or f"{func}()")
                    )
        return frozenset(out)


class _Interp:
    """Abstract interpretation of one function body (or the module body)."""

    def __init__(self, module: ModuleTaint, info: FunctionInfo | None) -> None:
        self.m = module
        self.info = info
        self.returned: Taint = EMPTY
        self.loops: list[tuple[list[State], list[State]]] = []
        self.derived: dict[str, set[str]] = {}
        self.handler = bool(info and info.class_name in module.handler_classes)
        self._locals: set[str] | None = None
        self.instances: dict[str, str] = {}  # local name -> class of this module it holds
        self.stmt_handlers: dict[type[ast.AST], Callable[[ast.AST, State], State | None]] = {
            ast.Assign: self._assign,  # type: ignore[dict-item]
            ast.AugAssign: self._augassign,  # type: ignore[dict-item]
            ast.AnnAssign: self._annassign,  # type: ignore[dict-item]
            ast.Expr: self._expr,  # type: ignore[dict-item]
            ast.Return: self._return,  # type: ignore[dict-item]
            ast.If: self._if,  # type: ignore[dict-item]
            ast.For: self._for,  # type: ignore[dict-item]
            ast.AsyncFor: self._for,  # type: ignore[dict-item]
            ast.While: self._while,  # type: ignore[dict-item]
            ast.With: self._with,  # type: ignore[dict-item]
            ast.AsyncWith: self._with,  # type: ignore[dict-item]
            ast.Try: self._try,  # type: ignore[dict-item]
            ast.Raise: self._raise,  # type: ignore[dict-item]
            ast.Assert: self._assert,  # type: ignore[dict-item]
            ast.Break: self._break,  # type: ignore[dict-item]
            ast.Continue: self._continue,  # type: ignore[dict-item]
            ast.Delete: self._delete,  # type: ignore[dict-item]
        }
        try_star = getattr(ast, "TryStar", None)
        if try_star is not None:
            self.stmt_handlers[try_star] = self._try  # type: ignore[assignment]
        match_node = getattr(ast, "Match", None)
        if match_node is not None:
            self.stmt_handlers[match_node] = self._match  # type: ignore[assignment]

    def locals(self) -> set[str]:
        if self._locals is None:
            self._locals = set()
            if self.info is not None:
                self._locals = {
                    n.id
                    for n in astutil.walk_scope(self.info.node)
                    if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
                }
        return self._locals

    # -- statements -----------------------------------------------------------------------

    def block(self, stmts: Iterable[ast.stmt], state: State | None) -> State | None:
        for stmt in stmts:
            if state is None:
                return None
            handler = self.stmt_handlers.get(type(stmt))
            if handler is None:
                continue  # defs, imports, pass, global ...
            state = handler(stmt, state)
        return state

    def _assign(self, node: ast.Assign, state: State) -> State:
        value = self.ev(node.value, state)
        for target in node.targets:
            self.bind(target, value, state, node.value)
        return state

    def _augassign(self, node: ast.AugAssign, state: State) -> State:
        value = self.ev(node.value, state) | self.ev(node.target, state)
        self.bind(node.target, value, state, node.value, weak=True)
        return state

    def _annassign(self, node: ast.AnnAssign, state: State) -> State:
        if node.value is not None:
            self.bind(node.target, self.ev(node.value, state), state, node.value)
        return state

    def _expr(self, node: ast.Expr, state: State) -> State | None:
        value = node.value
        taint = self.ev(value, state)
        if isinstance(value, ast.Call):
            name = astutil.qualname(value.func, self.m.imports)
            if name in TERMINATORS:
                return None
            func = value.func
            if isinstance(func, ast.Attribute) and func.attr in MUTATORS:
                key = astutil.dotted(func.value)
                if key is not None:
                    args = EMPTY.union(*(self.ev(a, state) for a in value.args))
                    if args:
                        state[key] = state.get(key, EMPTY) | args
        del taint
        return state

    def _return(self, node: ast.Return, state: State) -> None:
        if node.value is not None:
            self.returned = self.returned | self.ev(node.value, state)
        return None

    def _raise(self, node: ast.Raise, state: State) -> None:
        if node.exc is not None:
            self.ev(node.exc, state)
        return None

    def _assert(self, node: ast.Assert, state: State) -> State:
        self.ev(node.test, state)
        true_state, _ = self.split(node.test, state)
        return true_state

    def _break(self, node: ast.Break, state: State) -> None:
        if self.loops:
            self.loops[-1][0].append(state)
        return None

    def _continue(self, node: ast.Continue, state: State) -> None:
        if self.loops:
            self.loops[-1][1].append(state)
        return None

    def _delete(self, node: ast.Delete, state: State) -> State:
        for target in node.targets:
            key = astutil.dotted(target)
            if key is not None:
                state.pop(key, None)
        return state

    def _if(self, node: ast.If, state: State) -> State | None:
        self.ev(node.test, state)
        true_state, false_state = self.split(node.test, state)
        body = self.block(node.body, true_state)
        orelse = self.block(node.orelse, false_state) if node.orelse else false_state
        return join(body, orelse)

    def _loop(
        self, state: State, body: list[ast.stmt], bind: Callable[[State], None]
    ) -> tuple[State, list[State]]:
        entry = dict(state)
        breaks: list[State] = []
        for _ in range(4):
            self.loops.append(([], []))
            current = dict(entry)
            bind(current)
            end = self.block(body, current)
            loop_breaks, continues = self.loops.pop()
            breaks = loop_breaks
            new_entry = join(entry, end, *continues) or entry
            if new_entry == entry:
                break
            entry = new_entry
        return entry, breaks

    def _for(self, node: ast.For | ast.AsyncFor, state: State) -> State | None:
        iterated = self.ev(node.iter, state)

        def bind(current: State) -> None:
            self.bind(node.target, iterated, current, node.iter)

        entry, breaks = self._loop(state, node.body, bind)
        after = self.block(node.orelse, dict(entry)) if node.orelse else entry
        return join(after, *breaks)

    def _while(self, node: ast.While, state: State) -> State | None:
        self.ev(node.test, state)
        entry, breaks = self._loop(state, node.body, lambda current: None)
        infinite = isinstance(node.test, ast.Constant) and bool(node.test.value)
        after = None if infinite else entry
        if after is not None and node.orelse:
            after = self.block(node.orelse, dict(after))
        return join(after, *breaks)

    def _with(self, node: ast.With | ast.AsyncWith, state: State) -> State | None:
        for item in node.items:
            taint = self.ev(item.context_expr, state)
            if item.optional_vars is not None:
                self.bind(item.optional_vars, taint, state, item.context_expr)
        return self.block(node.body, state)

    def _try(self, node: ast.Try, state: State) -> State | None:
        entry = dict(state)
        body = self.block(node.body, dict(state))
        handler_entry = join(entry, body) or entry
        outs: list[State | None] = []
        for handler in node.handlers:
            h_state = dict(handler_entry)
            if handler.name:
                h_state[handler.name] = EMPTY
            outs.append(self.block(handler.body, h_state))
        if node.orelse and body is not None:
            body = self.block(node.orelse, body)
        result = join(body, *outs)
        if node.finalbody:
            final_in = join(result, handler_entry) or handler_entry
            final_out = self.block(node.finalbody, dict(final_in))
            if result is None or final_out is None:
                return None
            return join(result, final_out)
        return result

    def _match(self, node: ast.AST, state: State) -> State | None:
        subject = self.ev(node.subject, state)  # type: ignore[attr-defined]
        outs: list[State | None] = [state]
        for case in node.cases:  # type: ignore[attr-defined]
            current = dict(state)
            for sub in ast.walk(case.pattern):
                name = getattr(sub, "name", None)
                if isinstance(name, str):
                    current[name] = subject
            outs.append(self.block(case.body, current))
        return join(*outs)

    # -- binding --------------------------------------------------------------------------

    def bind(
        self, target: ast.AST, value: Taint, state: State, source: ast.AST, weak: bool = False
    ) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            elts = target.elts
            if (
                isinstance(source, (ast.Tuple, ast.List))
                and len(source.elts) == len(elts)
                and not any(isinstance(e, ast.Starred) for e in elts)
            ):
                for sub_target, sub_source in zip(elts, source.elts, strict=True):
                    self.bind(sub_target, self.ev(sub_source, state), state, sub_source)
            else:
                for sub_target in elts:
                    self.bind(sub_target, value, state, source)
            return
        if isinstance(target, ast.Starred):
            self.bind(target.value, value, state, source)
            return
        if isinstance(target, ast.Subscript):
            key = astutil.dotted(target.value)
            if key is not None and value:
                state[key] = state.get(key, EMPTY) | value
            return
        key = astutil.dotted(target)
        if key is None:
            return
        if (
            isinstance(source, ast.Call)
            and isinstance(source.func, ast.Name)
            and source.func.id in self.m.classes
        ):
            self.instances[key] = source.func.id
        cls = self.info.class_name if self.info is not None else None
        if cls and key.startswith("self.") and key.count(".") == 1 and value:
            slot = (cls, key[5:])
            old = self.m.attrs.get(slot, EMPTY)
            if not value <= old:
                self.m.attrs[slot] = old | value
                self.m.attrs_changed.add(cls)
        if weak:
            state[key] = state.get(key, EMPTY) | value
        else:
            state[key] = value
            # attribute keys under a rebound name are stale
            for other in [k for k in state if k.startswith(key + ".")]:
                del state[other]
        if value:
            self.derived[key] = {
                n for n in astutil.names_in(source) if n != key and state.get(n)
            }
        else:
            self.derived.pop(key, None)

    # -- branch conditions ----------------------------------------------------------------

    def split(self, test: ast.expr, state: State) -> tuple[State, State]:
        """States for the true and the false branch of ``test``."""
        true_state, false_state = dict(state), dict(state)
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            false_state, true_state = self.split(test.operand, state)
            return true_state, false_state
        if isinstance(test, ast.BoolOp):
            # a and b: true when all hold; false when one fails after the previous held
            # a or b: false when all fail; true when one holds after the previous failed
            conjunction = isinstance(test.op, ast.And)
            current = dict(state)
            exits: list[State] = []
            for value in test.values:
                t_state, f_state = self.split(value, current)
                exits.append(f_state if conjunction else t_state)
                current = t_state if conjunction else f_state
            other = join(*exits) or dict(state)
            return (current, other) if conjunction else (other, current)
        if isinstance(test, (ast.Name, ast.Attribute)):
            # the branch where a value is falsy ("", None, 0) carries nothing harmful
            self.sanitise(false_state, test, FAMILIES, derived=False)
            return true_state, false_state
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            op, right, left = test.ops[0], test.comparators[0], test.left
            if isinstance(op, (ast.Eq, ast.In, ast.Is, ast.NotEq, ast.NotIn, ast.IsNot)):
                positive = isinstance(op, (ast.Eq, ast.In, ast.Is))
                if isinstance(op, (ast.In, ast.NotIn)) and astutil.const_str(left) is not None:
                    # ".." in name: the branch where it is absent is safe for paths
                    families = frozenset({"path"}) if ".." in (astutil.const_str(left) or "") or "/" in (astutil.const_str(left) or "") else frozenset()
                    target = false_state if positive else true_state
                    if families:
                        self.sanitise(target, right, families)
                    return true_state, false_state
                if not self.ev(right, state) and not self._is_none(right):
                    target = true_state if positive else false_state
                    self.sanitise(target, left, FAMILIES)
                elif not self.ev(left, state) and not self._is_none(left):
                    target = true_state if positive else false_state
                    self.sanitise(target, right, FAMILIES)
            return true_state, false_state
        if isinstance(test, ast.Call):
            func = test.func
            name = astutil.qualname(func, self.m.imports) or ""
            last = astutil.last_part(name)
            if isinstance(func, ast.Attribute) and last in {"startswith", "is_relative_to"}:
                if all(not self.ev(a, state) for a in test.args):
                    self.sanitise(true_state, func.value, PREFIX_FAMILIES)
            elif isinstance(func, ast.Attribute) and last in CHECK_METHODS:
                self.sanitise(true_state, func.value, FAMILIES)
            elif name in {"re.match", "re.fullmatch"} and len(test.args) >= 2:
                self.sanitise(true_state, test.args[1], FAMILIES)
            elif isinstance(func, ast.Attribute) and last in {"match", "fullmatch"} and test.args:
                self.sanitise(true_state, test.args[0], FAMILIES)
            elif CHECK_NAME.search(last):
                for a in [*test.args, *(kw.value for kw in test.keywords)]:
                    self.sanitise(true_state, a, FAMILIES)
        return true_state, false_state

    @staticmethod
    def _is_none(node: ast.expr) -> bool:
        return isinstance(node, ast.Constant) and node.value is None

    def sanitise(
        self, state: State, expr: ast.AST, families: frozenset[str], derived: bool = True
    ) -> None:
        exact = astutil.dotted(expr)
        if exact is not None:
            keys = {exact}  # x == "a" or obj.kind == "a" constrains exactly that value
        elif isinstance(expr, ast.Subscript):
            keys = set()  # data["type"] == "a" says nothing about data["cmd"]
        else:
            keys = astutil.names_in(expr)  # urlparse(url).hostname in ALLOWED: url is checked
        for key in list(keys) if derived else ():
            keys |= self.derived.get(key, set()) if len(self.derived.get(key, ())) == 1 else set()
        for key in keys:
            if key in state:
                state[key] = with_safe(state[key], families)

    # -- expressions ----------------------------------------------------------------------

    def ev(self, node: ast.AST, state: State) -> Taint:
        result = self._ev(node, state)
        if id(node) in self.m.interest:
            self.m.recorded[id(node)] = self.m.recorded.get(id(node), EMPTY) | result
        return result

    def _ev(self, node: ast.AST, state: State) -> Taint:
        if isinstance(node, ast.Constant):
            return EMPTY
        if isinstance(node, ast.Name):
            if node.id in state:
                return state[node.id]
            if node.id in self.m.imports:
                source = LOCAL_ATTR_SOURCES.get(self.m.imports[node.id])
                if source:
                    return frozenset({Label(node.lineno, source, remote=False)})
                return EMPTY
            if node.id in self.m.globals and node.id not in self.locals():
                return self.m.globals[node.id]
            return EMPTY
        if isinstance(node, ast.Attribute):
            return self._attribute(node, state)
        if isinstance(node, ast.Call):
            return self._call(node, state)
        if isinstance(node, ast.Subscript):
            self.ev(node.slice, state)
            return self.ev(node.value, state)
        if isinstance(node, ast.BinOp):
            left = self.ev(node.left, state)
            right = self.ev(node.right, state)
            if isinstance(node.op, ast.Add) and not left and right and _fixed_prefix(node.left):
                return with_safe(right, URL_PREFIX_SAFE)
            if isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) and right:
                return self._format_taint(node.left, node.right, right, state)
            return left | right
        if isinstance(node, ast.JoinedStr):
            parts = [self.ev(v, state) for v in node.values]
            out = EMPTY.union(*parts)
            if out and node.values and not parts[0] and _fixed_prefix(node.values[0]):
                return with_safe(out, URL_PREFIX_SAFE)
            return out
        if isinstance(node, ast.FormattedValue):
            return self.ev(node.value, state)
        if isinstance(node, ast.BoolOp):
            return EMPTY.union(*(self.ev(v, state) for v in node.values))
        if isinstance(node, ast.Compare):
            self.ev(node.left, state)
            for comp in node.comparators:
                self.ev(comp, state)
            return EMPTY
        if isinstance(node, ast.UnaryOp):
            operand = self.ev(node.operand, state)
            return EMPTY if isinstance(node.op, ast.Not) else operand
        if isinstance(node, ast.IfExp):
            self.ev(node.test, state)
            true_state, false_state = self.split(node.test, state)
            return self.ev(node.body, true_state) | self.ev(node.orelse, false_state)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return EMPTY.union(*(self.ev(e, state) for e in node.elts))
        if isinstance(node, ast.Dict):
            keys = (self.ev(k, state) for k in node.keys if k is not None)
            return EMPTY.union(*keys, *(self.ev(v, state) for v in node.values))
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
            inner = self._comprehension(node.generators, state)
            return self.ev(node.elt, inner)
        if isinstance(node, ast.DictComp):
            inner = self._comprehension(node.generators, state)
            return self.ev(node.key, inner) | self.ev(node.value, inner)
        if isinstance(node, (ast.Await, ast.Starred, ast.Yield, ast.YieldFrom)):
            value = getattr(node, "value", None)
            return self.ev(value, state) if value is not None else EMPTY
        if isinstance(node, ast.NamedExpr):
            value = self.ev(node.value, state)
            self.bind(node.target, value, state, node.value)
            return value
        return EMPTY

    def _format_taint(
        self, fmt: ast.Constant, args: ast.expr, taint: Taint, state: State
    ) -> Taint:
        """``"https://host/%s" % x``: input after a fixed scheme and host cannot pick the
        host; ``"%s?%s" % (url, q)``: only the first value can."""
        text = fmt.value if isinstance(fmt.value, str) else ""
        head = text.split("%", 1)[0]
        if head and _fixed_prefix(ast.Constant(head)):
            return with_safe(taint, URL_PREFIX_SAFE)
        if text.startswith("%s") and isinstance(args, ast.Tuple) and args.elts:
            first = self.ev(args.elts[0], state)
            rest = EMPTY.union(*(self.ev(e, state) for e in args.elts[1:]))
            return first | with_safe(rest, URL_PREFIX_SAFE)
        return taint

    def _comprehension(self, generators: list[ast.comprehension], state: State) -> State:
        inner = dict(state)
        for gen in generators:
            self.bind(gen.target, self.ev(gen.iter, inner), inner, gen.iter)
            for cond in gen.ifs:
                self.ev(cond, inner)
                inner, _ = self.split(cond, inner)
        return inner

    def _attribute(self, node: ast.Attribute, state: State) -> Taint:
        key = astutil.dotted(node)
        if key is not None and key in state:
            return state[key]
        if key is not None and key.startswith("self.") and key.count(".") == 1:
            cls = self.info.class_name if self.info is not None else None
            stored = self.m.attrs.get((cls, key[5:])) if cls else None
            if stored:
                return stored
        source = self._attribute_source(node, key)
        if source is not None:
            return frozenset({source})
        value = self.ev(node.value, state)
        if node.attr in PATH_PARTS and isinstance(node.value, ast.Call):
            maker = astutil.last_part(astutil.dotted(node.value.func))
            if maker in {"Path", "PurePath", "PurePosixPath", "PureWindowsPath"}:
                return with_safe(value, frozenset({"path"}))
        return value

    def _attribute_source(self, node: ast.Attribute, key: str | None) -> Label | None:
        name = astutil.qualname(node, self.m.imports)
        if name in LOCAL_ATTR_SOURCES:
            return Label(node.lineno, LOCAL_ATTR_SOURCES[name], remote=False)
        if node.attr in REQUEST_ATTRS:
            base = astutil.dotted(node.value)
            if base in REQUEST_NAMES or (
                base is not None and astutil.qualname(node.value, self.m.imports) in REQUEST_NAMES
            ):
                return Label(node.lineno, f"request.{node.attr}")
        if self.handler and key in HANDLER_SELF_ATTRS:
            return Label(node.lineno, key or "request")
        return None

    def _call(self, node: ast.Call, state: State) -> Taint:
        func = node.func
        name = astutil.qualname(func, self.m.imports)
        args = [self.ev(a, state) for a in node.args]
        kwargs = {kw.arg: self.ev(kw.value, state) for kw in node.keywords}
        last = astutil.last_part(name) if name else (func.attr if isinstance(func, ast.Attribute) else "")
        if isinstance(func, ast.Name) and name in LOCAL_CALL_SOURCES and func.id not in state:
            return frozenset({Label(node.lineno, LOCAL_CALL_SOURCES[name], remote=False)})
        if name in LOCAL_CALL_SOURCES:
            return frozenset({Label(node.lineno, LOCAL_CALL_SOURCES[name], remote=False)})
        if isinstance(func, ast.Attribute):
            if func.attr in RECV_METHODS:
                self.ev(func.value, state)
                return frozenset({Label(node.lineno, f"socket {func.attr}()")})
            if func.attr in {"parse_args", "parse_known_args"}:
                return frozenset({Label(node.lineno, "command-line arguments", remote=False)})
            if func.attr in TORNADO_METHODS and astutil.dotted(func.value) == "self":
                return frozenset({Label(node.lineno, f"self.{func.attr}()")})
        callee = self._callee(func, state)
        if callee is not None:
            result = self._apply_summary(callee, node, args, kwargs)
            if not callee.endswith(".__init__"):
                return result
            # a constructor: the edges are recorded; the object carries what it was given
        if name in KILL_CALLS or (name and name.startswith(KILL_PREFIXES)):
            return EMPTY
        if name == "getattr" and args:
            return args[0] | EMPTY.union(*args[2:])
        type_kw = astutil.keyword(node, "type")
        if type_kw is not None and astutil.dotted(type_kw) in {"int", "float", "bool"}:
            return EMPTY
        everything = EMPTY.union(*args, *kwargs.values())
        if name in SANITISERS:
            return with_safe(everything, SANITISERS[name])
        if isinstance(func, ast.Attribute) and func.attr in {"read_text", "read_bytes"}:
            return with_safe(self.ev(func.value, state), FAMILIES - CONTENT_IS_CODE)
        if isinstance(func, ast.Attribute):
            if func.attr in KILL_METHODS:
                self.ev(func.value, state)
                return EMPTY
            receiver = self.ev(func, state)
            if func.attr in LOOKUPS and args:
                # COMMANDS.get(name): the value comes from the mapping, not from the key
                return receiver | EMPTY.union(*args[1:], *kwargs.values())
            if func.attr in SANITISER_METHODS:
                return with_safe(everything | receiver, SANITISER_METHODS[func.attr])
            return everything | receiver
        if isinstance(func, ast.Name) and last in SANITISERS:
            return with_safe(everything, SANITISERS[last])
        if not isinstance(func, ast.Name):
            everything = everything | self.ev(func, state)
        return everything

    def _callee(self, func: ast.expr, state: State) -> str | None:
        functions = self.m.functions
        if isinstance(func, ast.Name):
            if func.id in state or func.id in self.m.imports:
                return None
            if func.id in self.m.classes and f"{func.id}.__init__" in functions:
                return f"{func.id}.__init__"
            if self.info is not None:
                nested = f"{self.info.qualname}.<locals>.{func.id}"
                if nested in functions:
                    return nested
            return func.id if func.id in functions else None
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in self.instances
        ):
            qual = f"{self.instances[func.value.id]}.{func.attr}"
            if qual in functions:
                return qual
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in {"self", "cls"}
            and self.info is not None
            and self.info.class_name
        ):
            qual = f"{self.info.class_name}.{func.attr}"
            if qual in functions:
                return qual
            return self.m.methods.get((self.info.class_name, func.attr))
        return None

    def _apply_summary(
        self, callee: str, node: ast.Call, args: list[Taint], kwargs: dict[str | None, Taint]
    ) -> Taint:
        info = self.m.functions[callee]
        bound: dict[str, Taint] = {}
        for index, taint in enumerate(args):
            if isinstance(node.args[index], ast.Starred):
                break
            if index < len(info.params):
                bound[info.params[index]] = taint
        for key, taint in kwargs.items():
            if key is not None:
                bound[key] = taint
        for param, taint in bound.items():
            if taint:
                self.m.edges.add((callee, param, taint))
        self.m.readers.setdefault(callee, set()).add(self.m.current)
        out: set[Label] = set()
        for label in self.m.summaries.get(callee, EMPTY):
            if label.param is not None and label.param[0] == callee:
                for real in bound.get(label.param[1], EMPTY):
                    out.add(replace(real, safe=real.safe | label.safe))
            elif label.param is None:
                out.add(label)
        return frozenset(out)
