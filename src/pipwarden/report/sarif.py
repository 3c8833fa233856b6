"""``--format sarif``: SARIF 2.1.0 for code-scanning services.

- One rule per advisory id or rule code, with its summary, details, link (``helpUri``),
  default level and ``properties.security-severity`` (a numeric string, which GitHub code
  scanning reads to rank alerts as critical/high/medium/low).
- One result per finding, located at the file and line that declared the package
  (requirements.txt, pyproject.toml, a lock file), line 1 when the line is unknown, or at the
  scanned code's line and columns for code findings. Files under the current directory get a
  relative URI against ``%SRCROOT%``; others an absolute ``file:`` URI.
- Ignored findings stay, with a ``suppressions`` entry carrying the reason.
- Output is deterministic: rules and results are sorted, no timestamps.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from pipwarden import __version__
from pipwarden.models import (
    AnyFinding,
    CodeFinding,
    Dependency,
    IntegrityFinding,
    MaliciousFinding,
    Report,
    ReputationFinding,
    Severity,
    TyposquatFinding,
    VulnerabilityFinding,
)

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SRCROOT = "%SRCROOT%"
_OSV_BASE = "https://osv.dev/vulnerability/"

LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MODERATE: "warning",
    Severity.LOW: "note",
    Severity.UNKNOWN: "warning",
}
# Representative CVSS scores when a finding has a severity but no score of its own; each sits
# inside GitHub's band for that severity (critical >= 9.0, high >= 7.0, medium >= 4.0, low > 0).
DEFAULT_SCORES = {
    Severity.CRITICAL: 9.5,
    Severity.HIGH: 8.0,
    Severity.MODERATE: 5.5,
    Severity.LOW: 2.0,
}
_RULE_NAMES = {
    "vulnerability": "VulnerableDependency",
    "malicious": "MaliciousPackage",
    "typosquat": "PossibleTyposquat",
    "reputation": "PackageReputation",
    "integrity": "IntegrityProblem",
    "code": "CodeRule",
}


# --- locations ----------------------------------------------------------------------------------


def _is_file_source(source: str | None) -> bool:
    return bool(source) and not str(source).startswith(("environment:", "<")) and source != "-"


def artifact_location(path: str, cwd: Path) -> dict[str, str]:
    """A relative URI against ``%SRCROOT%`` when ``path`` is under ``cwd``, else a file URI."""
    absolute = Path(os.path.normpath(cwd / path))
    try:
        relative = absolute.relative_to(cwd)
    except ValueError:
        return {"uri": absolute.as_uri()}
    return {"uri": quote(PurePosixPath(*relative.parts).as_posix(), safe="/"), "uriBaseId": SRCROOT}


def _region(finding: AnyFinding, line: int | None) -> dict[str, int]:
    if isinstance(finding, CodeFinding):
        start = max(finding.line or 1, 1)
        region = {"startLine": start, "startColumn": max(finding.column, 1)}
        if finding.end_line is not None and finding.end_line >= start:
            region["endLine"] = finding.end_line
            if finding.end_column is not None and finding.end_column >= 1:
                same_line = finding.end_line == start
                if not same_line or finding.end_column >= region["startColumn"]:
                    region["endColumn"] = finding.end_column
        return region
    return {"startLine": max(line or 1, 1)}


def _declaration(
    finding: AnyFinding, deps: dict[tuple[str, str], list[Dependency]]
) -> tuple[str | None, int | None]:
    """(file, line) where the finding's package was declared."""
    if isinstance(finding, CodeFinding):
        return finding.file or None, finding.line
    if _is_file_source(finding.source):
        return finding.source, finding.line
    for dep in deps.get((finding.package or "", finding.version or ""), []):
        if _is_file_source(dep.source):
            return dep.source, dep.line
    if isinstance(finding, IntegrityFinding) and finding.file:
        return finding.file, None
    return None, None


# --- rules --------------------------------------------------------------------------------------


def _url(finding: AnyFinding) -> str | None:
    url: str | None = None
    if isinstance(finding, (VulnerabilityFinding, MaliciousFinding)):
        url = finding.url or _OSV_BASE + quote(finding.id, safe="-._~")
    if url and url.startswith(("https://", "http://")):
        return url
    return None


