"""Record every distribution of an environment, from inside its own interpreter.

A short script runs in the target interpreter with :mod:`importlib.metadata` and prints JSON:
name, version, installer, ``direct_url.json``, ``REQUESTED`` and the RECORD text (paths and
hashes) of every distribution, plus the interpreter's prefix and install scheme paths. No
package code is imported: only metadata files are read.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipwarden.errors import InstallError
from pipwarden.install.driver import SNAPSHOT_CODE
from pipwarden.names import canonicalize_name

_SCRIPT = SNAPSHOT_CODE + "\nimport json\nprint(json.dumps(_pipwarden_snapshot()))\n"

SNAPSHOT_TIMEOUT = 120


@dataclass(frozen=True)
class RecordEntry:
    path: str  # as written in RECORD, relative to the distribution's location
    hash: str  # "sha256=<urlsafe b64>" or ""
    size: str


@dataclass(frozen=True)
class DistState:
    """One installed distribution as it was when the snapshot was taken."""

    name: str
    key: str  # canonical name
    version: str
    info_dir: str | None
    installer: str | None = None  # the text of INSTALLER
    requested: str | None = None  # the text of REQUESTED (None: no such file)
    direct_url: str | None = None  # the text of direct_url.json
    record: str | None = None  # the text of RECORD

    @property
    def location(self) -> Path | None:
        return Path(self.info_dir).parent if self.info_dir else None

    def entries(self) -> tuple[RecordEntry, ...]:
        if not self.record:
            return ()
        rows = csv.reader(io.StringIO(self.record))
        return tuple(
            RecordEntry(row[0], row[1] if len(row) > 1 else "", row[2] if len(row) > 2 else "")
            for row in rows
            if row
        )

    def files(self) -> tuple[Path, ...]:
        """Absolute paths of the RECORD entries."""
        base = self.location
        if base is None:
            return ()
        return tuple(Path(os.path.normpath(base / e.path)) for e in self.entries())

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "key": self.key,
            "version": self.version,
            "info_dir": self.info_dir,
            "installer": self.installer,
            "requested": self.requested,
            "direct_url": self.direct_url,
            "record": self.record,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DistState:
        return cls(
            name=str(data["name"]),
            key=str(data.get("key") or canonicalize_name(str(data["name"]))),
            version=str(data["version"]),
            info_dir=data.get("info_dir"),
            installer=data.get("installer"),
            requested=data.get("requested"),
            direct_url=data.get("direct_url"),
            record=data.get("record"),
        )


@dataclass(frozen=True)
class Snapshot:
    executable: str
    prefix: str
    python_version: str
    paths: dict[str, str] = field(hash=False, compare=False)
    dists: dict[str, DistState] = field(hash=False, compare=False)  # canonical name -> state

    def versions(self) -> dict[str, str]:
        return {key: d.version for key, d in self.dists.items()}

    def owners(self) -> dict[str, str]:
        """Absolute file path -> canonical name of the distribution that installed it."""
        out: dict[str, str] = {}
        for key, dist in self.dists.items():
            for path in dist.files():
                out[str(path)] = key
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "executable": self.executable,
            "prefix": self.prefix,
            "version": self.python_version,
            "paths": self.paths,
            "dists": [d.to_json() for d in self.dists.values()],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Snapshot:
        dists = [DistState.from_json(d) for d in data.get("dists", [])]
        return cls(
            executable=str(data["executable"]),
            prefix=str(data["prefix"]),
            python_version=str(data.get("version", "")),
            paths={str(k): str(v) for k, v in dict(data.get("paths", {})).items()},
            dists={d.key: d for d in dists},
        )


def last_line(text: str) -> str:
    """The last non-empty line of an interpreter's output: what the script printed, after
    anything the environment's start-up (a ``.pth``, ``sitecustomize``) printed first."""
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def interpreter_key(prefix: str) -> str:
    """The journal key of an environment: a hash of its resolved ``sys.prefix``."""
    return hashlib.sha256(os.path.realpath(prefix).encode()).hexdigest()[:16]


def prefix_of(python: str) -> str:
    """The resolved ``sys.prefix`` of an interpreter (cheap: no metadata read)."""
    code = "import os, sys; print(os.path.realpath(sys.prefix))"
    try:
        proc = subprocess.run(
            [python, "-c", code], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InstallError(f"cannot run the target interpreter: {exc}", location=python) from None
    if proc.returncode != 0:
        raise InstallError("cannot run the target interpreter", location=python)
    return last_line(proc.stdout).strip()


def take(python: str) -> Snapshot:
    """Snapshot the environment of ``python`` (run in that interpreter)."""
    with tempfile.TemporaryDirectory(prefix="pipwarden-snap-") as empty:
        try:
            proc = subprocess.run(
                [python, "-c", _SCRIPT],
                capture_output=True,
                text=True,
                cwd=empty,
                timeout=SNAPSHOT_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise InstallError(
                f"cannot run the target interpreter: {exc}",
                location=python,
                hint="pass an existing interpreter with --python",
            ) from None
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1:] or ["no output"]
        raise InstallError(f"cannot read the environment: {tail[0]}", location=python)
    try:
        data = json.loads(last_line(proc.stdout))
    except json.JSONDecodeError:
        raise InstallError("the environment snapshot was not valid JSON", location=python) from None
    return Snapshot.from_json(data)


def record_hash(path: Path) -> str:
    """The RECORD-style hash (``sha256=<urlsafe b64, no padding>``) of a file."""
    import base64

    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return "sha256=" + base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()
