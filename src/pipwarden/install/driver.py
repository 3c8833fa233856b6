"""One pip process per install: plan, snapshot, check, then (if allowed) install.

A small driver script runs in the target interpreter and runs pip's own ``install`` command
with ``--report``, gated: pip resolves, writes its report and downloads the files, and then,
before it builds or installs anything, the driver snapshots the environment, reports back on a
private pipe and waits on its stdin for pipwarden's decision. Nothing (or an empty line) aborts
the run; an approval names every checked archive with its sha256, and the driver lets pip go on
only if pip's install set is exactly that set and every archive pip is about to install hashes
to what pipwarden inspected. pipwarden reads the very files pip downloaded (no second download)
and pip resolves once, as plain ``pip install`` does.

A pip whose internals lack the two names the gate needs (``InstallationReport`` and the install
command's ``build``, both there since pip 22.2) gets the older protocol: a ``--dry-run
--report`` plan, then a second, hash-checked ``pip install --require-hashes --no-deps
--no-index`` run of the checked copies in the same process. Either way one interpreter start and
one pip import serve the whole install; the driver is started before pipwarden imports its
checks, so both start-ups overlap.

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

# Runs inside the target interpreter; defines _pipwarden_snapshot() -> dict (JSON-able).
SNAPSHOT_CODE = r"""
def _pipwarden_snapshot():
    import importlib.metadata as md, os, re, sys, sysconfig
    def text(d, name):
        try:
            return d.read_text(name)
        except Exception:
            return None
    path = [p for p in sys.path if p not in ("", os.getcwd())]
    dists, seen = [], set()
    for d in md.distributions(path=path):
        try:
            name = d.metadata["Name"]
        except Exception:
            name = None
        if not name:
            continue
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            continue
        seen.add(key)
        where = getattr(d, "_path", None)
        dists.append({
            "name": name, "version": d.version, "key": key,
            "info_dir": str(where) if where is not None else None,
            "installer": text(d, "INSTALLER"),
            "requested": text(d, "REQUESTED"),
            "direct_url": text(d, "direct_url.json"),
            "record": text(d, "RECORD"),
        })
    return {
        "executable": sys.executable,
        "prefix": os.path.realpath(sys.prefix),
        "version": "%d.%d.%d" % sys.version_info[:3],
        "paths": sysconfig.get_paths(),
        "dists": dists,
    }
"""

_DRIVER = r"""
import hashlib, json, os, re, sys
messages = os.fdopen(int(sys.argv[1]), "w", buffering=1)
report, snapshot_file, pip_args = sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
files_file, mode = sys.argv[5], sys.argv[6]
try:
    from pip._internal.cli.main import main as pip_main
except Exception as exc:
    sys.stderr.write("cannot import pip: %s\n" % (exc,))
    messages.write("planned 2\n")
    sys.exit(2)