def security_severity(finding: AnyFinding) -> str | None:
    score = finding.score if isinstance(finding, VulnerabilityFinding) else None
    if isinstance(finding, MaliciousFinding):
        score = 10.0
    if score is None:
        score = DEFAULT_SCORES.get(finding.severity)
    return None if score is None else f"{score:.1f}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _score(finding: AnyFinding) -> float:
    value = security_severity(finding)
    return float(value) if value is not None else -1.0


def _rule(rule_id: str, findings: list[AnyFinding]) -> dict[str, Any]:
    # The most severe finding speaks for the rule (all share the id; they differ by package).
    ordered = sorted(findings, key=lambda f: (f.package or "", f.version or "", f.summary))
    first = max(ordered, key=lambda f: (f.severity.rank, _score(f)))
    summary = _one_line(first.summary) or rule_id
    details = first.details if isinstance(first, VulnerabilityFinding) else ""
    url = _url(first)
    help_text = [summary]
    help_md = [f"**{summary}**"]
    if details.strip():
        help_text.append(details.strip())
        help_md.append(details.strip())
    if first.aliases:
        help_text.append("Aliases: " + ", ".join(first.aliases))
        help_md.append("Aliases: " + ", ".join(f"`{a}`" for a in first.aliases))
    if isinstance(first, CodeFinding) and first.rule_name:
        help_text.append(f"Rule: {rule_id} {first.rule_name}")
    if url:
        help_md.append(f"[{rule_id}]({url})")
    tags = ["security", first.kind]
    if isinstance(first, (VulnerabilityFinding, MaliciousFinding)):
        tags.append("dependency")
    rule: dict[str, Any] = {
        "id": rule_id,
        "name": (
            first.rule_name
            if isinstance(first, CodeFinding) and first.rule_name
            else _RULE_NAMES[first.kind]
        ),
        "shortDescription": {"text": summary},
        "fullDescription": {"text": details.strip() or summary},
        "help": {"text": "\n\n".join(help_text), "markdown": "\n\n".join(help_md)},
        "defaultConfiguration": {"level": LEVELS[first.severity]},
        "properties": {
            "tags": tags,
            "precision": "high" if first.kind != "reputation" else "medium",
        },
    }
    if url:
        rule["helpUri"] = url
    sev = security_severity(first)
    if sev is not None:
        rule["properties"]["security-severity"] = sev
    rule["properties"]["severity"] = first.severity.value
    return rule


# --- results ------------------------------------------------------------------------------------


def _message(finding: AnyFinding) -> str:
    if isinstance(finding, CodeFinding):
        return finding.summary or finding.id
    who = f"{finding.package} {finding.version}" if finding.version else str(finding.package)
    parts = [f"{who}: {finding.summary or finding.id}".rstrip()]
    match finding:
        case VulnerabilityFinding():
            sev = finding.severity.value
            if finding.score is not None:
                sev += f" {finding.score:.1f}"
            parts.append(f"Severity: {sev}.")
            if finding.fixed_in:
                parts.append(f"Fixed in {', '.join(finding.fixed_in)}.")
            else:
                parts.append("No fixed version is known.")
        case MaliciousFinding():
            parts.append("This package is known to be malicious: remove it.")
        case TyposquatFinding():
            if finding.imitates:
                parts.append(f"The name is close to the popular package {finding.imitates}.")
        case ReputationFinding():
            parts.append(f"Verdict: {finding.verdict}.")
        case IntegrityFinding():
            if finding.file:
                parts.append(f"File: {finding.file}.")
        case _:
            pass
    return " ".join(p if p.endswith((".", "!", "?")) else p + "." for p in parts)


