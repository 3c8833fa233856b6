"""argv Namespace -> Settings -> ``app`` function -> rendered Report -> exit code.

One small function per command; all work happens in :mod:`pipwarden.app`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from pipwarden import app
from pipwarden.errors import UsageError
from pipwarden.models import Report
from pipwarden.settings import (
    FAIL_ON_CHOICES,
    AuditSettings,
    DbUpdateSettings,
    FixSettings,
    InstallSettings,
    RollbackSettings,
    ScanSettings,
    VerifySettings,
    VetSettings,
    load_project_config,
)


def _emit(report: Report, args: argparse.Namespace, color: bool) -> int:
    from pipwarden.cli import write_output
    from pipwarden.report import render

    fmt = getattr(args, "format", "table") or "table"
    output = getattr(args, "output", None)
    for warning in report.warnings:
        sys.stderr.write(f"warning: {warning}\n")
    text = render(
        report,
        fmt,
        verbose=bool(getattr(args, "verbose", False)),
        color=color and output is None and fmt == "table",
    )
    write_output(text, output)
    return report.exit_code


def _fail_on(args: argparse.Namespace, config: dict[str, object], origin: str | None) -> str:
    if args.fail_on:
        return str(args.fail_on)
    value = str(config.get("fail-on", config.get("fail_on", "low")))
    if value not in FAIL_ON_CHOICES:
        raise UsageError(
            f"fail-on must be one of {', '.join(FAIL_ON_CHOICES)}, not {value!r}",
            location=f"{origin}: tool.pipwarden" if origin else "tool.pipwarden",
        )
    return value


def audit(args: argparse.Namespace, color: bool) -> int:
    from pipwarden.settings import IgnoreRule, parse_ignores

    first = Path(args.paths[0]) if args.paths and args.paths[0] != "-" else Path.cwd()
    config, origin = load_project_config(first)
    ignores = parse_ignores(config, origin) if origin else ()
    ignores += tuple(IgnoreRule(i, "given with --ignore") for i in args.ignore)
    settings = AuditSettings(
        paths=tuple(args.paths),
        python=args.python,
        format=args.format,
        output=Path(args.output) if args.output else None,
        offline=args.offline,
        verbose=args.verbose,
        color=color,
        fail_on=_fail_on(args, config, origin),
        ignores=ignores,
        allow_partial=args.allow_partial,
        include_self=args.include_self,
        all_platforms=args.all_platforms,
        resolve=args.resolve,
        verify=args.verify,
    )
    return _emit(app.audit(settings), args, color)


def db(args: argparse.Namespace, color: bool) -> int:
    if args.db_command == "update":
        settings = DbUpdateSettings(osv=args.osv, popular=args.popular, force=args.force)
        sys.stdout.write(app.db_update(settings) + "\n")
        return 0
    if args.db_command == "status":
        text, code = app.db_status()
        sys.stdout.write(text + "\n")
        return code
    raise UsageError("usage: pipwarden db {update,status}")


def vet(args: argparse.Namespace, color: bool) -> int:
    settings = VetSettings(
        packages=tuple(args.packages),
        offline=args.offline,
        format=args.format,
        output=Path(args.output) if args.output else None,
        verbose=args.verbose,
        color=color,
        fail_on=args.fail_on or "low",
        cooldown_days=args.cooldown,
    )
    return _emit(app.vet(settings), args, color)


def install(args: argparse.Namespace, color: bool) -> int:
    settings = InstallSettings(
        pip_args=tuple(args.pip_args),
        python=args.python,
        yes=args.yes,
        dry_run=args.dry_run,
        offline=args.offline,
        verbose=args.verbose,
        color=color,
        allow_build=args.allow_build,
    )
    return app.install(settings, started=getattr(args, "started_driver", None))


def rollback(args: argparse.Namespace, color: bool) -> int:
    return app.rollback(RollbackSettings(transaction=args.id, python=args.python, color=color))


def history(args: argparse.Namespace, color: bool) -> int:
    return app.history(RollbackSettings(python=args.python, color=color))


def fix(args: argparse.Namespace, color: bool) -> int:
    settings = FixSettings(
        path=args.path,
        python=args.python,
        dry_run=args.dry_run,
        allow_major=args.allow_major,
        yes=args.yes,
        offline=args.offline,
        color=color,
    )
    return app.fix(settings)


def outdated(args: argparse.Namespace, color: bool) -> int:
    settings = AuditSettings(
        paths=(args.path,) if args.path else (),
        python=args.python,
        offline=args.offline,
        format=args.format,
        output=Path(args.output) if args.output else None,
        verbose=args.verbose,
        color=color,
    )
    return _emit(app.outdated(settings), args, color)


def verify(args: argparse.Namespace, color: bool) -> int:
    settings = VerifySettings(
        paths=tuple(args.paths),
        python=args.python,
        offline=args.offline,
        format=args.format,
        output=Path(args.output) if args.output else None,
        verbose=args.verbose,
        color=color,
        fail_on=args.fail_on or "low",
    )
    return _emit(app.verify(settings), args, color)


def scan(args: argparse.Namespace, color: bool) -> int:
    first = Path(args.paths[0]) if args.paths else Path.cwd()
    config, origin = load_project_config(first)
    where = f"{origin}: tool.pipwarden.scan" if origin else "tool.pipwarden.scan"
    scan_config = config.get("scan", {})
    if not isinstance(scan_config, dict):
        raise UsageError("must be a table", location=where)
    fail_on = args.fail_on or str(scan_config.get("fail-on", "low"))
    if fail_on not in FAIL_ON_CHOICES:
        raise UsageError(
            f"fail-on must be one of {', '.join(FAIL_ON_CHOICES)}, not {fail_on!r}", location=where
        )
    settings = ScanSettings(
        paths=tuple(args.paths) or (".",),
        select=_codes(args.select) or _codes(scan_config.get("select"), f"{where}.select"),
        ignore=_codes(args.ignore) + _codes(scan_config.get("ignore"), f"{where}.ignore"),
        format=args.format,
        output=Path(args.output) if args.output else None,
        verbose=args.verbose,
        color=color,
        fail_on=fail_on,
        extra=scan_config,
    )
    return _emit(app.scan(settings), args, color)


def _codes(value: object, where: str | None = None) -> tuple[str, ...]:
    if value is None or value == "" or value == []:
        return ()
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, list):
        items = [str(v) for v in value]
    else:
        raise UsageError(
            f"rule codes must be a list or a comma-separated string, not {value!r}",
            location=where,
        )
    return tuple(i.strip().upper() for i in items if i.strip())


COMMANDS: dict[str, Callable[[argparse.Namespace, bool], int]] = {
    "audit": audit,
    "db": db,
    "vet": vet,
    "install": install,
    "rollback": rollback,
    "history": history,
    "fix": fix,
    "outdated": outdated,
    "verify": verify,
    "scan": scan,
}


def dispatch(args: argparse.Namespace, color: bool) -> int:
    return COMMANDS[args.command](args, color)
