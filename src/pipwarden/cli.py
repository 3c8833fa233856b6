"""The thin command line: parse, build Settings, call one ``app`` function, render, exit."""

from __future__ import annotations

import argparse
import enum
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipwarden import __version__
from pipwarden.constants import FAIL_ON_CHOICES, FORMATS
from pipwarden.errors import PipwardenError, UsageError


class ExitCode(enum.IntEnum):
    OK = 0
    FINDINGS = 1
    ERROR = 2
    ROLLBACK_FAILED = 3


def _add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", "-f", choices=FORMATS, default="table", help="report format (default: table)"
    )
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    parser.add_argument("-v", "--verbose", action="store_true", help="show every detail")


def _add_fail_on(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON_CHOICES,
        default=None,
        help="exit 1 when a finding is at or above this severity (default: low, any finding)",
    )


COMMAND_NAMES = (
    "audit", "db", "vet", "install", "rollback", "history", "fix", "outdated", "verify", "scan"
)


class _Ignored:
    """Stands in for the parsers of commands not being run (building all of them costs
    more start-up time than a small audit)."""

    def add_argument(self, *args: object, **kwargs: object) -> None:
        return None

    def add_subparsers(self, *args: object, **kwargs: object) -> _Ignored:
        return self

    def add_parser(self, *args: object, **kwargs: object) -> _Ignored:
        return self