def _fingerprint(finding: AnyFinding, uri: str) -> str:
    if isinstance(finding, CodeFinding):
        key = f"{finding.id}|{finding.file}|{finding.line}|{finding.column}"
    else:
        key = f"{finding.id}|{finding.package}|{finding.version}|{uri}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _result(
    finding: AnyFinding,
    rule_index: int,
    deps: dict[tuple[str, str], list[Dependency]],
    cwd: Path,
) -> dict[str, Any]:
    path, line = _declaration(finding, deps)
    location: dict[str, Any] = {}
    uri = ""
    if path:
        artifact = artifact_location(path, cwd)
        uri = artifact["uri"]
        location["physicalLocation"] = {
            "artifactLocation": artifact,
            "region": _region(finding, line),
        }
    if finding.package:
        location["logicalLocations"] = [
            {
                "name": finding.package,
                "fullyQualifiedName": (
                    f"{finding.package}=={finding.version}" if finding.version else finding.package
                ),
                "kind": "module",
            }
        ]
    result: dict[str, Any] = {
        "ruleId": finding.id,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": _message(finding)},
    }
    if location:
        result["locations"] = [location]
    result["partialFingerprints"] = {"pipwarden/v1": _fingerprint(finding, uri)}
    properties: dict[str, Any] = {"kind": finding.kind, "severity": finding.severity.value}
    if finding.package:
        properties["package"] = finding.package
    if finding.version:
        properties["version"] = finding.version
    if finding.aliases:
        properties["aliases"] = list(finding.aliases)
    if finding.fixed_in:
        properties["fixed_in"] = list(finding.fixed_in)
    sev = security_severity(finding)
    if sev is not None:
        properties["security-severity"] = sev
    if isinstance(finding, TyposquatFinding) and finding.imitates:
        properties["imitates"] = finding.imitates
    if isinstance(finding, IntegrityFinding):
        if finding.check:
            properties["check"] = finding.check
        if finding.file:
            properties["file"] = finding.file
    result["properties"] = properties
    if finding.ignored:
        suppression: dict[str, Any] = {"kind": "external", "status": "accepted"}
        if finding.ignore_reason:
            suppression["justification"] = finding.ignore_reason
        result["suppressions"] = [suppression]
    return result


def _sort_key(result: dict[str, Any]) -> tuple[Any, ...]:
    loc = (result.get("locations") or [{}])[0]
    phys = loc.get("physicalLocation", {})
    region = phys.get("region", {})
    props = result["properties"]
    return (
        phys.get("artifactLocation", {}).get("uri", "\uffff"),
        region.get("startLine", 0),
        region.get("startColumn", 0),
        result["ruleId"],
        props.get("package", ""),
        props.get("version", ""),
        result["message"]["text"],
    )


def _notifications(report: Report, cwd: Path) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for warning in report.warnings:
        out.append({"level": "warning", "message": {"text": warning}})
    for item in report.unchecked:
        out.append({"level": "error", "message": {"text": f"not checked: {item}"}})
    for skip in report.skipped:
        note: dict[str, Any] = {
            "level": "note",
            "message": {"text": f"skipped {skip.name}: {skip.reason}"},
        }
        if _is_file_source(skip.source):
            note["locations"] = [
                {
                    "physicalLocation": {
                        "artifactLocation": artifact_location(skip.source, cwd),
                        "region": {"startLine": max(skip.line or 1, 1)},
                    }
                }
            ]
        out.append(note)
    return out


def to_dict(report: Report, cwd: Path | None = None) -> dict[str, Any]:
    base = Path(os.path.normpath(cwd or Path.cwd()))
    deps: dict[tuple[str, str], list[Dependency]] = {}
    for dep in sorted(report.dependencies, key=lambda d: (d.source, d.line or 0)):
        deps.setdefault((dep.name, dep.version), []).append(dep)

    by_rule: dict[str, list[AnyFinding]] = {}
    for finding in report.findings:
        by_rule.setdefault(finding.id, []).append(finding)
    rule_ids = sorted(by_rule)
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    rules = [_rule(rule_id, by_rule[rule_id]) for rule_id in rule_ids]
    results = [_result(f, index[f.id], deps, base) for f in report.findings]
    results.sort(key=_sort_key)

    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "pipwarden",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": rules,
            }
        },
        "invocations": [
            {
                "executionSuccessful": not report.unchecked,
                "exitCode": report.exit_code,
                "toolExecutionNotifications": _notifications(report, base),
            }
        ],
        # GitHub code scanning files uploads by this id ("category"), so audit and scan
        # results of one repository do not replace each other.
        "automationDetails": {"id": f"pipwarden/{report.command}/"},
        "originalUriBaseIds": {SRCROOT: {"uri": base.as_uri().rstrip("/") + "/"}},
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {"command": report.command, "partial": report.partial},
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render(report: Report, *, verbose: bool = False, color: bool = False) -> str:
    return json.dumps(to_dict(report), indent=2, ensure_ascii=False) + "\n"
