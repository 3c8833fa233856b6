"""The table for ``pipwarden scan``: findings grouped by file, then the summary line."""

from __future__ import annotations

from pipwarden.models import CodeFinding, Report, Severity
from pipwarden.report.summary import plural, severity_words

_COLORS = {
    Severity.CRITICAL: "\x1b[1;31m",
    Severity.HIGH: "\x1b[31m",
    Severity.MODERATE: "\x1b[33m",
    Severity.LOW: "\x1b[36m",
    Severity.UNKNOWN: "",
}
_RESET = "\x1b[0m"


def render(report: Report, *, verbose: bool = False, color: bool = False) -> str:
    findings = [f for f in report.active_findings if isinstance(f, CodeFinding)]
    lines: list[str] = []
    current = None
    for finding in findings:
        if finding.file != current:
            if current is not None:
                lines.append("")
            current = finding.file
            lines.append(finding.file)
        severity = f"{finding.severity.value:<8}"
        if color:
            severity = f"{_COLORS[finding.severity]}{severity}{_RESET}"
        lines.append(
            f"  {f'{finding.line}:{finding.column}':<8} {finding.id}  {severity} {finding.summary}"
        )
        if verbose and finding.rule_name:
            lines.append(f"  {'':<6} rule: {finding.rule_name}")
    if findings:
        lines.append("")
    files = report.extra.get("files_scanned", 0)
    head = f"scanned {plural(int(files) if isinstance(files, int) else 0, 'file')}: "
    head += plural(len(findings), "finding")
    if findings:
        head += f" ({severity_words(findings)})"
    ignored = len(report.findings) - len(report.active_findings)
    if ignored:
        head += f", {ignored} ignored"
    lines.append(head)
    if report.unchecked:
        lines.append(f"not scanned ({len(report.unchecked)}): " + ", ".join(report.unchecked))
    return "\n".join(lines) + "\n"
