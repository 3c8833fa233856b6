"""The default terminal report of ``audit``: npm's summary line, one row per vulnerable
package, and what to do next. Plain text (ANSI colour only when asked), no rich import."""

from __future__ import annotations

import shutil
from collections import Counter

from pipwarden.models import (
    AnyFinding,
    IntegrityFinding,
    MaliciousFinding,
    Report,
    Severity,
    TyposquatFinding,
    VulnerabilityFinding,
)
from pipwarden.report.summary import plural, severity_words, worst

_COLOURS = {
    Severity.CRITICAL: "\033[1;35m",
    Severity.HIGH: "\033[1;31m",
    Severity.MODERATE: "\033[33m",
    Severity.LOW: "\033[36m",
    Severity.UNKNOWN: "\033[2m",
}
_RESET = "\033[0m"


def _paint(text: str, severity: Severity, color: bool) -> str:
    return f"{_COLOURS[severity]}{text}{_RESET}" if color else text


def summary_line(report: Report) -> str:
    active = report.active_findings
    vulns = [f for f in active if isinstance(f, VulnerabilityFinding)]
    malicious = [f for f in active if isinstance(f, MaliciousFinding)]
    squats = [f for f in active if isinstance(f, TyposquatFinding)]
    distinct = {(d.name, d.version) for d in report.dependencies}
    head = f"audited {plural(len(distinct), 'package')}"
    if report.partial:
        head += f" (partial: {plural(len(report.unchecked), 'input')} not checked)"
    parts: list[str] = []
    if vulns:
        packages = {(f.package, f.version) for f in vulns}
        parts.append(
            f"{plural(len(vulns), 'vulnerability', 'vulnerabilities')} in "
            f"{plural(len(packages), 'package')} ({severity_words(vulns)})"
        )
    if malicious:
        parts.append(plural(len({f.package for f in malicious}), "malicious package"))
    if squats:
        parts.append(plural(len(squats), "possible typosquat"))
    integrity = [f for f in active if isinstance(f, IntegrityFinding)]
    if integrity:
        parts.append(plural(len(integrity), "integrity problem"))
    if not parts:
        parts.append("no known vulnerabilities")
    ignored = len(report.findings) - len(active)
    text = f"{head}: {'; '.join(parts)}"
    if ignored:
        text += f" ({ignored} ignored)"
    return text


def skipped_line(report: Report) -> str | None:
    if not report.skipped:
        return None
    reasons = Counter(_short_reason(s.reason) for s in report.skipped)
    words = ", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items(), key=lambda i: -i[1]))
    return f"{plural(len(report.skipped), 'dependency', 'dependencies')} skipped ({words}) — see --verbose"


def _short_reason(reason: str) -> str:
    return reason.split(":")[0].strip()


def _rows(report: Report) -> list[dict[str, str]]:
    packages = report.extra.get("packages", [])
    assert isinstance(packages, list)  # noqa: S101 - built by audit.run
    grouped: dict[tuple[str, str], list[AnyFinding]] = {}
    for finding in report.active_findings:
        if finding.package is None:
            continue
        grouped.setdefault((finding.package, finding.version or ""), []).append(finding)
    info = {(str(p["name"]), str(p["version"])): p for p in packages if isinstance(p, dict)}
    rows = []
    for (name, version), items in grouped.items():
        extra = info.get((name, version), {})
        sev = worst(items)
        command = str(extra.get("fix_command") or "")
        fix = str(extra.get("fix") or "-")
        if any(isinstance(f, MaliciousFinding) for f in items):
            fix, command = "remove", f"remove {name}: a known malicious release"
        elif not any(isinstance(f, VulnerabilityFinding) for f in items):
            squat = next((f for f in items if isinstance(f, TyposquatFinding)), None)
            fix = "review"
            if squat is not None:
                command = f"did you mean {squat.imitates}? ({squat.rule})"
            else:
                command = items[0].summary
        rows.append(
            {
                "package": name,
                "version": version,
                "severity": sev.value,
                "advisories": str(sum(isinstance(f, VulnerabilityFinding) for f in items)),
                "fix": fix,
                "via": str(extra.get("via", "")),
                "command": command,
                "rank": str(sev.rank),
            }
        )
    rows.sort(key=lambda r: (-int(r["rank"]), r["package"], r["version"]))
    return rows


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 1)] + "…"