os.environ["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
os.environ["PIP_NO_INPUT"] = "1"
gated = []
if mode == "install":
    # Gate pip's own install run between resolution (the report is written, the files are
    # downloaded) and the first build or install step. Any pip without these names falls
    # back to a dry-run followed by a second, hash-checked run.
    try:
        import pip._internal.commands.install as _command
        from pip._internal.exceptions import InstallationError as _Refused
        from pip._internal.models.installation_report import InstallationReport as _Report
        _build = _command.build
        _report_init = _Report.__init__
    except Exception:
        mode = "plan"
if mode == "install":
    planned_reqs = []

    def _capture(self, install_requirements, *args, **kwargs):
        planned_reqs[:] = list(install_requirements)
        _report_init(self, install_requirements, *args, **kwargs)

    def _key(name):
        return re.sub(r"[-_.]+", "-", name).lower()

    def _sha256(path):
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()

    def _gate(*args, **kwargs):
        if gated:  # approved already: any later build call of the same run goes through
            return _build(*args, **kwargs)
        gated.append(True)
        local = {}
        for req in planned_reqs:
            path = getattr(req, "local_file_path", None)
            if req.name and path and os.path.isfile(path):
                local[_key(req.name)] = path
        with open(files_file, "w", encoding="utf-8") as handle:
            json.dump(local, handle)
        messages.write("planned 0 gated\n")
        with open(snapshot_file, "w", encoding="utf-8") as handle:
            json.dump(_pipwarden_snapshot(), handle)
        messages.write("snapshot\n")
        line = sys.stdin.readline()
        if not line.strip():
            raise _Refused("pipwarden: the install was not approved; nothing was changed")
        approved = json.loads(line)["approve"]
        names = sorted(_key(req.name or "") for req in planned_reqs)
        if names != sorted(approved):
            raise _Refused("pipwarden: pip's install set changed after the check")
        for req in planned_reqs:
            expected = approved[_key(req.name)]
            if expected is None:
                continue
            path = local.get(_key(req.name))
            if path is None or os.path.basename(path) != expected["file"]:
                if expected["kind"] == "sdist":
                    continue  # pip reuses its own earlier build of this sdist (--allow-build)
                raise _Refused("pipwarden: %s is not the file that was checked" % (req.name,))
            if _sha256(path) != expected["sha256"]:
                raise _Refused("pipwarden: %s changed after it was checked" % (path,))
        sys.stdout.write("\n--- install ---\n")
        sys.stdout.flush()
        return _build(*args, **kwargs)

    _Report.__init__ = _capture
    _command.build = _gate
    code = pip_main(["install", "--report", report] + pip_args)
    if gated:
        messages.write("installed %d\n" % (code or 0,))
    else:
        messages.write("planned %d\n" % (code or 1,))
    sys.exit(code)
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


# False: always use the dry-run protocol (what a pip without the gate's names gets; tests).
GATED = True


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


def start_install(
    python: str | None, pip_args: Sequence[str], *, allow_build: bool, dry_run: bool
) -> Driver:
    """Refuse the pip options the journal cannot follow, then start the driver: pip's gated
    install run (a planning dry-run with ``dry_run``), wheels only unless ``allow_build``."""
    from pipwarden.install import pipargs

    pipargs.check(pip_args)
    return Driver.start(python, planning_args(pip_args, allow_build), install=not dry_run)


class Driver:
    """The running driver process for one ``pipwarden install``."""

    def __init__(self, python: str, pip_args: Sequence[str], *, install: bool = True):
        self.python = python
        self._tmp = tempfile.TemporaryDirectory(prefix="pipwarden-driver-")
        self.dir = Path(self._tmp.name)
        self.report = self.dir / "report.json"
        self.snapshot_file = self.dir / "snapshot.json"
        self.files_file = self.dir / "files.json"
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
                    str(self.files_file),
                    "install" if install and GATED else "plan",
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
        self.gated = False  # pip's own install run waits at the gate (see approve)
        self.local_files: dict[str, str] = {}  # canonical name -> the archive pip will install

    @classmethod
    def start(cls, python: str | None, pip_args: Sequence[str], *, install: bool = True) -> Driver:
        """``install``: run pip's real install, gated after resolution (False: a dry-run)."""
        return cls(resolve_python(python), pip_args, install=install)

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
        code_text, _, mode = self._expect("planned").partition(" ")
        code = int(code_text or 0)
        if code != 0:
            return code, None
        if mode == "gated":
            self.gated = True
            try:
                files = json.loads(self.files_file.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise InstallError(f"the driver wrote no readable file list: {exc}") from None
            self.local_files = {str(k): str(v) for k, v in files.items()}
        try:
            return 0, json.loads(self.report.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InstallError(f"pip wrote no readable report: {exc}") from None

    def approve(self, expected: dict[str, dict[str, str] | None]) -> tuple[bool, str]:
        """Let the gated pip run go on. ``expected``: canonical name -> the checked archive's
        ``file``, ``sha256`` and ``kind`` (None for a local directory or VCS checkout); the
        driver refuses unless pip's set and files are exactly these."""
        return self._send({"approve": expected})

    def install(self, args: Sequence[str]) -> tuple[bool, str]:
        """Run ``pip ARGS`` in the driver after a dry-run plan; returns (success, output)."""
        return self._send({"args": list(args)})

    def _send(self, message: dict[str, Any]) -> tuple[bool, str]:
        assert self.proc.stdin is not None  # noqa: S101 - Popen(stdin=PIPE)
        self.proc.stdin.write(json.dumps(message) + "\n")
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
