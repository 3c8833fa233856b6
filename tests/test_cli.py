"""The command line: generated reference, usage errors, exit codes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from pipwarden.cli import build_parser, main, reference
from pipwarden.report import REPORTERS
from pipwarden.settings import FORMATS

ROOT = Path(__file__).resolve().parent.parent


def _gen_docs():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "tools" / "gen_docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_cli_reference_is_current() -> None:
    gen = _gen_docs()
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert gen.readme_with_reference(text, reference()) == text, "run: python tools/gen_docs.py"


def test_every_command_of_the_contract_exists() -> None:
    parser = build_parser()
    for argv in (
        ["audit", "req.txt", "--python", "py", "--format", "json", "--output", "o", "--fail-on", "high", "--ignore", "X", "--offline"],
        ["db", "update", "--osv", "a.zip", "--popular", "p.json"],
        ["db", "status"],
        ["vet", "requests==2.0", "--offline", "--format", "json"],
        ["rollback", "3", "--python", "py"],
        ["history", "--python", "py"],
        ["fix", "requirements.txt", "--dry-run"],
        ["outdated", "--python", "py"],
        ["verify", "req.txt", "--python", "py", "--offline", "--format", "sarif"],
        ["scan", "src", "--select", "PW1", "--ignore", "PW205", "--format", "json", "--fail-on", "high"],
    ):
        parser.parse_args(argv)


def test_every_format_has_a_reporter() -> None:
    assert set(FORMATS) == set(REPORTERS)


def test_usage_error_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--format", "yaml"]) == 2
    assert main(["no-such-command"]) == 2
    assert main([]) == 2
    capsys.readouterr()


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("pipwarden ")