class _Only:
    def __init__(self, real: Any, only: str):
        self._real = real
        self._only = only

    def add_parser(self, name: str, **kwargs: Any) -> Any:
        if name == self._only:
            return self._real.add_parser(name, **kwargs)
        return _Ignored()


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser, or (``only``) a parser that knows only that command."""
    parser = argparse.ArgumentParser(
        prog="pipwarden",
        description="Supply-chain security for Python projects and environments.",
    )
    parser.add_argument("--version", action="version", version=f"pipwarden {__version__}")
    real_sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub: Any = _Only(real_sub, only) if only else real_sub

    audit = sub.add_parser("audit", help="check dependencies against known advisories")
    audit.add_argument(
        "paths", nargs="*", metavar="PATH", help="files or directories ('-' reads stdin)"
    )
    audit.add_argument("--python", metavar="PY", help="audit this interpreter's environment")
    _add_format(audit)
    _add_fail_on(audit)
    audit.add_argument(
        "--ignore", action="append", default=[], metavar="ID", help="ignore an advisory (by any alias)"
    )
    audit.add_argument("--offline", action="store_true", help="never use the network")
    audit.add_argument(
        "--allow-partial", action="store_true", help="report (not fail) when some input could not be checked"
    )
    audit.add_argument(
        "--include-self", action="store_true", help="include pipwarden's own dependencies"
    )
    audit.add_argument(
        "--all-platforms", action="store_true", help="keep dependencies whose markers exclude this platform"
    )
    audit.add_argument(
        "--resolve", action="store_true", help="resolve unpinned requirements with pip (network)"
    )
    audit.add_argument(
        "--verify", action="store_true", help="also run the checks of 'pipwarden verify'"
    )

    db = sub.add_parser("db", help="manage the local advisory store")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION")
    update = db_sub.add_parser("update", help="download and import advisories and popular names")
    update.add_argument("--osv", metavar="SRC", help="OSV export: URL, zip, or directory of records")
    update.add_argument("--popular", metavar="SRC", help="popular-package list: URL or json file")
    update.add_argument("--force", action="store_true", help="rebuild even when nothing changed")
    db_sub.add_parser("status", help="show what the store holds and how old it is")

    vet = sub.add_parser("vet", help="check packages before you adopt them")
    vet.add_argument(
        "packages", nargs="+", metavar="NAME[==VERSION]", help="the packages to check"
    )
    vet.add_argument("--offline", action="store_true", help="only use the local store")
    _add_format(vet)
    _add_fail_on(vet)
    vet.add_argument(
        "--cooldown", type=int, default=7, metavar="DAYS", help="flag releases younger than this"
    )

    install = sub.add_parser(
        "install",
        help="pip install through the guard (checks, summary, rollback)",
        description="pip install through the guard. Any argument not listed here (names, "
        "-r FILE, -e ., -U, --index-url, --no-index --find-links ...) is passed to pip install.",
    )
    install.add_argument("--python", metavar="PY", help="target this interpreter's environment")
    install.add_argument("--yes", "-y", action="store_true", help="proceed on REVIEW without asking")
    install.add_argument("--dry-run", action="store_true", help="plan and check, install nothing")
    install.add_argument("--offline", action="store_true", help="skip online reputation checks")
    install.add_argument(
        "--allow-build",
        action="store_true",
        help="let pip build sdists while planning (runs their code before any check)",
    )
    install.add_argument("-v", "--verbose", action="store_true", help="show every detail")

    rollback = sub.add_parser("rollback", help="undo an install transaction")
    rollback.add_argument("id", nargs="?", type=int, metavar="ID", help="transaction (default: last)")
    rollback.add_argument("--python", metavar="PY", help="the interpreter whose environment to restore")

    history = sub.add_parser("history", help="list install transactions")
    history.add_argument("--python", metavar="PY", help="the interpreter whose history to show")

    fix = sub.add_parser("fix", help="upgrade vulnerable dependencies")
    fix.add_argument("path", nargs="?", metavar="PATH", help="file or directory (default: the environment or .)")
    fix.add_argument("--dry-run", action="store_true", help="show the changes (a diff), change nothing")
    fix.add_argument("--python", metavar="PY", help="fix this interpreter's environment")
    fix.add_argument("--allow-major", action="store_true", help="allow new major versions")
    fix.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    fix.add_argument("--offline", action="store_true", help="never use the network")

    outdated = sub.add_parser("outdated", help="list packages with newer releases")
    outdated.add_argument("path", nargs="?", metavar="PATH", help="pinned file (default: the environment)")
    outdated.add_argument("--python", metavar="PY", help="check this interpreter's environment")
    outdated.add_argument("--offline", action="store_true", help="use only cached release lists")
    _add_format(outdated)

    verify = sub.add_parser("verify", help="check hashes, provenance and installed files")
    verify.add_argument("paths", nargs="*", metavar="PATH", help="lock or requirements files")
    verify.add_argument("--python", metavar="PY", help="verify this interpreter's environment")
    verify.add_argument("--offline", action="store_true", help="never use the network")
    _add_format(verify)
    _add_fail_on(verify)

    scan = sub.add_parser("scan", help="find untrusted input reaching sinks, and leaked resources")
    scan.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: .)")
    scan.add_argument("--select", default="", metavar="CODES", help="only these rule codes or prefixes")
    scan.add_argument("--ignore", default="", metavar="CODES", help="skip these rule codes or prefixes")
    _add_format(scan)
    _add_fail_on(scan)
    return parser


def reference() -> str:
    """The CLI reference in Markdown, generated from the parser (kept in the README).

    Built from the parser's actions rather than ``format_help`` so that it reads the same on
    every Python version.
    """
    parser = build_parser()
    lines: list[str] = []
    for path, sub in _commands(parser, ["pipwarden"]):
        lines += [f"### {' '.join(path)}", ""]
        if sub.description or sub.get_default("help"):
            lines += [str(sub.description), ""]
        positional = [a for a in sub._actions if not a.option_strings and a.dest != "help"]
        optional = [a for a in sub._actions if a.option_strings and a.dest != "help"]
        usage = " ".join(path + [f"[{_arg(a)}]" for a in optional] + [_arg(a) for a in positional])
        lines += ["```text", usage, "```", ""]
        rows = [a for a in positional + optional if not isinstance(a, argparse._SubParsersAction)]
        if rows:
            lines += ["| argument | meaning |", "| --- | --- |"]
            for action in rows:
                lines.append(f"| `{_arg(action)}` | {(action.help or '').replace('|', '/')} |")
            lines.append("")
    return "\n".join(lines)


def _arg(action: argparse.Action) -> str:
    if isinstance(action, argparse._SubParsersAction):
        return "{" + ",".join(action.choices) + "} ..."
    if action.choices:
        value = "{" + ",".join(str(c) for c in action.choices) + "}"
    else:
        value = str(action.metavar or action.dest.upper())
    if not action.option_strings:
        return {"*": f"[{value} ...]", "+": f"{value} ...", "?": f"[{value}]"}.get(
            str(action.nargs), value
        )
    names = ", ".join(action.option_strings)
    if action.nargs == 0:
        return names
    return f"{names} {value}"


def _commands(
    parser: argparse.ArgumentParser, path: list[str]
) -> list[tuple[list[str], argparse.ArgumentParser]]:
    out: list[tuple[list[str], argparse.ArgumentParser]] = []
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if len(path) > 1 and not subs:
        return [(path, parser)]
    helps = {c.dest: c.help for s in subs for c in s._choices_actions}
    for action in subs:
        for name, sub in action.choices.items():
            if sub.description is None and helps.get(name):
                sub.description = helps[name]
            out += _commands(sub, [*path, name])
    return out


def _color(stream: object) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def write_output(text: str, output: str | None) -> None:
    """Print the report, or write it atomically to ``output``."""
    if output is None:
        sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
        sys.stdout.flush()
        return
    path = Path(output)
    tmp = path.with_name(f".{path.name}.pipwarden-tmp")
    try:
        tmp.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UsageError(f"cannot write report: {exc.strerror}", location=output) from None


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(args_list[0] if args_list[:1] and args_list[0] in COMMAND_NAMES else None)
    try:
        if args_list[:1] == ["install"]:
            args, extra = parser.parse_known_args(args_list)
            args.pip_args = extra
        else:
            args = parser.parse_args(args_list)
    except SystemExit as exc:  # argparse: usage errors exit 2, --help exits 0
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help()
        return ExitCode.ERROR
    try:
        return run(args)
    except PipwardenError as exc:
        sys.stderr.write(exc.render() + "\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130


def run(args: argparse.Namespace) -> int:
    driver = None
    if args.command == "install" and args.pip_args:
        # Start pip's planning before importing the rest of pipwarden (see install/driver.py).
        from pipwarden.install.driver import start_install

        driver = start_install(
            args.python, args.pip_args, allow_build=args.allow_build, dry_run=args.dry_run
        )
        args.started_driver = driver
    try:
        from pipwarden import commands

        return commands.dispatch(args, color=_color(sys.stdout))
    finally:
        if driver is not None:
            driver.close()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
