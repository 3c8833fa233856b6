"""``pipwarden verify`` as a table: one summary line, then one row per problem.

    verified 58 distributions: 56 ok, 1 modified file, 1 unattested
      high      record      requests 2.32.3   .../requests/api.py   api.py: sha256 differs ...
"""

from __future__ import annotations

from pipwarden.models import SEVERITY_ORDER, IntegrityFinding, Report
from pipwarden.report.summary import plural

# finding id / bucket -> (singular, plural); ids not listed are shown as they are.
WORDS: dict[str, tuple[str, str]] = {
    "hash-mismatch": ("hash mismatch", "hash mismatches"),
    "missing-hash": ("requirement without hashes", "requirements without hashes"),
    "dependency-confusion": ("name on several indexes", "names on several indexes"),
    "provenance-invalid": ("invalid attestation", "invalid attestations"),
    "provenance-changed": ("provenance change", "provenance changes"),
    "record-modified": ("modified file", "modified files"),
    "record-missing": ("missing file", "missing files"),
    "record-unclaimed": ("unclaimed file", "unclaimed files"),
    "pth-exec": ("code-running .pth file", "code-running .pth files"),
    "customize": ("customize module", "customize modules"),
    "unattested": ("unattested", "unattested"),
    "unverifiable": ("unverifiable", "unverifiable"),
    "unchecked": ("unchecked", "unchecked"),
}


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


def summary_line(report: Report) -> str:
    extra = report.extra
    total = _int(extra.get("distributions"))
    parts = [f"{_int(extra.get('ok'))} ok"]
    raw_counts = extra.get("counts")
    counts = raw_counts if isinstance(raw_counts, dict) else {}
    for ident, n in counts.items():
        if not isinstance(n, int) or not n:
            continue
        one, many = WORDS.get(str(ident), (str(ident), str(ident)))
        parts.append(f"{n} {one if n == 1 else many}")
    return f"verified {plural(total, 'distribution')}: " + ", ".join(parts)


def _where(finding: IntegrityFinding) -> str:
    if finding.package:
        return f"{finding.package} {finding.version or ''}".strip()
    return "-"


def render(report: Report, *, verbose: bool = False, color: bool = False) -> str:
    lines = [summary_line(report)]
    order = {s: i for i, s in enumerate(SEVERITY_ORDER)}
    active = sorted(
        (f for f in report.active_findings if isinstance(f, IntegrityFinding)),
        key=lambda f: (order[f.severity], f.check, f.package or "", f.file or ""),
    )
    rows: list[tuple[str, str, str, str, str]] = []
    for f in active:
        rows.append((f.severity.value, f.check or f.id, _where(f), f.file or "", f.summary))
    raw = report.extra.get("unverifiable")
    unverifiable = {str(u).split(" ", 1)[0] for u in raw} if isinstance(raw, list) else set()
    for item in report.skipped:
        label = "unverifiable" if item.name in unverifiable else "skipped"
        rows.append(("-", label, item.name, item.source, item.reason))
    for text in report.unchecked:
        rows.append(("-", "unchecked", "-", "", text))
    if verbose:
        unattested = report.extra.get("unattested")
        for name in unattested if isinstance(unattested, list) else []:
            rows.append(("-", "unattested", str(name), "", "no PEP 740 attestations published"))
        publishers = report.extra.get("publishers")
        if isinstance(publishers, dict):
            for name, ids in publishers.items():
                rows.append(("-", "publisher", str(name), "", ", ".join(map(str, ids))))
    if rows:
        w0 = max(len(r[0]) for r in rows)
        w1 = max(len(r[1]) for r in rows)
        w2 = max(len(r[2]) for r in rows)
        for sev, check, where, file, summary in rows:
            tail = f"  {file}" if file and verbose else ""
            lines.append(f"  {sev:<{w0}}  {check:<{w1}}  {where:<{w2}}  {summary}{tail}")
    return "\n".join(lines) + "\n"
