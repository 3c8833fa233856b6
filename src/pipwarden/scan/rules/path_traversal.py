"""PW105 path-traversal

## What it does
Finds file paths built from request data that reach file-system calls (`open`, `send_file`,
`os.remove`, `shutil.rmtree`/`copy`/`move`, `os.rename`, `pathlib.Path` methods such as
`read_text`, `write_bytes`, `unlink`) without a containment check. `os.path.basename`,
`secure_filename`, `safe_join`, a `startswith`/`is_relative_to`/`commonpath` check against the
base directory, or an allow-list comparison make the path safe. Only input from the network
counts: a command-line tool opening the path its user typed is not a traversal.

## Why
`../../etc/passwd` or an absolute path escapes the directory the code meant to serve or write,
reading secrets or overwriting files.

## Example
```python
name = request.args["file"]
return send_file(os.path.join(UPLOADS, name))
```

## Use instead
```python
path = os.path.realpath(os.path.join(UPLOADS, name))
if not path.startswith(UPLOADS + os.sep):
    abort(404)
return send_file(path)  # or send_from_directory(UPLOADS, name)
```
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import ClassVar

from pipwarden.models import Severity
from pipwarden.scan import astutil
from pipwarden.scan.rule import FileContext, TaintRule

FIRST_ARG = {
    "io.open", "codecs.open", "aiofiles.open", "os.open", "flask.send_file", "send_file",
    "os.remove", "os.unlink", "os.rmdir", "os.removedirs", "shutil.rmtree",
    "starlette.responses.FileResponse", "fastapi.responses.FileResponse",
    "bottle.static_file", "os.truncate", "os.chmod", "shelve.open", "dbm.open", "gzip.open",
    "bz2.open", "lzma.open",
}
TWO_ARGS = {"shutil.copy", "shutil.copyfile", "shutil.copy2", "shutil.copytree", "shutil.move",
            "os.rename", "os.replace"}
PATH_METHODS = {
    "read_text", "read_bytes", "write_text", "write_bytes", "unlink", "rmdir", "touch",
}


class PathTraversal(TaintRule):
    code: ClassVar[str] = "PW105"
    name: ClassVar[str] = "path-traversal"
    severity: ClassVar[Severity] = Severity.HIGH
    summary: ClassVar[str] = "a file path built from request data is used without a containment check"
    family: ClassVar[str] = "path"
    remote_only: ClassVar[bool] = True
    call_names: ClassVar[frozenset[str] | None] = frozenset(
        {name.rsplit(".", 1)[-1] for name in FIRST_ARG | TWO_ARGS}
        | PATH_METHODS
        | {"open", "save"}
    )

    def sinks(self, call: ast.Call, ctx: FileContext) -> Iterable[tuple[ast.expr, str]]:
        name = ctx.call_name(call) or ""
        func = call.func
        if ctx.is_builtin(call, "open") or name in FIRST_ARG:
            first = astutil.arg(call, 0, "file") or astutil.keyword(call, "path")
            return [(first, f"{name}()")] if first is not None else ()
        if name in TWO_ARGS:
            return [(a, f"{name}()") for a in call.args[:2]]
        if isinstance(func, ast.Attribute) and func.attr == "save" and call.args:
            # upload.save(os.path.join(UPLOADS, upload.filename)) writes where input says
            return [(call.args[0], ".save()")]
        if isinstance(func, ast.Attribute) and func.attr in PATH_METHODS | {"open"}:
            receiver = func.value
            if isinstance(receiver, ast.Name) and receiver.id in ctx.imports:
                return ()  # a module function such as os.open or webbrowser.open
            if func.attr == "open" and not _path_like(receiver):
                return ()
            return [(receiver, f"Path.{func.attr}()")]
        return ()


def _path_like(node: ast.expr) -> bool:
    """``Path(x)``, ``base / name`` and the like (not ``zipfile.open`` or ``Image.open``)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return True
    if isinstance(node, ast.Call):
        return astutil.last_part(astutil.dotted(node.func)) in {"Path", "PurePath", "joinpath"}
    return isinstance(node, ast.Name) and "path" in node.id.lower()
