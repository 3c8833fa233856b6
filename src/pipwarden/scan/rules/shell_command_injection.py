"""PW103 shell-command-injection

## What it does
Finds untrusted input that reaches a command run by a shell: `os.system`, `os.popen`,
`subprocess.*(..., shell=True)`, `subprocess.getoutput`/`getstatusoutput`,
`asyncio.create_subprocess_shell` and paramiko's `exec_command`. Values quoted with
`shlex.quote` are safe; list-form commands without `shell=True` are not reported.

## Why
The shell interprets `;`, `|`, `$(...)` and backticks: a file name such as `x; rm -rf ~` runs a
second command.

## Example
```python
host = request.args["host"]
os.system(f"ping -c 1 {host}")
subprocess.run("tar czf out.tgz " + path, shell=True)
```

## Use instead
```python
subprocess.run(["ping", "-c", "1", host], check=True)  # no shell
subprocess.run(f"ping -c 1 {shlex.quote(host)}", shell=True)
```
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import ClassVar

from pipwarden.models import Severity
from pipwarden.scan import astutil
from pipwarden.scan.rule import FileContext, TaintRule

ALWAYS_SHELL = {
    "os.system", "os.popen", "os.popen2", "os.popen3", "os.popen4", "subprocess.getoutput",
    "subprocess.getstatusoutput", "commands.getoutput", "commands.getstatusoutput",
    "asyncio.create_subprocess_shell", "popen2.popen2",
}
SHELL_OPTIONAL = {
    "subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
    "subprocess.Popen",
}


EXEC_FAMILY = {"os.execvp", "os.execv", "os.execlp", "os.spawnvp", "asyncio.create_subprocess_exec"}
SHELLS = {"sh", "bash", "zsh", "dash", "ksh", "/bin/sh", "/bin/bash", "/usr/bin/bash", "cmd",
          "cmd.exe", "powershell", "pwsh"}


def _shell_script(elts: list[ast.expr]) -> ast.expr | None:
    """``["sh", "-c", script]``: the script is run by a shell."""
    words = [astutil.const_str(e) for e in elts]
    if not words or words[0] not in SHELLS:
        return None
    for index, word in enumerate(words[:-1]):
        if word in {"-c", "/c", "-Command", "-lc"}:
            return elts[index + 1]
    return None


class ShellCommandInjection(TaintRule):
    code: ClassVar[str] = "PW103"
    name: ClassVar[str] = "shell-command-injection"
    severity: ClassVar[Severity] = Severity.CRITICAL
    summary: ClassVar[str] = "untrusted input reaches a shell command"
    family: ClassVar[str] = "shell"
    call_names: ClassVar[frozenset[str] | None] = frozenset(
        {name.rsplit(".", 1)[-1] for name in ALWAYS_SHELL | SHELL_OPTIONAL | EXEC_FAMILY}
        | {"exec_command", "subprocess_shell"}
    )

    def sinks(self, call: ast.Call, ctx: FileContext) -> Iterable[tuple[ast.expr, str]]:
        name = ctx.call_name(call) or ""
        first = astutil.arg(call, 0, "args") or astutil.keyword(call, "cmd") or astutil.keyword(
            call, "command"
        )
        if first is None:
            return ()
        if name in ALWAYS_SHELL:
            return [(first, f"{name}()")]
        if name in SHELL_OPTIONAL and astutil.is_true(astutil.keyword(call, "shell")):
            return [(first, f"{name}(shell=True)")]
        if name in SHELL_OPTIONAL | EXEC_FAMILY and isinstance(first, (ast.List, ast.Tuple)):
            script = _shell_script(first.elts)
            if script is not None:
                return [(script, f"{name}([shell, '-c', ...])")]
        if isinstance(call.func, ast.Attribute) and call.func.attr in {
            "exec_command",
            "subprocess_shell",
        }:
            return [(first, f"{call.func.attr}()")]
        return ()
