"""Numbered install transactions under ``PIPWARDEN_HOME/journal/<interpreter key>/``.

Each transaction directory holds ``transaction.json`` (what was asked and what changed),
``before.json`` (the snapshot of the environment before the change) and ``wheels/``: the
distributions that the change replaces, rebuilt from their installed files (every RECORD
entry, compiled files included, plus the source files' modification times) so that a rollback
needs no index. Every file is written atomically (temporary file + rename); transaction ids are
allocated with an exclusive ``mkdir`` under a lock.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import datetime
import hashlib
import io
import json
import os
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from pipwarden.errors import InstallError
from pipwarden.install.snapshot import DistState, Snapshot, interpreter_key
from pipwarden.settings import home

INSTALLER_FILES = ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json")


@dataclass(frozen=True)
class Change:
    name: str
    before: str | None  # version before, None: not installed
    after: str | None  # version after, None: removed

    @property
    def kind(self) -> str:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        if self.before == self.after:
            return "reinstalled"
        from packaging.version import InvalidVersion, Version

        try:
            return "upgraded" if Version(self.after) > Version(self.before) else "downgraded"
        except InvalidVersion:
            return "upgraded"


@dataclass(frozen=True)
class SavedWheel:
    name: str  # canonical
    version: str
    file: str  # relative to the journal root
    sha256: str


@dataclass(frozen=True)
class Transaction:
    id: int
    time: str
    command: str
    kind: str  # install, rollback, fix
    python: str
    prefix: str
    status: str  # started, applied, failed, rolled-back, rollback-failed
    changes: tuple[Change, ...] = ()
    wheels: tuple[SavedWheel, ...] = ()
    notes: tuple[str, ...] = ()
    rollback_of: int | None = None
    rolled_back_by: int | None = None
    # unchanged distributions whose files the transaction's wheels overwrote (kept as wheels,
    # restored by a rollback when their files no longer match their RECORD)
    overwritten: tuple[str, ...] = ()

    def describe(self, most: int | None = None) -> str:
        """``added: a 1.0, b 2.0; upgraded: c 1.0 -> 1.1``; with ``most``, each list is cut
        after that many entries (``… +17 more``)."""
        groups: dict[str, list[str]] = {}
        for c in self.changes:
            text = {
                "added": f"{c.name} {c.after}",
                "removed": f"{c.name} {c.before}",
            }.get(c.kind, f"{c.name} {c.before} -> {c.after}")
            groups.setdefault(c.kind, []).append(text)
        order = ("added", "upgraded", "downgraded", "reinstalled", "removed")
        parts = []
        for kind in (k for k in order if k in groups):
            items = groups[kind]
            shown = items if most is None or len(items) <= most else items[:most]
            more = f", … +{len(items) - len(shown)} more" if len(shown) < len(items) else ""
            parts.append(f"{kind} {len(items)}: {', '.join(shown)}{more}")
        return "; ".join(parts) or "no changes"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["changes"] = [asdict(c) for c in self.changes]
        data["wheels"] = [asdict(w) for w in self.wheels]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Transaction:
        return cls(
            id=int(data["id"]),
            time=str(data["time"]),
            command=str(data["command"]),
            kind=str(data.get("kind", "install")),
            python=str(data["python"]),
            prefix=str(data["prefix"]),
            status=str(data["status"]),
            changes=tuple(Change(**c) for c in data.get("changes", [])),
            wheels=tuple(SavedWheel(**w) for w in data.get("wheels", [])),
            notes=tuple(data.get("notes", [])),
            rollback_of=data.get("rollback_of"),
            rolled_back_by=data.get("rolled_back_by"),
            overwritten=tuple(str(k) for k in data.get("overwritten", [])),
        )


def atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InstallError(
            f"cannot write the journal: {exc.strerror}", location=str(path)
        ) from None


class Journal:
    """The transactions of one environment."""

    def __init__(self, root: Path):
        self.root = root

    @classmethod
    def for_prefix(cls, prefix: str, base: Path | None = None) -> Journal:
        return cls((base or home()) / "journal" / interpreter_key(prefix))

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Serialise pipwarden processes changing the same environment."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            handle = (self.root / "lock").open("a")
        except OSError as exc:
            raise InstallError(
                f"cannot use the journal: {exc.strerror}",
                location=str(self.root),
                hint="PIPWARDEN_HOME must be a writable directory",
            ) from None
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            with handle:
                yield
            return
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise InstallError(
                    "another pipwarden process is changing this environment",
                    location=str(self.root),
                    hint="wait for it to finish",
                ) from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def ids(self) -> list[int]:
        if not self.root.is_dir():
            return []
        out = []
        for child in self.root.iterdir():
            if child.is_dir() and child.name.isdigit() and (child / "transaction.json").is_file():
                out.append(int(child.name))
        return sorted(out)

    def path(self, ident: int) -> Path:
        return self.root / str(ident)

    def begin(
        self,
        *,
        command: str,
        kind: str,
        before: Snapshot,
        python: str,
        rollback_of: int | None = None,
    ) -> Transaction:
        self.root.mkdir(parents=True, exist_ok=True)
        atomic_write(
            self.root / "interpreter.json",
            json.dumps({"prefix": before.prefix, "executable": before.executable}, indent=1),
        )
        existing = [int(c.name) for c in self.root.iterdir() if c.name.isdigit()]
        ident = max(existing, default=0) + 1
        while True:
            try:
                self.path(ident).mkdir()
                break
            except FileExistsError:
                ident += 1
        atomic_write(self.path(ident) / "before.json", json.dumps(before.to_json()))
        tx = Transaction(
            id=ident,
            time=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            command=command,
            kind=kind,
            python=python,
            prefix=before.prefix,
            status="started",
            rollback_of=rollback_of,
        )
        self.save(tx)
        return tx

    def save(self, tx: Transaction) -> None:
        atomic_write(self.path(tx.id) / "transaction.json", json.dumps(tx.to_json(), indent=1))

    def load(self, ident: int) -> Transaction:
        path = self.path(ident) / "transaction.json"
        try:
            return Transaction.from_json(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise InstallError(
                f"no transaction {ident} for this environment", hint="see pipwarden history"
            ) from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InstallError(f"unreadable transaction: {exc}", location=str(path)) from None

    def before(self, ident: int) -> Snapshot:
        path = self.path(ident) / "before.json"
        try:
            return Snapshot.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InstallError(f"unreadable snapshot: {exc}", location=str(path)) from None

    def transactions(self) -> list[Transaction]:
        return [self.load(i) for i in self.ids()]

    def keep_wheels(
        self, tx: Transaction, snapshot: Snapshot, keys: Sequence[str]
    ) -> tuple[Transaction, list[str]]:
        """Rebuild the installed distributions ``keys`` into the transaction's ``wheels/``.

        Returns the updated transaction and a note for each distribution that could not be kept.
        """
        saved = list(tx.wheels)
        notes: list[str] = []
        target = self.path(tx.id) / "wheels"
        for key in keys:
            dist = snapshot.dists.get(key)
            if dist is None:
                continue
            try:
                wheel = rebuild_wheel(dist, snapshot, target)
            except InstallError as exc:
                notes.append(f"{dist.name} {dist.version}: not kept for rollback ({exc.message})")
                continue
            digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
            rel = str(wheel.relative_to(self.root))
            saved.append(SavedWheel(key, dist.version, rel, digest))
        tx = replace(tx, wheels=tuple(saved), notes=tx.notes + tuple(notes))
        self.save(tx)
        return tx, notes

    def find_wheel(self, key: str, version: str, prefer: int | None = None) -> SavedWheel | None:
        """A kept wheel of ``key`` at ``version``, from transaction ``prefer`` first."""
        order = self.ids()
        if prefer is not None and prefer in order:
            order.remove(prefer)
            order.insert(0, prefer)
        for ident in order:
            with contextlib.suppress(InstallError):
                for wheel in self.load(ident).wheels:
                    found = wheel.name == key and wheel.version == version
                    if found and (self.root / wheel.file).is_file():
                        return wheel
        return None


# --- rebuilding a wheel from installed files ---------------------------------------------------


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _inside(path: str, parent: str) -> str | None:
    parent = os.path.normpath(parent)
    try:
        if os.path.commonpath([path, parent]) != parent:
            return None
    except ValueError:
        return None
    return os.path.relpath(path, parent).replace(os.sep, "/")


def _script_names(info_dir: Path) -> set[str]:
    import configparser

    path = info_dir / "entry_points.txt"
    if not path.is_file():
        return set()
    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(path.read_text(encoding="utf-8"))
    except (configparser.Error, UnicodeDecodeError):
        return set()
    names: set[str] = set()
    for section in ("console_scripts", "gui_scripts"):
        if parser.has_section(section):
            names.update(parser.options(section))
    return names


def _wheel_tag(info_dir: Path) -> str:
    try:
        text = (info_dir / "WHEEL").read_text(encoding="utf-8")
    except OSError:
        raise InstallError(
            "no WHEEL file (not installed from a wheel)", location=str(info_dir)
        ) from None
    for line in text.splitlines():
        if line.lower().startswith("tag:"):
            return line.split(":", 1)[1].strip()
    return "py3-none-any"


def rebuild_wheel(dist: DistState, snapshot: Snapshot, target: Path) -> Path:
    """A wheel of an installed distribution, made from its RECORD-listed installed files.

    Compiled files are kept (a rollback installs with ``--no-compile``, so they land
    byte-identical) and the ``.py`` files' modification times are stored next to the wheel
    (``<wheel>.mtimes.json``) so they can be put back too, keeping the compiled files valid.
    """
    if not dist.info_dir or not dist.record:
        raise InstallError("no RECORD file", location=dist.name)
    info_dir = Path(dist.info_dir)
    location = os.path.normpath(info_dir.parent)
    info_name = info_dir.name
    data_name = info_name[: -len(".dist-info")] + ".data"
    paths = snapshot.paths
    scripts_dir = paths.get("scripts", "")
    prefix = paths.get("data", snapshot.prefix)
    generated = _script_names(info_dir)
    tag = _wheel_tag(info_dir)
    members: list[tuple[str, str]] = []  # (absolute path, archive name)
    for entry in dist.entries():
        absolute = os.path.normpath(os.path.join(location, entry.path))
        inner = _inside(absolute, location)
        if inner is not None and not inner.startswith("../"):
            top = inner.split("/", 1)[0]
            if top == info_name and inner.rsplit("/", 1)[-1] in INSTALLER_FILES:
                continue
            members.append((absolute, inner))
            continue
        script = _inside(absolute, scripts_dir) if scripts_dir else None
        if script is not None and not script.startswith("../"):
            if script in generated or script.rsplit(".", 1)[0] in generated:
                continue  # pip writes console-script wrappers itself
            members.append((absolute, f"{data_name}/scripts/{script}"))
            continue
        data = _inside(absolute, prefix)
        if data is not None and not data.startswith("../"):
            members.append((absolute, f"{data_name}/data/{data}"))
            continue
        raise InstallError(f"file outside the environment: {absolute}", location=dist.name)
    target.mkdir(parents=True, exist_ok=True)
    filename = f"{info_name[: -len('.dist-info')]}-{tag}.whl"
    final = target / filename
    tmp = target / f".{filename}.part"
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    mtimes: dict[str, int] = {}
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            for absolute, name in members:
                try:
                    info = zipfile.ZipInfo.from_file(absolute, name)
                    data_bytes = Path(absolute).read_bytes()
                    if absolute.endswith(".py"):
                        mtimes[name] = os.stat(absolute).st_mtime_ns
                except OSError as exc:
                    raise InstallError(
                        f"installed file missing or unreadable: {absolute} ({exc.strerror})",
                        location=dist.name,
                    ) from None
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data_bytes)
                writer.writerow([name, _record_hash(data_bytes), len(data_bytes)])
            writer.writerow([f"{info_name}/RECORD", "", ""])
            archive.writestr(f"{info_name}/RECORD", record.getvalue())
        atomic_write(mtimes_path(final), json.dumps(mtimes))
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return final


def mtimes_path(wheel: Path) -> Path:
    return wheel.with_name(wheel.name + ".mtimes.json")


def read_mtimes(wheel: Path) -> dict[str, int]:
    """The source modification times stored by :func:`rebuild_wheel` (archive name -> ns)."""
    try:
        data = json.loads(mtimes_path(wheel).read_text(encoding="utf-8"))
        return {str(k): int(v) for k, v in data.items()}
    except (OSError, ValueError, AttributeError):
        return {}
