"""Every rule: a fixture with violations and clean code (exact line and column), a doc with
the fixed sections, and a generated docs/rules.md that is up to date."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipwarden.scan import Scanner
from pipwarden.scan.docs import SECTIONS, render
from pipwarden.scan.rules import all_rules, select_rules

FIXTURES = Path(__file__).parent / "scan_fixtures"
EXPECT = re.compile(r"#\s*expect:\s*([A-Z]+\d+)@(\d+)")
RULES = all_rules()


def fixture_for(code: str) -> Path | None:
    matches = sorted(FIXTURES.glob(f"{code}_*.py"))
    return matches[0] if matches else None


def expectations(text: str, code: str) -> set[tuple[int, int]]:
    out = set()
    for number, line in enumerate(text.splitlines(), start=1):
        for found_code, column in EXPECT.findall(line):
            if found_code == code:
                out.add((number, int(column)))
    return out


def test_registry_is_complete_and_codes_unique() -> None:
    codes = [rule.code for rule in RULES]
    assert len(codes) == len(set(codes))
    assert {c[:3] for c in codes} == {"PW1", "PW2"}
    names = [rule.name for rule in RULES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_has_doc_sections(rule: type) -> None:
    doc = rule.doc()
    assert doc.splitlines()[0] == f"{rule.code} {rule.name}"
    positions = [doc.find(section) for section in SECTIONS]
    assert all(p >= 0 for p in positions), f"{rule.code} lacks a doc section"
    assert positions == sorted(positions)
    assert rule.summary and rule.severity is not None


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_has_fixture_with_violations_and_clean_code(rule: type) -> None:
    path = fixture_for(rule.code)
    assert path is not None, f"no fixture for {rule.code} in {FIXTURES}"
    text = path.read_text()
    assert expectations(text, rule.code), "the fixture has no violation"
    assert "# ok" in text, "the fixture has no clean code"


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_fixture_exact_locations(rule: type) -> None:
    path = fixture_for(rule.code)
    assert path is not None
    text = path.read_text()
    scanner = Scanner(select_rules((rule.code,)))
    findings = scanner.scan_source(text, str(path))
    got = {(f.line, f.column) for f in findings}
    assert got == expectations(text, rule.code)
    for finding in findings:
        assert finding.id == rule.code
        assert finding.severity == rule.severity
        assert finding.end_line is not None and finding.end_column is not None
        if rule.code.startswith("PW1") and finding.source_line is not None:
            assert f"line {finding.source_line}" in finding.summary
            assert f"line {finding.line}" in finding.summary


def test_taint_rules_are_high_or_critical_and_resource_rules_lower() -> None:
    for rule in RULES:
        if rule.code.startswith("PW1"):
            assert rule.severity.value in {"high", "critical"}
        else:
            assert rule.severity.value in {"moderate", "low"}


def test_docs_rules_md_is_current() -> None:
    path = Path(__file__).resolve().parent.parent / "docs" / "rules.md"
    assert path.read_text() == render(), (
        "docs/rules.md is stale: run python -m pipwarden.scan.docs > docs/rules.md"
    )
