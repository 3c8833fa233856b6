"""Install exactly the planned set: pinned versions, the plan's sha256 hashes, no resolution.

pip runs in hash-checking mode (``--require-hashes --no-deps``) over a requirements file of
``name==version --hash=sha256:...`` lines, from the private wheelhouse the plan was inspected
in (``--no-index``). Only when the plan holds sdists, whose build needs the index, are the
user's index options passed too. Local directories and VCS sources cannot be hashed; they are
installed by a second pip call, after the hashed set.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipwarden.install.plan import PipArgs, PlannedItem, requirement_file_sources, run_pip

# Options that choose where packages come from; replaced by the wheelhouse when possible.
_SOURCE_OPTIONS = {
    "--index-url": True,
    "--extra-index-url": True,
    "--find-links": True,
    "--trusted-host": True,
    "--no-index": False,
    "--pre": False,
    "--prefer-binary": False,
    "--no-binary": True,
    "--only-binary": True,
}


@dataclass(frozen=True)
class ApplyResult:
    ok: bool
    output: str  # pip's output (stdout + stderr), for messages
    command: tuple[str, ...] = ()


def _without_sources(options: Sequence[str]) -> list[str]:
    out: list[str] = []
    skip = False
    for option in options:
        if skip:
            skip = False
            continue
        if option in _SOURCE_OPTIONS:
            skip = _SOURCE_OPTIONS[option]
            continue
        out.append(option)
    return out


def requirement_line(item: PlannedItem) -> str:
    if item.is_direct:
        return f"{item.name} @ {item.url} --hash=sha256:{item.sha256}"
    return f"{item.name}=={item.version} --hash=sha256:{item.sha256}"


def unhashed_line(item: PlannedItem) -> list[str]:
    if item.kind == "editable":
        from urllib.parse import urlsplit
        from urllib.request import url2pathname

        return ["-e", url2pathname(urlsplit(item.url).path)]
    if item.kind == "vcs" and item.vcs_spec:
        return [f"{item.name} @ {item.vcs_spec}"]
    return [f"{item.name} @ {item.url}"]


def base_args(
    items: Sequence[PlannedItem], wheelhouse: Path, pip_args: PipArgs, *, verbose: bool = False
) -> list[str]:
    """``install`` and the options for installing exactly ``items``."""
    needs_index = any(i.kind == "sdist" for i in items) or any(not i.hashable for i in items)
    if needs_index:
        options = [
            *pip_args.install_options,
            *requirement_file_sources(pip_args.requirement_files),
            "--find-links",
            str(wheelhouse),
        ]
    else:
        options = [*_without_sources(pip_args.install_options), "--no-index"]
        options += ["--find-links", str(wheelhouse)]
    base = ["install", "--no-deps", "--no-input", *options]
    if not verbose:
        base.append("--quiet")
    return base


def hashed_args(
    items: Sequence[PlannedItem],
    wheelhouse: Path,
    pip_args: PipArgs,
    requirements: Path,
    *,
    verbose: bool = False,
) -> list[str]:
    """pip arguments installing the hashable ``items`` in hash-checking mode (writes the
    requirements file)."""
    hashed = [i for i in items if i.hashable]
    requirements.write_text("\n".join(requirement_line(i) for i in hashed) + "\n", encoding="utf-8")
    base = base_args(items, wheelhouse, pip_args, verbose=verbose)
    return [*base, "--require-hashes", "-r", str(requirements)]


def install_items(
    python: str,
    items: Sequence[PlannedItem],
    wheelhouse: Path,
    pip_args: PipArgs,
    *,
    verbose: bool = False,
) -> ApplyResult:
    """Run pip over exactly ``items``; never raises for a pip failure (``ok`` is False)."""
    hashed = [i for i in items if i.hashable]
    other = [i for i in items if not i.hashable]
    outputs: list[str] = []
    command: tuple[str, ...] = ()
    with tempfile.TemporaryDirectory(prefix="pipwarden-req-") as tmp:
        if hashed:
            args = hashed_args(
                items, wheelhouse, pip_args, Path(tmp) / "planned.txt", verbose=verbose
            )
            command = ("pip", *args)
            proc = run_pip(python, args, quiet_output=True)
            outputs.append(_output(proc, verbose))
            if proc.returncode != 0:
                return ApplyResult(False, "\n".join(outputs), command)
        if other:
            base = base_args(items, wheelhouse, pip_args, verbose=verbose)
            args = [*base, *[part for i in other for part in unhashed_line(i)]]
            command = ("pip", *args)
            proc = run_pip(python, args, quiet_output=True)
            outputs.append(_output(proc, verbose))
            if proc.returncode != 0:
                return ApplyResult(False, "\n".join(outputs), command)
    return ApplyResult(True, "\n".join(o for o in outputs if o), command)


def _output(proc: subprocess.CompletedProcess[str], verbose: bool) -> str:
    text = ((proc.stdout or "") + (proc.stderr or "")).strip()
    if verbose and text:
        print(text)
    return text
