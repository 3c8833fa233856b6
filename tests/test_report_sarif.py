"""``--format sarif``: valid SARIF 2.1.0 (official schema), rules, locations, suppressions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest

from pipwarden.models import (
    CodeFinding,
    Dependency,
    PackageName,
    Report,
    Severity,
    VulnerabilityFinding,
)
from pipwarden.report import render, sarif
from test_report_registry import audit_report, sample_reports, scan_report, verify_report

SCHEMA_PATH = Path(__file__).resolve().parent / "assets" / "schemas" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )


@pytest.fixture(autouse=True)
def _in_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _sarif(report: Report) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(render(report, "sarif"))
    return data


def _run(report: Report) -> dict[str, Any]:
    run: dict[str, Any] = _sarif(report)["runs"][0]
    return run


def _result(run: dict[str, Any], rule_id: str, package: str | None = None) -> dict[str, Any]:
    for result in run["results"]:
        if result["ruleId"] == rule_id and (
            package is None or result["properties"].get("package") == package
        ):
            return result
    raise AssertionError(f"no result for {rule_id}")


def _physical(result: dict[str, Any]) -> dict[str, Any]:
    phys: dict[str, Any] = result["locations"][0]["physicalLocation"]
    return phys


def _uris(node: object) -> list[tuple[str, str]]:
    """Every (key, value) in the log whose key names a URI."""
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in {"uri", "helpUri", "$schema"} and isinstance(value, str):
                found.append((key, value))
            found += _uris(value)
    elif isinstance(node, list):
        for item in node:
            found += _uris(item)
    return found


@pytest.mark.parametrize("kind", sorted(sample_reports()))
def test_valid_against_the_official_schema(
    kind: str, validator: jsonschema.Draft4Validator
) -> None:
    data = _sarif(sample_reports()[kind])
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    # jsonschema has no checker for "uri"/"uri-reference" without extra packages: check here.
    for key, value in _uris(data):
        parts = urlsplit(value)
        if key in {"helpUri", "$schema"}:
            assert parts.scheme in {"https", "http"} and parts.netloc, value
        else:
            assert " " not in value and (parts.scheme in {"", "file"}), value


def test_schema_rejects_a_broken_log(validator: jsonschema.Draft4Validator) -> None:
    data = _sarif(audit_report())
    data["runs"][0]["results"][0]["level"] = "fatal"
    del data["runs"][0]["tool"]["driver"]["name"]
    assert len(list(validator.iter_errors(data))) == 2


def test_one_rule_per_advisory_with_help_and_severity() -> None:
    run = _run(audit_report())
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert ids == sorted({f.id for f in audit_report().findings})
    django = rules[ids.index("GHSA-aaaa-bbbb-cccc")]
    assert django["helpUri"] == "https://github.com/advisories/GHSA-aaaa-bbbb-cccc"
    assert django["shortDescription"]["text"] == "SQL injection in QuerySet | annotate"
    assert "Line one of the details." in django["help"]["text"]
    assert "CVE-2024-0001" in django["help"]["text"]
    assert django["defaultConfiguration"]["level"] == "error"
    assert django["properties"]["security-severity"] == "9.8"
    assert "security" in django["properties"]["tags"]
    # No score: a representative number inside the severity's band.
    starlette = rules[ids.index("GHSA-ssss-tttt-uuuu")]
    assert starlette["properties"]["security-severity"] == "5.5"
    assert starlette["defaultConfiguration"]["level"] == "warning"
    assert starlette["helpUri"] == "https://osv.dev/vulnerability/GHSA-ssss-tttt-uuuu"
    for rule in rules:
        value = float(rule["properties"]["security-severity"])
        assert 0.0 <= value <= 10.0
    # ruleIndex points at the rule with the same id.
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_levels_follow_severity() -> None:
    assert sarif.LEVELS[Severity.CRITICAL] == "error"
    assert sarif.LEVELS[Severity.HIGH] == "error"
    assert sarif.LEVELS[Severity.MODERATE] == "warning"
    assert sarif.LEVELS[Severity.LOW] == "note"
    run = _run(audit_report())
    assert _result(run, "PYSEC-2023-100")["level"] == "error"
    assert _result(run, "GHSA-iiii-jjjj-kkkk")["level"] == "note"


def test_results_land_on_the_declaring_line() -> None:
    run = _run(audit_report())
    django = _physical(_result(run, "GHSA-aaaa-bbbb-cccc"))
    assert django["artifactLocation"] == {"uri": "requirements.txt", "uriBaseId": "%SRCROOT%"}
    assert django["region"] == {"startLine": 3}
    typo = _physical(_result(run, "typosquat"))
    assert typo["region"] == {"startLine": 5}
    # A lock file entry without a line number: line 1 of that file.
    starlette = _physical(_result(run, "GHSA-ssss-tttt-uuuu"))
    assert starlette["artifactLocation"]["uri"] == "poetry.lock"
    assert starlette["region"] == {"startLine": 1}
    logical = _result(run, "GHSA-aaaa-bbbb-cccc")["locations"][0]["logicalLocations"][0]
    assert logical["fullyQualifiedName"] == "django==3.2.0"


def test_finding_without_source_uses_the_dependency_declaration() -> None:
    run = _run(verify_report())
    result = _result(run, "hash-mismatch")
    assert _physical(result)["artifactLocation"]["uri"] == "requirements.txt"
    assert _physical(result)["region"] == {"startLine": 2}
    assert result["properties"]["file"] == "six-1.16.0-py2.py3-none-any.whl"


def test_code_findings_carry_line_and_columns() -> None:
    run = _run(scan_report())
    phys = _physical(_result(run, "PW101"))
    assert phys["artifactLocation"] == {"uri": "src/app/run.py", "uriBaseId": "%SRCROOT%"}
    assert phys["region"] == {"startLine": 12, "startColumn": 5, "endLine": 12, "endColumn": 40}
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["PW101", "PW201"]
    assert rules[0]["name"] == "subprocess-shell-untrusted"
    assert "helpUri" not in rules[0]


def test_inconsistent_code_region_is_trimmed_not_invalid() -> None:
    finding = CodeFinding(
        id="PW102",
        severity=Severity.HIGH,
        summary="x",
        file="a.py",
        line=10,
        column=8,
        end_line=9,
        end_column=2,
    )
    phys = _physical(_run(Report(command="scan", findings=(finding,)))["results"][0])
    assert phys["region"] == {"startLine": 10, "startColumn": 8}


def test_relative_uri_under_cwd_and_file_uri_outside(
    _in_project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("elsewhere") / "requirements.txt"
    inside = _in_project / "sub dir" / "requirements.txt"
    report = Report(
        command="audit",
        dependencies=(
            Dependency(name=PackageName("a"), version="1", source=str(inside), line=2),
            Dependency(name=PackageName("b"), version="1", source=str(outside), line=4),
        ),
        findings=(
            VulnerabilityFinding(
                id="GHSA-1",
                severity=Severity.HIGH,
                summary="x",
                package="a",
                version="1",
                source=str(inside),
                line=2,
            ),
            VulnerabilityFinding(
                id="GHSA-2",
                severity=Severity.HIGH,
                summary="y",
                package="b",
                version="1",
                source=str(outside),
                line=4,
            ),
        ),
    )
    run = _run(report)
    assert _physical(_result(run, "GHSA-1"))["artifactLocation"] == {
        "uri": "sub%20dir/requirements.txt",
        "uriBaseId": "%SRCROOT%",
    }
    assert _physical(_result(run, "GHSA-2"))["artifactLocation"] == {"uri": outside.as_uri()}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == _in_project.as_uri() + "/"


def test_environment_findings_have_a_logical_location_only() -> None:
    report = Report(
        command="audit",
        dependencies=(
            Dependency(name=PackageName("a"), version="1", source="environment:/usr/bin/python3"),
        ),
        findings=(
            VulnerabilityFinding(
                id="GHSA-1",
                severity=Severity.HIGH,
                summary="x",
                package="a",
                version="1",
                source="environment:/usr/bin/python3",
            ),
        ),
    )
    location = _run(report)["results"][0]["locations"][0]
    assert "physicalLocation" not in location
    assert location["logicalLocations"][0]["name"] == "a"


def test_ignored_findings_are_suppressed_with_the_reason() -> None:
    run = _run(audit_report())
    ignored = _result(run, "GHSA-iiii-jjjj-kkkk")
    assert ignored["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": "templates are trusted"}
    ]
    active = _result(run, "GHSA-aaaa-bbbb-cccc")
    assert "suppressions" not in active


def test_warnings_skipped_and_unchecked_become_notifications() -> None:
    run = _run(audit_report())
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is True
    assert invocation["exitCode"] == 1
    texts = [n["message"]["text"] for n in invocation["toolExecutionNotifications"]]
    assert "skipped flask: not pinned: >=2" in texts
    assert "the advisory store is 9 days old" in texts
    assert run["automationDetails"] == {"id": "pipwarden/audit/"}
    partial = Report(command="audit", unchecked=("b.txt: parse error",), partial=True)
    inv = _run(partial)["invocations"][0]
    assert inv["executionSuccessful"] is False
    assert inv["toolExecutionNotifications"][0]["level"] == "error"


def test_output_is_deterministic_and_sorted() -> None:
    report = audit_report()
    first = render(report, "sarif")
    assert first == render(report, "sarif")
    reordered = Report(
        command="audit",
        dependencies=tuple(reversed(report.dependencies)),
        skipped=report.skipped,
        findings=tuple(reversed(report.findings)),
        warnings=report.warnings,
        exit_code=report.exit_code,
    )
    assert render(reordered, "sarif") == first
    results = json.loads(first)["runs"][0]["results"]
    keys = [
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in results
    ]
    assert keys == sorted(keys)
    fingerprints = [r["partialFingerprints"]["pipwarden/v1"] for r in results]
    assert len(set(fingerprints)) == len(fingerprints)
