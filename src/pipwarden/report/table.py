"""A generic table for commands without a table module of their own."""

from __future__ import annotations

from pipwarden.models import CodeFinding, Report
from pipwarden.report.summary import plural, severity_words


def render(report: Report, *, verbose: bool = False, color: bool = False) -> str:
    active = report.active_findings
    head = f"{report.command}: {plural(len(active), 'finding')}"
    if active:
        head += f" ({severity_words(active)})"
    lines = [head]
    for f in active:
        where = f"{f.file}:{f.line}:{f.column}" if isinstance(f, CodeFinding) else (
            f"{f.package} {f.version or ''}".strip()
        )
        lines.append(f"  {f.severity.value:<9} {f.id:<20} {where}  {f.summary}")
    return "\n".join(lines) + "\n"
