"""``--format json``: the stable contract of ARCHITECTURE.md section 3 (schema_version 1).

Keys are emitted in a fixed order; new keys may be added, existing ones never change.
"""

from __future__ import annotations

import json
from typing import Any

from pipwarden import __version__
from pipwarden.models import (
    AnyFinding,
    CodeFinding,
    Dependency,
    IntegrityFinding,
    MaliciousFinding,
    Report,
    ReputationFinding,
    Skipped,
    TyposquatFinding,
    VulnerabilityFinding,
)
from pipwarden.report.summary import summary_dict

SCHEMA_VERSION = 1


def dependency_json(dep: Dependency) -> dict[str, Any]:
    return {
        "name": dep.name,
        "version": dep.version,
        "source": dep.source,
        "direct": dep.direct,
        "group": dep.group,
        "parents": list(dep.parents),
        "line": dep.line,
        "format": dep.format,
        "hashes": list(dep.hashes),
        "markers": dep.markers,
    }


def skipped_json(item: Skipped) -> dict[str, Any]:
    return {
        "name": item.name,
        "reason": item.reason,
        "source": item.source,
        "line": item.line,
        "group": item.group,
    }


def finding_json(finding: AnyFinding) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": finding.kind}
    if isinstance(finding, CodeFinding):
        out["id"] = finding.id
        out["file"] = finding.file
        out["line"] = finding.line
        out["column"] = finding.column
    else:
        out["package"] = finding.package
        out["version"] = finding.version
        out["id"] = finding.id
    out["aliases"] = list(finding.aliases)
    out["severity"] = finding.severity.value
    out["fixed_in"] = list(finding.fixed_in)
    out["summary"] = finding.summary
    out["ignored"] = finding.ignored
    if finding.ignored:
        out["ignore_reason"] = finding.ignore_reason
    match finding:
        case VulnerabilityFinding():
            out["score"] = finding.score
            out["vector"] = finding.vector
            out["published"] = finding.published
            out["url"] = finding.url
            out["source"] = finding.source
            out["line"] = finding.line
        case MaliciousFinding():
            out["url"] = finding.url
            out["source"] = finding.source
            out["line"] = finding.line
        case TyposquatFinding():
            out["imitates"] = finding.imitates
            out["rule"] = finding.rule
            out["downloads"] = finding.downloads
            out["imitates_downloads"] = finding.imitates_downloads
            out["confidence"] = finding.confidence
        case ReputationFinding():
            out["signal"] = finding.signal
            out["verdict"] = finding.verdict
        case IntegrityFinding():
            out["file"] = finding.file
            out["check"] = finding.check
        case CodeFinding():
            out["end_line"] = finding.end_line
            out["end_column"] = finding.end_column
            out["source_line"] = finding.source_line
            out["rule_name"] = finding.rule_name
    return out


def to_dict(report: Report) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "pipwarden", "version": __version__},
        "command": report.command,
        "dependencies": [dependency_json(d) for d in report.dependencies],
        "skipped": [skipped_json(s) for s in report.skipped],
        "findings": [finding_json(f) for f in report.findings],
        "summary": summary_dict(report),
        "warnings": list(report.warnings),
        "unchecked": list(report.unchecked),
        "extra": report.extra,
    }


def render(report: Report, *, verbose: bool = False, color: bool = False) -> str:
    # Compact: the C encoder is several times faster than the indenting one on big reports.
    return json.dumps(to_dict(report), ensure_ascii=False, separators=(",", ":")) + "\n"
