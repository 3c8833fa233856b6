"""Resource analysis: acquisitions that are not released on every path.

Each function is interpreted over its statements with a may-be-open set of acquisitions
(``(variable, acquisition)`` pairs). Normal exits, returns, breaks and exceptions are tracked
separately, so ``try``/``finally``, ``with`` and ``except: close(); raise`` are understood: a
statement that may raise while a resource is open, outside a ``try`` that releases it, is a
leak on the exception path.

Released means: used as a context manager, closed (or waited for, shut down ...), returned or
yielded, stored on ``self``/a global/a container, handed to ``contextlib.closing``,
``ExitStack.enter_context``/``callback``, ``weakref.finalize``, ``atexit.register`` or any
function that takes ownership (an unknown callee is assumed to take it; well-known borrowers
such as ``json.load`` or ``print`` do not).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field

from pipwarden.scan import astutil

ACQUIRERS = {
    "open": "file", "io.open": "file", "codecs.open": "file", "gzip.open": "file",
    "gzip.GzipFile": "file", "bz2.open": "file", "bz2.BZ2File": "file", "lzma.open": "file",
    "lzma.LZMAFile": "file", "os.fdopen": "file", "os.popen": "pipe",
    "socket.socket": "socket", "socket.create_connection": "socket", "socket.fromfd": "socket",
    "socket.create_server": "socket", "ssl.wrap_socket": "socket",
    "sqlite3.connect": "database connection", "psycopg2.connect": "database connection",
    "pymysql.connect": "database connection", "MySQLdb.connect": "database connection",
    "subprocess.Popen": "process", "os.open": "file descriptor", "zipfile.ZipFile": "zip file", "tarfile.open": "tar file",
    "tarfile.TarFile": "tar file", "urllib.request.urlopen": "HTTP response",
    "http.client.HTTPConnection": "HTTP connection",
    "http.client.HTTPSConnection": "HTTP connection", "ftplib.FTP": "FTP connection",
    "ftplib.FTP_TLS": "FTP connection", "smtplib.SMTP": "SMTP connection",
    "smtplib.SMTP_SSL": "SMTP connection", "imaplib.IMAP4": "IMAP connection",
    "imaplib.IMAP4_SSL": "IMAP connection", "poplib.POP3": "POP3 connection",
    "telnetlib.Telnet": "telnet connection",
    "tempfile.TemporaryFile": "temporary file", "tempfile.NamedTemporaryFile": "temporary file",
    "tempfile.SpooledTemporaryFile": "temporary file",
    "tempfile.TemporaryDirectory": "temporary directory", "mmap.mmap": "memory map",
    "shelve.open": "shelf", "dbm.open": "dbm file", "wave.open": "wave file",
    "multiprocessing.Pool": "process pool",
    "concurrent.futures.ThreadPoolExecutor": "executor",
    "concurrent.futures.ProcessPoolExecutor": "executor",
    "selectors.DefaultSelector": "selector", "requests.Session": "HTTP session",
    "httpx.Client": "HTTP client", "httpx.AsyncClient": "HTTP client",
    "aiohttp.ClientSession": "HTTP session", "asyncio.open_unix_connection": "connection",
}
RELEASE_METHODS = frozenset(
    {
        "close", "aclose", "cleanup", "wait", "communicate", "release", "quit", "disconnect",
        "dispose", "shutdown", "terminate", "kill", "__exit__", "detach", "join", "logout",
    }
)
# Calls that take over a tracked descriptor: closing what they return closes it.
FD_OWNERS = frozenset({"os.fdopen"})
OWNERS = frozenset(
    {
        "closing", "contextlib.closing", "aclosing", "contextlib.aclosing", "enter_context",
        "enter_async_context", "callback", "push", "finalize", "weakref.finalize",
        "atexit.register", "addCleanup", "addAsyncCleanup",
    }
)
BORROWERS = frozenset(
    {
        "print", "len", "isinstance", "repr", "str", "iter", "next", "enumerate", "zip", "list",
        "sorted", "tuple", "set", "dict", "bytes", "bytearray", "hasattr", "getattr", "id",
        "json.load", "json.dump", "pickle.load", "pickle.dump", "marshal.load", "marshal.dump",
        "yaml.safe_load", "yaml.load", "yaml.dump", "yaml.safe_dump", "csv.reader",
        "csv.writer", "csv.DictReader", "csv.DictWriter", "shutil.copyfileobj",
        "select.select", "os.fstat", "hashlib.file_digest", "tomllib.load", "tomli.load",
        "plistlib.load", "plistlib.dump", "configparser.ConfigParser.read_file", "fcntl.flock",
        "fcntl.lockf", "os.fsync", "os.write", "os.read", "os.lseek", "os.ftruncate",
        "os.fchmod", "os.fchown", "os.fdatasync", "fcntl.fcntl", "fcntl.ioctl", "np.load", "numpy.load", "email.message_from_file",
    }
)
# bound methods whose holder keeps the resource alive (``setwriter(f.write)``)
CALLBACK_METHODS = frozenset(
    {"write", "writelines", "read", "readline", "readlines", "send", "sendall", "recv", "flush"}
)
NOT_RAISING = frozenset(
    {
        "print", "len", "isinstance", "repr", "id", "time.time", "time.monotonic", "super",
        "settimeout", "setblocking", "setsockopt", "cursor", "fileno", "getsockname",
        "getpeername", "gettimeout", "set_trace_callback", "debug", "info", "warning", "warn",
        "error", "exception", "critical",
    }
)
# functions of web frameworks that stream a file object and close it when done
RESPONSE_OWNERS = frozenset(
    {"send_file", "make_response", "static_file", "file_response", "FileWrapper", "wrap_file",
     "memoryview"}
)
CATCH_ALL = frozenset({None, "Exception", "BaseException"})

Acq = tuple[str, int]  # (variable, acquisition index)
State = frozenset[Acq]


@dataclass
class Acquisition:
    node: ast.Call
    kind: str
    var: str | None


@dataclass
class Leak:
    node: ast.Call
    kind: str  # "file", "socket", ...
    how: str  # "never", "path", "exception", "overwritten", "unbound"


@dataclass
class _Out:
    normal: State | None
    ret: State | None = None
    exc: State | None = None
    brk: State | None = None
    cont: State | None = None


def _j(a: State | None, b: State | None) -> State | None:
    if a is None:
        return b
    if b is None:
        return a
    return a | b


def acquisition_kind(call: ast.Call, imports: dict[str, str], local_defs: set[str]) -> str | None:
    func = call.func
    if isinstance(func, ast.Name) and func.id == "open":
        return None if "open" in imports or "open" in local_defs else "file"
    name = astutil.qualname(func, imports)
    if name in ACQUIRERS:
        return ACQUIRERS[name]
    if isinstance(func, ast.Attribute):
        if func.attr == "makefile" and astutil.dotted(func.value) not in {"self", "cls"}:
            mode = astutil.const_str(call.args[0]) if call.args else "r"
            if mode is not None and set(mode) <= set("rwb"):
                return "file"  # sock.makefile("rb"), not pytester.makefile(".py", ...)
        if func.attr == "open" and isinstance(func.value, ast.Call):
            inner = astutil.last_part(astutil.dotted(func.value.func))
            if inner in {"Path", "PurePath"}:
                return "file"
    return None


@dataclass
class FunctionLeaks:
    leaks: list[Leak] = field(default_factory=list)


class ResourceAnalysis:
    """Find leaked acquisitions in one function (or the module body)."""

    def __init__(self, imports: dict[str, str], local_defs: set[str]) -> None:
        self.imports = imports
        self.local_defs = local_defs
        self.acqs: list[Acquisition] = []
        self.index: dict[int, int] = {}
        self.in_finally = 0
        self.leaks: dict[int, Leak] = {}
        self.globals: set[str] = set()
        self.closure_names: set[str] = set()

    # -- entry points ---------------------------------------------------------------------

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[Leak]:
        for sub in astutil.walk_scope(node):
            if isinstance(sub, (ast.Global, ast.Nonlocal)):
                self.globals.update(sub.names)
            elif isinstance(sub, astutil.SCOPE_NODES):
                self.closure_names |= {
                    n.id for n in ast.walk(sub) if isinstance(n, ast.Name)
                }
        out = self.block(node.body, frozenset())
        final = _j(_j(out.normal, out.ret), out.exc)
        for _var, index in final or ():
            acq = self.acqs[index]
            if index in self.leaks:
                continue
            on_normal = any(i == index for _, i in _j(out.normal, out.ret) or ())
            self.leaks[index] = Leak(acq.node, acq.kind, "path" if on_normal else "exception")
        return sorted(self.leaks.values(), key=lambda leak: (leak.node.lineno, leak.node.col_offset))

    def module(self, tree: ast.Module) -> list[Leak]:
        """Module code: globals live as long as the program, so only unbound uses leak."""
        self._module_block(tree.body)
        return sorted(self.leaks.values(), key=lambda leak: (leak.node.lineno, leak.node.col_offset))

    def _module_block(self, stmts: list[ast.stmt]) -> None:
        for stmt in stmts:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
                self._unbound(stmt.value, frozenset(), track=False, escaping=True)
            elif isinstance(stmt, (ast.With, ast.AsyncWith)):
                for item in stmt.items:
                    expr = item.context_expr
                    if isinstance(expr, ast.Call) and self._kind(expr):
                        for a in (*expr.args, *(kw.value for kw in expr.keywords)):
                            self._unbound(a, frozenset(), track=False)
                    else:
                        self._unbound(expr, frozenset(), track=False, escaping=True)
            elif isinstance(stmt, (ast.For, ast.AsyncFor)):
                self._unbound(stmt.iter, frozenset(), track=False)
            elif isinstance(stmt, (ast.If, ast.While)):
                self._unbound(stmt.test, frozenset(), track=False)
            elif not isinstance(stmt, ast.Try) and type(stmt).__name__ not in {"TryStar", "Match"}:
                self._unbound(stmt, frozenset(), track=False)
            for name in ("body", "orelse", "finalbody"):
                inner = getattr(stmt, name, None)
                if isinstance(inner, list):
                    self._module_block([s for s in inner if isinstance(s, ast.stmt)])
            for handler in getattr(stmt, "handlers", []):
                self._module_block(handler.body)

    # -- statements -----------------------------------------------------------------------

    def block(self, stmts: Iterable[ast.stmt], state: State) -> _Out:
        out = _Out(state)
        for stmt in stmts:
            if out.normal is None:
                break
            step = self.stmt(stmt, out.normal)
            out = _Out(
                step.normal,
                _j(out.ret, step.ret),
                _j(out.exc, step.exc),
                _j(out.brk, step.brk),
                _j(out.cont, step.cont),
            )
        return out

    def stmt(self, node: ast.stmt, state: State) -> _Out:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return _Out(self._drop(state, self.closure_names))
        if isinstance(node, ast.If):
            exc = state if self._may_raise(node.test, state) else None
            state = self._events(node.test, state)
            true_state, false_state = self._split(node.test, state)
            body = self.block(node.body, true_state)
            orelse = self.block(node.orelse, false_state)
            return self._merge(body, orelse, exc)
        if isinstance(node, (ast.For, ast.AsyncFor)):
            exc = state if self._may_raise(node.iter, state) else None
            state = self._events(node.iter, state)
            return self._loop(node.body, node.orelse, state, exc, finite=True)
        if isinstance(node, ast.While):
            exc = state if self._may_raise(node.test, state) else None
            infinite = isinstance(node.test, ast.Constant) and bool(node.test.value)
            return self._loop(node.body, node.orelse, state, exc, finite=not infinite)
        if isinstance(node, (ast.With, ast.AsyncWith)):
            return self._with(node, state)
        if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            return self._try(node, state)  # type: ignore[arg-type]
        if type(node).__name__ == "Match":
            subject = node.subject  # type: ignore[attr-defined]
            exc = state if self._may_raise(subject, state) else None
            state = self._events(subject, state)
            outs = [self.block(case.body, state) for case in node.cases]  # type: ignore[attr-defined]
            merged = _Out(state, exc=exc)
            for out in outs:
                merged = self._merge(merged, out, None)
            return merged
        if isinstance(node, ast.Return):
            # what the statement hands over is not leaked if the hand-over itself fails
            raises = node.value is not None and self._may_raise(node.value, state)
            if node.value is not None:
                state = self._events(node.value, state, escaping=True)
            return _Out(None, ret=state, exc=state if raises else None)
        if isinstance(node, ast.Raise):
            if node.exc is not None:
                state = self._events(node.exc, state)
            return _Out(None, exc=state)
        if isinstance(node, ast.Break):
            return _Out(None, brk=state)
        if isinstance(node, ast.Continue):
            return _Out(None, cont=state)
        if isinstance(node, ast.Assign):
            return self._assign(node.targets, node.value, state)
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            return self._assign([node.target], node.value, state)
        if isinstance(node, ast.Expr):
            call = node.value
            if isinstance(call, ast.Call) and astutil.qualname(call.func, self.imports) in {
                "sys.exit", "os._exit", "exit", "quit",
            }:
                return _Out(None, exc=state)
        exprs = _header_exprs(node)
        raises = any(self._may_raise(e, state) for e in exprs)
        for expr in exprs:
            state = self._events(expr, state)
        return _Out(state, exc=state if raises else None)

    def _merge(self, a: _Out, b: _Out, exc: State | None) -> _Out:
        return _Out(
            _j(a.normal, b.normal),
            _j(a.ret, b.ret),
            _j(_j(a.exc, b.exc), exc),
            _j(a.brk, b.brk),
            _j(a.cont, b.cont),
        )

    def _loop(
        self, body: list[ast.stmt], orelse: list[ast.stmt], state: State,
        exc: State | None, finite: bool,
    ) -> _Out:
        entry = state
        out = _Out(None)
        for _ in range(4):
            out = self.block(body, entry)
            new_entry = entry | (out.normal or frozenset()) | (out.cont or frozenset())
            if new_entry == entry:
                break
            entry = new_entry
        after = entry if finite else None
        result = _Out(after, out.ret, _j(out.exc, exc))
        if after is not None and orelse:
            tail = self.block(orelse, after)
            result = _Out(tail.normal, _j(result.ret, tail.ret), _j(result.exc, tail.exc),
                          tail.brk, tail.cont)
        result.normal = _j(result.normal, out.brk)
        return result

    def _with(self, node: ast.With | ast.AsyncWith, state: State) -> _Out:
        released: set[str] = set()
        exc: State | None = None
        for item in node.items:
            expr = item.context_expr
            if self._may_raise(expr, state):
                exc = _j(exc, state)
            for sub in ast.walk(expr):
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
                    released.add(sub.id)
                elif isinstance(sub, ast.Attribute):
                    key = astutil.dotted(sub)
                    if key:
                        released.add(key)
            parts = [expr]
            if isinstance(expr, ast.IfExp):  # with (open(p) if p else sys.stdin) as fh:
                state = self._events(expr.test, state)
                parts = [expr.body, expr.orelse]
            for part in parts:
                if not (isinstance(part, ast.Call) and self._kind(part)):
                    state = self._events(part, state, owned=True)
            if item.optional_vars is not None:
                state = self._drop(state, _target_names(item.optional_vars))
        body = self.block(node.body, state)
        return _Out(
            self._drop_opt(body.normal, released),
            self._drop_opt(body.ret, released),
            _j(self._drop_opt(body.exc, released), exc),
            self._drop_opt(body.brk, released),
            self._drop_opt(body.cont, released),
        )

    def _try(self, node: ast.Try, state: State) -> _Out:
        body = self.block(node.body, state)
        caught_all = False
        handled = _Out(None)
        if node.handlers:
            entry = body.exc if body.exc is not None else None
            for handler in node.handlers:
                names = _handler_names(handler.type)
                if names & CATCH_ALL:
                    caught_all = True
                if entry is None:
                    continue
                out = self.block(handler.body, entry)
                handled = self._merge(handled, out, None)
        remaining_exc = None if caught_all else body.exc
        normal = body.normal
        ret, brk, cont = body.ret, body.brk, body.cont
        exc = remaining_exc
        if node.orelse and normal is not None:
            tail = self.block(node.orelse, normal)
            normal, ret = tail.normal, _j(ret, tail.ret)
            exc, brk, cont = _j(exc, tail.exc), _j(brk, tail.brk), _j(cont, tail.cont)
        result = _Out(
            _j(normal, handled.normal),
            _j(ret, handled.ret),
            _j(exc, handled.exc),
            _j(brk, handled.brk),
            _j(cont, handled.cont),
        )
        if not node.finalbody:
            return result
        final = _Out(None)
        # a release anywhere in `finally` (even under `if close:`) counts on every path
        released = _released_names(node.finalbody)

        def through(s: State | None) -> State | None:
            nonlocal final
            if s is None:
                return None
            self.in_finally += 1
            try:
                out = self.block(node.finalbody, s)
            finally:
                self.in_finally -= 1
            final = _Out(None, _j(final.ret, out.ret), _j(final.exc, out.exc),
                          _j(final.brk, out.brk), _j(final.cont, out.cont))
            return self._drop_opt(out.normal, released)

        return _Out(
            through(result.normal),
            _j(through(result.ret), final.ret),
            _j(through(result.exc), final.exc),
            _j(through(result.brk), final.brk),
            _j(through(result.cont), final.cont),
        )

    def _assign(self, targets: list[ast.expr], value: ast.expr, state: State) -> _Out:
        exc = state if self._may_raise(value, state) else None
        if isinstance(value, ast.IfExp):  # f = open(p) if p != "-" else sys.stdin
            for branch in (value.body, value.orelse):
                if isinstance(branch, ast.Call) and self._kind(branch):
                    state = self._events(value.test, state)
                    return self._assign(targets, branch, state)
        kind = self._kind(value) if isinstance(value, ast.Call) else None
        if kind is not None and isinstance(value, ast.Call):
            wrapped = astutil.arg(value, 0, "fileobj") or astutil.keyword(value, "fileobj")
            if isinstance(wrapped, ast.Name) and any(v == wrapped.id for v, _ in state):
                if astutil.qualname(value.func, self.imports) in FD_OWNERS:
                    # os.fdopen(fd): the new file object owns the descriptor from here on
                    state = self._drop(state, {wrapped.id})
                else:
                    # ZipFile(fp) over a file we already track: closing fp releases both
                    return _Out(self._events_args(value, state), exc=exc)
            state = self._events_args(value, state)
            names = [astutil.dotted(t) for t in targets]
            simple = [n for n in names if n is not None and "." not in n and n not in self.globals]
            if len(targets) == 1 and len(simple) == 1 and isinstance(targets[0], ast.Name):
                var = simple[0]
                state = self._overwrite(state, {var})
                index = self._new(value, kind, var)
                return _Out(state | {(var, index)}, exc=exc)
            return _Out(state, exc=exc)  # stored on self/global/container: escapes
        accept = self._accept_target(targets, value)
        if accept is not None:
            state = self._events(value.func.value, state)  # type: ignore[attr-defined]
            state = self._overwrite(state, {accept})
            index = self._new(value, "socket", accept)  # type: ignore[arg-type]
            return _Out(state | {(accept, index)}, exc=exc)
        alias = len(targets) == 1 and isinstance(targets[0], ast.Name)
        state = self._events(value, state, escaping=not alias, alias=alias)
        exc = state if exc is not None else None
        for target in targets:
            if isinstance(target, (ast.Name, ast.Tuple, ast.List)):
                state = self._overwrite(state, _target_names(target))
            else:
                state = self._events(target, state)
        return _Out(state, exc=exc)

    def _accept_target(self, targets: list[ast.expr], value: ast.expr) -> str | None:
        if (
            len(targets) == 1
            and isinstance(targets[0], ast.Tuple)
            and targets[0].elts
            and isinstance(targets[0].elts[0], ast.Name)
            and isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr == "accept"
            and astutil.dotted(value.func.value) not in {"self", "cls"}
            and not value.args
        ):
            return targets[0].elts[0].id
        return None

    # -- helpers --------------------------------------------------------------------------

    def _kind(self, call: ast.Call) -> str | None:
        return acquisition_kind(call, self.imports, self.local_defs)

    def _new(self, call: ast.Call, kind: str, var: str | None) -> int:
        """One index per acquisition site, however often the interpreter passes it."""
        index = self.index.get(id(call))
        if index is None:
            self.acqs.append(Acquisition(call, kind, var))
            index = self.index[id(call)] = len(self.acqs) - 1
        return index

    def _overwrite(self, state: State, names: set[str]) -> State:
        kept = set()
        for var, index in state:
            if var in names:
                if index not in self.leaks:
                    acq = self.acqs[index]
                    self.leaks[index] = Leak(acq.node, acq.kind, "overwritten")
            else:
                kept.add((var, index))
        return frozenset(kept)

    @staticmethod
    def _drop(state: State, names: set[str]) -> State:
        if not names:
            return state
        return frozenset(item for item in state if item[0] not in names)

    def _drop_opt(self, state: State | None, names: set[str]) -> State | None:
        return None if state is None else self._drop(state, names)

    def _split(self, test: ast.expr, state: State) -> tuple[State, State]:
        """``if f:`` / ``if f is not None:``: the branch where f is None holds nothing."""
        negate = False
        while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            negate, test = not negate, test.operand
        var: str | None = None
        truthy = True
        if isinstance(test, ast.Name):
            var = test.id
        elif (
            isinstance(test, ast.Compare)
            and len(test.ops) == 1
            and isinstance(test.left, ast.Name)
            and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value is None
        ):
            var = test.left.id
            truthy = isinstance(test.ops[0], (ast.IsNot, ast.NotEq))
        if var is None:
            return state, state
        if negate:
            truthy = not truthy
        holding = self._drop(state, {var})
        return (state, holding) if truthy else (holding, state)

    def _may_raise(self, expr: ast.AST, state: State) -> bool:
        if not state or self.in_finally:
            return False  # clean-up code is trusted not to fail
        for sub in ast.walk(expr):
            if isinstance(sub, ast.Await):
                return True
            if isinstance(sub, ast.Call):
                func = sub.func
                last = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if last in RELEASE_METHODS or last in NOT_RAISING:
                    continue
                if self._configures(func, state):
                    continue
                return True
        return False

    @staticmethod
    def _configures(func: ast.expr, state: State) -> bool:
        """``session.headers.update(...)``: setting up a part of a resource just acquired is
        not the kind of work that fails (``f.read()`` is)."""
        if not isinstance(func, ast.Attribute) or not isinstance(func.value, ast.Attribute):
            return False
        root = astutil.dotted(func.value)
        return root is not None and any(root.split(".", 1)[0] == var for var, _ in state)

    def _events_args(self, call: ast.Call, state: State) -> State:
        for a in [*call.args, *(kw.value for kw in call.keywords)]:
            state = self._events(a, state)
        return state

    def _events(
        self, expr: ast.AST, state: State, escaping: bool = False, owned: bool = False,
        alias: bool = False,
    ) -> State:
        """Apply releases and escapes of tracked variables inside ``expr``; report unbound
        acquisitions that leak immediately (``open(p).read()``)."""
        self._unbound(expr, state, track=True, escaping=escaping or alias)
        if not state:
            return state
        tracked = {var for var, _ in state}
        gone: set[str] = set()
        self._scan_uses(expr, tracked, gone, escaping, owned)
        return self._drop(state, gone)

    def _scan_uses(
        self, expr: ast.AST, tracked: set[str], gone: set[str], escaping: bool, owned: bool
    ) -> None:
        stack: list[tuple[ast.AST, str]] = [(expr, "escape" if escaping else ("own" if owned else "use"))]
        while stack:
            node, mode = stack.pop()
            if isinstance(node, ast.Name):
                if node.id in tracked and mode in {"escape", "own"}:
                    gone.add(node.id)
                continue
            if isinstance(node, ast.Attribute):
                base = node.value
                if (
                    isinstance(base, ast.Name)
                    and base.id in tracked
                    and node.attr in RELEASE_METHODS | CALLBACK_METHODS
                    and mode in {"escape", "own"}
                ):
                    gone.add(base.id)  # f.close or f.write handed over as a callback
                stack.append((base, "use"))
                continue
            if isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Attribute):
                    base = func.value
                    if isinstance(base, ast.Name) and base.id in tracked and func.attr in RELEASE_METHODS:
                        gone.add(base.id)
                    stack.append((base, "use"))
                else:
                    stack.append((func, "use"))
                name = astutil.qualname(func, self.imports) or ""
                last = astutil.last_part(name) if name else getattr(func, "attr", "")
                if name in OWNERS or last in OWNERS:
                    arg_mode = "own"
                elif name in BORROWERS or last in {"write", "writelines", "read", "send", "sendall"}:
                    arg_mode = "use"
                elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in tracked:
                    arg_mode = "use"  # f.method(g): g borrowed for the call
                elif name in self.local_defs:
                    arg_mode = "use"
                else:
                    arg_mode = "own"  # unknown callee: assume it takes ownership
                for a in node.args:
                    stack.append((a.value if isinstance(a, ast.Starred) else a, arg_mode if arg_mode != "own" else "own"))
                for kw in node.keywords:
                    stack.append((kw.value, arg_mode))
                continue
            if isinstance(node, (ast.Yield, ast.YieldFrom)):
                if node.value is not None:
                    stack.append((node.value, "escape"))
                continue
            if isinstance(node, (ast.Lambda,)):
                for sub in ast.walk(node):
                    if isinstance(sub, ast.Name) and sub.id in tracked:
                        gone.add(sub.id)
                continue
            if isinstance(node, (ast.Tuple, ast.List, ast.Set, ast.Dict, ast.Starred)):
                for child in ast.iter_child_nodes(node):
                    stack.append((child, mode))
                continue
            if isinstance(node, ast.IfExp):
                stack.append((node.test, "use"))
                stack.append((node.body, mode))
                stack.append((node.orelse, mode))
                continue
            if isinstance(node, ast.BoolOp):
                for child in node.values:
                    stack.append((child, mode))
                continue
            for child in ast.iter_child_nodes(node):
                stack.append((child, "use"))

    def _borrows_unbound(self, func: ast.expr, name: str, last: str) -> bool:
        """Does a call only use (not keep) a resource created in its argument list?
        ``json.load(open(p))``, ``pd.read_csv(open(p))``, ``parse(open(p))`` use it;
        ``FileResponse(open(p))``, ``closing(...)``, ``send_file(...)``, ``obj.add(...)`` keep it."""
        if name in BORROWERS or last in {"write", "writelines"}:
            return True
        if name in OWNERS or last in OWNERS or last in RESPONSE_OWNERS or last == "close":
            return False  # os.close(os.open(...)) releases it
        if not last or last[0].isupper():
            return False  # a class: the new object usually keeps what it is given
        if isinstance(func, ast.Attribute):
            head = astutil.dotted(func.value)
            # a module function (pandas.read_csv) uses it; a method of an object may store it
            return head is not None and head.split(".", 1)[0] in self.imports
        return isinstance(func, ast.Name)

    def _unbound(
        self, expr: ast.AST, state: State, track: bool, escaping: bool = False
    ) -> None:
        """Acquisitions whose result is used without being bound to a name."""
        stack: list[tuple[ast.AST, str]] = [(expr, "escape" if escaping else "top")]
        while stack:
            node, mode = stack.pop()
            if isinstance(node, astutil.SCOPE_NODES):
                continue
            if isinstance(node, ast.Call):
                kind = self._kind(node)
                if kind is not None and mode in {"top", "chain", "borrow", "iter"}:
                    index = self._new(node, kind, None)
                    self.leaks[index] = Leak(node, kind, "unbound")
                func = node.func
                if isinstance(func, ast.Attribute):
                    inner_mode = "released" if func.attr in RELEASE_METHODS else "chain"
                    stack.append((func.value, inner_mode))
                else:
                    stack.append((func, "other"))
                name = astutil.qualname(func, self.imports) or ""
                last = astutil.last_part(name)
                arg_mode = "borrow" if self._borrows_unbound(func, name, last) else "owned"
                for a in node.args:
                    stack.append((a, arg_mode))
                for kw in node.keywords:
                    stack.append((kw.value, arg_mode))
                continue
            if isinstance(node, (ast.Yield, ast.YieldFrom, ast.Await)):
                if node.value is not None:
                    stack.append((node.value, "escape"))
                continue
            if isinstance(node, (ast.Tuple, ast.List, ast.Set, ast.Dict)):
                for child in ast.iter_child_nodes(node):
                    stack.append((child, "escape" if mode == "escape" else "owned"))
                continue
            if isinstance(node, ast.comprehension):
                stack.append((node.iter, "iter"))
                for cond in node.ifs:
                    stack.append((cond, "other"))
                continue
            for child in ast.iter_child_nodes(node):
                stack.append((child, "other" if mode != "top" else "top"))


def _header_exprs(node: ast.stmt) -> list[ast.AST]:
    """The expressions a simple statement evaluates."""
    return [node]


def _released_names(stmts: list[ast.stmt]) -> set[str]:
    names: set[str] = set()
    for stmt in stmts:
        for node in ast.walk(stmt):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in RELEASE_METHODS
                and isinstance(node.func.value, ast.Name)
            ):
                names.add(node.func.value.id)
    return names


def _target_names(target: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


def _handler_names(node: ast.expr | None) -> set[str | None]:
    if node is None:
        return {None}
    if isinstance(node, ast.Tuple):
        return {astutil.last_part(astutil.dotted(e)) or "?" for e in node.elts}
    return {astutil.last_part(astutil.dotted(node)) or "?"}
