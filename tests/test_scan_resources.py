"""The resource analysis behind PW201: every path, the exception path, and hand-overs."""

from __future__ import annotations

import textwrap

import pytest

from pipwarden.scan import Scanner
from pipwarden.scan.rules import select_rules

SCANNER = Scanner(select_rules(("PW201",)))


def leaks(body: str) -> list[tuple[int, str]]:
    code = "import socket, sqlite3, subprocess, json, weakref, atexit, os\n"
    code += "from contextlib import closing, ExitStack\n\n"
    code += "def f(p, q):\n" + textwrap.indent(textwrap.dedent(body), "    ")
    out = []
    for finding in SCANNER.scan_source(code):
        how = (
            "exception" if "exception" in finding.summary
            else "never" if "never closed" in finding.summary
            else "overwritten" if "overwritten" in finding.summary
            else "path"
        )
        out.append((finding.line - 4, how))
    return out


@pytest.mark.parametrize(
    "body",
    [
        "with open(p) as fh:\n    return fh.read()",
        "fh = open(p)\ntry:\n    return fh.read()\nfinally:\n    fh.close()",
        "fh = open(p)\nwith fh:\n    return fh.read()",
        "return open(p)",
        "fh = open(p)\nreturn fh",
        "fh = open(p)\nreturn fh, 1",
        "fh = open(p)\nself.fh = fh",
        "FILES.append(open(p))",
        "fh = open(p)\nregistry[p] = fh",
        "fh = open(p)\nweakref.finalize(obj, fh.close)",
        "fh = open(p)\natexit.register(fh.close)",
        "stack = ExitStack()\nfh = stack.enter_context(open(p))\nreturn stack",
        "with closing(socket.create_connection(p)) as s:\n    s.sendall(q)",
        "proc = subprocess.Popen(p)\nout, err = proc.communicate()",
        "fh = None\ntry:\n    fh = open(p)\n    fh.read()\nfinally:\n    if fh is not None:\n        fh.close()",
        "fh = open(p)\ntry:\n    fh.read()\nexcept Exception:\n    fh.close()\n    raise\nfh.close()",
        "try:\n    fh = open(p)\nexcept OSError:\n    return None\nwith fh:\n    return fh.read()",
        "conn, addr = q.accept()\nthreading.Thread(target=h, args=(conn,)).start()",
        "fh = open(p)\nfh.close()",
        "yield open(p)",
        "close = True\nfh = open(p)\ntry:\n    fh.read()\nfinally:\n    if close:\n        fh.close()",
        # common clean idioms: a descriptor closed at once (touch), a conditional `with`
        "os.close(os.open(p, os.O_CREAT | os.O_WRONLY, 0o600))",
        "with (sys.stdin if p == '-' else open(p)) as fh:\n    return fh.read()",
        "with (open(p) if p else open(q)) as fh:\n    return fh.read()",
    ],
)
def test_released(body: str) -> None:
    assert leaks(body) == [], body


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("fh = open(p)\ndata = fh.read()\nfh.close()\nreturn data", [(1, "exception")]),
        ("fh = open(p)\nreturn fh.read()", [(1, "path")]),
        ("return json.load(open(p))", [(1, "never")]),
        ("for line in open(p):\n    print(line)", [(1, "never")]),
        ("data = open(p).read()", [(1, "never")]),
        ("fh = open(p)\nif q:\n    return None\nfh.close()", [(1, "path")]),
        ("fh = open(p)\nfh = open(q)\nfh.close()", [(1, "overwritten")]),
        ("s = socket.socket()\ns.connect(q)", [(1, "path")]),
        ("conn = sqlite3.connect(p)\nconn.execute(q)\nconn.close()", [(1, "exception")]),
        ("subprocess.Popen(p)", [(1, "never")]),
        ("for x in p:\n    fh = open(x)\n    fh.write(q)", [(2, "overwritten")]),
        ("fh = open(p) if p else None\nreturn fh.read()", [(1, "path")]),
    ],
)
def test_leaked(body: str, expected: list[tuple[int, str]]) -> None:
    assert leaks(body) == expected, body


def test_module_level_globals_are_not_leaks_but_unbound_uses_are() -> None:
    code = "import sqlite3\nDB = sqlite3.connect('x')\nDATA = open('x').read()\n"
    found = SCANNER.scan_source(code)
    assert [(f.line, f.column) for f in found] == [(3, 8)]


def test_module_helpers_that_close_take_ownership_others_borrow() -> None:
    code = textwrap.dedent(
        """
        def close_quietly(fh):
            try:
                fh.close()
            except OSError:
                pass

        def count(fh):
            return len(fh.read())

        def a(p):
            fh = open(p)
            close_quietly(fh)

        def b(p):
            fh = open(p)
            return count(fh)
        """
    )
    assert [f.line for f in SCANNER.scan_source(code)] == [16]


def test_cheap_set_up_calls_between_acquisition_and_try_are_not_failures() -> None:
    db = "conn = sqlite3.connect(p)\ncur = conn.cursor()\ntry:\n    cur.execute(q)\nfinally:\n    conn.close()"
    sock = "s = socket.socket()\ns.setsockopt(1, 2, 3)\ntry:\n    s.connect(q)\nfinally:\n    s.close()"
    assert leaks(db) == []
    assert leaks(sock) == []
    # a second acquisition that fails leaks the first one
    both = "conn = sqlite3.connect(p)\ns = socket.socket()\ntry:\n    pass\nfinally:\n    conn.close()\n    s.close()"
    assert leaks(both) == [(1, "exception")]