def render(report: Report, *, verbose: bool = False, color: bool = False) -> str:
    width = shutil.get_terminal_size((100, 24)).columns
    lines = [summary_line(report)]
    rows = _rows(report)
    if rows:
        headers = {
            "package": "Package",
            "version": "Version",
            "severity": "Severity",
            "advisories": "Advisories",
            "fix": "Fixed in",
            "via": "Via",
        }
        for row in rows:
            row["via"] = _clip(row["via"], 32)
        widths = {k: max(len(h), *(len(r[k]) for r in rows)) for k, h in headers.items()}
        table_width = sum(widths.values()) + 2 * len(widths)
        inline = all(table_width + len(r["command"]) <= width for r in rows)
        lines.append("")
        head = "  ".join(h.ljust(widths[k]) for k, h in headers.items())
        lines.append((head + "  Fix" if inline else head).rstrip())
        for row in rows:
            cells = [row[k].ljust(widths[k]) for k in headers]
            sev = Severity(row["severity"])
            cells[2] = _paint(cells[2], sev, color)
            text = "  ".join(cells)
            if inline:
                text += "  " + row["command"]
            elif row["command"]:
                label = "note" if row["fix"] in {"review", "-"} else "fix"
                text = text.rstrip() + f"\n    {label}: {row['command']}"
            lines.append(text.rstrip())
            if verbose:
                lines.extend(_details(report, row["package"], row["version"], color))
    lines.append("")
    fixable = [r for r in rows if r["fix"] not in {"-", "remove", "review"}]
    if fixable:
        lines.append("run pipwarden fix to apply these upgrades")
    if any(r["fix"] == "-" for r in rows):
        lines.append(f"{plural(sum(r['fix'] == '-' for r in rows), 'package')} with no fix known")
    skipped = skipped_line(report)
    if skipped:
        lines.append(skipped)
    if verbose:
        for skip in report.skipped:
            where = f"{skip.source}:{skip.line}" if skip.line else skip.source
            lines.append(f"  skipped {skip.name}: {skip.reason} ({where})")
        for item in report.unchecked:
            lines.append(f"  not checked: {item}")
        for finding in report.findings:
            if finding.ignored:
                lines.append(f"  ignored {finding.id} ({finding.package}): {finding.ignore_reason}")
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


def _details(report: Report, package: str, version: str, color: bool) -> list[str]:
    out = []
    for finding in report.active_findings:
        if finding.package != package or (finding.version or "") != version:
            continue
        aliases = f" ({', '.join(finding.aliases)})" if finding.aliases else ""
        sev = finding.severity.value
        if isinstance(finding, VulnerabilityFinding) and finding.score is not None:
            sev += f" {finding.score:.1f}"
        out.append(f"    {finding.id}{aliases}  {_paint(sev, finding.severity, color)}")
        if finding.summary:
            out.append(f"      {finding.summary}")
        meta = []
        if isinstance(finding, VulnerabilityFinding):
            if finding.published:
                meta.append(f"published {finding.published[:10]}")
            if finding.fixed_in:
                meta.append(f"fixed in {', '.join(finding.fixed_in)}")
            if finding.url:
                meta.append(finding.url)
        elif isinstance(finding, MaliciousFinding) and finding.url:
            meta.append(finding.url)
        elif isinstance(finding, TyposquatFinding):
            meta.append(f"imitates {finding.imitates} ({finding.rule})")
        if meta:
            out.append("      " + "  ".join(meta))
    return out
