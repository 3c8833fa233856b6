"""Put an environment back to a journaled snapshot, from the journal's wheels only.

Steps: uninstall what the snapshot did not have; reinstall the snapshot's versions of every
other changed distribution from the kept wheels (``--no-index``, hash-pinned, ``--no-compile``
so the kept compiled files land byte-identical); restore the installer-written metadata
(INSTALLER, REQUESTED, direct_url.json, RECORD) and the source files' modification times; then
take a new snapshot and compare it with the target, file hashes included.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pipwarden.errors import RollbackError
from pipwarden.install import snapshot as snap
from pipwarden.install.journal import Change, Journal, SavedWheel, read_mtimes
from pipwarden.install.plan import run_pip


@dataclass(frozen=True)
class RestoreResult:
    changes: tuple[Change, ...]
    differences: tuple[str, ...]  # what still differs from the target after the restore
    after: snap.Snapshot


def plan_restore(
    current: snap.Snapshot, target: snap.Snapshot, touched: Iterable[str] = ()
) -> tuple[list[str], list[str]]:
    """(keys to uninstall, keys to reinstall at the target's version)."""
    touched = set(touched)
    remove = sorted(k for k in current.dists if k not in target.dists)
    restore = []
    for key, dist in sorted(target.dists.items()):
        now = current.dists.get(key)
        if (
            now is None
            or now.version != dist.version
            or (key in touched and (not _same_metadata(now, dist) or not _files_intact(now)))
        ):
            restore.append(key)
    return remove, restore


def _files_intact(dist: snap.DistState) -> bool:
    """Every file of ``dist`` with a RECORD hash is there and still has that hash (another
    distribution may have overwritten some)."""
    if dist.location is None:
        return True
    for entry in dist.entries():
        if not entry.hash:
            continue
        try:
            if snap.record_hash(Path(os.path.normpath(dist.location / entry.path))) != entry.hash:
                return False
        except OSError:
            return False
    return True


def _same_metadata(a: snap.DistState, b: snap.DistState) -> bool:
    return (a.installer, a.requested, a.direct_url, a.record) == (
        b.installer,
        b.requested,
        b.direct_url,
        b.record,
    )


def manual_steps(python: str, remove: list[str], wheels: list[tuple[str, Path]]) -> str:
    lines = []
    if remove:
        lines.append(f"{python} -m pip uninstall -y {' '.join(remove)}")
    if wheels:
        files = " ".join(str(p) for _, p in wheels)
        lines.append(f"{python} -m pip install --no-deps --force-reinstall --no-index {files}")
    return "\n  ".join(lines) or "(nothing)"


def restore(
    python: str,
    journal: Journal,
    target: snap.Snapshot,
    *,
    prefer: int | None = None,
    touched: Iterable[str] = (),
    current: snap.Snapshot | None = None,
) -> RestoreResult:
    """Make the environment of ``python`` match ``target``; raise RollbackError if pip fails."""
    current = current or snap.take(python)
    remove, restore_keys = plan_restore(current, target, touched)
    wheels: list[tuple[str, SavedWheel]] = []
    missing: list[str] = []
    for key in restore_keys:
        dist = target.dists[key]
        found = journal.find_wheel(key, dist.version, prefer)
        if found is None:
            missing.append(f"{dist.name}=={dist.version}")
        else:
            wheels.append((key, found))
    wheel_paths = [(key, journal.root / w.file) for key, w in wheels]
    if missing:
        raise RollbackError(
            f"no kept wheel for {', '.join(missing)}; nothing was changed",
            hint="reinstall them from your index: pip install --no-deps " + " ".join(missing),
        )
    if remove:
        names = [current.dists[k].name for k in remove]
        proc = run_pip(python, ["uninstall", "-y", "--quiet", *names])
        if proc.returncode != 0:
            raise RollbackError(
                "pip could not uninstall: " + _tail(proc.stdout, proc.stderr),
                hint="finish by hand:\n  " + manual_steps(python, names, wheel_paths),
            )
    if wheels:
        with tempfile.TemporaryDirectory(prefix="pipwarden-restore-") as tmp:
            lines = []
            for key, saved in wheels:
                source = journal.root / saved.file
                shutil.copyfile(source, Path(tmp) / source.name)
                lines.append(
                    f"{target.dists[key].name}=={saved.version} --hash=sha256:{saved.sha256}"
                )
            req = Path(tmp) / "restore.txt"
            req.write_text("\n".join(lines) + "\n", encoding="utf-8")
            proc = run_pip(
                python,
                [
                    "install",
                    "--no-index",
                    "--find-links",
                    tmp,
                    "--no-deps",
                    "--force-reinstall",
                    "--no-compile",
                    "--require-hashes",
                    "--quiet",
                    "--no-input",
                    "-r",
                    str(req),
                ],
            )
        if proc.returncode != 0:
            raise RollbackError(
                "pip could not reinstall the previous versions: " + _tail(proc.stdout, proc.stderr),
                hint="finish by hand:\n  " + manual_steps(python, [], wheel_paths),
            )
        for key, path in wheel_paths:
            _restore_metadata(target.dists[key], read_mtimes(path), target)
    after = snap.take(python)
    changes = tuple(
        [Change(current.dists[k].name, current.dists[k].version, None) for k in remove]
        + [
            Change(
                target.dists[k].name,
                current.dists[k].version if k in current.dists else None,
                target.dists[k].version,
            )
            for k in restore_keys
        ]
    )
    return RestoreResult(changes, tuple(compare(after, target, [*restore_keys, *touched])), after)


def _write_or_remove(path: Path, text: str | None) -> None:
    if text is None:
        path.unlink(missing_ok=True)
        return
    tmp = path.with_name(f".{path.name}.pipwarden-tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _restore_metadata(dist: snap.DistState, mtimes: dict[str, int], target: snap.Snapshot) -> None:
    """Installer-written files and modification times, as they were in the snapshot."""
    if not dist.info_dir:
        return
    info = Path(dist.info_dir)
    if not info.is_dir():
        return
    location = info.parent
    for name, ns in mtimes.items():
        path = location / name
        if ".data/" not in name and path.is_file():
            os.utime(path, ns=(ns, ns))
    _write_or_remove(info / "INSTALLER", dist.installer)
    _write_or_remove(info / "REQUESTED", dist.requested)
    _write_or_remove(info / "direct_url.json", dist.direct_url)
    if dist.record is not None:
        _write_or_remove(info / "RECORD", dist.record)


def compare(after: snap.Snapshot, target: snap.Snapshot, check_files: Iterable[str]) -> list[str]:
    """Differences between the environment and the target: presence and version of every
    distribution; RECORD, installer metadata and file hashes of the ``check_files`` ones (the
    distributions the rollback put back or the transactions touched)."""
    out: list[str] = []
    check_files = sorted(set(check_files))
    for key in sorted(set(after.dists) | set(target.dists)):
        a, t = after.dists.get(key), target.dists.get(key)
        if t is None and a is not None:
            out.append(f"{a.name} {a.version} is installed but was not before")
        elif a is None and t is not None:
            out.append(f"{t.name} {t.version} is missing")
        elif a is not None and t is not None:
            if a.version != t.version:
                out.append(f"{t.name}: {a.version} installed, expected {t.version}")
            elif key not in check_files:
                continue
            elif a.record != t.record:
                out.append(f"{t.name}: RECORD differs from the journal")
            elif a.direct_url != t.direct_url or a.requested != t.requested:
                out.append(f"{t.name}: installer metadata differs from the journal")
    for key in check_files:
        dist = after.dists.get(key)
        if dist is None or dist.location is None:
            continue
        for entry in dist.entries():
            if not entry.hash:
                continue
            path = Path(os.path.normpath(dist.location / entry.path))
            try:
                actual = snap.record_hash(path)
            except OSError:
                out.append(f"{dist.name}: {entry.path} is missing")
                continue
            if actual != entry.hash:
                out.append(f"{dist.name}: {entry.path} differs from its RECORD hash")
    # Every other distribution: its files must still exist (another package may have
    # overwritten them and taken them along when it was uninstalled). Bytecode is optional.
    for key in sorted(set(after.dists) - set(check_files)):
        dist = after.dists[key]
        if dist.location is None:
            continue
        for entry in dist.entries():
            if not entry.hash or entry.path.endswith(".pyc"):
                continue
            if not os.path.lexists(os.path.normpath(dist.location / entry.path)):
                out.append(f"{dist.name}: {entry.path} is missing")
    return out


def _tail(stdout: str | None, stderr: str | None) -> str:
    text = ((stdout or "") + (stderr or "")).strip().splitlines()
    return " | ".join(text[-3:]) or "no output"
