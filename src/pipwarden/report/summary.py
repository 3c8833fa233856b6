"""Counting helpers shared by reporters: severity counts and npm-style summary words."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from pipwarden.models import SEVERITY_ORDER, AnyFinding, Report, Severity


def by_severity(findings: Sequence[AnyFinding]) -> dict[str, int]:
    counts = Counter(f.severity for f in findings)
    return {s.value: counts.get(s, 0) for s in SEVERITY_ORDER}


def severity_words(findings: Sequence[AnyFinding]) -> str:
    """``1 critical, 3 high, 3 moderate`` (zero counts left out)."""
    counts = by_severity(findings)
    return ", ".join(f"{n} {name}" for name, n in counts.items() if n)


def plural(count: int, word: str, plural_word: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural_word or word + 's')}"


def worst(findings: Sequence[AnyFinding]) -> Severity:
    return max((f.severity for f in findings), key=lambda s: s.rank, default=Severity.UNKNOWN)


def summary_dict(report: Report) -> dict[str, object]:
    active = report.active_findings
    return {
        "dependencies": len(report.dependencies),
        "findings": len(active),
        "by_severity": by_severity(active),
        "ignored": len(report.findings) - len(active),
        "skipped": len(report.skipped),
        "partial": report.partial,
    }
