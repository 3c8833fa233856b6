"""One pip process per install: plan, snapshot, then (if allowed) install.

A small driver script runs in the target interpreter. It runs ``pip install --dry-run
--report`` through pip's own command-line entry point, snapshots the environment (while
pipwarden already reads the planned wheels), reports back on a private pipe, then waits on its stdin for pipwarden's decision: nothing (abort) or the exact
``pip install`` arguments of the checked, hash-pinned set, which it runs through the same entry
point. One interpreter start and one pip import instead of three is what keeps the guarded
install close to plain pip in time. The driver is started before pipwarden imports its checks,
so both start-ups overlap.

This module imports little on purpose: it is loaded first.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from pipwarden.errors import InstallError, UsageError
from pipwarden.pyexec import SAFE_PATH

_DRIVER = r"""
import json, os, sys
messages = os.fdopen(int(sys.argv[1]), "w", buffering=1)
report, snapshot_file, pip_args = sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
try:
    from pip._internal.cli.main import main as pip_main
except Exception as exc:
    sys.stderr.write("cannot import pip: %s\n" % (exc,))
    messages.write("planned 2\n")
    sys.exit(2)
os.environ["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
os.environ["PIP_NO_INPUT"] = "1"
code = pip_main(["install", "--dry-run", "--quiet", "--report", report] + pip_args)
messages.write("planned %d\n" % (code or 0,))
if code:
    sys.exit(code)
with open(snapshot_file, "w", encoding="utf-8") as handle:
    json.dump(_pipwarden_snapshot(), handle)
messages.write("snapshot\n")
line = sys.stdin.readline()
if not line.strip():
    sys.exit(0)
command = json.loads(line)
sys.stdout.write("\n--- install ---\n")
sys.stdout.flush()
code = pip_main(command["args"])
messages.write("installed %d\n" % (code or 0,))
"""


def resolve_python(python: str | None) -> str:
    """The target interpreter as an absolute path (symlinks kept: a venv's python is one)."""
    if not python:
        return sys.executable
    if os.sep in python or (os.altsep and os.altsep in python):
        return os.path.abspath(python)
    found = shutil.which(python)
    if found is None:
        raise UsageError(f"no interpreter named {python!r} on PATH", location="--python")
    return found


def planning_args(pip_args: Sequence[str], allow_build: bool) -> list[str]:
    """pip's arguments for the planning dry-run: wheels only unless building was allowed
    (local paths and editables, the user's own code, are still built by pip)."""
    if allow_build:
        return list(pip_args)
    return [*pip_args, "--only-binary", ":all:"]


class Driver:
    """The running driver process for one ``pipwarden install``."""

    def __init__(self, python: str, pip_args: Sequence[str]):
        from pipwarden.install.snapshot import SNAPSHOT_CODE

        self.python = python
        self._tmp = tempfile.TemporaryDirectory(prefix="pipwarden-driver-")
        self.dir = Path(self._tmp.name)
        self.report = self.dir / "report.json"
        self.snapshot_file = self.dir / "snapshot.json"
        self.log = self.dir / "pip.log"
        read_fd, write_fd = os.pipe()
        self._log_handle = self.log.open("w", encoding="utf-8")
        try:
            self.proc = subprocess.Popen(
                [
                    python,
                    "-c",
                    SAFE_PATH + SNAPSHOT_CODE + _DRIVER,
                    str(write_fd),
                    str(self.report),
                    str(self.snapshot_file),
                    json.dumps(list(pip_args)),
                ],
                stdin=subprocess.PIPE,
                stdout=self._log_handle,
                stderr=subprocess.STDOUT,
                pass_fds=(write_fd,),
                text=True,
            )
        except OSError as exc:
            os.close(read_fd)
            os.close(write_fd)
            self._log_handle.close()
            self._tmp.cleanup()
            raise InstallError(
                f"cannot run the target interpreter: {exc}", location=python
            ) from None
        os.close(write_fd)
        self._messages: IO[str] = os.fdopen(read_fd, "r")
        self.finished = False
        self._planned = False

    @classmethod
    def start(cls, python: str | None, pip_args: Sequence[str]) -> Driver:
        return cls(resolve_python(python), pip_args)

    def _expect(self, word: str) -> str:
        line = self._messages.readline()
        if not line:
            self.proc.wait()
            raise InstallError(
                f"the target interpreter stopped before '{word}':\n{self.output_tail()}",
                location=self.python,
            )
        head, _, rest = line.strip().partition(" ")
        if head == "planned":
            self._planned = True
        if head != word:
            raise InstallError(f"unexpected message from the driver: {line.strip()!r}")
        return rest

    def snapshot(self) -> dict[str, Any]:
        self._expect("snapshot")
        data: dict[str, Any] = json.loads(self.snapshot_file.read_text(encoding="utf-8"))
        return data

    def plan(self) -> tuple[int, Any]:
        """pip's exit code for the dry-run and its report (None when it failed)."""
        code = int(self._expect("planned") or 0)
        if code != 0:
            return code, None
        try:
            return 0, json.loads(self.report.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InstallError(f"pip wrote no readable report: {exc}") from None

    def install(self, args: Sequence[str]) -> tuple[bool, str]:
        """Run ``pip ARGS`` in the driver; returns (success, pip's output of that run)."""
        assert self.proc.stdin is not None  # noqa: S101 - Popen(stdin=PIPE)
        self.proc.stdin.write(json.dumps({"args": list(args)}) + "\n")
        self.proc.stdin.flush()
        self.proc.stdin.close()
        try:
            code = int(self._expect("installed") or 0)
        except InstallError as exc:
            self.proc.wait()
            self.finished = True
            return False, exc.message
        self.proc.wait()
        self.finished = True
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return code == 0, text.split("\n--- install ---\n", 1)[-1]

    def output_tail(self, lines: int = 8) -> str:
        self._log_handle.flush()
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        kept = [line for line in text.splitlines() if line.strip()]
        return "\n".join(kept[-lines:])

    def close(self) -> None:
        """Abort (if still waiting) and clean up; safe to call twice."""
        if self._messages.closed:
            return
        if not self.finished and not self._planned:
            self.proc.terminate()  # still planning: a dry-run changes nothing
        if not self.finished:
            try:
                if self.proc.stdin is not None and not self.proc.stdin.closed:
                    self.proc.stdin.write("\n")
                    self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.finished = True
        self._messages.close()
        self._log_handle.close()
        self._tmp.cleanup()
