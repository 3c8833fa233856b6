"""The table for ``pipwarden outdated``: one row per package with a newer release."""

from __future__ import annotations

from pipwarden.models import Report
from pipwarden.report.summary import plural


def render(report: Report, *, verbose: bool = False, color: bool = False) -> str:
    rows = report.extra.get("outdated")
    items = [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []
    total = len({d.name for d in report.dependencies})
    fixing = [r for r in items if r.get("fixes_vulnerabilities")]
    head = f"outdated: {len(items)} of {plural(total, 'package')} have newer releases"
    if fixing:
        head += f"; {len(fixing)} of these updates fix known vulnerabilities"
    if report.unchecked:
        head += f"; {len(report.unchecked)} could not be checked"
    lines = [head]
    if items:
        width = max(len(str(r["name"])) for r in items)
        cur = max(len(str(r["current"])) for r in items)
        new = max(len(str(r["latest"])) for r in items)
        for r in items:
            note = ""
            fixes = r.get("fixes_vulnerabilities") or []
            still = r.get("still_affected") or []
            if isinstance(fixes, list) and fixes:
                note = "fixes " + ", ".join(str(f) for f in fixes)
            if isinstance(still, list) and still:
                note += (
                    ("; " if note else "") + "still affected: " + ", ".join(str(s) for s in still)
                )
            row = f"  {r['name']!s:<{width}}  {r['current']!s:<{cur}}  ->  {r['latest']!s:<{new}}"
            lines.append(f"{row}  {note}".rstrip())
    return "\n".join(lines) + "\n"
