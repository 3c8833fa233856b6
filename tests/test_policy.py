"""Ignore rules and --fail-on."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from pipwarden.checks.policy import apply_ignores, exit_code, fails
from pipwarden.errors import UsageError
from pipwarden.models import Severity, VulnerabilityFinding
from pipwarden.settings import IgnoreRule, load_project_config, parse_ignores

TODAY = datetime.date(2026, 6, 1)


def vuln(ident: str, severity: Severity = Severity.HIGH, fixed: tuple[str, ...] = ("2.0",), aliases: tuple[str, ...] = ()) -> VulnerabilityFinding:
    return VulnerabilityFinding(id=ident, severity=severity, summary="", package="p", version="1.0", fixed_in=fixed, aliases=aliases)


def test_ignore_by_alias_and_reason_kept() -> None:
    out = apply_ignores([vuln("PYSEC-1", aliases=("CVE-2020-1",))], [IgnoreRule("cve-2020-1", "not reachable")], TODAY)
    assert out.findings[0].ignored and out.findings[0].ignore_reason == "not reachable"
    assert out.warnings == ()


def test_expired_unused_and_while_no_fix() -> None:
    findings = [vuln("A"), vuln("B", fixed=())]
    rules = [
        IgnoreRule("A", "later", until="2026-05-31", origin="pyproject.toml"),
        IgnoreRule("B", "no fix yet", while_no_fix=True),
        IgnoreRule("Z", "old"),
    ]
    out = apply_ignores(findings, rules, TODAY)
    assert [f.ignored for f in out.findings] == [False, True]
    assert out.warnings == (
        "ignore A expired on 2026-05-31 (pyproject.toml)",
        "ignore Z matched nothing (--ignore)",
    )
    fixed_now = apply_ignores([vuln("B")], [IgnoreRule("B", "no fix yet", while_no_fix=True)], TODAY)
    assert not fixed_now.findings[0].ignored
    assert "no longer applies" in fixed_now.warnings[0]


@pytest.mark.parametrize(
    ("severity", "fail_on", "expected"),
    [
        (Severity.LOW, "low", 1),
        (Severity.MODERATE, "high", 0),
        (Severity.HIGH, "high", 1),
        (Severity.CRITICAL, "critical", 1),
        (Severity.UNKNOWN, "low", 1),
        (Severity.UNKNOWN, "moderate", 0),
        (Severity.CRITICAL, "none", 0),
    ],
)
def test_fail_on(severity: Severity, fail_on: str, expected: int) -> None:
    assert exit_code([vuln("A", severity)], fail_on) == expected


def test_ignored_findings_never_fail() -> None:
    assert not fails([apply_ignores([vuln("A")], [IgnoreRule("A", "r")], TODAY).findings[0]], "low")


def test_config_file_ignores(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pipwarden]\nfail-on = "high"\n[[tool.pipwarden.ignore]]\nid = "PYSEC-1"\nreason = "dev only"\nuntil = 2027-01-01\nwhile-no-fix = true\n'
    )
    table, origin = load_project_config(tmp_path)
    rules = parse_ignores(table, str(origin))
    assert rules == (IgnoreRule("PYSEC-1", "dev only", "2027-01-01", True, str(tmp_path / "pyproject.toml")),)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[tool.pipwarden.ignore]]\nid = "X"\n', "'reason' is required"),
        ('[[tool.pipwarden.ignore]]\nid = "X"\nreason = "r"\nuntil = "soon"\n', "not a date"),
        ("[tool.pipwarden]\nignore = [\"X\"]\n", "needs a table"),
        ("[tool.pipwarden\n", "invalid TOML"),
    ],
)
def test_config_errors_name_the_field(tmp_path: Path, body: str, message: str) -> None:
    (tmp_path / ".pipwarden.toml").write_text(body)
    with pytest.raises(UsageError, match=message) as info:
        table, origin = load_project_config(tmp_path)
        parse_ignores(table, str(origin))
    assert ".pipwarden.toml" in str(info.value)
