"""Settings: defaults < ``[tool.pipwarden]`` in pyproject.toml / ``.pipwarden.toml`` < env < flags.

Each command gets one frozen settings value built by :mod:`pipwarden.cli`.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipwarden.constants import FAIL_ON_CHOICES as FAIL_ON_CHOICES  # re-exported
from pipwarden.constants import FORMATS as FORMATS
from pipwarden.errors import UsageError


def home() -> Path:
    """Where the store, cache and install journal live (``PIPWARDEN_HOME``)."""
    env = os.environ.get("PIPWARDEN_HOME")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("pipwarden", appauthor=False))


def store_path() -> Path:
    return home() / "advisories.sqlite"


def cache_path() -> Path:
    return home() / "cache.sqlite"



@dataclass(frozen=True)
class IgnoreRule:
    """One entry of an ignore list: ``id``, ``reason``, optional ``until`` and ``while-no-fix``."""

    id: str
    reason: str
    until: str | None = None  # ISO date
    while_no_fix: bool = False
    origin: str = "--ignore"


def load_project_config(start: Path) -> tuple[dict[str, Any], str | None]:
    """``[tool.pipwarden]`` from ``.pipwarden.toml`` or ``pyproject.toml`` in ``start``.

    Returns the table and the file it came from. A file that is not valid TOML is an error.
    """
    directory = start if start.is_dir() else start.parent
    for name in (".pipwarden.toml", "pyproject.toml"):
        path = directory / name
        if not path.is_file():
            continue
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - Python 3.10
            import tomli as tomllib
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise UsageError(f"invalid TOML: {exc}", location=str(path)) from None
        tool = data.get("tool", {})
        if not isinstance(tool, dict):  # `tool = "x"` is valid TOML
            raise UsageError("[tool] must be a table", location=str(path))
        if name == ".pipwarden.toml":
            table = tool.get("pipwarden", data)
        else:
            table = tool.get("pipwarden")
            if table is None:
                continue
        if not isinstance(table, dict):
            raise UsageError("[tool.pipwarden] must be a table", location=str(path))
        return table, str(path)
    return {}, None


def parse_ignores(table: dict[str, Any], origin: str) -> tuple[IgnoreRule, ...]:
    raw = table.get("ignore", [])
    if not isinstance(raw, list):
        raise UsageError("'ignore' must be a list of tables", location=f"{origin}: tool.pipwarden")
    rules: list[IgnoreRule] = []
    for index, entry in enumerate(raw):
        where = f"{origin}: tool.pipwarden.ignore[{index}]"
        if isinstance(entry, str):
            raise UsageError(f"entry {entry!r} needs a table with id and reason", location=where)
        if not isinstance(entry, dict):
            raise UsageError("each entry must be a table", location=where)
        ident = entry.get("id")
        reason = entry.get("reason")
        if not isinstance(ident, str) or not ident:
            raise UsageError("'id' is required", location=where)
        if not isinstance(reason, str) or not reason.strip():
            raise UsageError(f"'reason' is required for {ident}", location=where)
        until = entry.get("until")
        if until is not None:
            until = str(until)
            try:
                import datetime

                datetime.date.fromisoformat(until[:10])
            except ValueError:
                raise UsageError(f"'until' is not a date: {until!r}", location=where) from None
        while_no_fix = entry.get("while-no-fix", entry.get("while_no_fix", False))
        if not isinstance(while_no_fix, bool):
            raise UsageError("'while-no-fix' must be true or false", location=where)
        rules.append(IgnoreRule(ident, reason.strip(), until, while_no_fix, origin))
    return tuple(rules)


@dataclass(frozen=True)
class CommonSettings:
    format: str = "table"
    output: Path | None = None
    offline: bool = False
    verbose: bool = False
    color: bool = False
    python: str | None = None


@dataclass(frozen=True)
class AuditSettings(CommonSettings):
    paths: tuple[str, ...] = ()
    fail_on: str = "low"
    ignores: tuple[IgnoreRule, ...] = ()
    allow_partial: bool = False
    include_self: bool = False
    all_platforms: bool = False
    resolve: bool = False
    verify: bool = False
    vet: bool = True  # malicious + typosquat checks on audited names


@dataclass(frozen=True)
class DbUpdateSettings:
    osv: str | None = None
    popular: str | None = None
    force: bool = False
    quiet: bool = False


@dataclass(frozen=True)
class VetSettings(CommonSettings):
    packages: tuple[str, ...] = ()
    fail_on: str = "low"
    cooldown_days: int = 7


@dataclass(frozen=True)
class InstallSettings(CommonSettings):
    pip_args: tuple[str, ...] = ()
    yes: bool = False
    dry_run: bool = False
    allow_build: bool = False  # let pip build sdists while planning (runs their code)


@dataclass(frozen=True)
class RollbackSettings(CommonSettings):
    transaction: int | None = None


@dataclass(frozen=True)
class FixSettings(CommonSettings):
    path: str | None = None
    dry_run: bool = False
    allow_major: bool = False
    yes: bool = False


@dataclass(frozen=True)
class VerifySettings(CommonSettings):
    paths: tuple[str, ...] = ()
    fail_on: str = "low"


@dataclass(frozen=True)
class ScanSettings(CommonSettings):
    paths: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on: str = "low"
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
